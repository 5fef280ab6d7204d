"""One chat as one line of each upload format. Each builder raises :class:`NotExportable` for a chat its format
cannot hold, and its reader in ingest (:mod:`pipeline.chat.dialects`) reads the line back to the same canonical
record (call ids aside where the format has none: Gemini).

- ``openai``: ``{messages, tools, parallel_tool_calls}``; a call-only assistant message has no ``content`` (as in
  OpenAI's function-calling example); ``weight`` kept.
- ``vertex``: ``{systemInstruction: {parts}, contents: [{role: user|model, parts}], tools: [{functionDeclarations}]}``;
  calls are ``functionCall`` parts, results ``functionResponse`` parts of the next user turn (with that turn's
  text, if the user speaks next); schema types in Gemini's enum (``OBJECT``).
- ``bedrock``: ``{schemaVersion: "bedrock-conversation-2024", system: [{text}], messages: [{role, content:
  [{text} | {toolUse} | {toolResult}]}], toolConfig: {tools: [{toolSpec}]}}``; results in the next user message.
- ``bedrock`` outside Nova: Claude 3 Haiku's ``{system, messages: [{role, content}]}`` and the text-to-text
  ``{prompt, completion}`` (Meta Llama 3.1), by the model.
- ``generic``: the canonical task fields, without id and meta.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pipeline.chat.schema import written_message
from pipeline.chat.tools import PROVIDER_NAMES, upper_schema_types
from pipeline.targets.convert import Chat, NotExportable, canonical_object, leading_system, structured_result

BEDROCK_SCHEMA = "bedrock-conversation-2024"


def openai_example(chat: Chat) -> dict[str, Any]:
    _check_names(chat, "openai")
    return _chat_example(chat, _openai_message)


def _check_names(chat: Chat, provider: str) -> None:
    """Raise :class:`NotExportable` when a defined or called function's name breaks ``provider``'s pattern."""
    pattern, says = PROVIDER_NAMES[provider]
    names = [f["name"] for f in chat.functions()] + list(chat.call_names().values())
    for name in names:
        if not pattern.fullmatch(name):
            raise NotExportable(f"a function name breaks {provider}'s pattern ({says})")


def _openai_message(message: dict[str, Any]) -> dict[str, Any]:
    written = written_message(message)
    if written.get("tool_calls") and written["content"] is None:
        del written["content"]  # OpenAI's example writes a call-only turn without content
    return written


def generic_chat(chat: Chat) -> dict[str, Any]:
    return _chat_example(chat, written_message)


def _chat_example(chat: Chat, message: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """``messages`` (each written by ``message``), plus ``tools`` and ``parallel_tool_calls`` when the record has them."""
    example: dict[str, Any] = {"messages": [message(m) for m in chat.messages]}
    if chat.tools:
        example["tools"] = json.loads(chat.tools)
    if chat.parallel_tool_calls is not None:
        example["parallel_tool_calls"] = chat.parallel_tool_calls
    return example


def vertex_example(chat: Chat) -> dict[str, Any]:
    _check_names(chat, "vertex")
    system, rest = leading_system(chat.messages)
    names = chat.call_names()
    contents: list[dict[str, Any]] = []
    for message in rest:
        role = message["role"]
        if role == "assistant":
            if contents and contents[-1]["role"] == "model":
                raise NotExportable("two model turns in a row (Gemini turns alternate user/model)")
            parts = [{"text": message["content"]}] if message["content"] else []
            parts += [{"functionCall": {"name": c["function"]["name"], "args": json.loads(c["function"]["arguments"])}}
                      for c in message.get("tool_calls") or []]
            contents.append({"role": "model", "parts": parts})
        elif role == "tool":
            part = {"functionResponse": {"name": names[message["tool_call_id"]],
                                         "response": structured_result(message["content"])}}
            _user_turn(contents, part, "functionResponse", "user")
        else:
            _user_turn(contents, {"text": message["content"]}, "functionResponse", "user")
    _check_turns(contents, "user", "model", "Gemini")
    example: dict[str, Any] = {}
    if system:
        example["systemInstruction"] = {"parts": [{"text": text} for text in system]}
    example["contents"] = contents
    if chat.tools:
        example["tools"] = [{"functionDeclarations": [_declaration(f) for f in chat.functions()]}]
    return example


def _declaration(function: dict[str, Any]) -> dict[str, Any]:
    return {k: upper_schema_types(v) if k == "parameters" else v for k, v in function.items()}


def bedrock_example(chat: Chat) -> dict[str, Any]:
    _check_names(chat, "bedrock")
    system, rest = leading_system(chat.messages)
    content: list[dict[str, Any]] = []
    for message in rest:
        role = message["role"]
        if role == "assistant":
            if content and content[-1]["role"] == "assistant":
                raise NotExportable("two assistant messages in a row (Bedrock messages alternate user/assistant)")
            blocks = [{"text": message["content"]}] if message["content"] else []
            blocks += [{"toolUse": {"toolUseId": c["id"], "name": c["function"]["name"],
                                    "input": json.loads(c["function"]["arguments"])}}
                       for c in message.get("tool_calls") or []]
            content.append({"role": "assistant", "content": blocks})
        elif role == "tool":
            found = canonical_object(message["content"])
            result = [{"json": found}] if found is not None else [{"text": message["content"]}]
            _user_turn(content, {"toolResult": {"toolUseId": message["tool_call_id"], "content": result}}, "toolResult",
                       "user", key="content")
        else:
            _user_turn(content, {"text": message["content"]}, "toolResult", "user", key="content")
    _check_turns(content, "user", "assistant", "Bedrock")
    example: dict[str, Any] = {"schemaVersion": BEDROCK_SCHEMA}
    if system:
        example["system"] = [{"text": text} for text in system]
    example["messages"] = content
    if chat.tools:
        example["toolConfig"] = {"tools": [_tool_spec(f) for f in chat.functions()]}
    return example


def claude_example(chat: Chat) -> dict[str, Any]:
    """Claude 3 Haiku's Bedrock format: the leading system prompts as one ``system`` string, then text turns that
    alternate user/assistant, open with the user and end with the assistant."""
    system, rest = leading_system(chat.messages)
    messages: list[dict[str, str]] = []
    for message in rest:
        role = message["role"]
        if role not in ("user", "assistant") or message.get("tool_calls"):
            raise NotExportable("a tool call or result (the Claude format holds text turns only)")
        if messages and messages[-1]["role"] == role:
            raise NotExportable(f"two {role} messages in a row (Claude's turns alternate user/assistant)")
        messages.append({"role": role, "content": message["content"]})
    if len(messages) < 2 or messages[0]["role"] != "user" or messages[-1]["role"] != "assistant":
        raise NotExportable("the conversation does not open with the user and end with the assistant (Claude)")
    return {"system": "\n\n".join(system), "messages": messages} if system else {"messages": messages}


def prompt_completion_example(chat: Chat) -> dict[str, str]:
    """Bedrock's text-to-text format (Meta Llama 3.1): one user message as ``prompt``, the answer as ``completion``."""
    roles = [m["role"] for m in chat.messages]
    if roles != ["user", "assistant"] or chat.messages[1].get("tool_calls"):
        raise NotExportable("not one user message and one answer (the prompt/completion format holds a single turn, "
                            "no system prompt)")
    return {"prompt": chat.messages[0]["content"], "completion": chat.messages[1]["content"]}


def _tool_spec(function: dict[str, Any]) -> dict[str, Any]:
    if not (function.get("description") or "").strip():
        raise NotExportable(f"tool {function['name']!r} has no description (a Bedrock toolSpec needs one)")
    return {"toolSpec": {"name": function["name"], "description": function["description"],
                         "inputSchema": {"json": function.get("parameters") or {"type": "object", "properties": {}}}}}


def _user_turn(turns: list[dict[str, Any]], part: dict[str, Any], result_kind: str, user: str, key: str = "parts") -> None:
    """Add a user-side part: results join a turn of results; the user's text joins a turn of results (they are
    sent together), else opens a turn; two turns of user text in a row cannot be held."""
    last = turns[-1] if turns else None
    only_results = last is not None and last["role"] == user and all(result_kind in p for p in last[key])
    if only_results:
        last[key].append(part)
    elif last is not None and last["role"] == user:
        raise NotExportable("two user messages in a row (turns alternate)")
    else:
        turns.append({"role": user, key: [part]})


def _check_turns(turns: list[dict[str, Any]], user: str, model: str, provider: str) -> None:
    if not turns or turns[0]["role"] != user:
        raise NotExportable(f"the conversation does not open with the user's turn ({provider})")
    if turns[-1]["role"] != model:
        raise NotExportable(f"the conversation does not end with the {model}'s turn ({provider})")
