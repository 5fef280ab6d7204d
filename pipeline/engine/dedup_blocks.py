"""The dedup stage on records held by the cluster (:mod:`pipeline.engine.flow`): the local stage's answer.

The driver reads each record's id, cluster and label (what :class:`pipeline.dedup.plan.ClusterPlan` decides on),
the exact keys and the candidate pairs (:func:`pipeline.engine.dedup.plan_on_ray`), and fetches the few records the
report quotes; the workers apply its marks to their blocks and partition them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from pipeline.core.records import (CONTENT_FIELDS, DETAIL_COLUMN, INFO_COLUMN, REJECT_COLUMN, Task, partition,
                                   quiet_datasets, table_content_texts)
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.near import _MODE_SAMPLE
from pipeline.dedup.pairs import SAMPLED as PAIR_SAMPLED
from pipeline.dedup.shingling import Shingling, choose_shingle_mode
from pipeline.engine.blocks import Blocks, numbered, without_pos, wrap
from pipeline.engine.clean_blocks import split_blocks
from pipeline.engine.dedup import plan_on_ray
from pipeline.engine.raydata import RaySession

_MARKS = ("cluster", "group", REJECT_COLUMN, DETAIL_COLUMN, INFO_COLUMN)


class _Quoted:
    """A record the plan quotes in the report (a cluster's snippet), fetched from the cluster when asked for."""

    def __init__(self, records: Blocks) -> None:
        self.records = records

    def __getitem__(self, position: int) -> dict[str, Any]:
        return self.records.take([int(position)]).to_pylist()[0]


def dedup_blocks(session: RaySession, records: Blocks, task: Task, cfg: DedupConfig) -> tuple[Blocks, Blocks, dict[str, Any]]:
    """The dedup stage (without a persistent index or an eval set) on the cluster's blocks: kept, rejected, sections."""
    if not cfg.enabled or not len(records):
        return records, Blocks([], []), {"duplicates": {"enabled": cfg.enabled}}  # as the local stage
    with quiet_datasets():
        who = wrap(records.gather(["id", "cluster", *(["label"] if task is Task.CLASSIFICATION else [])]))
        content = records.dataset(list(CONTENT_FIELDS[task]))
        plan = plan_on_ray(session, content, who, task, cfg, _shingling(records, task, cfg), _Quoted(records),
                           _layout_texts(records) if task is Task.CLASSIFICATION else None)
        stats = plan.stats()
    marks = pa.table({name: pa.array(values, pa.string()) for name, values in zip(
        _MARKS, (plan.cluster_out, plan.group_out, plan.reject, plan.detail, plan.info))})
    is_kept = np.array([reason is None for reason in plan.reject], dtype=bool)
    kept, rejected = split_blocks(records, marks, is_kept, _finish_block)
    return kept, rejected, {"duplicates": stats}


def _layout_texts(records: Blocks) -> list[str]:
    """The every-n-th texts :func:`pipeline.dedup.pairs.pair_layout` reads, fetched from the cluster."""
    n = len(records)
    return records.take(np.arange(0, n, max(1, n // PAIR_SAMPLED)), ["text"])["text"].to_pylist()


def _shingling(records: Blocks, task: Task, cfg: DedupConfig) -> Shingling:
    """:func:`pipeline.dedup.near.choose_shingling` on the same sample of records, fetched from the cluster."""
    mode = cfg.shingle
    if mode == "auto":
        n = len(records)
        step = max(1, n // _MODE_SAMPLE)
        sample = records.take(np.arange(0, n, step), list(CONTENT_FIELDS[task]))
        mode = choose_shingle_mode(table_content_texts(sample, task), cfg.auto_min_words)
    return Shingling(mode, cfg.word_ngram if mode == "word" else cfg.char_ngram, accents=not cfg.strip_accents)


def _finish_block(block: pa.Table, marks: pa.Table, start: int) -> tuple[pa.Table, pa.Table]:
    """:meth:`ClusterPlan.marked` and :func:`partition` on one block."""
    table = without_pos(block)
    for name in _MARKS:
        if name in table.column_names:
            table = table.set_column(table.column_names.index(name), name, marks[name])
        else:
            table = table.append_column(name, marks[name])
    with quiet_datasets():
        kept, rejected = partition(wrap(table), "dedup")
    return numbered(kept.data.table, start), rejected.data.table
