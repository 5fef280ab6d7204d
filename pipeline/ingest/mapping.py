"""Which input columns become which canonical fields, and so which task the data is for.

Detection looks for the common column names of public fine-tuning datasets (case-insensitive): OpenAI-style
``messages`` and ShareGPT ``conversations`` for chat; ``prompt``/``completion`` and the Alpaca and Dolly layouts
(``instruction``, ``input``/``context``, ``output``/``response``) for completion; ``text``+``label`` and aliases
(``sentence``, ``category``, ``intent``, ...) for classification. Flags always win over detection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.ingest.config import InputConfig
from pipeline.core.errors import ConfigError, InputError
from pipeline.core.records import Task

# Ordered by preference: the first alias present wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "messages": ("messages", "conversations", "conversation", "dialog", "dialogue", "chat", "contents"),
    "prompt": ("prompt", "instruction", "question", "query"),
    "context": ("input", "context"),
    "completion": ("completion", "output", "response", "answer", "target_text"),
    "text": ("text", "sentence", "content", "message", "utterance", "sms", "review", "document", "body", "comment", "tweet"),
    "label": ("label", "labels", "category", "intent", "class", "target", "sentiment", "topic", "language"),
    "id": ("id", "uid", "uuid", "example_id"),
    # chat only: tool definitions (OpenAI, LLaMA-Factory, Bedrock's toolConfig), a system prompt beside the messages
    # (ShareGPT/Bedrock system, Gemini systemInstruction), OpenAI's parallel_tool_calls
    "tools": ("tools", "functions", "toolconfig"),
    "system": ("system", "systeminstruction", "system_instruction"),
    "parallel_tool_calls": ("parallel_tool_calls",),
    # preference only: TRL/Anthropic chosen/rejected, OpenAI preferred_output/non_preferred_output
    "chosen": ("chosen", "preferred_output", "chosen_response", "response_chosen"),
    "rejected": ("rejected", "non_preferred_output", "rejected_response", "response_rejected"),
    # preference from rated answers (one prompt, several answers with scores): pipeline.preference.read
    "rated": ("completions", "responses"),
    "scores": ("scores", "ratings"),
}
_FLAGS = {
    "text": "--text-field",
    "label": "--label-field",
    "prompt": "--prompt-field",
    "completion": "--completion-field",
    "messages": "--messages-field",
    "chosen": "--chosen-field",
    "rejected": "--rejected-field",
}


@dataclass(frozen=True)
class FieldMapping:
    """The task and, for each canonical field, the input column it is read from.

    ``context`` (completion only) is an optional second prompt column appended to the prompt, as in Alpaca's
    ``input`` and Dolly's ``context``.
    """

    task: Task
    fields: dict[str, str]
    detected: bool

    def as_report(self) -> dict[str, object]:
        return {"task": self.task.value, "detected": self.detected, **self.fields}


def resolve_mapping(columns: list[str], cfg: InputConfig, where: str) -> FieldMapping:
    """Decide the task and field mapping from the columns found in the inputs and the configured fields."""
    lookup = {c.lower(): c for c in reversed(columns)}
    explicit = {
        name: value
        for name, value in (
            ("text", cfg.text_field),
            ("label", cfg.label_field),
            ("prompt", cfg.prompt_field),
            ("completion", cfg.completion_field),
            ("messages", cfg.messages_field),
            ("chosen", cfg.chosen_field),
            ("rejected", cfg.rejected_field),
        )
        if value
    }
    for name, column in explicit.items():
        if column not in columns:
            raise ConfigError(f"{_FLAGS[name]} {column!r}: no such column in {where} (columns found: {', '.join(columns) or 'none'})")

    def pick(name: str) -> str | None:
        if name in explicit:
            return explicit[name]
        return next((lookup[a] for a in ALIASES[name] if a in lookup), None)

    candidates = {
        Task.CHAT: {"messages": pick("messages")},
        Task.COMPLETION: {"prompt": pick("prompt") or _bare_input(lookup, explicit), "completion": pick("completion")},
        Task.CLASSIFICATION: {"text": pick("text"), "label": pick("label")},
        Task.PREFERENCE: _preference_fields(pick),
    }
    if cfg.task != "auto":
        task = Task(cfg.task)
    else:
        hinted = {t for t, f in candidates.items()
                  if any(n in explicit for n in (*f, *(("prompt",) if t is Task.PREFERENCE else ())))}
        complete = [t for t, f in candidates.items() if all(f.values())]
        if Task.PREFERENCE in complete and not explicit:  # chosen + rejected: a preference set, messages its prompt
            complete = [Task.PREFERENCE]
        matches = [t for t in complete if t in hinted] or ([] if hinted else complete)
        if len(matches) != 1:
            found = ", ".join(t.value for t in matches) if matches else "no task"
            raise InputError(
                f"cannot tell the task: the columns ({', '.join(columns) or 'none'}) match {found}; "
                "set --task and the field flags (--text-field/--label-field, --prompt-field/--completion-field, "
                "--messages-field, or --chosen-field/--rejected-field)",
                path=where,
            )
        task = matches[0]
    fields = candidates[task]
    missing = [name for name, column in fields.items() if not column]
    if missing:
        flags = " and ".join(_FLAGS[m] for m in missing)
        raise InputError(
            f"no column for {', '.join(missing)} of a {task.value} dataset (columns found: {', '.join(columns) or 'none'}); set {flags}",
            path=where,
        )
    if task is Task.COMPLETION:
        context = pick("context")
        if context and context != fields["prompt"]:
            fields = {**fields, "context": context}
    if task is Task.PREFERENCE:  # the prompt is optional: without it, the sides' shared first turns
        # the prompt: a prompt column, or (LLaMA-Factory, ShareGPT) the conversation beside chosen/rejected
        prompt = pick("prompt") or ("prompt" not in explicit and (lookup.get("input") or pick("messages")))
        fields = {**fields, **({"prompt": prompt} if prompt else {})}
    if task is Task.CHAT:
        fields = {**fields, **{name: pick(name) for name in ("tools", "system", "parallel_tool_calls")}}
    return FieldMapping(task=task, fields={k: v for k, v in fields.items() if v}, detected=not explicit and cfg.task == "auto")


def _preference_fields(pick: Callable[[str], str | None]) -> dict[str, str | None]:
    """chosen and rejected columns, or else a prompt with a column of rated answers (and its scores column)."""
    fields = {"chosen": pick("chosen"), "rejected": pick("rejected")}
    if not any(fields.values()) and pick("rated") and pick("prompt"):
        return {"rated": pick("rated"), **({"scores": pick("scores")} if pick("scores") else {})}
    return fields


def _bare_input(lookup: dict[str, str], explicit: dict[str, str]) -> str | None:
    """``input`` serves as the prompt when there is no instruction-like column (input/output layouts)."""
    return None if "prompt" in explicit else lookup.get("input")


def id_column(columns: list[str], cfg: InputConfig) -> str | None:
    """The input column that holds record ids, if any."""
    if cfg.id_field:
        return cfg.id_field
    lookup = {c.lower(): c for c in columns}
    return next((lookup[a] for a in ALIASES["id"] if a in lookup), None)
