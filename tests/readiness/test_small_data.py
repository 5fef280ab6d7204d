"""Small data never crashes the readiness analysis: 1..30 real banking77 rows x 1..10 labels.

Issue 11: 4 examples per label gave exit 3 (``n_splits=5 cannot be greater than the number of members in each
class`` in the learning curve) and no report, where the data must get ``not_ready`` naming the labels. The quick test
runs the measure stage, every check and the Markdown report on a grid of sizes; the slow one runs whole
``run_pipeline`` on every cell of 1..30 rows x 1..10 labels, label counts even and skewed.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from pipeline.config import load_config
from pipeline.report.markdown import render_markdown
from pipeline.runner import run_pipeline
from tests.readiness.judged import judged

SLICE = Path(__file__).parent.parent / "data" / "banking77_20labels.csv"


def _bank() -> dict[str, list[str]]:
    by_label: dict[str, list[str]] = {}
    with open(SLICE, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            by_label.setdefault(row["category"], []).append(row["text"])
    return by_label


BANK = _bank()


def rows_for(n_rows: int, n_labels: int, shape: str) -> list[dict[str, str]]:
    """``n_rows`` real texts over ``n_labels`` labels: round-robin (``even``) or half on the first (``skewed``)."""
    labels = sorted(BANK)[:n_labels]
    out = []
    for i in range(n_rows):
        if shape == "even" or n_labels == 1:
            label = labels[i % n_labels]
        else:
            label = labels[0] if i % 2 == 0 else labels[1 + (i // 2) % (n_labels - 1)]
        out.append({"text": BANK[label][i], "label": label})
    return out


GRID = [(rows, labels) for rows in (1, 2, 4, 7, 10, 20, 30) for labels in (1, 2, 5, 10) if labels <= rows]


@pytest.mark.parametrize(("n_rows", "n_labels"), GRID)
def test_small_grid_never_raises_and_says_why_it_skips(n_rows, n_labels):
    """Every cell is judged; a learning curve that cannot run is a skip with a reason, never an exception."""
    report = judged(rows_for(n_rows, n_labels, "even"))
    render_markdown(report)
    curve = next(c for c in report["checks"] if c["name"] == "learning_curve")
    if curve["status"] == "skip":
        assert curve["message"].startswith("no learning curve: ") and len(curve["message"]) > 25
    else:
        assert report["learning_curve"]["sizes"]


def test_four_examples_per_label_is_not_ready_and_names_the_labels():
    """The issue's crash case: 5 labels x 4 examples gets a report that fails min_per_label and names them."""
    report = judged(rows_for(20, 5, "even"))
    check = next(c for c in report["checks"] if c["name"] == "min_per_label")
    assert check["status"] == "fail" and all(label in check["recommendation"] for label in sorted(BANK)[:5])


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["even", "skewed"])
def test_whole_runs_on_every_cell_of_the_grid(tmp_path, shape):
    """run_pipeline (every stage, all outputs) on 1..30 rows x 1..10 labels: no exception, a verdict each time."""
    cfg = load_config()
    crashes = []
    for n_labels in range(1, 11):
        for n_rows in range(n_labels, 31):
            src = tmp_path / f"{n_rows}_{n_labels}.jsonl"
            src.write_text("".join(json.dumps(r) + "\n" for r in rows_for(n_rows, n_labels, shape)))
            try:
                result = run_pipeline([str(src)], cfg, tmp_path / f"out_{n_rows}_{n_labels}", overwrite=True)
                assert result.report["verdict"] in ("ready", "ready_with_warnings", "not_ready")
            except Exception as exc:  # noqa: BLE001 -- the test collects every crash of the grid, whatever its type
                crashes.append(f"{n_rows} rows x {n_labels} labels: {type(exc).__name__}: {exc}")
    assert not crashes, "\n".join(crashes[:10])
