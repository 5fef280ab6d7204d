"""Output writing: atomic files and refusal to clobber."""

from __future__ import annotations

import os
import stat

import pytest

from pipeline.core.output import atomic_open, finite_json, write_json, write_jsonl


def test_failed_write_leaves_old_file_and_no_temp(tmp_path):
    """An error while writing keeps the previous file intact and leaves no temp file behind."""
    target = tmp_path / "report.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as fh:
            fh.write("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_non_finite_numbers_become_null_in_json_and_are_refused_in_jsonl(tmp_path):
    """report-like JSON writes NaN/Infinity as null (counted by finite_json); a JSONL row holding one is a bug."""
    value, count = finite_json({"a": float("nan"), "b": [1.5, float("inf"), {"c": -float("inf")}], "d": "NaN"})
    assert value == {"a": None, "b": [1.5, None, {"c": None}], "d": "NaN"} and count == 3
    write_json(tmp_path / "r.json", {"f1": float("nan")})
    assert (tmp_path / "r.json").read_text() == '{\n  "f1": null\n}\n'
    with pytest.raises(ValueError):
        write_jsonl(tmp_path / "rows.jsonl", [{"score": float("nan")}])
    assert not (tmp_path / "rows.jsonl").exists()


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_outputs_follow_the_users_umask(runner, tmp_path, umask, mode):
    """Every output gets the permissions the user's umask gives new files (they were 0600 from the temp file)."""
    from pipeline.cli import cli
    from tests.conftest import SAMPLES

    previous = os.umask(umask)
    try:
        out = tmp_path / "out"
        assert runner.invoke(cli, ["run", str(SAMPLES / "product_reviews.csv"), "--out", str(out), "-q"]).exit_code == 0
    finally:
        os.umask(previous)
    files = [p for p in out.iterdir() if p.is_file()]
    assert len(files) >= 8 and {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: mode for p in files}


def test_records_serialised_on_two_workers_are_the_same_bytes(tmp_path, monkeypatch):
    """Batches of 7 rows serialised on two forked workers (each into a part file) give the file one process writes,
    rejects included, and leave no part file behind."""
    import pipeline.core.output as output
    from pipeline.core.output import output_records, rejected_records, write_records_jsonl
    from pipeline.ingest.config import InputConfig
    from pipeline.ingest.stage import read_records

    read = read_records(["samples/support_tickets.jsonl"], InputConfig())
    for name, ds, to_rows in (("kept", read.kept, output_records), ("rejected", read.rejected, rejected_records)):
        one = tmp_path / f"{name}-one.jsonl"
        assert write_jsonl(one, to_rows(ds)) == len(ds)
        monkeypatch.setattr(output, "_WRITE_BATCH", 7)
        monkeypatch.setattr(output, "_PARALLEL_WRITE_ROWS", 0)
        monkeypatch.setattr(output, "default_workers", lambda: 2)
        two = tmp_path / f"{name}-two.jsonl"
        assert write_records_jsonl(two, ds, to_rows) == len(ds)
        assert two.read_bytes() == one.read_bytes() and len(ds) > 0
        assert not list(tmp_path.glob(".*")), "the workers' part files are removed"
        monkeypatch.undo()
