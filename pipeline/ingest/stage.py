"""Ingest stage: read every input, map its columns onto canonical records, quarantine what cannot be used.

Reading is streamed file by file and row by row; a row that cannot be parsed or mapped becomes a
:class:`~pipeline.records.Rejection` naming its file and row, and reading goes on. The canonical records are
built in Arrow chunks, so a million-row input never exists as a million Python dicts at once.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pyarrow as pa
from datasets import Dataset, DatasetInfo

from pipeline.core.stage import RunContext, StageResult
from pipeline.ingest.config import InputConfig
from pipeline.core.errors import InputError
from pipeline.ingest.mapping import FieldMapping, id_column, resolve_mapping
from pipeline.ingest.readers import InputFile, RawRow, read_rows, resolve_inputs
from pipeline.core.records import (
    CHAT_ROLES,
    Rejection,
    Task,
    content_hash,
    content_text,
    exact_key,
    features_for,
    rejections_to_dataset,
)

_SAMPLE_ROWS = 200  # rows per file looked at to detect the columns
_CHUNK_ROWS = 50_000

# ShareGPT and other chat dialects, mapped onto the roles the fine-tuning APIs accept.
ROLE_ALIASES = {
    "system": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "gpt": "assistant",
    "bot": "assistant",
    "model": "assistant",
    "chatgpt": "assistant",
    "function_call": "assistant",
    "tool": "tool",
    "function": "tool",
    "observation": "tool",
    "ipython": "tool",
}


class RowRejected(Exception):
    """Raised inside row mapping to quarantine one row: ``reason`` is its code, the message its detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


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
    columns = _sample_columns(files)
    where = files[0].path if len(files) == 1 else f"{len(files)} inputs"
    mapping = resolve_mapping(columns, cfg, where)
    ids = _IdAssigner(id_column(columns, cfg))
    builder = _ChunkBuilder(mapping.task)
    rejections: list[Rejection] = []
    per_file: dict[str, int] = {}
    total = 0
    for source in files:
        rows_in_file = 0
        for raw_row in read_rows(source):
            rows_in_file += 1
            total += 1
            rejection = _ingest_row(raw_row, source, mapping, ids, builder)
            if rejection:
                rejections.append(rejection)
            if on_row and total % 10_000 == 0:
                on_row(total)
        per_file[source.path] = rows_in_file
    stats = {
        "task": mapping.task.value,
        "field_mapping": mapping.as_report(),
        "columns": columns,
        "files": [{"path": f.path, "format": f.format, "gzip": f.gzipped, "rows": per_file[f.path]} for f in files],
        "rows_read": total,
    }
    return StageResult(kept=builder.finish(), rejected=rejections_to_dataset(rejections), sections={"input": stats})


def _sample_columns(files: list[InputFile]) -> list[str]:
    """Column names seen in the first rows of every file, in order of first appearance.

    Raises InputError when no row of any file could be read, saying why rather than "no columns".
    """
    seen: dict[str, None] = {}
    first_bad: tuple[InputFile, RawRow] | None = None
    for source in files:
        parsed = 0
        for raw_row in read_rows(source):
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


def _ingest_row(raw_row: RawRow, source: InputFile, mapping: FieldMapping, ids: _IdAssigner, builder: _ChunkBuilder) -> Rejection | None:
    if raw_row.data is None:
        reason, detail = raw_row.error or ("unreadable", "the row could not be read")
        return Rejection(reason, detail, "ingest", source.path, raw_row.row, raw_row.raw_text, raw_is_json=False)
    raw = json.dumps(raw_row.data, ensure_ascii=False, default=str)
    try:
        fields = map_row(raw_row.data, mapping)
    except RowRejected as rejected:
        return Rejection(rejected.reason, str(rejected), "ingest", source.path, raw_row.row, raw)
    used = set(mapping.fields.values()) | ({ids.column} if ids.column else set())
    extra = {k: v for k, v in raw_row.data.items() if k not in used}
    record = {
        "id": ids.assign(raw_row.data, fields, mapping.task),
        "source_file": source.path,
        "source_row": raw_row.row,
        "raw": raw,
        "extra": json.dumps(extra, ensure_ascii=False, default=str) if extra else None,
        "cluster": exact_key(content_text(fields, mapping.task)),
        **fields,
    }
    builder.add(record)
    return None


def map_row(data: dict[str, Any], mapping: FieldMapping) -> dict[str, Any]:
    """The task fields of one parsed row, or :class:`RowRejected` saying why the row cannot be used."""
    columns = mapping.fields
    if mapping.task is Task.CLASSIFICATION:
        return {"text": _text(data, columns["text"], "text"), "label": _label(data, columns["label"])}
    if mapping.task is Task.COMPLETION:
        prompt = _text(data, columns["prompt"], "prompt")
        context = _optional_text(data, columns.get("context"))
        if context:
            prompt = f"{prompt}\n\n{context}"
        return {"prompt": prompt, "completion": _text(data, columns["completion"], "completion")}
    return {"messages": _messages(data, columns["messages"])}


def _scalar_text(value: Any, column: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise RowRejected("bad_type", f"column '{column}' holds {type(value).__name__}; expected text")


def _text(data: dict[str, Any], column: str, field: str) -> str:
    if data.get(column) is None:
        raise RowRejected("missing_field", f"no value for {field} (column '{column}')")
    text = _scalar_text(data[column], column)
    if not text.strip():
        raise RowRejected("empty_text", f"{field} (column '{column}') is empty")
    return text


def _optional_text(data: dict[str, Any], column: str | None) -> str:
    if not column or data.get(column) is None:
        return ""
    return _scalar_text(data[column], column).strip()


def _label(data: dict[str, Any], column: str) -> str:
    value = data.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RowRejected("missing_field", f"no label (column '{column}')")
    if isinstance(value, bool):
        return str(value).lower()
    return _scalar_text(value, column)


def _messages(data: dict[str, Any], column: str) -> list[dict[str, str]]:
    value = data.get(column)
    if isinstance(value, str):  # JSON text in a CSV cell
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise RowRejected("bad_messages", f"column '{column}' is text that is not a JSON list of messages") from None
    if value is None:
        raise RowRejected("missing_field", f"no messages (column '{column}')")
    if not isinstance(value, list) or not value:
        raise RowRejected("bad_messages", f"column '{column}' must be a non-empty list of messages")
    messages = [_message(i, m) for i, m in enumerate(value, start=1)]
    if not any(m["role"] == "assistant" for m in messages):
        raise RowRejected("no_assistant", "the conversation has no assistant message to learn from")
    return messages


def _message(index: int, message: Any) -> dict[str, str]:
    if not isinstance(message, dict):
        raise RowRejected("bad_messages", f"message {index} is {type(message).__name__}; expected an object with role and content")
    role = message.get("role", message.get("from"))
    if not isinstance(role, str) or role.strip().lower() not in ROLE_ALIASES:
        raise RowRejected("bad_role", f"message {index} has role {role!r}; expected one of {', '.join(CHAT_ROLES)} "
                                        f"(or an alias: {', '.join(sorted(set(ROLE_ALIASES) - set(CHAT_ROLES)))})")
    content = message.get("content", message.get("value", message.get("text")))
    if isinstance(content, list):
        content = _join_parts(index, content)
    if content is None or (isinstance(content, str) and not content.strip()):
        raise RowRejected("empty_content", f"message {index} ({role}) has no content")
    if not isinstance(content, str):
        raise RowRejected("bad_content", f"message {index} content is {type(content).__name__}; expected text")
    return {"role": ROLE_ALIASES[role.strip().lower()], "content": content}


def _join_parts(index: int, parts: list[Any]) -> str:
    """Content given as typed parts (``[{"type": "text", "text": ...}]``): the text parts, joined."""
    texts = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
            continue
        kind = part.get("type", "text") if isinstance(part, dict) else None
        if kind != "text":
            raise RowRejected("bad_content", f"message {index} has a content part of type {kind!r}; only text parts are supported")
        text = part.get("text", part.get("value"))
        if not isinstance(text, str):
            raise RowRejected("bad_content", f"message {index} has a text part without text")
        texts.append(text)
    return "".join(texts)


class _IdAssigner:
    """Ids from the input's id column, else a content hash; repeats get ``-2``, ``-3``... in input order."""

    def __init__(self, column: str | None) -> None:
        self.column = column
        self._seen: Counter[str] = Counter()

    def assign(self, data: dict[str, Any], fields: dict[str, Any], task: Task) -> str:
        given = data.get(self.column) if self.column else None
        base = str(given) if given not in (None, "") else content_hash(fields, task)
        self._seen[base] += 1
        count = self._seen[base]
        return base if count == 1 else f"{base}-{count}"


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
        self._flush()
        table = pa.concat_tables(self._tables) if self._tables else self.schema.empty_table()
        return Dataset(table.combine_chunks(), info=DatasetInfo(features=self.features))

