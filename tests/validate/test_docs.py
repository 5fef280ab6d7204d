"""Data Docs names: every suite name becomes a name GX can store a page under."""

from __future__ import annotations

import pytest

from pipeline.validate.docs import gx_suite_name


@pytest.mark.parametrize(("name", "expected"), [
    ("ftprep.classification", "1-ftprep.classification"), ("team/strict", "1-team-strict"), ("a\\b", "1-a-b"),
    ("../../etc", "1-etc"), ("a..b", "1-a.b"), ("my suite", "1-my-suite"), ("x" * 300, "1-" + "x" * 100), ("..", "1-suite"),
])
def test_suite_names_become_names_gx_can_store(name, expected):
    """Slashes, '..', spaces and very long names (which GX cannot store a page for) become a safe name."""
    assert gx_suite_name(1, name) == expected


@pytest.mark.slow
def test_data_docs_for_a_suite_named_with_a_slash_are_built_and_a_failed_build_is_one_warning(runner, tmp_path,
                                                                                              monkeypatch):
    """A user suite named 'team/strict' gets its page (it used to print 26 lines of GX traceback and get none); a
    build that fails is one warning line, and report.json lists the suites whose page is missing."""
    import json

    from pipeline.cli import cli
    from tests.conftest import DATA

    suite = tmp_path / "s.json"
    suite.write_text(json.dumps({"name": "team/strict", "expectations": [
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}}]}))
    data = DATA / "validate" / "banking77_60.csv"
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(data), "--out", str(out), "--suite", str(suite), "--data-docs"])
    assert result.exit_code in (0, 1) and "Traceback" not in result.stderr and "warning" not in result.stderr
    docs = json.loads((out / "report.json").read_text())["expectations"]["data_docs"]
    assert docs == {"index": "data_docs/index.html", "missing": []}
    assert (out / "data_docs" / "expectations" / "2-team-strict.html").is_file()

    from great_expectations.data_context import AbstractDataContext

    monkeypatch.setattr(AbstractDataContext, "build_data_docs", lambda self, **kw: 1 / 0)
    failed = runner.invoke(cli, ["run", str(data), "--out", str(out), "--suite", str(suite), "--data-docs", "--overwrite"])
    assert failed.exit_code in (0, 1) and len(failed.stderr.splitlines()) == 1
    assert failed.stderr.startswith("warning: Data Docs could not be built for suite(s) ftprep.classification, team/strict")
    docs = json.loads((out / "report.json").read_text())["expectations"]["data_docs"]
    assert docs["missing"] == ["ftprep.classification", "team/strict"] and docs["error"].startswith("ZeroDivisionError")
