"""``report.md``: the report for people, rendered from ``report.json`` alone: the verdict first, then the checks,
then the figures of every stage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.clean.render import render_cleaning
from pipeline.core.markdown import inert_markdown, table_cell
from pipeline.dedup.render import render_duplicates
from pipeline.gate.render import drift_markdown
from pipeline.ingest.render import render_ingest
from pipeline.readiness.render import READINESS_SECTIONS
from pipeline.validate.render import expectations_markdown

_BADGE = {"ready": "READY", "ready_with_warnings": "READY WITH WARNINGS", "not_ready": "NOT READY"}
_STATUS = {"pass": "pass", "warn": "**warn**", "fail": "**FAIL**", "skip": "skip"}

SectionRenderer = Callable[[Any], list[str]]
SECTION_RENDERERS: dict[str, SectionRenderer] = {**READINESS_SECTIONS, "duplicates": render_duplicates,
                                                 "expectations": expectations_markdown, "cleaning": render_cleaning,
                                                 "ingest": render_ingest}
"""Markdown renderers for the stage sections of the report (``cleaning``, ``duplicates``, ...), by report key."""


def render_markdown(report: dict[str, Any]) -> str:
    """The page; user data in it is inert (:func:`~pipeline.core.markdown.inert_markdown`): no HTML, no links."""
    lines = [f"# ftprep report: {_BADGE.get(report['verdict'], report['verdict'])}", ""]
    counts = report["counts"]
    splits = counts["splits"]
    lines += [
        f"- Task: **{report['task']}** (fields: {_mapping(report['field_mapping'])})",
        f"- Input rows: {counts['input']}; kept: {counts['kept']} (train {splits['train']}, val {splits['val']}, "
        f"test {splits['test']}); rejected: {sum(counts['rejected'].values())}",
        f"- Split ratios {report['split']['ratios']}, seed {report['split']['seed']}",
        "",
        "## Checks",
        "",
        "| check | status | observed | threshold | message | recommendation |",
        "|---|---|---|---|---|---|",
    ]
    for check in report["checks"]:
        lines.append(
            f"| {check['name']} | {_STATUS.get(check['status'], check['status'])} | {table_cell(check['observed'])} | "
            f"{table_cell(check['threshold'])} | {table_cell(check['message'])} | {table_cell(check.get('recommendation') or '')} |"
        )
    lines += ["", "## Where every row went", "", "| file | input | train | val | test | rejected |", "|---|---|---|---|---|---|"]
    for path, row in counts["per_file"].items():
        # the physical lines when they are more than the rows (and a header): multi-line fields, runaway quotes
        read = f"{row['input']} ({row['lines']} lines)" if row.get("lines", 0) > row["input"] + 1 else row["input"]
        lines.append(f"| {table_cell(path)} | {read} | {row['train']} | {row['val']} | {row['test']} | {row['rejected']} |")
    if counts["rejected"]:
        lines += ["", "## Rejected rows by reason", "", "| reason | rows |", "|---|---|"]
        lines += [f"| {reason} | {n} |" for reason, n in sorted(counts["rejected"].items(), key=lambda kv: (-kv[1], kv[0]))]
    if report.get("labels"):
        lines += _label_table(report["labels"], report["split"]["rare_labels"])
    for key, renderer in SECTION_RENDERERS.items():
        if report.get(key) and (rendered := renderer(report[key])):
            lines += ["", *rendered]
    lines += drift_markdown(report)  # needs the whole report: the baseline's figures and this run's
    return inert_markdown("\n".join(lines) + "\n")


def _label_table(labels: dict[str, dict[str, int]], rare: dict[str, int]) -> list[str]:
    lines = ["", "## Labels per split", "", "| label | train | val | test |", "|---|---|---|---|"]
    for label in labels["train"]:
        lines.append(f"| {table_cell(label)} | {labels['train'][label]} | {labels['val'][label]} | {labels['test'][label]} |")
    if rare:
        lines += ["", "Too rare to stratify (kept in train): " + ", ".join(f"{table_cell(k)} ({v})" for k, v in sorted(rare.items()))]
    return lines




def _mapping(mapping: dict[str, Any]) -> str:
    fields = [f"{k} ← `{v}`" for k, v in mapping.items() if k not in ("task", "detected")]
    return ", ".join(fields) + ("; detected" if mapping.get("detected") else "")
