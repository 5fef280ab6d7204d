"""Preference pairs as text: what the prompt and each side say (measures, checks, the validation frame)."""

from __future__ import annotations

from typing import Any

from pipeline.chat.schema import message_text
from pipeline.core.records import fold

Message = dict[str, Any]


def rendered(messages: list[Message] | None) -> str:
    """Messages as ``role: text`` blocks (a prompt's dedup text has the same form)."""
    return "\n\n".join(f"{m['role']}: {message_text(m)}" for m in messages or [])


def answer(messages: list[Message] | None) -> str:
    """What a side says: the text of its messages (assistant turns, and any tool turns between them)."""
    return "\n\n".join(message_text(m) for m in messages or [] if message_text(m))


def folded_answer(messages: list[Message] | None) -> str:
    """:func:`answer` casefolded with whitespace collapsed: equal folded answers are identical sides."""
    return fold(answer(messages))


def frame_columns(table: Any) -> dict[str, list[Any]]:
    """The validation frame's columns of preference records (see expectations/README.md)."""
    prompts = [rendered(m) for m in table["prompt"].to_pylist()]
    chosen = [answer(m) for m in table["chosen"].to_pylist()]
    rejected = [answer(m) for m in table["rejected"].to_pylist()]
    return {"prompt": prompts, "chosen": chosen, "rejected": rejected,
            "n_chars": [len(p) + len(c) + len(r) for p, c, r in zip(prompts, chosen, rejected)]}
