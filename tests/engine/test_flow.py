"""Records in the cluster (`pipeline.engine.flow`): workers read, partition and write; the files are the local engine's.

Slow (a local Ray of 2 CPUs; each run takes ~20-40 s on two shared cores): run by .ci/run, skipped where Ray is not
installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.runner import run_pipeline
from tests.conftest import DATA, read_jsonl

pytest.importorskip("ray.data")
pytestmark = pytest.mark.slow


def _both(inputs: list[str], tmp_path: Path, engine, shards: int = 1, **overrides) -> tuple[Path, Path]:
    cfg = load_config(None, overrides)
    assert engine.keeps_records(inputs, cfg)  # the run below is the one that keeps its records in the cluster
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    run_pipeline(inputs, cfg, local, shard_outputs=shards)
    run_pipeline(inputs, cfg, on_ray, engine=engine, shard_outputs=shards)
    return local, on_ray


def _different(local: Path, on_ray: Path, names: list[str]) -> list[str]:
    return [name for name in names if (local / name).read_bytes() != (on_ray / name).read_bytes()]


def test_malformed_rows_are_rejected_by_the_workers_with_the_local_reasons_and_rows(tmp_path, ray_engine):
    """Chat rows read on the workers, with broken lines among them: every shard and rejected.jsonl byte-identical."""
    lines = (DATA / "openai_toolcalls.jsonl").read_text(encoding="utf-8").splitlines()
    bad = ['{"messages": [{"role": "user", "content": "unterminated', '{"text": "no messages here"}', "[1, 2]"]
    source = tmp_path / "chats.jsonl"
    source.write_text("\n".join(lines[:8] + bad[:1] + lines[8:] + lines[:3] + bad[1:]) + "\n", encoding="utf-8")
    local, on_ray = _both([str(source)], tmp_path, ray_engine, shards=3)
    names = sorted(p.name for p in local.iterdir() if p.name.endswith(".jsonl"))
    assert "train-00002-of-00003.jsonl" in names and _different(local, on_ray, names + ["report.json"]) == []
    rejected = read_jsonl(on_ray / "rejected.jsonl")
    assert [(r["reason"], r["source_row"]) for r in rejected if r["stage"] == "ingest"][0] == ("malformed_json", 9)
    assert {r["reason"] for r in rejected} >= {"malformed_json", "duplicate_exact"}


def test_a_language_filter_detects_every_record_and_gives_the_local_answer(tmp_path, ray_engine):
    """With --languages the driver detects every record's key: wrong_language rejects and shards as the local engine."""
    local, on_ray = _both([str(DATA / "language_detection_312.csv")], tmp_path, ray_engine, shards=2,
                          input={"text_field": "Text", "label_field": "Language"}, clean={"languages": ["en"]})
    names = sorted(p.name for p in local.iterdir() if p.is_file() and p.name != "manifest.json")
    assert _different(local, on_ray, names) == []
    assert {r["reason"] for r in read_jsonl(on_ray / "rejected.jsonl")} >= {"wrong_language"}


def test_above_the_readiness_sample_only_the_readiness_analysis_differs(tmp_path, ray_engine, monkeypatch):
    """Observers on a 300-record sample: splits, rejects and every count over all records stay the local engine's."""
    from pipeline.engine import flow

    monkeypatch.setattr(flow, "READINESS_SAMPLE_ROWS", 300)
    local, on_ray = _both([str(DATA / "banking77_1500.csv")], tmp_path, ray_engine)
    assert _different(local, on_ray, ["train.jsonl", "val.jsonl", "test.jsonl", "rejected.jsonl"]) == []
    mine, theirs = (json.loads((d / "report.json").read_text(encoding="utf-8")) for d in (on_ray, local))
    for key in ("counts", "split", "labels", "cleaning", "field_mapping", "ingest"):
        assert mine[key] == theirs[key], key
    leakage = mine["duplicates"].pop("split_leakage")  # split leakage is an observer: it adds to duplicates
    assert leakage["records"] == 300 and theirs["duplicates"].pop("split_leakage")["records"] > 1000
    assert mine["duplicates"] == theirs["duplicates"]
    sample = mine.pop("readiness_sample")  # the report says it is a sample's, and of how many
    assert sample["records"] == 300 and sample["of"] == theirs["counts"]["kept"] and "readiness_sample" not in theirs
    assert set(mine) == set(theirs) and mine != theirs  # the readiness figures: of 300 of the ~1,400 kept records
