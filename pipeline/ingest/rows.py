"""One parsed input row mapped onto the canonical fields of its task, or the reason it cannot be.

Chat rows are read by :mod:`pipeline.chat.dialects`: messages with their tool calls, tool call ids and weights, the
row's tool definitions and system prompt. A message field the canonical message does not carry (``name``,
LLaMA-Factory's ``loss_weight``, ...) is returned apart, to be kept in the record's ``meta.message_fields`` (by
message number) and counted in the report.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.chat.dialects import ROLE_ALIASES, Conversation, read_conversation
from pipeline.chat.errors import ChatRejected
from pipeline.core.records import Task
from pipeline.ingest.mapping import FieldMapping
from pipeline.preference.read import PairRejected, read_pair

__all__ = ["MESSAGE_FIELDS", "ROLE_ALIASES", "RowRejected", "map_row"]

MESSAGE_FIELDS = "message_fields"
"""The ``meta`` key (and the key :func:`map_row` returns them under) of the chat message fields not trained on."""
CONVERSATION = "_conversation"
"""The key :func:`map_row` returns a chat row's :class:`~pipeline.chat.dialects.Conversation` under (ingest counts
its tool calls)."""


class RowRejected(Exception):
    """Raised inside row mapping to quarantine one row: ``reason`` is its code, the message its detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


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
    if mapping.task is Task.PREFERENCE:
        try:
            return read_pair(data, columns)
        except PairRejected as rejected:
            raise RowRejected(rejected.reason, str(rejected)) from None
    try:
        found = read_conversation(data.get(columns["messages"]), columns["messages"],
                                  **{name: data.get(columns[name]) for name in _CHAT_COLUMNS if name in columns})
    except ChatRejected as rejected:
        raise RowRejected(rejected.reason, str(rejected)) from None
    fields: dict[str, Any] = {"messages": found.messages}
    if found.tools is not None:
        fields["tools"] = found.tools
    if found.parallel_tool_calls is not None:
        fields["parallel_tool_calls"] = found.parallel_tool_calls
    if found.kept_apart:
        fields[MESSAGE_FIELDS] = found.kept_apart
    return {**fields, CONVERSATION: found}


_CHAT_COLUMNS = ("tools", "parallel_tool_calls", "system")


def conversation_of(fields: dict[str, Any]) -> Conversation | None:
    """The conversation :func:`map_row` read (removed from ``fields``), or None for other tasks."""
    return fields.pop(CONVERSATION, None)


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
