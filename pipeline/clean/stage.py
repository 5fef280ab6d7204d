"""Clean stage: repair and normalise text, filter unusable records, detect language and PII.

The recipe, for records of any task (every text field: ``text``, ``prompt``, ``completion``, each message's
``content``):

1. one batched map (on forked workers) cleans every field (``textfix``), tidies labels, redacts PII (``pii``), counts
   tokens and marks records that fail a filter: ``empty_text``, ``empty_label``, ``last_not_assistant``,
   ``empty_assistant``, ``too_short``, ``too_long``, ``low_quality`` (``quality``), ``pii`` (PII mode ``reject``);
2. language detection (``language``) on the distinct detection keys of the records still in: all of them when a
   language filter is set (``wrong_language``), else a seeded sample to report the mix;
3. :func:`pipeline.core.records.partition` splits kept from rejected records.

Kept records gain ``lang`` (ISO 639-1, ``und`` when too short to judge, null when not measured) and ``n_tokens``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
from datasets import Dataset, DatasetInfo, Features, Value

from pipeline.clean.stats import CHECK_COLUMN, CLEANED_COLUMN, PII_COLUMN, PII_KEPT_COLUMN, cleaning_stats, example_policy
from pipeline.clean.config import CleanConfig
from pipeline.core.lengths import length_profile
from pipeline.core.parallel import concat_columns, map_slices
from pipeline.core.stage import RunContext, StageResult
from pipeline.clean.language import UNDETERMINED, Identified, detection_key, identify_languages, wrong_language
from pipeline.clean.pii import pii_kinds, scan_pii
from pipeline.clean.prose import is_json
from pipeline.clean.pii_examples import ExampleValues
from pipeline.clean.quality import record_quality_failure
from pipeline.core.records import (DETAIL_COLUMN, REJECT_COLUMN, TASK_FIELDS, Task, column, partition, quiet_datasets,
                                   task_of)
from pipeline.clean.textfix import LABEL_BIT, clean_text, cleaner_steps, remove_invisible_label_chars
from pipeline.clean.tokens import token_counter
from pipeline.chat.privacy import redact_message
from pipeline.chat.schema import text_parts

__all__ = ["clean"]

LANG_COLUMN = "lang"
TOKENS_COLUMN = "n_tokens"
# Working columns of the marking map (CHECK, CLEANED and PII are read by clean_stats); none of them leaves the stage.
KEY_COLUMN = "_lang_key"
_WORK_COLUMNS = (CHECK_COLUMN, CLEANED_COLUMN, PII_COLUMN, PII_KEPT_COLUMN, KEY_COLUMN)
_AUTO_PARALLEL_ROWS = 20_000

Mark = tuple[str, str, str | None]
"""A rejection mark: ``(reason, detail, check)``, where check names the quality heuristic for ``low_quality``."""


def clean(ds: Dataset, cfg: CleanConfig, ctx: RunContext) -> StageResult:
    """Clean and filter canonical records of any task; see the module docstring for the recipe."""
    with quiet_datasets():
        return _clean(ds, cfg, ctx.seed, ctx.on_rows)


def _clean(ds: Dataset, cfg: CleanConfig, seed: int, on_rows: Callable[[int], None] | None = None) -> StageResult:
    num_proc = clean_workers(cfg, len(ds))
    marked = _mark(ds, task_of(ds), cfg, num_proc, on_rows)
    return finish_clean(ds, marked, cfg, seed, num_proc)


def finish_clean(ds: Dataset, marked: Dataset, cfg: CleanConfig, seed: int, num_proc: int = 1) -> StageResult:
    """Steps 2 and 3 on the records :func:`mark_table` marked, in input order (the Ray engine marks on its workers)."""
    task = task_of(ds)
    tokenizer = token_counter(cfg.tokenizer)[1]
    marked, language = _mark_language(marked, cfg, num_proc, seed)
    stats = cleaning_stats(ds, marked, task, cfg)
    kept, rejected = partition(marked.remove_columns(list(_WORK_COLUMNS)), "clean")
    stats.update(tokenizer=tokenizer, language=language, length=length_profile(kept))
    return StageResult(kept=kept, rejected=rejected, sections={"cleaning": stats})


def _mark(ds: Dataset, task: Task, cfg: CleanConfig, num_proc: int, on_rows: Callable[[int], None] | None) -> Dataset:
    """Step 1 over batches of 1,000 rows, on ``num_proc`` forked workers (:func:`pipeline.core.parallel.map_slices`).

    Not ``Dataset.map(num_proc=N)``: that pickled the whole in-memory table into every worker and re-encoded every
    result row (measured at 1M rows: see benchmarks/RESULTS.md). Here workers read the parent's table and send back
    only the columns they set; batches are the same whatever ``num_proc``, so the outputs are too.
    """
    features = marked_features(ds.features)
    if not len(ds):
        return Dataset.from_dict({name: [] for name in features}, features=features)
    table = ds.flatten_indices().data.table if ds._indices is not None else ds.data.table
    token_counter(cfg.tokenizer)  # the vocabulary loads once, here: forked workers inherit it instead of each loading it
    work = functools.partial(_marked_columns, task=task, cfg=cfg, schema=features.arrow_schema)
    marked = concat_columns(table, map_slices(table, work, num_proc=num_proc, batch_size=1000, on_rows=on_rows,
                                              min_rows=_AUTO_PARALLEL_ROWS))
    fingerprint = hashlib.sha1(f"{ds._fingerprint}|clean-marked".encode()).hexdigest()
    return Dataset(marked, info=DatasetInfo(features=features), fingerprint=fingerprint)


def clean_workers(cfg: CleanConfig, rows: int) -> int:
    """Worker processes for the marking map: `num_proc`, else every core from 20,000 rows."""
    if cfg.num_proc is not None:
        return max(1, cfg.num_proc)
    return (os.cpu_count() or 1) if rows >= _AUTO_PARALLEL_ROWS else 1


def marked_features(features: Features) -> Features:
    return Features(
        {
            **features,
            TOKENS_COLUMN: Value("int64"),
            REJECT_COLUMN: Value("string"),
            DETAIL_COLUMN: Value("string"),
            CHECK_COLUMN: Value("string"),
            CLEANED_COLUMN: Value("int64"),
            PII_COLUMN: Value("string"),
            PII_KEPT_COLUMN: Value("string"),
            KEY_COLUMN: Value("string"),
        }
    )


# -- step 1: clean and mark, one batch at a time ---------------------------------------------------------------------


def mark_table(table: pa.Table, task: Task, cfg: CleanConfig, schema: pa.Schema) -> pa.Table:
    """One Arrow batch cleaned and marked: text fields replaced, working columns added (the Ray engine's map)."""
    return concat_columns(table, [_marked_columns(table, task, cfg, schema)])


def _marked_columns(table: pa.Table, task: Task, cfg: CleanConfig, schema: pa.Schema) -> pa.Table:
    """One Arrow batch cleaned and marked: the text fields it replaces and the working columns it adds."""
    columns = {name: table[name].to_pylist() for name in (*TASK_FIELDS[task], "extra", "tools") if name in table.column_names}
    marked = _mark_batch(columns, table.num_rows, task, cfg)
    return pa.table({name: pa.array(values, schema.field(name).type) for name, values in marked.items()})


def _mark_batch(batch: dict[str, list], rows: int, task: Task, cfg: CleanConfig) -> dict[str, list]:
    steps = cleaner_steps(cfg)
    count_tokens = token_counter(cfg.tokenizer)[0]
    out: dict[str, list] = {name: [] for name in (TOKENS_COLUMN, REJECT_COLUMN, DETAIL_COLUMN, *_WORK_COLUMNS)}
    fields = TASK_FIELDS[task]
    cleaned_fields: dict[str, list] = {name: [] for name in fields}
    examples = example_policy(cfg)
    extras: list[str | None] = []
    for i in range(rows):
        row = {name: batch[name][i] for name in fields}
        row, changed = _clean_row(row, task, steps, cfg)
        row, pii_found, pii_kept = _redact_row(row, task, cfg, examples)
        extra, extra_pii = _redact_extra(batch["extra"][i] if "extra" in batch else None, cfg, examples)
        pii_found.update(extra_pii)
        parts = _text_parts(row, task)
        n_tokens = sum(count_tokens(text) for _, text in parts)
        if batch.get("tools") and batch["tools"][i]:
            n_tokens += count_tokens(batch["tools"][i])  # function definitions are part of every training example
        mark = _label_pii_mark(row, cfg, examples) or _row_mark(row, task, parts, n_tokens, pii_found, cfg)
        for name in fields:
            cleaned_fields[name].append(row[name])
        extras.append(extra)
        out[TOKENS_COLUMN].append(n_tokens)
        out[REJECT_COLUMN].append(mark[0] if mark else None)
        out[DETAIL_COLUMN].append(mark[1] if mark else None)
        out[CHECK_COLUMN].append(mark[2] if mark else None)
        out[CLEANED_COLUMN].append(changed)
        out[PII_COLUMN].append(json.dumps(dict(sorted(pii_found.items()))) if pii_found else None)
        out[PII_KEPT_COLUMN].append(json.dumps(pii_kept) if pii_kept else None)
        out[KEY_COLUMN].append(None if mark else detection_key(_language_text(parts), cfg.language_prefix_chars))
    return {**cleaned_fields, **out, **({"extra": extras} if "extra" in batch else {})}


def _clean_row(row: dict[str, Any], task: Task, steps: list, cfg: CleanConfig) -> tuple[dict[str, Any], int]:
    """Every text field of one record cleaned, and the mask of cleaners that changed any of them."""
    changed = 0
    if task is Task.CHAT:
        messages = []
        for message in row["messages"] or []:
            content, bits = clean_text(message.get("content") or "", steps)
            changed |= bits
            messages.append({**message, "content": content})
        return {"messages": messages}, changed
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

    if task is Task.CHAT:
        row = {"messages": [redact_message(m, redact) for m in row["messages"]]}
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


# -- step 2: language -------------------------------------------------------------------------------------------------


def _mark_language(marked: Dataset, cfg: CleanConfig, num_proc: int, seed: int) -> tuple[Dataset, dict[str, Any]]:
    """Detect languages of the records still in, add ``lang``, and mark ``wrong_language`` when filtering."""
    keys = column(marked, KEY_COLUMN)
    measured = _rows_to_measure(keys, cfg, seed)
    distinct = list(dict.fromkeys(keys[i] for i in measured))  # never detect the same normalised text twice
    found = identify_languages(
        distinct,
        backend=cfg.language_backend,
        allowed=cfg.languages,
        seed=seed,
        min_letters=cfg.language_min_letters,
        num_proc=num_proc,
    )
    language_of = dict(zip(distinct, found))
    identified: list[Identified | None] = [None] * len(keys)
    for i in measured:
        identified[i] = language_of[keys[i]]
    langs = [f.lang if f else None for f in identified]
    if LANG_COLUMN in marked.column_names:  # records cleaned before: detect again rather than trust old values
        marked = marked.remove_columns(LANG_COLUMN)
    marked = marked.add_column(LANG_COLUMN, langs, feature=Value("string"))
    und_rejected = 0
    if cfg.languages:
        marked, und_rejected = _mark_wrong_language(marked, identified, cfg)
    mix = Counter(langs[i] for i in measured)
    return marked, {
        "backend": cfg.language_backend,
        "measured_on": _measured_on(cfg, len(measured), sum(key is not None for key in keys)),
        "records_measured": len(measured),
        "distinct_texts_detected": len(distinct),
        "seed": seed,
        "prefix_chars": cfg.language_prefix_chars,
        "allowed": list(cfg.languages),
        "mix": dict(sorted(mix.items(), key=lambda item: (-item[1], item[0]))),
        "und": {"policy": cfg.language_und, "records": mix.get(UNDETERMINED, 0), "rejected": und_rejected},
    }


def _measured_on(cfg: CleanConfig, measured: int, candidates: int) -> str:
    """``all``, ``sample`` or ``off``: what the language mix was actually measured on."""
    mode = _detection_mode(cfg)
    return "all" if mode == "sample" and measured == candidates else mode


def _detection_mode(cfg: CleanConfig) -> str:
    if cfg.language_detection != "auto":
        return cfg.language_detection
    return "all" if cfg.languages else "sample"


def _rows_to_measure(keys: list[str | None], cfg: CleanConfig, seed: int) -> list[int]:
    candidates = [i for i, key in enumerate(keys) if key is not None]
    mode = _detection_mode(cfg)
    if mode == "off":
        return []
    if mode == "all" or len(candidates) <= cfg.language_sample_size:
        return candidates
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(candidates), size=cfg.language_sample_size, replace=False)
    return [candidates[j] for j in sorted(picked)]


def _mark_wrong_language(marked: Dataset, identified: list[Identified | None], cfg: CleanConfig) -> tuple[Dataset, int]:
    """``wrong_language`` marks for records still in, and how many of them were ``und`` rejected by the policy."""
    reasons, details = column(marked, REJECT_COLUMN), column(marked, DETAIL_COLUMN)
    und_rejected = 0
    for i, found in enumerate(identified):
        if reasons[i] is None and found is not None:
            detail = wrong_language(found, cfg.languages, cfg.language_und)
            if detail:
                reasons[i], details[i] = "wrong_language", detail
                und_rejected += found.lang == UNDETERMINED
    marked = marked.remove_columns([REJECT_COLUMN, DETAIL_COLUMN])
    marked = marked.add_column(REJECT_COLUMN, reasons, feature=Value("string"))
    return marked.add_column(DETAIL_COLUMN, details, feature=Value("string")), und_rejected
