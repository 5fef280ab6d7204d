"""``report.md``: the report for people, rendered from ``report.json`` alone.

It leads with the decision: the verdict, then a short numbered "what to do next" (cause first), then the failed and
warned checks with their rule as a sentence and a few example rows, then the notes (``info``), the passed and
skipped checks in one compact table, and only then the figures of every stage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.clean.render import render_cleaning
from pipeline.core.markdown import inert_markdown, table_cell
from pipeline.correct.render import render_corrections
from pipeline.dedup.render import render_duplicates
from pipeline.gate.render import drift_markdown
from pipeline.ingest.render import render_ingest
from pipeline.readiness.next_steps import next_steps
from pipeline.readiness.render import READINESS_SECTIONS
from pipeline.readiness.wording import threshold_sentence
from pipeline.report.timings import render_timings
from pipeline.targets.render import render_targets
from pipeline.validate.render import expectations_markdown

_BADGE = {"ready": "READY", "ready_with_warnings": "READY WITH WARNINGS", "not_ready": "NOT READY"}
_STATUS = {"pass": "pass", "info": "info", "warn": "**warn**", "fail": "**FAIL**", "skip": "skip"}
_ACTING = ("fail", "warn")

SectionRenderer = Callable[[Any], list[str]]
SECTION_RENDERERS: dict[str, SectionRenderer] = {**READINESS_SECTIONS, "duplicates": render_duplicates,
                                                 "expectations": expectations_markdown, "cleaning": render_cleaning,
                                                 "ingest": render_ingest, "targets": render_targets, "timings": render_timings,
                                                 "corrections": render_corrections}
"""Markdown renderers for the stage sections of the report (``cleaning``, ``duplicates``, ...), by report key."""


def render_markdown(report: dict[str, Any]) -> str:
    """The page; user data in it is inert (:func:`~pipeline.core.markdown.inert_markdown`): no HTML, no links."""
    checks = report["checks"]
    lines = [f"# ftprep report: {_BADGE.get(report['verdict'], report['verdict'])}", "", _summary(report), ""]
    steps = report.get("next_steps") or next_steps(checks)  # reports written before next_steps existed
    if steps:
        lines += ["## What to do next", "", *(f"{i}. {table_cell(step)}" for i, step in enumerate(steps, 1)), ""]
    acting = sorted((c for c in checks if c["status"] in _ACTING), key=lambda c: _ACTING.index(c["status"]))
    if acting:
        lines += ["## Checks that failed or warned", ""]
        for check in acting:
            lines += _check_block(check)
    notes = [c for c in checks if c["status"] == "info"]
    if notes:
        lines += ["## Notes", "", *(f"- `{c['name']}`: {table_cell(c['message'])}" for c in notes), ""]
    quiet = [c for c in checks if c["status"] in ("pass", "skip")]
    if quiet:
        lines += ["## Checks that passed or did not apply", "", "| check | status | message | rule |", "|---|---|---|---|"]
        lines += [f"| {c['name']} | {c['status']} | {table_cell(c['message'])} | {table_cell(rule_text(c))} |" for c in quiet]
        lines.append("")
    counts = report["counts"]
    lines += ["## The run", "",
              f"- Task: **{report['task']}** (fields: {_mapping(report['field_mapping'])})",
              f"- Split ratios {report['split']['ratios']}, seed {report['split']['seed']}",
              "", "## Where every row went", "", "| file | input | train | val | test | rejected |", "|---|---|---|---|---|---|"]
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


def _summary(report: dict[str, Any]) -> str:
    """One line: how many checks failed and warned, and what was kept."""
    statuses = [c["status"] for c in report["checks"]]
    counts, splits = report["counts"], report["counts"]["splits"]
    notes = statuses.count("info")
    noted = f", {notes} {'note' if notes == 1 else 'notes'}" if notes else ""
    verdict = (f"**{statuses.count('fail')} failed, {statuses.count('warn')} warned** of {len(statuses)} checks{noted}"
               if {"fail", "warn"} & set(statuses) else
               f"**none of {len(statuses)} checks failed or warned**{noted}")
    return (f"{verdict}. {report['task'].capitalize()} data: {counts['kept']} of {counts['input']} rows kept (train "
            f"{splits['train']}, val {splits['val']}, test {splits['test']}); {sum(counts['rejected'].values())} rejected.")


def _check_block(check: dict[str, Any]) -> list[str]:
    """A failed or warned check: what was found, the rule it broke as a sentence, a few examples, what to do."""
    lines = [f"### {_STATUS[check['status']]} `{check['name']}`", "", table_cell(check["message"]), ""]
    if rule_text(check):
        lines.append(f"- Rule: {table_cell(rule_text(check))}")
    if check.get("recommendation"):
        lines.append(f"- Do: {table_cell(check['recommendation'])}")
    examples = check.get("examples") or []
    if examples:
        lines.append("- Examples:")
        lines += [f"  - {table_cell(e)}" for e in examples[:5]]
    return lines + [""]


def rule_text(check: dict[str, Any]) -> str:
    """The check's threshold as a sentence: its ``rule``, or, in reports without one, the threshold read out."""
    return check.get("rule") or threshold_sentence(check.get("threshold"))


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

