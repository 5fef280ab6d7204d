"""Records kept in Arrow files that are memory-mapped, not in the heap, while a run is on.

Between stages the records are a ``datasets.Dataset``. Held as an in-memory Arrow table, every column of it is
private memory of the process: at 1M records ~1.4 GB, and a stage that copies the rows it keeps (dedup keeps 86%)
holds both copies at its peak. Written once into an Arrow IPC stream file and mapped back (as ``datasets`` does
with its cache files), the same table is page cache: the kernel reads in only the columns a stage touches (the
original rows, ``raw``, are read only for the rows a stage rejects), may drop clean pages under pressure, and a
forked worker that reads them shares the pages instead of owning a copy (PSS divides a shared page among the
processes mapping it).

:func:`spilling` sets the folder for a run (the runner puts it inside the run's staging folder, so a killed run's
files go with the staging folder, and removes it before the outputs are committed); outside it (a stage called
on its own, in tests) tables stay in memory, with the same rows and schema either way.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
from datasets import Dataset
from datasets.table import MemoryMappedTable, Table

_folder: list[Path] = []
"""The running run's spill folder (empty: tables stay in memory)."""
_numbers = itertools.count()


@contextmanager
def spilling(parent: Path) -> Iterator[Path]:
    """Spill record tables into a new temp folder inside ``parent`` until the block ends; it is removed then."""
    folder = Path(tempfile.mkdtemp(prefix=".records-", dir=parent))
    _folder.append(folder)
    try:
        yield folder
    finally:
        _folder.remove(folder)
        shutil.rmtree(folder, ignore_errors=True)


def stored(batches: Iterable[pa.RecordBatch], schema: pa.Schema) -> Table | pa.Table:
    """``batches`` as one table: memory-mapped from a spill file written batch by batch while a run spills (the
    batches need not all be in memory at once), else an in-memory ``pa.Table``."""
    if not _folder:
        return pa.Table.from_batches(list(batches), schema=schema)
    path = _folder[-1] / f"{next(_numbers):04d}.arrow"
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
        for batch in batches:
            writer.write_batch(batch)
    return MemoryMappedTable.from_file(str(path))


def spilled(ds: Dataset) -> Dataset:
    """``ds`` read from a spill file (the same rows, features, format and fingerprint): the heap copy it held is
    freed once the caller drops ``ds``. A dataset already mapped from a file, or with no spill folder set, is
    returned as it is."""
    if not _folder or (ds._indices is None and isinstance(ds.data, MemoryMappedTable)):
        return ds
    table = ds.with_format("arrow")[:] if ds._indices is not None else ds.data.table
    mapped = Dataset(stored(table.to_batches(), table.schema), info=ds.info.copy(), split=ds.split,
                     fingerprint=ds._fingerprint)
    if ds._format_type is not None or ds._format_columns is not None:
        mapped.set_format(ds._format_type, ds._format_columns, ds._output_all_columns, **ds._format_kwargs)
        mapped._fingerprint = ds._fingerprint  # set_format made a new one
    return mapped
