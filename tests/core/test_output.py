"""Output writing: atomic files and refusal to clobber."""

from __future__ import annotations

import pytest

from pipeline.core.errors import OutputError
from pipeline.core.output import atomic_open, prepare_out_dir


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


def test_non_empty_out_dir_needs_overwrite(tmp_path):
    """A non-empty output directory is refused unless overwrite is asked for."""
    (tmp_path / "x").write_text("keep")
    with pytest.raises(OutputError, match="--overwrite"):
        prepare_out_dir(tmp_path, overwrite=False)
    prepare_out_dir(tmp_path, overwrite=True)
    prepare_out_dir(tmp_path / "new" / "dir", overwrite=False)
    assert (tmp_path / "new" / "dir").is_dir()
