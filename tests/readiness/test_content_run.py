"""``ftprep run`` on a real Alpaca slice with 30% refusals put in: the refusals and their reject reason are named."""

from __future__ import annotations

import json

import pytest

from benchmarks.content_traps import damage, load
from pipeline.cli import cli
from tests.conftest import DATA


@pytest.mark.slow  # a whole run: ~20 s on a loaded machine
def test_run_names_refusals_kept_and_rejected(runner, tmp_path):
    """Half the refusals are rejected by the clean stage, half kept: report.json counts both and names the reason."""
    rows = damage(load(str(DATA / "content/alpaca_en_300.json"))[:150], "refuse")
    source = tmp_path / "refusals.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = runner.invoke(cli, ["run", str(source), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 1, result.output  # not_ready: the refusals fail
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["refusals"]["status"] == "fail"
    assert report["content"]["refusals"]["records"] > 0  # padded disclaimers kept in the splits
    assert "rejected by the clean stage" in checks["refusals"]["message"]
    assert checks["reject_reasons"]["status"] == "warn"
    assert "of input rows were AI-disclaimer refusals" in checks["reject_reasons"]["message"]
    for name in ("truncated_responses", "format_artifacts", "prompt_leakage", "conflicting_responses",
                 "fragmentary_responses"):
        assert checks[name]["status"] == "pass", checks[name]["message"]
    assert "## Response content" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
