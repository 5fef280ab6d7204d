"""The cleaning section of report.md: und under a filter and example values kept are shown with their counts."""

from __future__ import annotations

from pipeline.clean.render import render_cleaning

SECTION = {
    "tokenizer": "o200k_base",
    "cleaners": {"ftfy": 0},
    "dropped": {"wrong_language": 3},
    "language": {"backend": "lingua", "measured_on": "all", "records_measured": 10, "seed": 42, "allowed": ["en"],
                 "mix": {"en": 7, "und": 2, "ru": 1}, "und": {"policy": "auto", "records": 2, "rejected": 1}},
    "pii": {"mode": "redact", "records_with_pii": 1, "found": {"email": 1}, "example_values_kept": {"email": 1, "phone": 1},
            "example_values": ["+1 202-555-0142", "boss@example.com"]},
}  # fmt: skip


def test_und_and_example_values_kept_are_rendered():
    """The und line names the policy and what it rejected; example values kept list counts and values."""
    text = "\n".join(render_cleaning(SECTION))
    assert "Undetermined (`und`, too short to name the language): 2 records, 1 rejected by the `auto` policy" in text
    assert "Example values kept (reserved for documentation, or allowlisted; not PII): email 1, phone 1: " \
           "`+1 202-555-0142`, `boss@example.com`" in text  # fmt: skip


def test_sections_of_older_reports_still_render():
    """A cleaning section without the und and example-value keys (an older report.json) renders without them."""
    old = {**SECTION, "language": {k: v for k, v in SECTION["language"].items() if k != "und"},
           "pii": {"mode": "redact", "records_with_pii": 1, "found": {"email": 1}}}  # fmt: skip
    text = "\n".join(render_cleaning(old))
    assert "Undetermined" not in text and "Example values kept" not in text and "PII (redact)" in text
