"""report.md and report.html lead with the decision: verdict, what to do next, failed and warned checks (with their
rule as a sentence and example rows), passes folded below; a label that is a paragraph is quoted short."""

from __future__ import annotations

import copy
import csv
from pathlib import Path

import pytest

from pipeline.report.html import render_html
from pipeline.report.markdown import render_markdown
from tests.readiness.judged import judged

SHIFTED = Path(__file__).parent.parent / "data" / "language_detection_shifted_row.csv"


@pytest.fixture(scope="module")
def shifted_report() -> dict:
    """The judged report of 160 real language-ID rows plus the dataset's real shifted row (Hindi text as a label)."""
    with open(SHIFTED, newline="", encoding="utf-8") as fh:
        rows = [{"text": r["Text"], "label": r["Language"]} for r in csv.DictReader(fh)]
    report = judged(rows)
    assert report["verdict"] == "not_ready"  # the text label fails min_per_label
    return report


def test_markdown_leads_with_the_decision(shifted_report):
    """Verdict, then numbered next steps (the malformed row first), then failed/warned checks, then the passes."""
    markdown = render_markdown(shifted_report)
    order = ["# ftprep report: NOT READY", "## What to do next", "1. fix the rows whose label is text",
             "## Checks that failed or warned", "### **FAIL** `min_per_label`", "- Rule: fails when labels under 10 examples",
             "## Checks that passed or did not apply", "## Where every row went"]
    positions = [markdown.index(part) for part in order]
    assert positions == sorted(positions)
    failed_block = markdown[markdown.index("## Checks that failed"):markdown.index("## Checks that passed")]
    assert "{" not in failed_block  # thresholds read as sentences, not JSON


def test_a_paragraph_label_is_quoted_short_and_never_grown(shifted_report):
    """The Hindi paragraph in the label column appears in no check at more than 80 characters, and no check asks
    to add examples to it."""
    report = shifted_report
    paragraph = next(label for label in report["labels"]["train"] if len(label) > 100)
    for check in report["checks"]:
        said = " ".join([check["message"], check["recommendation"] or "", *check["examples"]])
        assert paragraph[:81] not in said, check["name"]
        if check["name"] != "min_per_label":
            assert not ("add" in (check["recommendation"] or "") and paragraph[:30].strip() in (check["recommendation"] or ""))
    assert any("do not add examples" in step for step in report["next_steps"])


def test_html_folds_the_passes_below_the_problems(shifted_report):
    """report.html: banner, next steps, failed and warned checks as blocks with examples, passes in <details>."""
    html = render_html(shifted_report)
    order = ['id="verdict"', 'id="next"', 'id="check-min_per_label"', 'class="examples"', '<details id="passed">',
             'id="rows"']
    positions = [html.index(part) for part in order]
    assert positions == sorted(positions)


def test_an_old_report_without_rules_or_next_steps_still_renders():
    """Reports written before rules and next steps existed are re-rendered with both derived from the checks."""
    checks = [{"name": "eval_power", "status": "warn", "observed": {"test_examples": 50}, "threshold": {"warn_above": 0.05},
               "message": "accuracy on 50 test examples is known to within ±13.9% (95% CI)",
               "recommendation": "grow the test split to at least 385 examples"},
              {"name": "min_examples", "status": "pass", "observed": 500, "threshold": {"fail_below": 10},
               "message": "500 examples kept", "recommendation": None}]
    report = {"verdict": "ready_with_warnings", "task": "classification", "field_mapping": {},
                        "counts": {"input": 500, "kept": 500, "rejected": {}, "splits": {"train": 400, "val": 50, "test": 50},
                                   "per_file": {}},
                        "split": {"ratios": [0.8, 0.1, 0.1], "seed": 42, "rare_labels": {}}, "checks": checks}
    markdown = render_markdown(report)
    assert "1. grow the test split to at least 385 examples (eval_power)" in markdown
    assert "- Rule: warns above 0.05" in markdown and "fails below 10" in markdown


def test_the_summary_counts_notes_apart_from_passes(shifted_report):
    """A ready report with info checks says so in its first line instead of 'all checks passed'."""
    report = copy.deepcopy(shifted_report)
    for check in report["checks"]:
        check["status"] = "pass"
    report["checks"][0]["status"] = "info"
    report["verdict"] = "ready"
    summary = render_markdown(report).splitlines()[2]
    assert summary.startswith(f"**none of {len(report['checks'])} checks failed or warned**, 1 note."), summary
