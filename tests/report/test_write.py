"""The files of a run: `--shard-outputs N` writes each split as N JSON Lines files holding the same records."""

from __future__ import annotations

import json

from datasets import Dataset

from pipeline.cli import cli
from pipeline.report.write import _shards
from tests.conftest import classification_rows, read_jsonl


def test_shard_outputs_write_each_split_as_n_files_and_the_manifest_counts_them(runner, write_jsonl, tmp_path):
    """Every split becomes 3 files of near-equal size holding its records; rejected.jsonl stays one file."""
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(write_jsonl(classification_rows(20))), "--out", str(out), "--quiet",
                                 "--shard-outputs", "3"])
    assert result.exit_code in (0, 1), result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    for split in ("train", "val", "test"):
        names = [f"{split}-{k:05d}-of-00003.jsonl" for k in range(3)]
        assert not (out / f"{split}.jsonl").exists()
        rows = [row for name in names for row in read_jsonl(out / name)]
        assert len(rows) == report["counts"]["splits"][split] == sum(manifest[name]["rows"] for name in names)
    assert (out / "rejected.jsonl").exists()


def test_shards_are_contiguous_slices_in_record_order():
    """Shard k holds records [n*k/N, n*(k+1)/N): concatenated they are the split as one file would hold it."""
    part = Dataset.from_dict({"id": [str(k) for k in range(10)]})
    shards = _shards("train", part, 3)
    assert [name for name, _ in shards] == [f"train-{k:05d}-of-00003.jsonl" for k in range(3)]
    assert [rows["id"] for _, rows in shards] == [["0", "1", "2"], ["3", "4", "5"], ["6", "7", "8", "9"]]
    assert _shards("val", part, 1)[0][0] == "val.jsonl"
