"""The clean stage on Ray: its row-by-row marking map runs as ``map_batches`` over Arrow batches on the workers.

The marking is :func:`pipeline.clean.stage.mark_table`, the local engine's own batch function; language detection,
the figures and the partition run on the driver through :func:`pipeline.clean.stage.finish_clean`. A row that makes
the marking raise is quarantined as ``stage_error`` with the exception in its detail; the rest of its batch is
marked as usual (the batch is retried row by row), so one bad row never loses a batch.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pyarrow as pa
from datasets import Dataset, DatasetInfo

from pipeline.clean.config import CleanConfig
from pipeline.clean.stage import clean, clean_workers, finish_clean, mark_table, marked_features
from pipeline.core.records import DETAIL_COLUMN, REJECT_COLUMN, Task, quiet_datasets, task_of
from pipeline.core.stage import RunContext, StageResult
from pipeline.engine.columns import POS

if TYPE_CHECKING:
    from pipeline.engine.raydata import RaySession

STAGE_ERROR = "stage_error"
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
    """:func:`mark_table` on a batch; if it raises, row by row, and a row that raises is marked ``stage_error``."""
    try:
        return _ordered(mark_table(table, task, cfg, schema), schema)
    except Exception:  # noqa: BLE001 - any exception of a row function quarantines that row, below
        parts = []
        for at in range(table.num_rows):
            row = table.slice(at, 1)
            try:
                parts.append(_ordered(mark_table(row, task, cfg, schema), schema))
            except Exception as exc:  # noqa: BLE001 - the reason is recorded in the rejected row
                parts.append(_quarantined(row, schema, exc))
        return pa.concat_tables(parts)


def _ordered(table: pa.Table, schema: pa.Schema) -> pa.Table:
    return table.select([*schema.names, POS]).cast(pa.schema([*schema, pa.field(POS, pa.int64())]))


def _quarantined(row: pa.Table, schema: pa.Schema, exc: Exception) -> pa.Table:
    """One input row unchanged, with a ``stage_error`` reject mark naming the exception."""
    detail = f"the clean stage raised {type(exc).__name__} on this row: {str(exc)[:200]}"
    values = {REJECT_COLUMN: STAGE_ERROR, DETAIL_COLUMN: detail, "n_tokens": 0, "_cleaned": 0}
    columns = {}
    for field in schema:
        if field.name in row.column_names:
            columns[field.name] = row[field.name].cast(field.type)
        else:
            columns[field.name] = pa.array([values.get(field.name)], field.type)
    columns[POS] = row[POS]
    return pa.table(columns)
