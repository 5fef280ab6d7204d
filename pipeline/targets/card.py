"""The dataset card of the ``hf`` export (``export/hf/README.md``): the YAML header the Hugging Face Hub reads
(``configs`` pointing at the Parquet splits, ``task_categories``, ``size_categories``, ``language``, ``tags``) and a
body saying how the data was made and what ftprep's readiness checks found.

The header follows the Hub's dataset card metadata (https://huggingface.co/docs/hub/datasets-cards): with
``configs`` ``load_dataset("export/hf")`` (or the Hub repository the folder is uploaded to) finds the three splits.
Strings are written as JSON strings, which YAML reads unchanged whatever they hold.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.core.records import Task

TASK_CATEGORY = {Task.CLASSIFICATION: "text-classification", Task.COMPLETION: "text-generation",
                 Task.CHAT: "text-generation", Task.PREFERENCE: "text-generation"}
SIZE_BOUNDS = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
               (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"))
"""The Hub's ``size_categories`` values, by the total number of examples (upper bound excluded)."""
MIN_LANGUAGE_SHARE = 0.01
"""A detected language is listed when it holds at least this share of the records whose language was judged:
a handful of misdetected short texts should not add languages the data is not in."""


def size_category(n: int) -> str:
    for bound, name in SIZE_BOUNDS:
        if n < bound:
            return name
    return "n>1T"


def card_languages(report: dict[str, Any]) -> list[str]:
    """The languages of the records (ISO 639-1), most frequent first; ``und`` (too short to judge) left out."""
    totals: dict[str, int] = {}
    for counts in (report.get("languages") or {}).values():
        for lang, n in counts.items():
            totals[lang] = totals.get(lang, 0) + n
    measured = sum(n for lang, n in totals.items() if lang != "und")
    return [lang for lang, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
            if lang != "und" and n >= MIN_LANGUAGE_SHARE * measured]


def dataset_card(report: dict[str, Any], task: Task, splits: dict[str, int]) -> str:
    """``README.md`` for the ``hf`` export; ``splits`` are the Hub split names and their examples, in order."""
    return "\n".join([*_header(report, task, splits), "", *_body(report, task, splits)]) + "\n"


def _header(report: dict[str, Any], task: Task, splits: dict[str, int]) -> list[str]:
    lines = ["---"]
    languages = card_languages(report)
    if languages:
        lines += ["language:", *[f"- {json.dumps(lang)}" for lang in languages]]
    lines += ["task_categories:", f"- {TASK_CATEGORY[task]}", "size_categories:", f"- {size_category(sum(splits.values()))}",
              "tags:", "- ftprep", "configs:", "- config_name: default", "  data_files:"]
    for name in splits:
        lines += [f"  - split: {name}", f"    path: {name}.parquet"]
    return [*lines, "---"]


def _body(report: dict[str, Any], task: Task, splits: dict[str, int]) -> list[str]:
    counts = report.get("counts") or {}
    files = sorted({path.replace("\\", "/").rsplit("/", 1)[-1] for path in (counts.get("per_file") or {})})
    rejected = counts.get("rejected") or {}
    split = report.get("split") or {}
    lines = ["# Dataset card", "",
             f"{task.value.capitalize()} data prepared by ftprep {report.get('ftprep_version', '')} for fine-tuning.", "",
             "| split | examples |", "|---|---|", *[f"| {name} | {n:,} |" for name, n in splits.items()], "",
             "## How it was made", "",
             f"- Input: {', '.join(f'`{name}`' for name in files) or 'standard input'} ({counts.get('input', 0):,} rows).",
             f"- Kept {counts.get('kept', 0):,} records; rejected {sum(rejected.values()):,}"
             + (f" ({', '.join(f'{reason} {n:,}' for reason, n in sorted(rejected.items()))})" if rejected else "") + ": "
             "text cleaned (encoding, whitespace, markup), exact and near duplicates removed, records outside the "
             "length and quality bounds dropped.",
             f"- Split {'/'.join(str(r) for r in split.get('ratios', []))} with seed {split.get('seed')}"
             + (", stratified by label" if (split.get("stratification") or {}).get("stratified") else "")
             + "; near-duplicate clusters kept within one split."]
    if task is Task.CLASSIFICATION:
        lines.append("- `label` is a `ClassLabel` (names in alphabetical order), so "
                     "`train_test_split(stratify_by_column=\"label\")` works.")
    if task is Task.CHAT:
        lines.append("- `tools` holds the function definitions as a list of objects (`[{type, function}]`), as chat "
                     "templates take them; null in a record without tools.")
    if task is Task.PREFERENCE:
        lines.append("- `prompt`, `chosen` and `rejected` are message lists (`{role, content}`), TRL's conversational "
                     "preference format (`DPOTrainer` reads it as it is); every pair of a prompt is in one split.")
    return [*lines, "", *_readiness(report)]


def _readiness(report: dict[str, Any]) -> list[str]:
    checks = report.get("checks") or []
    lines = ["## Readiness", "", f"ftprep's verdict when the data was made: **{report.get('verdict', 'unknown')}**."]
    for status, says in (("fail", "Failing checks"), ("warn", "Warnings")):
        found = [c for c in checks if c.get("status") == status]
        if found:
            lines += ["", f"{says}:", ""] + [f"- `{c['name']}`: {' '.join(str(c.get('message', '')).split())}" for c in found]
    return lines
