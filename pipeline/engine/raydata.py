"""The Ray engine: a Ray connection for one run, and moving Arrow tables in and out of Ray Data in input order.

Row order is never left to Ray: every table sent to Ray carries its row position (``_pos``), and what comes back
is sorted by it, so the driver sees rows in input order whatever the block layout, the number of workers or the
retries of a dead worker (Ray Data re-runs the task of a lost block; a batch function is pure, so the re-run gives
the same rows).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray
import ray.data

from pipeline.engine.columns import POS

_BLOCKS_PER_CPU = 4
_MIN_BLOCK_ROWS = 500


class RaySession:
    """A Ray connection for one run and the number of CPUs it has."""

    def __init__(self, cpus: int) -> None:
        self.cpus = cpus

    @classmethod
    @contextmanager
    def connect(cls, address: str | None, num_cpus: int | None, verbose: bool) -> Iterator[RaySession]:
        """Join the cluster at ``address``, or start a local Ray with ``num_cpus``; leave it as found afterwards."""
        started = not ray.is_initialized()
        if started:
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": verbose,
                                       "logging_level": logging.INFO if verbose else logging.ERROR}
            if address:
                # workers import this very copy of ftprep; its dependencies must be installed on the cluster
                options["runtime_env"] = {"py_modules": [str(Path(__file__).resolve().parent.parent)]}
                ray.init(address=address, **options)
            else:
                ray.init(num_cpus=num_cpus or os.cpu_count() or 1, **options)
        if not verbose:  # Ray Data logs every execution plan at INFO on stderr
            logging.getLogger("ray.data").setLevel(logging.ERROR)
        context = ray.data.DataContext.get_current()
        bars = context.enable_progress_bars
        context.enable_progress_bars = verbose
        try:
            yield cls(max(1, int(ray.cluster_resources().get("CPU", 1))))
        finally:
            context.enable_progress_bars = bars
            if started:
                ray.shutdown()

    def to_ray(self, table: pa.Table) -> ray.data.Dataset:
        """``table`` with its row positions, in blocks small enough to keep every CPU busy."""
        table = table.append_column(POS, pa.array(np.arange(table.num_rows, dtype=np.int64)))
        size = max(_MIN_BLOCK_ROWS, -(-table.num_rows // (self.cpus * _BLOCKS_PER_CPU)))
        return ray.data.from_arrow([table.slice(at, size) for at in range(0, table.num_rows, size)] or [table])


def collect(ds: ray.data.Dataset, columns: list[str] | None = None, order: str = POS) -> pa.Table:
    """The rows of ``ds`` on the driver (only ``columns``, when given), sorted by ``order``."""
    if columns is not None:
        ds = ds.select_columns(columns)
    tables = [t for t in ray.get(ds.to_arrow_refs()) if t.num_rows]
    if not tables:
        return ds.schema().base_schema.empty_table() if columns is None else pa.table({c: [] for c in columns})
    table = pa.concat_tables(tables, promote_options="permissive")
    return table.take(pc.sort_indices(table, sort_keys=[(order, "ascending")])) if order in table.column_names else table


def list_column(values: np.ndarray, offsets: np.ndarray) -> pa.Array:
    """Variable-length lists as one Arrow list array (``offsets``: n + 1 starts into ``values``)."""
    return pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), pa.array(values))


def matrix_column(rows: np.ndarray) -> pa.Array:
    """A 2-D array as an Arrow list array, one list per row."""
    return list_column(rows.ravel(), np.arange(0, rows.size + 1, max(1, rows.shape[1]), dtype=np.int64)[: len(rows) + 1])


def from_list_column(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """``(values, offsets)`` of an Arrow list column (the inverse of :func:`list_column`)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_large_list(array.type):
        array = array.cast(pa.large_list(array.type.value_type))
    offsets = array.offsets.to_numpy().astype(np.int64)
    values = array.values.to_numpy(zero_copy_only=False)[offsets[0] : offsets[-1]]
    return values, offsets - offsets[0]
