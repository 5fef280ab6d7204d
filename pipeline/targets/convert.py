"""Canonical records as the chats the chat targets train on, and the checks every target applies to one chat.

Completion and classification records become chats for the chat targets (OpenAI, Vertex, Bedrock): an optional
system prompt, the user message from ``[target] prompt_template`` (``{prompt}``) or ``text_template`` (``{text}``),
and the completion or the label as the assistant's answer. ``generic`` and ``hf`` keep the task's own fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pipeline.chat.schema import message_text
from pipeline.core.records import Task
from pipeline.targets.config import TargetConfig
from pipeline.targets.limits import TargetSpec

CHAT_TARGETS = ("openai", "vertex", "bedrock")


class NotExportable(Exception):
    """A record the target's format cannot hold (the sentence says why); it is left out of that export."""


@dataclass(frozen=True)
class Chat:
    """One record as a chat: canonical messages (Arrow rows: every field, null where it does not apply)."""

    messages: list[dict[str, Any]]
    tools: str | None = None
    parallel_tool_calls: bool | None = None

    def functions(self) -> list[dict[str, Any]]:
        """The tool definitions' functions (``{name, description, parameters}``)."""
        return [tool["function"] for tool in json.loads(self.tools)] if self.tools else []

    def call_names(self) -> dict[str, str]:
        """Function name of every call, by call id."""
        return {c["id"]: c["function"]["name"] for m in self.messages for c in m.get("tool_calls") or []}

    def uses_tools(self) -> bool:
        return bool(self.tools) or any(m.get("tool_calls") for m in self.messages)

    def has_weight_zero(self) -> bool:
        """Whether a turn is marked not to be trained on (weight 0): lost by formats without weights."""
        return any(m.get("weight") == 0 for m in self.messages)


def chat_of(row: dict[str, Any], task: Task, cfg: TargetConfig) -> Chat:
    """A record as a chat (completion and classification records through the configured templates)."""
    if task is Task.CHAT:
        return Chat(row["messages"], row.get("tools"), row.get("parallel_tool_calls"))
    messages = [{"role": "system", "content": cfg.system_prompt}] if cfg.system_prompt else []
    if task is Task.COMPLETION:
        user, answer = cfg.prompt_template.format(prompt=row["prompt"]), row["completion"]
    else:
        user, answer = cfg.text_template.format(text=row["text"]), row["label"]
    return Chat([*messages, {"role": "user", "content": user}, {"role": "assistant", "content": answer}])


def forbidden_found(chat: Chat, spec: TargetSpec) -> list[str]:
    """The target's forbidden strings that the chat's texts hold (as the provider matches them)."""
    if not spec.forbidden:
        return []
    roles = spec.forbidden_roles
    text = "\n".join(_searched_text(m, spec.forbidden_in_json) for m in chat.messages if roles is None or m["role"] in roles)
    if spec.case_insensitive:
        text = text.casefold()
        return [s for s in spec.forbidden if s.casefold() in text]
    return [s for s in spec.forbidden if s in text]


def _searched_text(message: dict[str, Any], in_json: bool) -> str:
    """The text of a message that a target's forbidden strings are looked for in: all of it, or (``in_json`` false)
    only what the upload holds as text: not call arguments, not a tool result written as a JSON object."""
    if in_json:
        return message_text(message)
    content = message.get("content") or ""
    if message["role"] == "tool" and canonical_object(content) is not None:
        return ""
    return content


def leading_system(messages: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """The system prompts before the first other message, and the rest; a system message later is refused (the
    Gemini and Bedrock formats hold system prompts only beside the conversation)."""
    system = []
    for index, message in enumerate(messages):
        if message["role"] != "system":
            rest = messages[index:]
            if any(m["role"] == "system" for m in rest):
                raise NotExportable("a system message inside the conversation (only leading ones can be held)")
            return system, rest
        system.append(message["content"])
    return system, []


def canonical_object(content: str) -> dict[str, Any] | None:
    """The JSON object a tool result's text is, when it is one written in canonical form (so writing the object
    gives the same text back) and not ``{"output": text}`` (which reads back as the bare text); else None."""
    try:
        parsed = json.loads(content)
    except ValueError:
        return None
    if (isinstance(parsed, dict) and json.dumps(parsed, ensure_ascii=False) == content
            and not (list(parsed) == ["output"] and isinstance(parsed["output"], str))):
        return parsed
    return None


def structured_result(content: str) -> dict[str, Any]:
    """A tool result as the JSON object Gemini's ``response`` holds: the result itself when
    :func:`canonical_object` allows it, else ``{"output": text}`` (read back to the same text)."""
    found = canonical_object(content)
    return found if found is not None else {"output": content}
