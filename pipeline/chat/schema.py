"""The canonical chat message and record fields, as OpenAI's chat fine-tuning format defines them.

A message is ``{role, content}`` plus, only where they apply:

- ``tool_calls`` (assistant): ``[{id, type: "function", function: {name, arguments}}]``, ``arguments`` being the
  call's JSON object as text, in one canonical form (``json.dumps`` with its default separators, non-ASCII kept);
  an assistant message that only calls tools has no text (``content`` is written ``null``);
- ``tool_call_id`` (tool): the id of the call this message answers;
- ``weight`` (assistant): 0 or 1; a turn with weight 0 is context, not trained on.

A chat record may carry ``tools`` (the function definitions, as OpenAI's ``[{type: "function", function: {name,
description, parameters}}]``, held as JSON text) and ``parallel_tool_calls``.

In the Arrow records every message has every field (null where it does not apply) and a tool-call-only message
holds ``content`` ``""``, so the stages that read ``content`` as text keep working; :func:`written_message` gives
the message as users get it, with only the fields that apply. A message without tool fields is written exactly as
before tool calls existed: ``{"role", "content"}``.
"""

from __future__ import annotations

import json
from typing import Any

from datasets import Value

TOOL_CALL_FEATURE = {"id": Value("string"), "type": Value("string"),
                     "function": {"name": Value("string"), "arguments": Value("string")}}
MESSAGE_FEATURE = {"role": Value("string"), "content": Value("string"), "tool_calls": [TOOL_CALL_FEATURE],
                   "tool_call_id": Value("string"), "weight": Value("int64")}
RECORD_FEATURES = {"tools": Value("string"), "parallel_tool_calls": Value("bool")}
"""Chat record fields besides ``messages``; null in a record without tools."""

MESSAGE_EXTRAS = ("tool_calls", "tool_call_id", "weight")
"""Message fields besides ``role`` and ``content``, written only when they apply."""
RECORD_EXTRAS = tuple(RECORD_FEATURES)


def canonical_json(value: Any) -> str:
    """One text for one JSON value: ``json.dumps`` defaults, non-ASCII kept (arguments, tools, tool results)."""
    return json.dumps(value, ensure_ascii=False)


def written_message(message: dict[str, Any]) -> dict[str, Any]:
    """A message as ``train.jsonl`` holds it: role, content (``null`` for a call without text), then the fields
    that apply, in a fixed order."""
    calls = message.get("tool_calls")
    content = message.get("content")
    out: dict[str, Any] = {"role": message["role"], "content": None if calls and not content else content}
    for key in MESSAGE_EXTRAS:
        if message.get(key) is not None:
            out[key] = [_written_call(c) for c in calls] if key == "tool_calls" else message[key]
    return out


def _written_call(call: dict[str, Any]) -> dict[str, Any]:
    function = call["function"]
    return {"id": call["id"], "type": call.get("type") or "function",
            "function": {"name": function["name"], "arguments": function["arguments"]}}


def has_tool_fields(message: dict[str, Any]) -> bool:
    return any(message.get(key) is not None for key in MESSAGE_EXTRAS)


def render_call(call: dict[str, Any]) -> str:
    """A call as text, ``{"name": ..., "arguments": {...}}`` (ShareGPT's ``function_call`` form)."""
    function = call["function"]
    return f'{{"name": {canonical_json(function["name"])}, "arguments": {function["arguments"]}}}'


def render_calls(calls: list[dict[str, Any]]) -> str:
    """One call as an object, several as a JSON array: either way the text is one JSON document."""
    rendered = [render_call(c) for c in calls]
    return rendered[0] if len(rendered) == 1 else "[" + ", ".join(rendered) + "]"


def message_text(message: dict[str, Any]) -> str:
    """What a message says, tool calls included: its content, then its calls (the text of a plain message is its
    content, unchanged). Duplicates, diversity and response measures read this."""
    content = message.get("content") or ""
    calls = message.get("tool_calls")
    if not calls:
        return content
    return f"{content}\n{render_calls(calls)}" if content else render_calls(calls)


def text_parts(message: dict[str, Any]) -> list[str]:
    """A message's texts to judge one by one: its content (if any) and its calls as one JSON document."""
    content = message.get("content") or ""
    calls = message.get("tool_calls")
    if not calls:
        return [content]
    return [content, render_calls(calls)] if content else [render_calls(calls)]


def tool_names(tools: str | None) -> list[str]:
    """The function names a record's ``tools`` defines, in order."""
    if not tools:
        return []
    return [tool["function"]["name"] for tool in json.loads(tools)]
