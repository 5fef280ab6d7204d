"""Chat messages of every dialect read into canonical messages (:mod:`pipeline.chat.schema`), tool calls kept.

One input message may become several canonical ones: a Gemini ``user`` turn or a Bedrock ``user`` message holding
function results and text becomes the ``tool`` messages, then the ``user`` message. Dialects, by what a message has:

- OpenAI ``{role, content, tool_calls, tool_call_id, weight}`` (``content`` may be ``null`` beside ``tool_calls``),
  also the legacy ``function_call`` on an assistant message and the ``function`` role answering it;
- ShareGPT ``{from, value}`` with ``function_call`` (a JSON call or a list of calls) and ``observation`` turns;
- Gemini ``{role, parts}``: ``text``, ``functionCall {name, args}``, ``functionResponse {name, response}``;
- Bedrock Converse ``{role, content: [{text} | {toolUse} | {toolResult}]}``.

Calls without an id (ShareGPT, Gemini, legacy OpenAI) get ``call_<n>``, n counting the conversation's calls from 1:
the same conversation always gets the same ids. A result without a call id answers the first call still waiting
(the first with its function name, when the result names one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pipeline.chat.errors import ChatRejected
from pipeline.chat.rules import check_conversation
from pipeline.chat.schema import canonical_json
from pipeline.chat.tools import bad_function_name, read_tools

CHAT_ROLES = ("system", "user", "assistant", "tool")
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
CONSUMED_KEYS = frozenset({"role", "from", "content", "value", "text", "parts", "tool_calls", "tool_call_id", "weight",
                           "function_call"})
"""Message keys read into the canonical message; any other key is kept apart (``meta.message_fields``)."""
_RESULT_NAME = "_result_of"  # a result's function name while ids are matched; removed before the message leaves


@dataclass
class Conversation:
    """One record's canonical chat fields, what was kept apart and how many call ids were generated."""

    messages: list[dict[str, Any]]
    tools: str | None = None
    parallel_tool_calls: bool | None = None
    kept_apart: dict[str, dict[str, Any]] = field(default_factory=dict)
    generated_ids: int = 0


def read_conversation(value: Any, column: str, *, tools: Any = None, parallel_tool_calls: Any = None,
                      system: Any = None) -> Conversation:
    """The canonical conversation of one row, or :class:`ChatRejected` saying why it cannot be used.

    Args:
        value: the messages column's value (a list, or JSON text in a CSV cell).
        tools: the row's tool definitions (any dialect, see :mod:`pipeline.chat.tools`).
        system: a system prompt given beside the messages (ShareGPT/Bedrock ``system``, Gemini
            ``systemInstruction``): it becomes the first message.
    """
    items = _as_list(value, column)
    tools_json, names = read_tools(tools)
    if parallel_tool_calls is not None and not isinstance(parallel_tool_calls, bool):
        raise ChatRejected("bad_tools", f"parallel_tool_calls is {parallel_tool_calls!r}; expected true or false")
    messages = _system_messages(system)
    kept_apart: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ChatRejected("bad_messages", f"message {index} is {type(item).__name__}; expected an object with role and content")
        messages += _read_message(index, item)
        extra = {k: v for k, v in item.items() if k not in CONSUMED_KEYS and not (k == "name" and _is_result(item))}
        if extra:
            kept_apart[str(index)] = extra
    if not any(m["role"] == "assistant" for m in messages):
        raise ChatRejected("no_assistant", "the conversation has no assistant message to learn from")
    generated = _assign_ids(messages)
    check_conversation(messages, names if tools_json else None)
    return Conversation(messages, tools_json, parallel_tool_calls, kept_apart, generated)


def _as_list(value: Any, column: str) -> list[Any]:
    if isinstance(value, str):  # JSON text in a CSV cell
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ChatRejected("bad_messages", f"column '{column}' is text that is not a JSON list of messages") from None
    if value is None:
        raise ChatRejected("missing_field", f"no messages (column '{column}')")
    if not isinstance(value, list) or not value:
        raise ChatRejected("bad_messages", f"column '{column}' must be a non-empty list of messages")
    return value


def _system_messages(system: Any) -> list[dict[str, Any]]:
    """A system prompt given beside the messages: text, ``[{"text": ...}]`` (Bedrock) or ``{"parts": [...]}`` (Gemini)."""
    if isinstance(system, dict):
        system = system.get("parts")
    if isinstance(system, list):
        texts = [p.get("text") if isinstance(p, dict) else p for p in system]
        if not all(isinstance(t, str) for t in texts):
            raise ChatRejected("bad_content", "the system prompt holds a part without text")
        system = "".join(texts)
    if system is None or (isinstance(system, str) and not system.strip()):
        return []
    if not isinstance(system, str):
        raise ChatRejected("bad_content", f"the system prompt is {type(system).__name__}; expected text")
    return [{"role": "system", "content": system}]


def _is_result(item: dict[str, Any]) -> bool:
    """A function result naming its function (legacy OpenAI ``function`` role): its ``name`` is read, not kept apart."""
    role = item.get("role", item.get("from"))
    return isinstance(role, str) and ROLE_ALIASES.get(role.strip().lower()) == "tool"


def _read_message(index: int, message: dict[str, Any]) -> list[dict[str, Any]]:
    raw_role = message.get("role", message.get("from"))
    if raw_role is None and "parts" in message:
        raw_role = "user"  # Gemini: a content without a role is the user's
    if not isinstance(raw_role, str) or raw_role.strip().lower() not in ROLE_ALIASES:
        raise ChatRejected("bad_role", f"message {index} has role {raw_role!r}; expected one of {', '.join(CHAT_ROLES)} "
                                       f"(or an alias: {', '.join(sorted(set(ROLE_ALIASES) - set(CHAT_ROLES)))})")
    source = raw_role.strip().lower()
    role = ROLE_ALIASES[source]
    if "parts" in message and not any(k in message for k in ("content", "value", "text")):
        return _with_weight(index, _parts(index, role, message["parts"]), message)
    content = message.get("content", message.get("value", message.get("text")))
    if isinstance(content, list) and any(isinstance(b, dict) and ("toolUse" in b or "toolResult" in b) for b in content):
        return _with_weight(index, _blocks(index, role, content), message)
    if isinstance(content, list):
        content = _join_parts(index, content)
    if source == "function_call":  # ShareGPT: the value is the call
        return _with_weight(index, [{"role": "assistant", "content": "", "tool_calls": _sharegpt_calls(index, content)}], message)
    calls = message.get("tool_calls")
    legacy = message.get("function_call")
    if calls is not None or legacy is not None:
        if role != "assistant":
            raise ChatRejected("bad_tool_call", f"message {index} ({role}) carries tool calls; only assistant messages may")
        if content is not None and not isinstance(content, str):
            raise ChatRejected("bad_content", f"message {index} content is {type(content).__name__}; expected text")
        found = _openai_calls(index, calls) if calls is not None else [_legacy_call(index, legacy)]
        return _with_weight(index, [{"role": "assistant", "content": content or "", "tool_calls": found}], message)
    if content is None or (isinstance(content, str) and not content.strip()):
        raise ChatRejected("empty_content", f"message {index} ({raw_role}) has no content")
    if not isinstance(content, str):
        raise ChatRejected("bad_content", f"message {index} content is {type(content).__name__}; expected text")
    out: dict[str, Any] = {"role": role, "content": content}
    if role == "tool":
        call_id = message.get("tool_call_id")
        if call_id is not None and not isinstance(call_id, str):
            raise ChatRejected("bad_tool_call", f"message {index} has tool_call_id {call_id!r}; expected text")
        out["tool_call_id"] = call_id
        if isinstance(message.get("name"), str):
            out[_RESULT_NAME] = message["name"]
    return _with_weight(index, [out], message)


def _with_weight(index: int, found: list[dict[str, Any]], message: dict[str, Any]) -> list[dict[str, Any]]:
    weight = message.get("weight")
    if weight is None:
        return found
    if isinstance(weight, bool) or weight not in (0, 1):
        raise ChatRejected("bad_weight", f"message {index} has weight {weight!r}; expected 0 or 1")
    if len(found) != 1 or found[0]["role"] != "assistant":
        raise ChatRejected("bad_weight", f"message {index} ({found[0]['role']}) has a weight; only assistant messages may")
    return [{**found[0], "weight": int(weight)}]


def _join_parts(index: int, parts: list[Any]) -> str:
    """Content given as typed parts (``[{"type": "text", "text": ...}]``): the text parts, joined."""
    texts = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
            continue
        kind = part.get("type", "text") if isinstance(part, dict) else None
        if kind != "text":
            raise ChatRejected("bad_content", f"message {index} has a content part of type {kind!r}; only text parts are supported")
        text = part.get("text", part.get("value"))
        if not isinstance(text, str):
            raise ChatRejected("bad_content", f"message {index} has a text part without text")
        texts.append(text)
    return "".join(texts)


# -- tool calls ---------------------------------------------------------------------------------------------------


def tool_call(index: int, name: Any, arguments: Any, call_id: Any = None, kind: Any = "function") -> dict[str, Any]:
    """One canonical call; ``arguments`` as an object or as JSON text of an object (written in canonical form)."""
    if kind != "function":
        raise ChatRejected("bad_tool_call", f"message {index} has a tool call of type {kind!r}; only function calls are supported")
    if not isinstance(name, str) or not name.strip():
        raise ChatRejected("bad_tool_call", f"message {index} has a tool call without a function name")
    if call_id is not None and (not isinstance(call_id, str) or not call_id.strip()):
        raise ChatRejected("bad_tool_call", f"message {index} has a tool call whose id is {call_id!r}; expected text")
    if (why := bad_function_name(name)) is not None:
        raise ChatRejected("bad_tool_call", f"message {index}: {why}")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except (json.JSONDecodeError, RecursionError):
            raise ChatRejected("bad_tool_call", f"message {index}: the arguments of call {name!r} are not valid JSON") from None
    if not isinstance(arguments, dict):
        raise ChatRejected("bad_tool_call", f"message {index}: the arguments of call {name!r} are "
                                            f"{type(arguments).__name__}; expected a JSON object")
    try:  # NaN and Infinity: Python reads them, JSON (and every provider) does not
        json.dumps(arguments, allow_nan=False)
    except ValueError:
        raise ChatRejected("bad_tool_call", f"message {index}: the arguments of call {name!r} hold NaN or Infinity, "
                                            "which JSON does not allow") from None
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": canonical_json(arguments)}}


def _openai_calls(index: int, calls: Any) -> list[dict[str, Any]]:
    if not isinstance(calls, list) or not calls:
        raise ChatRejected("bad_tool_call", f"message {index}: tool_calls must be a non-empty list")
    found = []
    for call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            raise ChatRejected("bad_tool_call", f"message {index} has a tool call without a function")
        if "arguments" not in function:
            raise ChatRejected("bad_tool_call", f"message {index}: call {function.get('name')!r} has no arguments")
        found.append(tool_call(index, function.get("name"), function["arguments"], call.get("id"), call.get("type", "function")))
    return found


def _legacy_call(index: int, call: Any) -> dict[str, Any]:
    if not isinstance(call, dict) or "arguments" not in call:
        raise ChatRejected("bad_tool_call", f"message {index}: function_call must be an object with name and arguments")
    return tool_call(index, call.get("name"), call["arguments"])


def _sharegpt_calls(index: int, value: Any) -> list[dict[str, Any]]:
    """A ShareGPT ``function_call`` turn: ``{"name", "arguments"}`` (or a list of them) as JSON text."""
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError:
        raise ChatRejected("bad_tool_call", f"message {index} (function_call) is not a JSON function call") from None
    calls = parsed if isinstance(parsed, list) else [parsed]
    if not calls or not all(isinstance(c, dict) for c in calls):
        raise ChatRejected("bad_tool_call", f"message {index} (function_call) must hold an object with name and arguments")
    for call in calls:
        if "arguments" not in call:
            raise ChatRejected("bad_tool_call", f"message {index}: call {call.get('name')!r} has no arguments")
    return [tool_call(index, c.get("name"), c["arguments"], c.get("id")) for c in calls]


# -- Gemini parts and Bedrock content blocks ---------------------------------------------------------------------


def result_text(response: Any) -> str:
    """A structured function result as a tool message's text: ``{"output": text}`` is that text, anything else
    its canonical JSON (the inverse of how the Gemini and Bedrock exports write a result)."""
    if isinstance(response, dict) and list(response) == ["output"] and isinstance(response["output"], str):
        return response["output"]
    return response if isinstance(response, str) else canonical_json(response)


def _parts(index: int, role: str, parts: Any) -> list[dict[str, Any]]:
    if not isinstance(parts, list) or not parts:
        raise ChatRejected("bad_messages", f"message {index}: parts must be a non-empty list")
    texts, calls, results = [], [], []
    for part in parts:
        if not isinstance(part, dict):
            raise ChatRejected("bad_content", f"message {index} has a part that is {type(part).__name__}")
        if isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif isinstance(part.get("functionCall"), dict):
            call = part["functionCall"]
            calls.append(tool_call(index, call.get("name"), call.get("args", {}), call.get("id")))
        elif isinstance(part.get("functionResponse"), dict):
            answer = part["functionResponse"]
            results.append({"role": "tool", "content": result_text(answer.get("response")),
                            "tool_call_id": answer.get("id"), _RESULT_NAME: answer.get("name")})
        else:
            kinds = ", ".join(sorted(part)) or "empty"
            raise ChatRejected("bad_content", f"message {index} has a part of kind {kinds}; only text, functionCall and "
                                              "functionResponse are supported")
    return _turn(index, role, "".join(texts), calls, results)


def _blocks(index: int, role: str, blocks: list[Any]) -> list[dict[str, Any]]:
    texts, calls, results = [], [], []
    for block in blocks:
        if isinstance(block, dict) and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif isinstance(block, dict) and isinstance(block.get("toolUse"), dict):
            use = block["toolUse"]
            calls.append(tool_call(index, use.get("name"), use.get("input"), use.get("toolUseId")))
        elif isinstance(block, dict) and isinstance(block.get("toolResult"), dict):
            result = block["toolResult"]
            content = result.get("content") or []
            pieces = [b["text"] if isinstance(b, dict) and isinstance(b.get("text"), str) else
                      canonical_json(b["json"]) if isinstance(b, dict) and "json" in b else None for b in content]
            if not pieces or None in pieces:
                raise ChatRejected("bad_content", f"message {index} has a toolResult without text or json content")
            results.append({"role": "tool", "content": "".join(pieces), "tool_call_id": result.get("toolUseId")})
        else:
            kinds = ", ".join(sorted(block)) if isinstance(block, dict) else type(block).__name__
            raise ChatRejected("bad_content", f"message {index} has a content block of kind {kinds}; only text, toolUse "
                                              "and toolResult are supported")
    return _turn(index, role, "".join(texts), calls, results)


def _turn(index: int, role: str, text: str, calls: list[dict[str, Any]], results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A Gemini/Bedrock turn as canonical messages: the model's text and calls in one assistant message; a user
    turn's function results as tool messages, followed by its text (if any) as a user message."""
    if role == "assistant":
        if results:
            raise ChatRejected("bad_messages", f"message {index}: a model turn cannot hold function results")
        if not text.strip() and not calls:
            raise ChatRejected("empty_content", f"message {index} (assistant) has no content")
        return [{"role": "assistant", "content": text, **({"tool_calls": calls} if calls else {})}]
    if calls:
        raise ChatRejected("bad_tool_call", f"message {index} ({role}) carries tool calls; only assistant messages may")
    if results and role not in ("user", "tool"):
        raise ChatRejected("bad_messages", f"message {index} ({role}) cannot hold function results")
    if not results and not text.strip():
        raise ChatRejected("empty_content", f"message {index} ({role}) has no content")
    if not text.strip():
        return results
    return [*results, {"role": "tool" if role == "tool" else role, "content": text}]


def _assign_ids(messages: list[dict[str, Any]]) -> int:
    """Give calls without an id ``call_<n>`` and results without a call id the id of the call they answer; returns
    how many call ids were generated."""
    used = {c["id"] for m in messages for c in m.get("tool_calls") or [] if c["id"]}
    generated, number, waiting = 0, 0, []
    for message in messages:
        for call in message.get("tool_calls") or []:
            number += 1
            if call["id"] is None:
                call["id"] = _free_id(f"call_{number}", used)
                used.add(call["id"])
                generated += 1
            waiting.append(call)
        if message["role"] == "tool":
            name = message.pop(_RESULT_NAME, None)
            if message.get("tool_call_id") is None and waiting:
                match = next((c for c in waiting if c["function"]["name"] == name), waiting[0]) if name else waiting[0]
                message["tool_call_id"] = match["id"]
            waiting = [c for c in waiting if c["id"] != message.get("tool_call_id")]
        elif message["role"] == "assistant" and message.get("tool_calls"):
            waiting = list(message["tool_calls"])
    return generated


def _free_id(candidate: str, used: set[str]) -> str:
    n = 2
    found = candidate
    while found in used:
        found = f"{candidate}_{n}"
        n += 1
    return found
