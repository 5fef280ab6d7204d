"""Ingest stage: read every input, map its columns onto canonical records, quarantine what cannot be used.

Reading is streamed file by file and row by row; a row that cannot be parsed or mapped becomes a
:class:`~pipeline.core.records.Rejection` naming its file and row, and reading goes on. The canonical records are
built in Arrow chunks, so a million-row input never exists as a million Python dicts at once.

Besides the ``input`` section (task, mapping, columns, rows and lines per file) the stage publishes ``ingest``:
how many NaN/Infinity values the inputs held (written as null: JSON has no such numbers), which chat message
fields were kept apart in ``meta.message_fields`` (see :mod:`pipeline.ingest.rows`), how many messages carry
``weight: 0`` and, when any record has tools or tool calls, ``tool_calls`` (records, calls, results, generated ids).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from datasets import Dataset, DatasetInfo

from pipeline.chat.dialects import Conversation
from pipeline.clean.pii import hide_secrets
from pipeline.core.errors import InputError
from pipeline.core.output import finite_json
from pipeline.core.parallel import batched, default_workers, map_ordered
from pipeline.core.records import Rejection, Task, content_hash, content_text, exact_key, features_for, rejections_to_dataset
from pipeline.core.stage import RunContext, StageResult
from pipeline.ingest.config import InputConfig
from pipeline.ingest.mapping import FieldMapping, id_column, resolve_mapping
from pipeline.ingest.readers import (HF_DATASET, FileStats, InputFile, JsonLine, RawRow, parse_unit, read_rows, read_units,
                                     resolve_inputs)
from pipeline.ingest.streams import readable_path
from pipeline.ingest.rows import MESSAGE_FIELDS, ROLE_ALIASES, RowRejected, conversation_of, map_row

__all__ = ["ROLE_ALIASES", "RowRejected", "ingest", "map_row", "read_records"]

_SAMPLE_ROWS = 200  # rows per file looked at to detect the columns
_CHUNK_ROWS = 10_000  # rows read per batch (and per Arrow chunk of the records)
_PARALLEL_BYTES = 32 << 20  # a file this large (~40,000 rows of 100 words) is parsed on every core


def ingest(records: None, cfg: InputConfig, ctx: RunContext) -> StageResult:
    """The ingest stage: :func:`read_records` of the run's inputs (there are no records before it)."""
    return read_records(list(ctx.inputs), cfg, on_row=ctx.on_rows)


def read_records(inputs: list[str], cfg: InputConfig, on_row: Callable[[int], None] | None = None) -> StageResult:
    """Read ``inputs`` into canonical records of one task; rows that cannot be used are rejected.

    The ``input`` section holds the task, the field mapping, the columns seen and, per file, its rows. A large
    file is read here and its rows parsed and mapped in batches on forked workers (``[input] num_proc``), in order.

    Args:
        inputs: files, saved-dataset directories or glob patterns, read in order.
        on_row: called with the number of rows read so far, now and then (progress display).
    """
    files = resolve_inputs(inputs, cfg.format)
    columns = _sample_columns(files, cfg.max_row_bytes)
    where = files[0].path if len(files) == 1 else f"{len(files)} inputs"
    mapping = resolve_mapping(columns, cfg, where)
    reading = _Reading(mapping, id_column(columns, cfg))
    ids = _UniqueIds()
    counts = _Counts()
    tables: list[pa.Table] = []
    rejections: list[Rejection] = []
    described = []
    total = 0
    for source in files:
        rows_in_file, file_stats = 0, FileStats()
        jobs = ((source, units) for units in batched(read_units(source, cfg.max_row_bytes, file_stats), _CHUNK_ROWS))
        for batch in map_ordered(reading.batch, jobs, num_proc=ingest_workers(cfg, source)):
            rows_in_file += batch.rows
            total += batch.rows
            tables.append(ids.unique(batch.table))
            rejections.extend(batch.rejections)
            counts.add(batch.counts)
            if on_row:
                on_row(total)
        described.append({"path": source.path, "format": source.format, "gzip": source.gzipped, "rows": rows_in_file,
                          "lines": file_stats.lines})
    stats = {
        "task": mapping.task.value,
        "field_mapping": mapping.as_report(),
        "columns": columns,
        "files": described,
        "rows_read": total,
    }
    sections = {"input": stats, "ingest": counts.section()}
    return StageResult(kept=_dataset(tables, mapping.task), rejected=rejections_to_dataset(rejections), sections=sections)


def ingest_workers(cfg: InputConfig, source: InputFile) -> int:
    """Worker processes for one input: ``num_proc``, else every core for a file of ``_PARALLEL_BYTES`` or more."""
    if cfg.num_proc is not None:
        return cfg.num_proc
    try:
        big = source.format != HF_DATASET and os.path.getsize(readable_path(source.path)) >= _PARALLEL_BYTES
    except OSError:
        big = False
    return default_workers() if big else 1


def _sample_columns(files: list[InputFile], max_row_bytes: int) -> list[str]:
    """Column names seen in the first rows of every file, in order of first appearance.

    Raises InputError when no row of any file could be read, saying why rather than "no columns".
    """
    seen: dict[str, None] = {}
    first_bad: tuple[InputFile, RawRow] | None = None
    for source in files:
        parsed = 0
        for raw_row in read_rows(source, max_row_bytes):
            if raw_row.data is None:
                first_bad = first_bad or (source, raw_row)
                continue
            seen.update(dict.fromkeys(raw_row.data))
            parsed += 1
            if parsed >= _SAMPLE_ROWS:
                break
    if not seen and first_bad is not None:
        source, raw_row = first_bad
        reason, detail = raw_row.error or ("unreadable", "the row could not be read")
        hint = "; if the file is not UTF-8, convert it first (e.g. iconv -f latin1 -t utf-8)" if reason == "invalid_utf8" else ""
        raise InputError(f"no row could be read; the first bad row is {reason}: {detail}{hint}", path=source.path,
                         row=raw_row.row)
    if not seen:
        where = files[0].path if len(files) == 1 else f"{len(files)} inputs ({', '.join(f.path for f in files[:3])}...)"
        raise InputError("has no data rows (or only rows without fields)", path=where)
    return list(seen)


class _Reading:
    """Turns batches of raw rows into canonical records (or rejections); pure, so a forked worker can run it."""

    def __init__(self, mapping: FieldMapping, id_column: str | None) -> None:
        self.mapping, self.id_column = mapping, id_column
        self.used = set(mapping.fields.values()) | ({id_column} if id_column else set())
        self.schema = features_for(mapping.task).arrow_schema

    def batch(self, job: tuple[InputFile, list[RawRow | JsonLine]]) -> _Batch:
        source, units = job
        rows: list[dict[str, Any]] = []
        rejections: list[Rejection] = []
        counts = _Counts()
        for unit in units:
            record = self.row(parse_unit(unit), source, counts)
            if isinstance(record, Rejection):
                rejections.append(record)
            else:
                rows.append(record)
        return _Batch(len(units), pa.Table.from_pylist(rows, schema=self.schema), rejections, counts)

    def row(self, raw_row: RawRow, source: InputFile, counts: _Counts) -> dict[str, Any] | Rejection:
        shown = shown_path(source.path)
        if raw_row.data is None:
            reason, detail = raw_row.error or ("unreadable", "the row could not be read")
            return Rejection(reason, detail, "ingest", shown, raw_row.row, raw_row.raw_text, raw_is_json=False,
                             info=raw_row.info)
        data = raw_row.data
        raw = json.dumps(data, ensure_ascii=False, default=str)
        if "NaN" in raw or "Infinity" in raw:  # NaN/Infinity: no JSON number, written as null
            data, non_finite = finite_json(data)  # (only a row whose JSON text shows one can hold one)
            if non_finite:
                counts.non_finite += non_finite
                raw = json.dumps(data, ensure_ascii=False, default=str)
        try:
            fields = map_row(data, self.mapping)
        except RowRejected as rejected:
            return Rejection(rejected.reason, str(rejected), "ingest", shown, raw_row.row, raw)
        extra = {k: v for k, v in data.items() if k not in self.used}
        counts.count_tool_use(conversation_of(fields))
        kept_apart = fields.pop(MESSAGE_FIELDS, None)
        if kept_apart:
            extra[MESSAGE_FIELDS] = kept_apart
            for found in kept_apart.values():
                counts.message_fields.update(found.keys())
        given = data.get(self.id_column) if self.id_column else None
        if given not in (None, ""):
            given = hide_secrets(str(given))  # an id is a name, not data: a token in it is replaced, always
        return {
            "id": given if given not in (None, "") else content_hash(fields, self.mapping.task),
            "source_file": shown,
            "source_row": raw_row.row,
            "raw": raw,
            "extra": json.dumps(extra, ensure_ascii=False, default=str) if extra else None,
            "cluster": exact_key(content_text(fields, self.mapping.task)),
            **fields,
        }


@dataclass
class _Counts:
    """What the ``ingest`` section counts, added up batch by batch."""

    non_finite: int = 0
    weight_zero: int = 0
    message_fields: Counter[str] = field(default_factory=Counter)
    tool_use: Counter[str] = field(default_factory=Counter)

    def count_tool_use(self, conversation: Conversation | None) -> None:
        if conversation is None:
            return
        messages = conversation.messages
        self.weight_zero += sum(m.get("weight") == 0 for m in messages)
        calls = sum(len(m.get("tool_calls") or []) for m in messages)
        if calls or conversation.tools:
            self.tool_use.update(records=1, calls=calls, results=sum(m["role"] == "tool" for m in messages),
                                 with_tools=int(conversation.tools is not None), generated_ids=conversation.generated_ids)

    def add(self, other: _Counts) -> None:
        self.non_finite += other.non_finite
        self.weight_zero += other.weight_zero
        self.message_fields.update(other.message_fields)
        self.tool_use.update(other.tool_use)

    def section(self) -> dict[str, Any]:
        section = {"non_finite_numbers": self.non_finite, "message_fields": dict(sorted(self.message_fields.items())),
                   "weight_zero_messages": self.weight_zero}
        if self.tool_use:
            keys = ("records", "with_tools", "calls", "results", "generated_ids")
            section["tool_calls"] = {key: self.tool_use.get(key, 0) for key in keys}
        return section


@dataclass
class _Batch:
    """One batch of rows read: how many, the canonical records (ids not made unique yet), the rejections, counts."""

    rows: int
    table: pa.Table
    rejections: list[Rejection]
    counts: _Counts


@functools.lru_cache(maxsize=256)
def shown_path(path: str) -> str:
    """An input's path as outputs show it (``meta.source_file``, rejections, reports): a credential or IBAN in a
    file name is replaced by its placeholder (``dump-<SECRET>.jsonl``); the file is still read from ``path``."""
    return hide_secrets(path)


class _UniqueIds:
    """Ids from the input's id column, else a content hash; a repeat gets the next free ``-2``, ``-3``..., never an id
    already used (input ids ``a, a, a-2`` become ``a, a-2, a-2-2``). Run in input order, in this process."""

    def __init__(self) -> None:
        self._used: set[str] = set()
        self._next: dict[str, int] = {}

    def unique(self, table: pa.Table) -> pa.Table:
        """``table`` with its ``id`` column made unique among every id seen so far."""
        ids = table.column("id").to_pylist()
        unique = [self._assign(base) for base in ids]
        if unique == ids:
            return table
        return table.set_column(table.column_names.index("id"), "id", pa.array(unique, pa.string()))

    def _assign(self, base: str) -> str:
        if base in self._used:
            n = self._next.get(base, 2)
            while f"{base}-{n}" in self._used:
                n += 1
            self._next[base] = n + 1
            base = f"{base}-{n}"
        self._used.add(base)
        return base


def _dataset(tables: list[pa.Table], task: Task) -> Dataset:
    """The batches as one Dataset; not combined into one chunk (that copied every column: +1 input size at 1M)."""
    features = features_for(task)
    table = pa.concat_tables(tables) if tables else features.arrow_schema.empty_table()
    # an explicit fingerprint: without one, datasets hashes the table it wraps, which pickles (copies) it whole
    fingerprint = hashlib.sha1(f"ingest|{id(table)}|{table.num_rows}|{time.time_ns()}".encode()).hexdigest()
    return Dataset(table, info=DatasetInfo(features=features), fingerprint=fingerprint)
