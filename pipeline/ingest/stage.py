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

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pyarrow as pa
from datasets import Dataset, DatasetInfo

from pipeline.chat.dialects import Conversation
from pipeline.core.errors import InputError
from pipeline.core.output import finite_json
from pipeline.core.records import Rejection, Task, content_hash, content_text, exact_key, features_for, rejections_to_dataset
from pipeline.core.stage import RunContext, StageResult
from pipeline.ingest.config import InputConfig
from pipeline.ingest.mapping import FieldMapping, id_column, resolve_mapping
from pipeline.ingest.readers import FileStats, InputFile, RawRow, read_rows, resolve_inputs
from pipeline.ingest.rows import MESSAGE_FIELDS, ROLE_ALIASES, RowRejected, conversation_of, map_row

__all__ = ["ROLE_ALIASES", "RowRejected", "ingest", "map_row", "read_records"]

_SAMPLE_ROWS = 200  # rows per file looked at to detect the columns
_CHUNK_ROWS = 10_000


def ingest(records: None, cfg: InputConfig, ctx: RunContext) -> StageResult:
    """The ingest stage: :func:`read_records` of the run's inputs (there are no records before it)."""
    return read_records(list(ctx.inputs), cfg, on_row=ctx.on_rows)


def read_records(inputs: list[str], cfg: InputConfig, on_row: Callable[[int], None] | None = None) -> StageResult:
    """Read ``inputs`` into canonical records of one task; rows that cannot be used are rejected.

    The ``input`` section holds the task, the field mapping, the columns seen and, per file, its rows.

    Args:
        inputs: files, saved-dataset directories or glob patterns, read in order.
        on_row: called with the number of rows read so far, now and then (progress display).
    """
    files = resolve_inputs(inputs, cfg.format)
    columns = _sample_columns(files, cfg.max_row_bytes)
    where = files[0].path if len(files) == 1 else f"{len(files)} inputs"
    mapping = resolve_mapping(columns, cfg, where)
    reading = _Reading(mapping, _IdAssigner(id_column(columns, cfg)), _ChunkBuilder(mapping.task))
    rejections: list[Rejection] = []
    described = []
    total = 0
    for source in files:
        rows_in_file, file_stats = 0, FileStats()
        for raw_row in read_rows(source, cfg.max_row_bytes, file_stats):
            rows_in_file += 1
            total += 1
            rejection = reading.row(raw_row, source)
            if rejection:
                rejections.append(rejection)
            if on_row and total % 10_000 == 0:
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
    sections = {"input": stats, "ingest": reading.section()}
    return StageResult(kept=reading.builder.finish(), rejected=rejections_to_dataset(rejections), sections=sections)


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
    """Turns raw rows into canonical records (or rejections) and counts what the ``ingest`` section reports."""

    def __init__(self, mapping: FieldMapping, ids: _IdAssigner, builder: _ChunkBuilder) -> None:
        self.mapping, self.ids, self.builder = mapping, ids, builder
        self.used = set(mapping.fields.values()) | ({ids.column} if ids.column else set())
        self.non_finite = 0
        self.message_fields: Counter[str] = Counter()
        self.weight_zero = 0
        self.tool_use: Counter[str] = Counter()

    def row(self, raw_row: RawRow, source: InputFile) -> Rejection | None:
        if raw_row.data is None:
            reason, detail = raw_row.error or ("unreadable", "the row could not be read")
            return Rejection(reason, detail, "ingest", source.path, raw_row.row, raw_row.raw_text, raw_is_json=False,
                             info=raw_row.info)
        data = raw_row.data
        raw = json.dumps(data, ensure_ascii=False, default=str)
        if "NaN" in raw or "Infinity" in raw:  # NaN/Infinity: no JSON number, written as null
            data, non_finite = finite_json(data)  # (only a row whose JSON text shows one can hold one)
            if non_finite:
                self.non_finite += non_finite
                raw = json.dumps(data, ensure_ascii=False, default=str)
        try:
            fields = map_row(data, self.mapping)
        except RowRejected as rejected:
            return Rejection(rejected.reason, str(rejected), "ingest", source.path, raw_row.row, raw)
        extra = {k: v for k, v in data.items() if k not in self.used}
        self._count_tool_use(conversation_of(fields))
        kept_apart = fields.pop(MESSAGE_FIELDS, None)
        if kept_apart:
            extra[MESSAGE_FIELDS] = kept_apart
            self._count_message_fields(kept_apart)
        self.builder.add({
            "id": self.ids.assign(data, fields, self.mapping.task),
            "source_file": source.path,
            "source_row": raw_row.row,
            "raw": raw,
            "extra": json.dumps(extra, ensure_ascii=False, default=str) if extra else None,
            "cluster": exact_key(content_text(fields, self.mapping.task)),
            **fields,
        })
        return None

    def _count_message_fields(self, kept_apart: dict[str, dict[str, Any]]) -> None:
        for found in kept_apart.values():
            self.message_fields.update(found.keys())

    def _count_tool_use(self, conversation: Conversation | None) -> None:
        if conversation is None:
            return
        messages = conversation.messages
        self.weight_zero += sum(m.get("weight") == 0 for m in messages)
        calls = sum(len(m.get("tool_calls") or []) for m in messages)
        if calls or conversation.tools:
            self.tool_use.update(records=1, calls=calls, results=sum(m["role"] == "tool" for m in messages),
                                 with_tools=int(conversation.tools is not None), generated_ids=conversation.generated_ids)

    def section(self) -> dict[str, Any]:
        section = {"non_finite_numbers": self.non_finite, "message_fields": dict(sorted(self.message_fields.items())),
                   "weight_zero_messages": self.weight_zero}
        if self.tool_use:
            keys = ("records", "with_tools", "calls", "results", "generated_ids")
            section["tool_calls"] = {key: self.tool_use.get(key, 0) for key in keys}
        return section


class _IdAssigner:
    """Ids from the input's id column, else a content hash; a repeat gets the next free ``-2``, ``-3``..., never an id
    already used (input ids ``a, a, a-2`` become ``a, a-2, a-2-2``)."""

    def __init__(self, column: str | None) -> None:
        self.column = column
        self._used: set[str] = set()
        self._next: dict[str, int] = {}

    def assign(self, data: dict[str, Any], fields: dict[str, Any], task: Task) -> str:
        given = data.get(self.column) if self.column else None
        base = str(given) if given not in (None, "") else content_hash(fields, task)
        if base in self._used:
            n = self._next.get(base, 2)
            while f"{base}-{n}" in self._used:
                n += 1
            self._next[base] = n + 1
            base = f"{base}-{n}"
        self._used.add(base)
        return base


class _ChunkBuilder:
    """Collects canonical rows into Arrow tables of bounded size and concatenates them at the end."""

    def __init__(self, task: Task) -> None:
        self.features = features_for(task)
        self.schema = self.features.arrow_schema
        self._rows: list[dict[str, Any]] = []
        self._tables: list[pa.Table] = []

    def add(self, record: dict[str, Any]) -> None:
        self._rows.append(record)
        if len(self._rows) >= _CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._tables.append(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def finish(self) -> Dataset:
        """The chunks as one Dataset; not combined into one chunk (that copied every column: +1 input size at 1M)."""
        self._flush()
        table = pa.concat_tables(self._tables) if self._tables else self.schema.empty_table()
        self._tables = []
        # an explicit fingerprint: without one, datasets hashes the table it wraps, which pickles (copies) it whole
        fingerprint = hashlib.sha1(f"ingest|{id(table)}|{table.num_rows}|{time.time_ns()}".encode()).hexdigest()
        return Dataset(table, info=DatasetInfo(features=self.features), fingerprint=fingerprint)

