"""The ``timings`` section of the report (``ftprep run --timings``) as Markdown: seconds and rows/s per stage."""

from __future__ import annotations

from typing import Any


def render_timings(timings: dict[str, Any]) -> list[str]:
    """The ``timings`` section (``ftprep run --timings``): seconds and rows/s per stage, then the total."""
    lines = ["## Timings", "", "| stage | seconds | rows | rows/s |", "|---|---|---|---|"]
    for name, t in timings["stages"].items():
        rate = f"{t['rows_per_s']:,.0f}" if t.get("rows_per_s") is not None else ""
        rows = f"{t['rows']:,}" if t.get("rows") is not None else ""
        lines.append(f"| {name} | {t['seconds']:.1f} | {rows} | {rate} |")
    lines += ["", f"Total (before writing the outputs): {timings['total_seconds']:.1f} s"]
    if sum(t["seconds"] for t in timings["stages"].values()) > timings["total_seconds"]:
        lines[-1] += (" (less than the stages' sum: from 50,000 records the stages after the split run side by side,"
                      " so their seconds overlap)")
    return lines
