"""Same answer: `--engine ray` on a local Ray (2 CPUs) writes exactly what the local engine writes.

Slow (Ray starts in ~10 s and each run takes ~30-60 s on two shared cores): run by .ci/run, which installs the ray
extra; skipped by the README's quick command and where Ray is not installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset

from pipeline.clean.config import CleanConfig
from pipeline.config import load_config
from pipeline.core.records import Task, features_for
from pipeline.engine import expand_directories
from pipeline.runner import run_pipeline
from tests.conftest import CONTEXT, DATA, read_jsonl

pytest.importorskip("ray.data")
pytestmark = pytest.mark.slow


def _both(inputs: list[str], tmp_path: Path, engine) -> tuple[Path, Path]:
    cfg = load_config(None, {})
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    run_pipeline(expand_directories(inputs), cfg, local)
    run_pipeline(expand_directories(inputs), cfg, on_ray, engine=engine)
    return local, on_ray


def _assert_same_files(local: Path, on_ray: Path) -> None:
    names = sorted(p.name for p in local.iterdir())
    assert names == sorted(p.name for p in on_ray.iterdir())
    different = [name for name in names if (local / name).is_file() and (local / name).read_bytes() != (on_ray / name).read_bytes()]
    assert different == []


@pytest.mark.parametrize("name", ["sms_spam_2000.tsv", "banking77_1500.csv"])
def test_ray_writes_the_same_splits_rejections_and_report_as_the_local_engine(name, tmp_path, ray_engine):
    """Every output file is byte-identical: kept ids in their splits, rejected rows and reasons, the verdict."""
    local, on_ray = _both([str(DATA / name)], tmp_path, ray_engine)
    _assert_same_files(local, on_ray)
    report = json.loads((on_ray / "report.json").read_text(encoding="utf-8"))
    duplicates = report["duplicates"]
    # the run exercised what the Ray engine distributes: near duplicates from verified LSH pairs, near twins
    assert duplicates["near"] > 0 and duplicates["candidates_verified"] > 0 and duplicates["groups"]["pairs"] > 0
    assert report["counts"]["input"] == {"sms_spam_2000.tsv": 2000, "banking77_1500.csv": 1500}[name]


def test_a_directory_of_parquet_and_jsonl_shards_gives_the_same_answer(tmp_path, ray_engine):
    """Completion records read from a directory of shards: both engines agree on every output."""
    rows = json.loads((DATA / "alpaca_200_quality.json").read_text(encoding="utf-8"))
    shards = tmp_path / "shards"
    shards.mkdir()
    table = pa.Table.from_pylist(rows)
    pq.write_table(table.slice(0, 80), shards / "part-0.parquet")
    pq.write_table(table.slice(80, 80), shards / "part-1.parquet")
    (shards / "part-2.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[160:] + rows[:5]), encoding="utf-8")
    local, on_ray = _both([str(shards)], tmp_path, ray_engine)
    _assert_same_files(local, on_ray)
    assert {r["reason"] for r in read_jsonl(on_ray / "rejected.jsonl")} >= {"duplicate_exact"}


def test_a_row_that_makes_clean_raise_on_a_ray_worker_is_quarantined(ray_engine):
    """The stage result keeps every other row; the bad one is rejected as stage_error with the exception."""
    stage = dict((name, stage) for name, stage, _ in ray_engine.stages([("clean", None, "clean")]))["clean"]
    texts = ["Where is my card? It was sent two weeks ago.", "How do I top up by bank transfer?",
             "My card payment was declined at the shop."] * 400
    n = len(texts)
    ds = Dataset.from_dict({
        "id": [f"r{k}" for k in range(n)], "source_file": ["made.jsonl"] * n, "source_row": list(range(1, n + 1)),
        "raw": ["{}"] * n, "extra": ["{not json" if k == 777 else None for k in range(n)],
        "cluster": [f"c{k}" for k in range(n)], "text": texts, "label": ["card"] * n,
    }, features=features_for(Task.CLASSIFICATION))
    result = stage(ds, CleanConfig(), CONTEXT)
    assert len(result.kept) == n - 1 and result.rejected["id"] == ["r777"]
    assert result.rejected["reason"] == ["stage_error"] and "JSONDecodeError" in result.rejected["detail"][0]
