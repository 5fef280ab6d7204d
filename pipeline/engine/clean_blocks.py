"""The clean stage on records held by the cluster (:mod:`pipeline.engine.flow`): the local stage's answer.

Workers mark every block with the local engine's batch function (:func:`pipeline.engine.clean.mark_or_quarantine`)
and send the driver each record's marks and figures, never its texts: reject reason, cleaner bits, PII counts,
tokens, content characters, whether it has a language key. The driver detects the languages of the sampled
records' keys (of all of them with a language filter: the only case where it holds one string per record), takes
the figures with the local functions, and sends the final marks back for the workers to partition their blocks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray

from pipeline.clean.config import CleanConfig
from pipeline.clean.marking import KEY_COLUMN, TOKENS_COLUMN, WORK_COLUMNS
from pipeline.clean.stage import LANG_COLUMN, _mark_language, _rows_to_measure, clean_workers, marked_features
from pipeline.clean.stats import (CHECK_COLUMN, CLEANED_COLUMN, EXAMPLES_PER_CLEANER, PII_COLUMN, PII_KEPT_COLUMN,
                                  cleaning_stats)
from pipeline.clean.textfix import CLEANERS
from pipeline.clean.tokens import token_counter
from pipeline.core.lengths import content_chars, length_figures
from pipeline.core.records import DETAIL_COLUMN, REJECT_COLUMN, Task, features_for, partition, quiet_datasets
from pipeline.engine.blocks import Blocks, mask_of, numbered, without_pos, wrap
from pipeline.engine.clean import mark_or_quarantine

_HAS_KEY, _CHARS = "_has_key", "_chars"
_NARROW = (TOKENS_COLUMN, REJECT_COLUMN, DETAIL_COLUMN, CHECK_COLUMN, CLEANED_COLUMN, PII_COLUMN, PII_KEPT_COLUMN)


class _InputRows:
    """The input records the cleaning figures quote (a few before/after examples), fetched from the cluster."""

    def __init__(self, n: int, rows: dict[int, dict[str, Any]]) -> None:
        self.n, self.rows = n, rows

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, position: int) -> dict[str, Any]:
        return self.rows[position]


def clean_blocks(records: Blocks, task: Task, cfg: CleanConfig, seed: int) -> tuple[Blocks, Blocks, dict[str, Any]]:
    """The clean stage on the cluster's blocks: ``(kept, rejected, sections)``."""
    schema = marked_features(features_for(task)).arrow_schema
    pairs = records.map(_mark_block, None, returns=2, task=task, cfg=cfg, schema=schema)
    marked = Blocks([m for m, _ in pairs], list(records.sizes))
    narrow = pa.concat_tables(ray.get([n for _, n in pairs]))
    has_key = mask_of(narrow[_HAS_KEY])
    measured = _rows_to_measure([True if k else None for k in has_key.tolist()], cfg, seed)
    keys = np.where(has_key, "", None).astype(object)  # "": a key not looked at (only its presence counts)
    if measured:
        keys[measured] = marked.take(measured, [KEY_COLUMN])[KEY_COLUMN].to_pylist()
    columns = {name: narrow[name] for name in _NARROW}
    if task is Task.CLASSIFICATION:
        columns["label"] = narrow["label"]
    columns[KEY_COLUMN] = pa.array(keys.tolist(), pa.string())
    with quiet_datasets():
        figures, language = _mark_language(wrap(pa.table(columns)), cfg, clean_workers(cfg, len(measured)), seed)
        masks = narrow[CLEANED_COLUMN].to_numpy()
        quoted = sorted({int(r) for i in range(len(CLEANERS))
                         for r in np.flatnonzero(masks & (1 << i))[:EXAMPLES_PER_CLEANER]})
        rows = dict(zip(quoted, records.take(quoted).to_pylist())) if quoted else {}
        stats = cleaning_stats(_InputRows(narrow.num_rows, rows), figures, task, cfg)
    final = figures.with_format("arrow")[:].select([REJECT_COLUMN, DETAIL_COLUMN, LANG_COLUMN])
    is_kept = pc.is_null(final[REJECT_COLUMN]).to_numpy(zero_copy_only=False)
    chars = narrow[_CHARS].to_numpy()[is_kept]
    tokens = narrow[TOKENS_COLUMN].to_numpy(zero_copy_only=False)[is_kept]
    stats.update(tokenizer=token_counter(cfg.tokenizer)[1], language=language, length=length_figures(chars, tokens))
    kept, rejected = split_blocks(marked, final, is_kept, _finish_block)
    return kept, rejected, {"cleaning": stats}


def split_blocks(blocks: Blocks, marks: pa.Table, is_kept: np.ndarray, finish: Any) -> tuple[Blocks, Blocks]:
    """``finish(block, its rows of marks, start)`` on every block: its kept records (renumbered from ``start``)
    and its rejected rows, as two sets of blocks."""
    kept_sizes = [int(is_kept[at : at + size].sum()) for at, size in zip(blocks.starts(), blocks.sizes)]
    rejected_sizes = [size - k for size, k in zip(blocks.sizes, kept_sizes)]
    kept_starts = np.concatenate([[0], np.cumsum(kept_sizes)[:-1]]).astype(int).tolist() if kept_sizes else []
    shared = ray.put(marks)
    pairs = [_finish_remote.remote(finish, ref, shared, start, at)
             for ref, start, at in zip(blocks.refs, kept_starts, blocks.starts())]
    kept = Blocks([p[0] for p, k in zip(pairs, kept_sizes) if k], [k for k in kept_sizes if k])
    rejected = Blocks([p[1] for p, r in zip(pairs, rejected_sizes) if r], [r for r in rejected_sizes if r])
    return kept, rejected


@ray.remote(num_returns=2)
def _finish_remote(finish: Any, block: pa.Table, marks: pa.Table, start: int, at: int) -> tuple[pa.Table, pa.Table]:
    return finish(block, marks.slice(at, block.num_rows), start)


def _mark_block(block: pa.Table, shared: None, start: int, task: Task, cfg: CleanConfig,
                schema: pa.Schema) -> tuple[pa.Table, pa.Table]:
    """A block marked (stays in the cluster) and its marks and figures per record (for the driver)."""
    marked = mark_or_quarantine(block, task, cfg, schema)
    narrow = marked.select([*_NARROW, *(["label"] if task is Task.CLASSIFICATION else [])])
    narrow = narrow.append_column(_HAS_KEY, pc.is_valid(marked[KEY_COLUMN]))
    return marked, narrow.append_column(_CHARS, pa.array(content_chars(wrap(without_pos(marked))), pa.int64()))


def _finish_block(marked: pa.Table, marks: pa.Table, start: int) -> tuple[pa.Table, pa.Table]:
    """The local stage's last steps on one block: ``lang`` added, the final marks set, :func:`partition`."""
    table = without_pos(marked)
    if LANG_COLUMN in table.column_names:
        table = table.drop_columns([LANG_COLUMN])
    table = table.append_column(LANG_COLUMN, marks[LANG_COLUMN])
    for name in (REJECT_COLUMN, DETAIL_COLUMN):
        table = table.set_column(table.column_names.index(name), name, marks[name])
    with quiet_datasets():
        kept, rejected = partition(wrap(table.drop_columns(list(WORK_COLUMNS))), "clean")
    return numbered(kept.data.table, start), rejected.data.table
