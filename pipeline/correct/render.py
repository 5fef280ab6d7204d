"""The ``corrections`` section of report.md."""

from __future__ import annotations

from typing import Any

from pipeline.core.markdown import table_cell

_SHOWN = 20  # decisions listed; report.json has all of them


def render_corrections(section: dict[str, Any]) -> list[str]:
    """What the reviewer's file changed: counts, label noise and verdict before and after, and the decisions."""
    lines = ["## Corrections (a reviewer's decisions, applied after ingest)", "",
             f"From `{table_cell(section['file'])}` (sha256 {section['sha256'][:12]}): {section['decisions']} decisions, "
             f"{section['relabelled']} relabelled, {section['dropped']} dropped (rejected as `corrected`), "
             f"{section['confirmed']} confirmed (given label kept)."]
    noise = section.get("label_noise") or {}
    if noise.get("after"):
        before = noise.get("before")
        was = f"{before['estimated_rate']:.1%} ({before['flagged']} flagged) before, " if before else ""
        after = noise["after"]
        lines.append(f"- Label noise: {was}{after['estimated_rate']:.1%} ({after['flagged']} flagged) now"
                     + ("" if before else " (the estimate before needs --baseline: the run that was reviewed)"))
    verdict = section.get("verdict")
    if verdict and verdict.get("before"):
        lines.append(f"- Verdict: {verdict['before']} before, {verdict['after']} now")
    if section.get("by_label"):
        lines += ["", "| label | relabelled from | relabelled to | dropped | confirmed |", "|---|---|---|---|---|"]
        lines += [f"| {table_cell(label)} | {n.get('relabelled_from', 0)} | {n.get('relabelled_to', 0)} | "
                  f"{n.get('dropped', 0)} | {n.get('confirmed', 0)} |" for label, n in section["by_label"].items()]
    records = section.get("records") or []
    if records:
        lines += ["", f"The first {min(len(records), _SHOWN)} of {len(records)} decisions:", "",
                  "| row | id | action | given label | label | note |", "|---|---|---|---|---|---|"]
        lines += [f"| {r['row']} | {table_cell(r['id'])} | {r['action']} | {table_cell(r.get('given_label', ''))} | "
                  f"{table_cell(r.get('label', ''))} | {table_cell(r.get('note', ''))} |" for r in records[:_SHOWN]]
    return lines
