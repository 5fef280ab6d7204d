"""Human views of the validate stage's result (the ``expectations`` section of report.json, as produced by
``ValidationOutcome.to_dict()``): a Markdown table for report.md and a compact table for the terminal."""

from __future__ import annotations

from typing import Any

from pipeline.core.markdown import table_cell

_RESULT = {"pass": "pass", "fail": "FAIL", "skipped": "skipped"}
_ORDER = {"fail": 0, "pass": 1, "skipped": 2}


def observed_summary(expectation: dict[str, Any], max_examples: int = 3) -> str:
    """One short phrase for what GX observed: counts, missing values, examples, or why it was skipped."""
    if expectation["status"] == "skipped":
        return expectation.get("note") or "-"
    observed = expectation.get("observed") or {}
    parts = []
    if observed.get("unexpected_count") is not None:
        percent = observed.get("unexpected_percent") or 0.0
        parts.append(f"{observed['unexpected_count']} of {observed.get('element_count')} unexpected ({percent:.1f}%)")
    elif observed.get("observed_value") is not None:
        parts.append(f"observed {_short(observed['observed_value'])}")
    if observed.get("missing_count") == 0 and "unexpected_count" not in observed:
        parts.append("none missing")
    if observed.get("missing"):
        parts.append("missing " + ", ".join(_short(v) for v in observed["missing"][:max_examples]))
    examples = observed.get("examples") or []
    if examples and expectation["status"] == "fail":
        parts.append("e.g. " + ", ".join(_example_text(e) for e in examples[:max_examples]))
    if expectation.get("judged_by") and expectation["status"] == "fail":
        parts.append(f"judged by the readiness check {expectation['judged_by']}")
    return "; ".join(parts) or "-"


def expectations_markdown(section: dict[str, Any]) -> list[str]:
    """The report.md lines of the expectations section: one table row per expectation, failures first."""
    lines = ["## Expectations (Great Expectations)", ""]
    verdict = "passed" if section["success"] else "FAILED"
    lines += [f"Gate {verdict}: {len(section['failed_critical'])} critical, {len(section['failed_warning'])} warning "
              "expectation(s) failed.", ""]
    lines += ["| suite | expectation | severity | result | observed |", "|---|---|---|---|---|"]
    for suite, expectation in _rows(section):
        cells = [suite["name"], f"`{expectation['name']}`", expectation["severity"], _RESULT[expectation["status"]],
                 observed_summary(expectation)]
        lines.append("| " + " | ".join(table_cell(c) for c in cells) + " |")
    return lines


def render_markdown(section: dict[str, Any]) -> str:
    """The expectations section as a standalone Markdown document."""
    return "\n".join(expectations_markdown(section)) + "\n"


def render_table(section: dict[str, Any]) -> str:
    """A compact fixed-width pass/fail table for ``ftprep validate`` and a closing verdict line."""
    rows = [("result", "severity", "expectation", "observed")]
    for suite, expectation in _rows(section):
        rows.append((_RESULT[expectation["status"]], expectation["severity"], f"{suite['name']} {expectation['name']}",
                     observed_summary(expectation)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3] for row in rows]
    verdict = "PASSED" if section["success"] else "FAILED"
    lines.append(f"{verdict}: {len(section['failed_critical'])} critical and {len(section['failed_warning'])} "
                 "warning expectation(s) failed")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _rows(section: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(suite, e) for suite in section["suites"]
            for e in sorted(suite["expectations"], key=lambda e: _ORDER[e["status"]])]


def _example_text(example: dict[str, Any]) -> str:
    text = _short(example.get("value"))
    extra = [f"{k}={_short(v)}" for k, v in example.items() if k != "value"]
    return f"{text} ({', '.join(extra)})" if extra else text


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"

