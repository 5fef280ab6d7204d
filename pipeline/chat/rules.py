"""The tool-call rules a conversation must follow, as the fine-tuning APIs check them; each broken rule is a reject
reason (the row is quarantined in ``rejected.jsonl`` with it).

- ``bad_tool_call``: two calls share an id (a result could not say which one it answers); malformed calls
  (no function name, arguments that are not a JSON object) are refused while reading (:mod:`pipeline.chat.dialects`);
- ``unknown_tool``: a call names a function the record's ``tools`` do not define (only when tools are given);
- ``unanswered_tool_call``: a call is not answered by a ``tool`` message with its id before the next message of
  another role (the Chat Completions API refuses an assistant message with ``tool_calls`` that is not followed by
  a tool message for each call). The calls of the conversation's last message may stay unanswered: OpenAI's own
  fine-tuning example ends on a call, teaching the model when to call;
- ``orphan_tool_message``: a ``tool`` message answers no waiting call (no ``tool_call_id``, or an id no call has or
  that was answered already).

That the last message is the assistant's is the clean stage's ``last_not_assistant``.
"""

from __future__ import annotations

from typing import Any

from pipeline.chat.errors import ChatRejected


def check_conversation(messages: list[dict[str, Any]], defined: list[str] | None) -> None:
    """Raise :class:`ChatRejected` for the first rule the conversation breaks; ``defined``: the function names of
    the record's tools (None when it has none)."""
    _unique_ids(messages)
    waiting: dict[str, str] = {}  # call id -> function name, of the last calling message
    for number, message in enumerate(messages, start=1):
        role = message["role"]
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in waiting:
                why = "has no tool_call_id" if call_id is None else f"answers {call_id!r}, which no waiting call has"
                raise ChatRejected("orphan_tool_message", f"message {number} (tool) {why}")
            del waiting[call_id]
            continue
        if waiting:
            raise ChatRejected("unanswered_tool_call", f"call(s) {', '.join(map(repr, waiting))} not answered by a tool "
                                                       f"message before message {number} ({role})")
        for call in message.get("tool_calls") or []:
            name = call["function"]["name"]
            if defined is not None and name not in defined:
                raise ChatRejected("unknown_tool", f"message {number} calls {name!r}, which the record's tools do not "
                                                   f"define ({', '.join(defined)})")
            waiting[call["id"]] = name
    if waiting and not messages[-1].get("tool_calls"):
        raise ChatRejected("unanswered_tool_call", f"call(s) {', '.join(map(repr, waiting))} not answered by the end")


def _unique_ids(messages: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for number, message in enumerate(messages, start=1):
        for call in message.get("tool_calls") or []:
            if call["id"] in seen:
                raise ChatRejected("bad_tool_call", f"message {number} has call id {call['id']!r}, used by an earlier call")
            seen.add(call["id"])
