"""The clean stage on Ray: its row-by-row marking map runs as ``map_batches`` over Arrow batches on the workers.

The marking is :func:`pipeline.clean.stage.mark_table`, the local engine's own batch function; language detection,
the figures and the partition run on the driver through :func:`pipeline.clean.stage.finish_clean`. A row that makes
the marking raise is quarantined as ``stage_error`` by the marking itself, as in the local engine, so one bad row
never loses a batch.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pyarrow as pa
from datasets import Dataset, DatasetInfo

from pipeline.clean.config import CleanConfig
from pipeline.clean.stage import clean, clean_workers, finish_clean, mark_table, marked_features
from pipeline.core.records import Task, quiet_datasets, task_of
from pipeline.core.stage import RunContext, StageResult
from pipeline.engine.columns import POS

if TYPE_CHECKING:
    from pipeline.engine.raydata import RaySession

_BATCH_ROWS = 1000  # as the local map: the batch size never changes a row's result, only the work per task


class RayClean:
    """The clean stage (same signature, same result) with its marking map on Ray Data."""

    def __init__(self, session: RaySession) -> None:
        self.session = session

    def __call__(self, ds: Dataset, cfg: CleanConfig, ctx: RunContext) -> StageResult:
        from pipeline.engine.raydata import collect  # here: mark_or_quarantine must not need Ray to be tested

        if len(ds) == 0:
            return clean(ds, cfg, ctx)
        with quiet_datasets():
            features = marked_features(ds.features)
            schema = features.arrow_schema
            table = ds.with_format("arrow")[:]
            fn_kwargs = {"task": task_of(ds), "cfg": cfg, "schema": schema}
            out = self.session.to_ray(table).map_batches(mark_or_quarantine, batch_format="pyarrow",
                                                        batch_size=_BATCH_ROWS, fn_kwargs=fn_kwargs)
            marked_table = collect(out).drop_columns([POS]).select(schema.names).cast(schema)
            # an explicit fingerprint: without one datasets hashes (and copies) the whole table
            fingerprint = hashlib.sha1(f"{ds._fingerprint}|ray-clean".encode()).hexdigest()
            marked = Dataset(marked_table, info=DatasetInfo(features=features), fingerprint=fingerprint)
            return finish_clean(ds, marked, cfg, ctx.seed, clean_workers(cfg, len(ds)))


def mark_or_quarantine(table: pa.Table, task: Task, cfg: CleanConfig, schema: pa.Schema) -> pa.Table:
    """:func:`mark_table` on a batch (a row that raises is marked ``stage_error`` there), columns in ``schema`` order."""
    marked = mark_table(table, task, cfg, schema)
    return marked.select([*schema.names, POS]).cast(pa.schema([*schema, pa.field(POS, pa.int64())]))
