"""PII rules applied to a whole chat message: its text and the string values of its tool calls' arguments (and,
through :func:`redact_json`, to a chat's function definitions).

Arguments are JSON: each string value is scanned on its own (keys are the function's parameter names, not data) and
the arguments are written again, in canonical form, only when something was redacted, so they stay valid JSON.
Which values are spared (reserved example values such as ``jane@example.com``) is the clean stage's policy, applied
by the ``redact`` function it passes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pipeline.chat.schema import canonical_json
from pipeline.clean.pii import hide_secrets


def redact_message(message: dict[str, Any], redact: Callable[[str], str]) -> dict[str, Any]:
    """The message with ``redact`` applied to its content and to every string in its calls' arguments; a call id
    (and the ``tool_call_id`` answering it) has its credentials and IBANs replaced, like a record id."""
    out = {**message, "content": redact(message["content"])}
    if message.get("tool_calls"):
        out["tool_calls"] = [_redact_call(call, redact) for call in message["tool_calls"]]
    if message.get("tool_call_id"):
        out["tool_call_id"] = hide_secrets(message["tool_call_id"])
    return out


def _redact_call(call: dict[str, Any], redact: Callable[[str], str]) -> dict[str, Any]:
    if call.get("id") and hide_secrets(call["id"]) != call["id"]:
        call = {**call, "id": hide_secrets(call["id"])}
    function = call["function"]
    arguments = json.loads(function["arguments"])
    cleaned = redact_json(arguments, redact)
    if cleaned == arguments:
        return call
    return {**call, "function": {**function, "arguments": canonical_json(cleaned)}}


def redact_json(value: Any, redact: Callable[[str], str]) -> Any:
    """``redact`` applied to every string value of a parsed JSON value (keys are names, not data)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_json(item, redact) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_json(item, redact) for item in value]
    return value
