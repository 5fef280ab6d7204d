"""One parsed input row mapped onto the canonical fields of its task, or the reason it cannot be.

Chat messages keep only ``role`` and ``content`` as trainable fields; any other field of a message (``tool_calls``,
``tool_call_id``, ``name``, ``weight``, ...) is returned apart, to be kept in the record's ``meta.message_fields``
(by message number) and counted in the report, until the fine-tuning targets carry them properly.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.core.records import CHAT_ROLES, Task
from pipeline.ingest.mapping import FieldMapping

MESSAGE_FIELDS = "message_fields"
"""The ``meta`` key (and the key :func:`map_row` returns them under) of the chat message fields not trained on."""
_MESSAGE_KEYS = {"role", "from", "content", "value", "text"}  # what _message reads; the rest is kept apart

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
    messages, kept_apart = _messages(data, columns["messages"])
    return {"messages": messages, MESSAGE_FIELDS: kept_apart} if kept_apart else {"messages": messages}


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


def _messages(data: dict[str, Any], column: str) -> tuple[list[dict[str, str]], dict[str, dict[str, Any]]]:
    """The messages, and their other fields by message number (``{"2": {"tool_calls": [...]}}``)."""
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
    kept_apart = {str(i): {k: v for k, v in m.items() if k not in _MESSAGE_KEYS}
                  for i, m in enumerate(value, start=1) if set(m) - _MESSAGE_KEYS}
    return messages, kept_apart


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


