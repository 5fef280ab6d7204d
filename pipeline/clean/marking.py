"""Step 1 of the clean stage (:mod:`pipeline.clean.stage`): clean and mark one batch of records.

Every text field is cleaned (:mod:`pipeline.clean.textfix`), labels tidied, PII redacted or counted
(:mod:`pipeline.clean.pii`), tokens counted (:mod:`pipeline.clean.tokens`), and each record gets the first filter it
fails, if any (``empty_text``, ``empty_label``, ``last_not_assistant``, ``empty_assistant``, ``too_short``,
``too_long``, ``low_quality`` from :mod:`pipeline.clean.quality`, ``pii``) and, when it passes, the key its language
is detected on. Pure functions of a batch: the forked workers of :func:`pipeline.core.parallel.map_slices` and the
Ray engine run them.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pyarrow as pa

from pipeline.chat.privacy import redact_json, redact_message
from pipeline.chat.schema import canonical_json, text_parts
from pipeline.clean.config import CleanConfig
from pipeline.clean.language import detection_key
from pipeline.clean.pii import pii_kinds, scan_pii
from pipeline.clean.pii_examples import ExampleValues
from pipeline.clean.prose import is_json
from pipeline.clean.quality import record_quality_failure
from pipeline.clean.stats import CHECK_COLUMN, CLEANED_COLUMN, PII_COLUMN, PII_KEPT_COLUMN, example_policy
from pipeline.clean.textfix import LABEL_BIT, clean_text, cleaner_steps, remove_invisible_label_chars
from pipeline.clean.tokens import token_counter
from pipeline.core.records import DETAIL_COLUMN, REJECT_COLUMN, TASK_FIELDS, Task

TOKENS_COLUMN = "n_tokens"
STAGE_ERROR = "stage_error"
# Working columns of the marking map (CHECK, CLEANED and PII are read by clean_stats); none of them leaves the stage.
KEY_COLUMN = "_lang_key"
WORK_COLUMNS = (CHECK_COLUMN, CLEANED_COLUMN, PII_COLUMN, PII_KEPT_COLUMN, KEY_COLUMN)

Mark = tuple[str, str, str | None]
"""A rejection mark: ``(reason, detail, check)``, where check names the quality heuristic for ``low_quality``."""


def marked_columns(table: pa.Table, task: Task, cfg: CleanConfig, schema: pa.Schema) -> pa.Table:
    """One Arrow batch cleaned and marked: the text fields it replaces and the working columns it adds.

    A row that makes the marking raise (a cleaner's bug, which no input should trigger) is quarantined as
    ``stage_error`` with the exception in its detail, unchanged: the batch is marked again row by row, so one such
    row neither stops the run nor loses the rest of its batch.
    """
    try:
        return _marked_columns(table, task, cfg, schema)
    except Exception:  # noqa: BLE001 - retried row by row below, where the exception is recorded in the reject
        parts = []
        for at in range(table.num_rows):
            row = table.slice(at, 1)
            try:
                parts.append(_marked_columns(row, task, cfg, schema))
            except Exception as exc:  # noqa: BLE001
                parts.append(_quarantined(row, task, schema, exc))
        return pa.concat_tables(parts)


def _marked_columns(table: pa.Table, task: Task, cfg: CleanConfig, schema: pa.Schema) -> pa.Table:
    columns = {name: table[name].to_pylist() for name in (*TASK_FIELDS[task], "extra", "tools") if name in table.column_names}
    marked = mark_batch(columns, table.num_rows, task, cfg)
    return pa.table({name: pa.array(values, schema.field(name).type) for name, values in marked.items()})


def _quarantined(row: pa.Table, task: Task, schema: pa.Schema, exc: Exception) -> pa.Table:
    """The columns :func:`_marked_columns` gives, for one row left as it was and marked ``stage_error``."""
    marks = {TOKENS_COLUMN: 0, REJECT_COLUMN: STAGE_ERROR, CLEANED_COLUMN: 0,
             DETAIL_COLUMN: f"the clean stage raised {type(exc).__name__} on this row: {str(exc)[:200]}"}
    names = [*TASK_FIELDS[task], TOKENS_COLUMN, REJECT_COLUMN, DETAIL_COLUMN, *WORK_COLUMNS]
    names += [name for name in ("extra", "tools") if name in row.column_names]
    return pa.table({name: row[name].cast(schema.field(name).type) if name in TASK_FIELDS[task] or name in ("extra", "tools")
                     else pa.array([marks.get(name)], schema.field(name).type) for name in names})


def mark_batch(batch: dict[str, list], rows: int, task: Task, cfg: CleanConfig) -> dict[str, list]:
    """Step 1 on a batch given as columns of Python values: cleaned text fields, ``extra`` and the working columns.

    Three passes: clean and redact every row, count every row's tokens (in one loop, where the tokenizer's tables
    stay in the CPU caches: a third cheaper than counting between the other steps), then mark every row.
    """
    steps = cleaner_steps(cfg)
    fields = TASK_FIELDS[task]
    examples = example_policy(cfg)
    cleaned: list[tuple[dict[str, Any], int, Counter[str], dict[str, Any] | None, list[tuple[str, str]]]] = []
    extras: list[str | None] = []
    batch_tools = list(batch["tools"]) if "tools" in batch else []
    tools_seen: dict[str, tuple[str, Counter[str]]] = {}
    for i in range(rows):
        row, changed = _clean_row({name: batch[name][i] for name in fields}, task, steps, cfg)
        row, pii_found, pii_kept = _redact_row(row, task, cfg, examples)
        extra, extra_pii = _redact_extra(batch["extra"][i] if "extra" in batch else None, cfg, examples)
        pii_found.update(extra_pii)
        extras.append(extra)
        if batch_tools and batch_tools[i]:  # records share a few sets of definitions: each is scanned once a batch
            if batch_tools[i] not in tools_seen:
                tools_seen[batch_tools[i]] = _redact_tools(batch_tools[i], cfg, examples)
            batch_tools[i], tools_pii = tools_seen[batch_tools[i]]
            pii_found.update(tools_pii)
        cleaned.append((row, changed, pii_found, pii_kept, _text_parts(row, task)))
    tokens = _token_counts([parts for *_, parts in cleaned], batch_tools, cfg)
    out: dict[str, list] = {name: [] for name in (*fields, TOKENS_COLUMN, REJECT_COLUMN, DETAIL_COLUMN, *WORK_COLUMNS)}
    for (row, changed, pii_found, pii_kept, parts), n_tokens in zip(cleaned, tokens):
        mark = _label_pii_mark(row, cfg, examples) or _row_mark(row, task, parts, n_tokens, pii_found, cfg)
        for name in fields:
            out[name].append(row[name])
        out[TOKENS_COLUMN].append(n_tokens)
        out[REJECT_COLUMN].append(mark[0] if mark else None)
        out[DETAIL_COLUMN].append(mark[1] if mark else None)
        out[CHECK_COLUMN].append(mark[2] if mark else None)
        out[CLEANED_COLUMN].append(changed)
        out[PII_COLUMN].append(json.dumps(dict(sorted(pii_found.items()))) if pii_found else None)
        out[PII_KEPT_COLUMN].append(json.dumps(pii_kept) if pii_kept else None)
        out[KEY_COLUMN].append(None if mark else detection_key(_language_text(parts), cfg.language_prefix_chars))
    out.update({"extra": extras} if "extra" in batch else {})
    return {**out, **({"tools": batch_tools} if "tools" in batch else {})}


def _token_counts(parts_of: list[list[tuple[str, str]]], tools: list[str | None] | None, cfg: CleanConfig) -> list[int]:
    """Tokens of each record's parts, and of its function definitions (part of every training example)."""
    count = token_counter(cfg.tokenizer)[0]
    counts = [sum(count(text) for _, text in parts) for parts in parts_of]
    if tools:
        counts = [n + count(tools[i]) if tools[i] else n for i, n in enumerate(counts)]
    return counts


def _clean_row(row: dict[str, Any], task: Task, steps: list, cfg: CleanConfig) -> tuple[dict[str, Any], int]:
    """Every text field of one record cleaned, and the mask of cleaners that changed any of them."""
    changed = 0
    if task in (Task.CHAT, Task.PREFERENCE):  # preference: the prompt and both sides are message lists
        cleaned_lists = {}
        for name, messages in row.items():
            cleaned_lists[name] = []
            for message in messages or []:
                content, bits = clean_text(message.get("content") or "", steps)
                changed |= bits
                cleaned_lists[name].append({**message, "content": content})
        return cleaned_lists, changed
    cleaned = {}
    for name, value in row.items():
        if name == "label":
            cleaned[name] = tidy_label(value, cfg)
            changed |= LABEL_BIT if cleaned[name] != value else 0
        else:
            cleaned[name], bits = clean_text(value or "", steps)
            changed |= bits
    return cleaned, changed


def tidy_label(label: str | None, cfg: CleanConfig) -> str:
    """A label without invisible characters, trimmed, mapped by ``label_map`` and case-folded when asked."""
    label = remove_invisible_label_chars(label or "").strip()
    label = cfg.label_map.get(label, label)
    return label.casefold() if cfg.label_casefold else label


def _redact_row(
    row: dict[str, Any], task: Task, cfg: CleanConfig, examples: ExampleValues | None
) -> tuple[dict[str, Any], Counter[str], dict[str, Any] | None]:
    """PII redacted in every text field (or only counted, in ``reject`` mode), with counts per kind, and the
    example values kept (``{"kept": {kind: n}, "values": [reserved values]}``, or ``None``)."""
    found: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    values: list[str] = []
    if cfg.pii == "off":
        return row, found, None

    def redact(text: str) -> str:
        scan = scan_pii(text, cfg.pii_types, examples)
        found.update(scan.found)
        kept.update(scan.kept)
        values.extend(scan.kept_values)
        return scan.text if cfg.pii == "redact" else text

    if task in (Task.CHAT, Task.PREFERENCE):
        row = {name: [redact_message(m, redact) for m in messages] for name, messages in row.items()}
    else:
        row = {name: value if name == "label" else redact(value) for name, value in row.items()}
    return row, found, {"kept": dict(sorted(kept.items())), "values": values} if kept else None


def _redact_extra(extra: str | None, cfg: CleanConfig, examples: ExampleValues | None) -> tuple[str | None, Counter[str]]:
    """The input's other columns (written under ``meta``) with the same PII rules as the text (issue 13, item 13)."""
    found: Counter[str] = Counter()
    if extra is None or cfg.pii == "off":
        return extra, found

    def redact(value: Any) -> Any:
        if isinstance(value, str):
            scan = scan_pii(value, cfg.pii_types, examples)
            found.update(scan.found)
            return scan.text if cfg.pii == "redact" else value
        if isinstance(value, dict):
            return {key: redact(item) for key, item in value.items()}
        return [redact(item) for item in value] if isinstance(value, list) else value

    cleaned = redact(json.loads(extra))
    return (json.dumps(cleaned, ensure_ascii=False) if found else extra), found


def _redact_tools(
    tools: str | None, cfg: CleanConfig, examples: ExampleValues | None
) -> tuple[str | None, Counter[str]]:
    """A chat's function definitions (JSON text) with the same PII rules as the messages: every string value
    (function and parameter descriptions, enum values, defaults) is scanned, and the definitions are written again,
    in canonical form, only when something was redacted."""
    found: Counter[str] = Counter()
    if not tools or cfg.pii == "off":
        return tools, found

    parsed = json.loads(tools)
    # One scan of every string value at once first (a definition has a dozen short ones; scanning each took 200 us a
    # record): NUL joins them, which no finder reads across or as a word, digit or id word, so a value holding a
    # finding makes the joined text hold one too.
    if not scan_pii("\x00".join(_json_strings(parsed)), cfg.pii_types, examples).found:
        return tools, found

    def redact(text: str) -> str:
        scan = scan_pii(text, cfg.pii_types, examples)
        found.update(scan.found)
        return scan.text if cfg.pii == "redact" else text

    cleaned = redact_json(parsed, redact)
    return (canonical_json(cleaned) if found and cfg.pii == "redact" else tools), found


def _json_strings(value: Any) -> list[str]:
    """Every string value of a parsed JSON value, depth first."""
    strings, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return strings


def _label_pii_mark(row: dict[str, Any], cfg: CleanConfig, examples: ExampleValues | None) -> Mark | None:
    """A label that is itself PII or a secret cannot be redacted and stay a label: the row is rejected, and the
    label never reaches the splits or the report."""
    if cfg.pii == "off" or not row.get("label"):
        return None
    found = pii_kinds(row["label"], cfg.pii_types, examples)
    if not found:
        return None
    return "pii", f"the label holds personal data or a secret ({', '.join(sorted(found))})", None


def _text_parts(row: dict[str, Any], task: Task) -> list[tuple[str, str]]:
    """The trainable texts of a record as ``(role or field, text)``; labels are not part of the content."""
    if task is Task.CHAT:  # a tool call is a part of its own: JSON, which the text rules leave alone
        return [(m.get("role") or "", text) for m in row["messages"] for text in text_parts(m)]
    if task is Task.PREFERENCE:  # the prompt's assistant turns are context: the response rules judge the sides
        return [("context" if name == "prompt" and m.get("role") == "assistant" else m.get("role") or "", text)
                for name in ("prompt", "chosen", "rejected") for m in row[name] for text in text_parts(m)]
    return [(name, row[name]) for name in ("text", "prompt", "completion") if name in row]


def _language_text(parts: list[tuple[str, str]]) -> str:
    # A system prompt is often boilerplate in another language than the conversation, and tool results and JSON
    # function calls are data (a French sentence passed to a translate tool): judge the rest if any.
    spoken = [text for role, text in parts if role not in ("system", "tool") and text and not is_json(text)]
    return "\n".join(spoken or [text for _, text in parts])


def _row_mark(
    row: dict[str, Any], task: Task, parts: list[tuple[str, str]], n_tokens: int, pii: Counter[str], cfg: CleanConfig
) -> Mark | None:
    """The first filter a cleaned record fails, or ``None`` if it passes them all."""
    content = "\n".join(text for _, text in parts if text)
    return (
        _shape_mark(row, task, parts)
        or _length_mark(len(content), n_tokens, cfg)
        or _quality_mark(parts, cfg)
        or _pii_mark(pii, cfg)
    )


def _shape_mark(row: dict[str, Any], task: Task, parts: list[tuple[str, str]]) -> Mark | None:
    if not any(text for _, text in parts):
        return "empty_text", "no text left after cleaning", None
    if task is Task.COMPLETION and not row["completion"]:
        return "empty_text", "the completion is empty after cleaning", None
    if task is Task.PREFERENCE:
        empty = [name for name in ("prompt", "chosen", "rejected") if not any((m.get("content") or "").strip() for m in row[name])]
        if empty:
            return "empty_text", f"the {' and '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty after cleaning", None
    if task is Task.CLASSIFICATION and not row["label"]:
        return "empty_label", "the label is empty after trimming and removing invisible characters", None
    if task is Task.CHAT:
        roles = [role for role, _ in parts]
        if roles[-1] != "assistant":
            return "last_not_assistant", f"the last message is from '{roles[-1]}', not the assistant", None
        empty = [i for i, (role, text) in enumerate(parts) if role == "assistant" and not text]
        if empty:
            return "empty_assistant", f"assistant message(s) {', '.join(map(str, empty))} are empty", None
    return None


def _length_mark(chars: int, tokens: int, cfg: CleanConfig) -> Mark | None:
    bounds = (("chars", chars, "characters", cfg.min_chars, cfg.max_chars),
              ("tokens", tokens, "tokens", cfg.min_tokens, cfg.max_tokens))  # fmt: skip
    for name, value, unit, low, high in bounds:
        if low is not None and value < low:
            return "too_short", f"{value} {unit}, below the minimum {low}", f"min_{name}"
        if high is not None and value > high:
            return "too_long", f"{value} {unit}, above the maximum {high}", f"max_{name}"
    return None


def _quality_mark(parts: list[tuple[str, str]], cfg: CleanConfig) -> Mark | None:
    failure = record_quality_failure(parts, cfg)
    return ("low_quality", failure[1], failure[0]) if failure else None


def _pii_mark(pii: Counter[str], cfg: CleanConfig) -> Mark | None:
    if cfg.pii != "reject" or not pii:
        return None
    kinds = ", ".join(f"{kind} x{n}" for kind, n in sorted(pii.items()))
    return "pii", f"personal data or secrets found: {kinds}", None
