"""report.html: self-contained, every section present, deterministic."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.report.html import render_html


def _report() -> dict:
    checks = [{"name": "min_examples", "status": "pass", "observed": 500, "threshold": {"fail_below": 10},
               "message": "500 examples kept", "recommendation": None},
              {"name": "learning_curve", "status": "warn", "observed": 0.05, "threshold": {"warn_above": 0.02},
               "message": "doubling would add +0.05", "recommendation": "more data will likely help <soon>"}]
    return {
        "ftprep_version": "0.1.0", "verdict": "ready_with_warnings", "task": "classification",
        "field_mapping": {"text": "text", "label": "category"},
        "counts": {"input": 520, "kept": 500, "rejected": {"too_short": 20}, "splits": {"train": 400, "val": 50, "test": 50},
                   "per_file": {"in.csv": {"input": 520, "train": 400, "val": 50, "test": 50, "rejected": 20}}},
        "split": {"ratios": [0.8, 0.1, 0.1], "seed": 42, "rare_labels": {}},
        "checks": checks,
        "labels": {"train": {"a": 200, "b": 200}, "val": {"a": 25, "b": 25}, "test": {"a": 25, "b": 25}},
        "lengths": {"chars": {s: {"count": 1, "mean": 1, "min": 1, "p50": 1, "p95": 1, "max": 1} for s in ("train", "val", "test")},
                    "chars_histogram": {"edges": [0, 10, 20], "counts": [300, 200]},
                    "tokens": {s: {"count": 1, "mean": 1, "min": 1, "p50": 1, "p95": 1, "max": 1} for s in ("train", "val", "test")},
                    "tokens_histogram": {"edges": [0, 5, 10], "counts": [400, 100]}, "over_max_tokens": 0, "max_seq_tokens": 8,
                    "training_tokens": {"per_epoch": 2000, "epochs": 3, "total": 6000}},
        "languages": {"train": {"en": 390, "de": 10}, "val": {"en": 50}, "test": {"en": 50}},
        "overlap": {"records": 500, "duplicates_remaining": 3, "largest_cluster": 2, "cluster_sizes": {"1": 494, "2": 3},
                    "cross_split": 0, "cross_split_examples": [], "label_conflicts": 0, "label_conflict_examples": []},
        "learning_curve": {"sizes": [50, 100, 200, 400], "scores": [0.5, 0.6, 0.66, 0.7], "metric": "macro_f1",
                           "expected_gain_2x": 0.05, "fit": {"a": 0.8, "b": 2.0, "c": 0.5}, "per_label_f1": {"b": 0.6, "a": 0.8},
                           "sampled_from": 400},
        "label_noise": {"estimated_rate": 0.02, "examined": 500, "flagged": 10, "skipped_labels": [],
                        "suspects": [{"id": "r1", "text": "<script>alert(1)</script>", "given_label": "a",
                                      "suggested_label": "b", "confidence": 0.9}]},
        "duplicates": {"exact": 12, "near": 8},
    }


def test_html_has_every_section_and_plot():
    """Verdict banner, checks, rows, labels, lengths, learning curve, noise, languages, duplicates and stage sections."""
    html = render_html(_report())
    for anchor in ("verdict", "checks", "rows", "labels", "lengths", "learning-curve", "label-noise", "languages",
                   "duplicates", "section-duplicates"):
        assert f'id="{anchor}"' in html, anchor
    assert "READY WITH WARNINGS" in html
    assert html.count("<svg") == 6  # labels, chars, tokens, learning curve, languages, cluster sizes
    assert "more data will likely help &lt;soon&gt;" in html


def test_plot_labels_are_plain_text():
    """Axis labels read as numbers: the learning curve's log axis once printed mathtext source ("$\\mathdefault{2^{10}}$")."""
    html = render_html(_report())
    assert "mathdefault" not in html and "$" not in html
    for size in ("50", "100", "200", "400"):
        assert f">{size}</text>" in html, size


def test_html_has_no_external_url():
    """Nothing is fetched when the page opens: no URL at all, no external src/href, no XML namespace URLs."""
    html = render_html(_report())
    assert not re.search(r"(?:https?:)?//[\w.-]+\.\w", html)
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!#)""", html)


def test_html_escapes_data():
    """Text from the data is escaped, so a suspect's text cannot inject markup."""
    html = render_html(_report())
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_html_is_deterministic():
    """The same report renders to the same bytes (matplotlib ids are salted, no dates)."""
    assert render_html(_report()) == render_html(_report())


def test_html_for_generative_data_shows_diversity():
    """A completion report without labels or curve still renders, with its diversity table."""
    report = _report()
    for key in ("labels", "learning_curve", "label_noise"):
        report.pop(key)
    report["task"] = "completion"
    report["diversity"] = {"examined": 10, "sampled_from": 10, "near_duplicate_cluster_share": 0.1, "cluster_sizes": {"1": 9},
                           "distinct_1": 0.5, "distinct_2": 0.7, "novelty_ngrams": 0.6, "novelty_clusters": 0.9, "ngram": 3,
                           "templates": {"prefix": {"share": 0.3, "top": [{"template": "Write a poem about", "count": 3}]},
                                         "suffix": {"share": 0.0, "top": []}}}
    html = render_html(report)
    assert 'id="diversity"' in html and "Write a poem about" in html


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_html_renders_in_headless_chromium(tmp_path):
    """Chromium, with networking features off, paints the page: the verdict banner's colour is on screen."""
    (tmp_path / "report.html").write_text(render_html(_report()), encoding="utf-8")
    script = Path(__file__).parent.parent.parent / "scripts" / "screenshot_report.sh"
    subprocess.run([str(script), str(tmp_path), "1200"], check=True, capture_output=True, timeout=120)
    from PIL import Image

    image = Image.open(tmp_path / "report.png").convert("RGB")
    banner_orange = (0xB2, 0x6A, 0x00)  # .ready_with_warnings background in the template
    assert image.getpixel((600, 40)) == banner_orange
    colours = image.resize((60, 60)).getcolors(3600)
    assert colours is not None and len(colours) > 20  # tables and plots, not a blank page
