"""Records held by the cluster: an ordered list of Arrow blocks in Ray's object store, and the tasks that touch them.

The driver never holds the blocks, only their object references and sizes. Every block carries its records' row
positions (``_pos``): the blocks of a stage are contiguous runs of positions, in record order, so a decision the
driver takes per position (a reject mark, a split name) is sent to the workers as one small array and applied
block by block. Blocks are mapped by plain Ray tasks, one per block, collected in block order: the order of the
records, and so the bytes of every file written from them, never depends on the scheduling or on retries (a task
is pure: Ray re-runs the task of a lost block and gets the same block).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray
import ray.data
from datasets import Dataset, DatasetInfo, Features

from pipeline.core.errors import FtprepError
from pipeline.engine.columns import POS


@dataclass
class Blocks:
    """Records in the cluster: block references in record order and each block's number of rows."""

    refs: list[ray.ObjectRef]
    sizes: list[int]

    def __len__(self) -> int:
        return int(sum(self.sizes))

    def __add__(self, other: Blocks) -> Blocks:
        """The blocks of ``self`` then those of ``other`` (rejected rows of successive stages)."""
        return Blocks([*self.refs, *other.refs], [*self.sizes, *other.sizes])

    def starts(self) -> list[int]:
        """The position of every block's first record."""
        return np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(int).tolist() if self.sizes else []

    def dataset(self, columns: list[str] | None = None) -> ray.data.Dataset:
        """The blocks as a Ray Dataset (for Ray Data's operations: ``map_batches``, ``groupby``), ``columns`` only."""
        ds = ray.data.from_arrow_refs(self.refs)
        return ds.select_columns([*columns, POS]) if columns is not None else ds

    def map(self, fn: Callable[..., Any], shared: Any = None, returns: int = 1, **kwargs: Any) -> list[Any]:
        """``fn(block, shared, start=..., **kwargs)`` on every block, one task each; the results' references, in
        block order (with ``returns`` > 1, a tuple of references per block). ``shared`` is put in the object store
        once (an array indexed by position, say) and handed to every task."""
        shared_ref = ray.put(shared)
        task = _apply.options(num_returns=returns)
        return [task.remote(fn, ref, shared_ref, start, kwargs) for ref, start in zip(self.refs, self.starts())]

    def gather(self, columns: list[str]) -> pa.Table:
        """``columns`` of every record on the driver, in record order (only what a decision needs: never texts)."""
        tables = ray.get([_select.remote(ref, [*columns, POS]) for ref in self.refs])
        if not tables:
            return pa.table({name: pa.array([]) for name in columns})
        return without_pos(pa.concat_tables(tables, promote_options="permissive"))

    def take(self, positions: np.ndarray | list[int], columns: list[str] | None = None) -> pa.Table:
        """The records at ``positions`` (sorted, unique) on the driver, in record order, without ``_pos``."""
        positions = np.asarray(positions, dtype=np.int64)
        starts, jobs = self.starts(), []
        for ref, start, size in zip(self.refs, starts, self.sizes):
            inside = positions[(positions >= start) & (positions < start + size)]
            if len(inside):
                jobs.append(_take.remote(ref, inside - start, columns))
        tables = ray.get(jobs)
        return without_pos(pa.concat_tables(tables, promote_options="permissive")) if tables else pa.table({})


def wrap(table: pa.Table) -> Dataset:
    """An Arrow table as a ``datasets.Dataset`` (no copy), to hand a block to the stages' own functions."""
    # an explicit fingerprint: without one datasets hashes (copies) the whole table
    return Dataset(table, info=DatasetInfo(features=Features.from_arrow_schema(table.schema)), fingerprint="block")


def numbered(table: pa.Table, start: int) -> pa.Table:
    """``table`` with its ``_pos`` column set to ``start``, ``start + 1``, ...; a block stays a contiguous run."""
    if POS in table.column_names:
        table = table.drop_columns([POS])
    return table.append_column(POS, pa.array(np.arange(start, start + table.num_rows, dtype=np.int64)))


def without_pos(table: pa.Table) -> pa.Table:
    return table.drop_columns([POS]) if POS in table.column_names else table


@ray.remote
def _apply(fn: Callable[..., Any], block: pa.Table, shared: Any, start: int, kwargs: dict[str, Any]) -> Any:
    return fn(block, shared, start=start, **kwargs)


@ray.remote
def _select(block: pa.Table, columns: list[str]) -> pa.Table:
    return block.select([c for c in columns if c in block.column_names])


@ray.remote
def _take(block: pa.Table, rows: np.ndarray, columns: list[str] | None) -> pa.Table:
    picked = block.take(pa.array(rows))
    return picked.select([c for c in [*columns, POS] if c in picked.column_names]) if columns is not None else picked


def mask_of(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A boolean column as a NumPy mask (nulls are False)."""
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False).astype(bool)


@contextmanager
def worker_errors() -> Iterator[None]:
    """A user error raised on a worker (an input that cannot be read) is raised here as itself: the CLI shows its
    one line, not Ray's wrapping with the worker's traceback."""
    try:
        yield
    except ray.exceptions.RayTaskError as exc:
        if isinstance(exc.cause, FtprepError):
            raise exc.cause from None
        raise
