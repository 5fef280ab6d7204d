"""Clean stage: repair and normalise text, filter unusable records, detect language and PII.

The recipe, for records of any task (every text field: ``text``, ``prompt``, ``completion``, each message's
``content``):

1. one batched map (``marking``, on forked workers) cleans every field (``textfix``), tidies labels, redacts PII
   (``pii``), counts tokens and marks records that fail a filter: ``empty_text``, ``empty_label``,
   ``last_not_assistant``, ``empty_assistant``, ``too_short``, ``too_long``, ``low_quality`` (``quality``), ``pii``
   (PII mode ``reject``);
2. language detection (``language``) on the distinct detection keys of the records still in: all of them when a
   language filter is set (``wrong_language``), else a seeded sample to report the mix;
3. :func:`pipeline.core.records.partition` splits kept from rejected records.

Kept records gain ``lang`` (ISO 639-1, ``und`` when too short to judge, null when not measured) and ``n_tokens``.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
from datasets import Dataset, DatasetInfo, Features, Value

from pipeline.clean.stats import CHECK_COLUMN, CLEANED_COLUMN, PII_COLUMN, PII_KEPT_COLUMN, cleaning_stats
from pipeline.clean.config import CleanConfig
from pipeline.core.lengths import length_profile
from pipeline.core.parallel import concat_columns, map_slices
from pipeline.core.stage import RunContext, StageResult
from pipeline.clean.language import UNDETERMINED, Identified, identify_languages, wrong_language
from pipeline.clean.marking import KEY_COLUMN, TOKENS_COLUMN, WORK_COLUMNS, marked_columns
from pipeline.core.records import DETAIL_COLUMN, REJECT_COLUMN, Task, column, partition, quiet_datasets, task_of
from pipeline.clean.tokens import token_counter

__all__ = ["clean"]

LANG_COLUMN = "lang"
_AUTO_PARALLEL_ROWS = 20_000


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
    kept, rejected = partition(marked.remove_columns(list(WORK_COLUMNS)), "clean")
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
    work = functools.partial(marked_columns, task=task, cfg=cfg, schema=features.arrow_schema)
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
    return concat_columns(table, [marked_columns(table, task, cfg, schema)])


# -- step 2: language -------------------------------------------------------------------------------------------------


def _mark_language(marked: Dataset, cfg: CleanConfig, num_proc: int, seed: int) -> tuple[Dataset, dict[str, Any]]:
    """Detect languages of the records still in, add ``lang``, and mark ``wrong_language`` when filtering."""
    keys = column(marked, KEY_COLUMN)
    measured = _rows_to_measure(keys, cfg, seed)
    distinct = list(dict.fromkeys(keys[i] for i in measured))  # never detect the same normalised text twice
    found = identify_languages(
        distinct,
        backend=cfg.detector(),
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
        "backend": cfg.detector(),
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
