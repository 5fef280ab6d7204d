"""Ingest on Ray: every input file is read and parsed by a worker, in chunks that stay in the object store.

A worker streams its file through the local engine's own reader and row parser (:class:`pipeline.ingest.stage.
_Reading`), so a malformed row becomes the same rejection, with the same reason and row number. Files are read in
parallel, one task each; the driver takes their chunks in input order and receives per chunk only its ids (to make
them unique across the run, as the local engine does), its counts and its row numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import ray

from pipeline.core.parallel import batched
from pipeline.core.records import rejections_to_dataset
from pipeline.engine.blocks import Blocks, numbered
from pipeline.ingest.config import InputConfig
from pipeline.ingest.mapping import id_column, resolve_mapping
from pipeline.ingest.readers import FileStats, InputFile, read_units, resolve_inputs
from pipeline.ingest.stage import _CHUNK_ROWS, _Counts, _Reading, _sample_columns, _UniqueIds

DONE = "done"


def read_on_ray(inputs: list[str], cfg: InputConfig) -> tuple[Blocks, Blocks, dict[str, Any]]:
    """The records and the rejected rows of ``inputs`` as blocks in the cluster, and ingest's report sections."""
    files = resolve_inputs(inputs, cfg.format)
    columns = _sample_columns(files, cfg.max_row_bytes)  # the first rows of each file: small, read here
    where = files[0].path if len(files) == 1 else f"{len(files)} inputs"
    mapping = resolve_mapping(columns, cfg, where)
    reading = _Reading(mapping, id_column(columns, cfg))
    readers = [_read_file.remote(reading, source, cfg.max_row_bytes) for source in files]  # all files at once
    ids, counts = _UniqueIds(), _Counts()
    chunks: list[tuple[ray.ObjectRef, pa.Array | None, int]] = []
    rejected = Blocks([], [])
    described, total = [], 0
    for source, reader in zip(files, readers):
        rows_in_file, lines = 0, None
        for meta_ref in reader:
            meta = ray.get(meta_ref)
            if meta.get(DONE):
                lines = meta["lines"]
                break
            records_ref, rejected_ref = next(reader), next(reader)
            given = meta["ids"]
            unique = ids.unique(pa.table({"id": given}))["id"]
            chunks.append((records_ref, None if unique.equals(pa.chunked_array([given])) else unique, meta["kept"]))
            if meta["rejected"]:
                rejected.refs.append(rejected_ref)
                rejected.sizes.append(meta["rejected"])
            rows_in_file += meta["rows"]
            counts.add(meta["counts"])
        total += rows_in_file
        described.append({"path": source.path, "format": source.format, "gzip": source.gzipped, "rows": rows_in_file,
                          "lines": lines})
    records = _numbered(chunks)
    stats = {"task": mapping.task.value, "field_mapping": mapping.as_report(), "columns": columns, "files": described,
             "rows_read": total}
    return records, rejected, {"input": stats, "ingest": counts.section()}


def _numbered(chunks: list[tuple[ray.ObjectRef, pa.ChunkedArray | None, int]]) -> Blocks:
    """The chunks with their unique ids and row positions; empty chunks left out."""
    refs, sizes, start = [], [], 0
    for ref, ids, kept in chunks:
        if kept:
            refs.append(_finish_chunk.remote(ref, ids, start))
            sizes.append(kept)
            start += kept
    return Blocks(refs, sizes)


@ray.remote(num_returns="streaming")
def _read_file(reading: _Reading, source: InputFile, max_row_bytes: int) -> Iterator[Any]:
    """Per chunk: its summary, its records, its rejections; then the file's line count."""
    stats = FileStats()
    for units in batched(read_units(source, max_row_bytes, stats), _CHUNK_ROWS):
        batch = reading.batch((source, units))
        yield {"rows": batch.rows, "kept": batch.table.num_rows, "rejected": len(batch.rejections),
               "ids": batch.table["id"].combine_chunks(), "counts": batch.counts}
        yield batch.table
        yield rejections_to_dataset(batch.rejections).data.table
    yield {DONE: True, "lines": stats.lines}


@ray.remote
def _finish_chunk(table: pa.Table, ids: pa.ChunkedArray | None, start: int) -> pa.Table:
    if ids is not None:
        table = table.set_column(table.column_names.index("id"), "id", ids)
    return numbered(table, start)

