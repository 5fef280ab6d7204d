"""The ``cleaning`` section of report.md."""

from __future__ import annotations

from typing import Any

from pipeline.core.markdown import table_cell


def render_cleaning(cleaning: dict[str, Any]) -> list[str]:
    """The ``cleaning`` section: what changed, what was dropped, languages, PII and labels."""
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
        und = language.get("und") or {}
        if und.get("records") and language.get("allowed"):
            lines += ["", f"Undetermined (`und`, too short to name the language): {und['records']} records, "
                          f"{und['rejected']} rejected by the `{und['policy']}` policy"]
    pii = cleaning.get("pii") or {}
    if pii.get("found"):
        found = ", ".join(f"{kind} {n}" for kind, n in pii["found"].items())
        lines += ["", f"PII ({pii['mode']}): {pii['records_with_pii']} records; {found}"]
    if pii.get("example_values_kept"):
        kept = ", ".join(f"{kind} {n}" for kind, n in pii["example_values_kept"].items())
        shown = ", ".join(f"`{table_cell(value)}`" for value in pii.get("example_values") or [])
        lines += ["", f"Example values kept (reserved for documentation, or allowlisted; not PII): {kept}"
                      + (f": {shown}" if shown else "")]
    variants = (cleaning.get("labels") or {}).get("case_or_space_variants") or []
    if variants:
        lines += ["", "Labels that differ only by case or whitespace: " + "; ".join(
            " / ".join(f"`{label}` ({n})" for label, n in v["labels"].items()) for v in variants)]
    if cleaning.get("examples"):
        lines += ["", "| cleaner | id | before | after |", "|---|---|---|---|"]
        for e in cleaning["examples"]:
            lines.append(f"| {e['cleaner']} | {table_cell(e['id'])} | {table_cell(e['before'])} | {table_cell(e['after'])} |")
    return lines
