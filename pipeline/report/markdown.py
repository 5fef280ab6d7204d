"""The run's report: ``report.json`` for machines and CI, ``report.md`` for people.

``report.json`` keys are a contract: later stages add sections, nothing is renamed. The Markdown shows the verdict
first, then the checks, then the figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from datasets import Dataset

from pipeline import __version__
from pipeline.dedup.render import render_duplicates
from pipeline.readiness.checks import Check, verdict_from
from pipeline.core.records import column
from pipeline.readiness.render import READINESS_SECTIONS, table_cell
from pipeline.split.stage import SPLITS, SplitPlan
from pipeline.validate.render import expectations_markdown


def build_report(
    *,
    ingest_stats: dict[str, Any],
    records: Dataset,
    rejected: Dataset,
    plan: SplitPlan,
    ratios: tuple[float, float, float],
    seed: int,
    sections: dict[str, Any],
) -> dict[str, Any]:
    """Everything ``report.json`` says except the checks (see :func:`add_checks`)."""
    reasons = Counter(column(rejected, "reason"))
    report: dict[str, Any] = {
        "ftprep_version": __version__,
        "verdict": None,
        "task": ingest_stats["task"],
        "field_mapping": ingest_stats["field_mapping"],
        "counts": {
            "input": ingest_stats["rows_read"],
            "kept": len(records),
            "rejected": dict(sorted(reasons.items())),
            "splits": plan.sizes(),
            "per_file": _per_file(ingest_stats["files"], records, rejected),
        },
        "split": {"ratios": list(ratios), "seed": seed, "rare_labels": plan.rare_labels},
        "checks": [],
    }
    if "label" in records.column_names:
        report["labels"] = _labels_per_split(records)
    report.update(sections)
    if "cleaning" in report and "n_tokens" in records.column_names:
        from pipeline.clean.stats import length_stats_per_split  # the clean stage's own figures, per split

        report["cleaning"]["length_per_split"] = length_stats_per_split(records, SPLITS)
    return report


def add_checks(report: dict[str, Any], checks: list[Check]) -> dict[str, Any]:
    report["checks"] = [c.as_dict() for c in checks]
    report["verdict"] = verdict_from(checks)
    return report


def _per_file(files: list[dict[str, Any]], records: Dataset, rejected: Dataset) -> dict[str, dict[str, int]]:
    """Rows read and where they went, per input file: the accounting invariant made visible."""
    kept = Counter(zip(column(records, "source_file"), column(records, "split")))
    dropped = Counter(column(rejected, "source_file"))
    per_file = {}
    for entry in files:
        path = entry["path"]
        row = {"input": entry["rows"], **{s: kept.get((path, s), 0) for s in SPLITS}, "rejected": dropped.get(path, 0)}
        per_file[path] = row
    return per_file


def _labels_per_split(records: Dataset) -> dict[str, dict[str, int]]:
    counts = Counter(zip(column(records, "split"), column(records, "label")))
    labels = sorted({label for _, label in counts})
    return {s: {label: counts.get((s, label), 0) for label in labels} for s in SPLITS}


# -- Markdown ---------------------------------------------------------------------------------------------------

_BADGE = {"ready": "READY", "ready_with_warnings": "READY WITH WARNINGS", "not_ready": "NOT READY"}
_STATUS = {"pass": "pass", "warn": "**warn**", "fail": "**FAIL**", "skip": "skip"}

SectionRenderer = Callable[[Any], list[str]]
SECTION_RENDERERS: dict[str, SectionRenderer] = {**READINESS_SECTIONS, "duplicates": render_duplicates, "expectations": expectations_markdown}
"""Markdown renderers for the stage sections of the report (``cleaning``, ``duplicates``, ...), by report key."""


def render_markdown(report: dict[str, Any]) -> str:
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
        lines.append(f"| {table_cell(path)} | {row['input']} | {row['train']} | {row['val']} | {row['test']} | {row['rejected']} |")
    if counts["rejected"]:
        lines += ["", "## Rejected rows by reason", "", "| reason | rows |", "|---|---|"]
        lines += [f"| {reason} | {n} |" for reason, n in sorted(counts["rejected"].items(), key=lambda kv: (-kv[1], kv[0]))]
    if report.get("labels"):
        lines += _label_table(report["labels"], report["split"]["rare_labels"])
    for key, renderer in SECTION_RENDERERS.items():
        if report.get(key):
            lines += ["", *renderer(report[key])]
    return "\n".join(lines) + "\n"


def _label_table(labels: dict[str, dict[str, int]], rare: dict[str, int]) -> list[str]:
    lines = ["", "## Labels per split", "", "| label | train | val | test |", "|---|---|---|---|"]
    for label in labels["train"]:
        lines.append(f"| {table_cell(label)} | {labels['train'][label]} | {labels['val'][label]} | {labels['test'][label]} |")
    if rare:
        lines += ["", "Too rare to stratify (kept in train): " + ", ".join(f"{table_cell(k)} ({v})" for k, v in sorted(rare.items()))]
    return lines


def _render_cleaning(cleaning: dict[str, Any]) -> list[str]:
    """The ``cleaning`` section: what changed, what was dropped, languages, PII, labels and lengths."""
    lines = ["## Cleaning", "", f"Tokens counted with `{cleaning.get('tokenizer')}`.", ""]
    lines += ["| cleaner | records changed |", "|---|---|"]
    lines += [f"| {name} | {n} |" for name, n in cleaning["cleaners"].items()]
    if cleaning.get("dropped"):
        lines += ["", "| filter | records dropped |", "|---|---|"]
        lines += [f"| {reason} | {n} |" for reason, n in cleaning["dropped"].items()]
        if cleaning.get("dropped_by_check"):
            lines += ["", "By check: " + ", ".join(f"{check} {n}" for check, n in cleaning["dropped_by_check"].items())]
    language = cleaning.get("language") or {}
    if language.get("records_measured"):
        mix = ", ".join(f"{lang} {n}" for lang, n in language["mix"].items())
        lines += ["", f"Languages ({language['backend']}, measured on {language['measured_on']}: "
                      f"{language['records_measured']} records, seed {language['seed']}): {mix}"]
    pii = cleaning.get("pii") or {}
    if pii.get("found"):
        found = ", ".join(f"{kind} {n}" for kind, n in pii["found"].items())
        lines += ["", f"PII ({pii['mode']}): {pii['records_with_pii']} records; {found}"]
    variants = (cleaning.get("labels") or {}).get("case_or_space_variants") or []
    if variants:
        lines += ["", "Labels that differ only by case or whitespace: " + "; ".join(
            " / ".join(f"`{label}` ({n})" for label, n in v["labels"].items()) for v in variants)]
    lines += _render_lengths(cleaning)
    if cleaning.get("examples"):
        lines += ["", "| cleaner | id | before | after |", "|---|---|---|---|"]
        for e in cleaning["examples"]:
            lines.append(f"| {e['cleaner']} | {table_cell(e['id'])} | {table_cell(e['before'])} | {table_cell(e['after'])} |")
    return lines


def _render_lengths(cleaning: dict[str, Any]) -> list[str]:
    per_split = cleaning.get("length_per_split") or {"all": cleaning.get("length") or {}}
    columns = ("total", "mean", "p50", "p90", "p99", "max")
    lines = ["", "| split | records | tokens " + " | ".join(columns) + " | chars mean |", "|---" * 9 + "|"]
    for name, stats in per_split.items():
        tokens, chars = stats.get("tokens") or {}, stats.get("chars") or {}
        cells = [name, stats.get("records", 0), *(tokens.get(c, 0) for c in columns), chars.get("mean", 0)]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return lines


SECTION_RENDERERS["cleaning"] = _render_cleaning


def _mapping(mapping: dict[str, Any]) -> str:
    fields = [f"{k} ← `{v}`" for k, v in mapping.items() if k not in ("task", "detected")]
    return ", ".join(fields) + ("; detected" if mapping.get("detected") else "")
