"""One input row read as a preference pair: a prompt (messages), a chosen and a rejected answer (messages).

The layouts read (the columns come from :func:`pipeline.ingest.mapping.resolve_mapping`):

- TRL standard: ``prompt``, ``chosen``, ``rejected`` as plain text (the prompt a user turn, each side an
  assistant turn);
- TRL conversational: the same columns as message lists (``{"role", "content"}``);
- implicit prompt: ``chosen`` and ``rejected`` whole conversations (message lists, or Anthropic hh-rlhf
  transcripts ``"\\n\\nHuman: ...\\n\\nAssistant: ..."``) sharing their first turns: the shared turns up to the
  last assistant turn both sides answer are the prompt, the rest of each is its side;
- OpenAI preference fine-tuning: ``input`` (``{"messages": [...]}``), ``preferred_output`` and
  ``non_preferred_output`` (lists of assistant messages);
- rated answers: a prompt and ``completions`` or ``responses``, a list of objects with an answer (``response``,
  ``text``, ...) and a score (``overall_score``, ``score``, ``rating``, ...) as UltraFeedback writes them, or a list
  of texts with a parallel ``scores``/``ratings`` column. One row gives one pair, best against worst
  (:func:`_rated_pair`); ``too_few_answers`` and ``tied_scores`` reject a row that cannot.

A side given with the prompt in front of it (a whole conversation beside a ``prompt`` column) has the prompt
taken off. A row that cannot be a pair raises :class:`~pipeline.ingest.rows.RowRejected` with one of
``missing_field``, ``bad_type``, ``bad_role``, ``empty_prompt``, ``empty_side``, ``no_shared_prompt``,
``too_few_answers`` or ``tied_scores``.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.chat.dialects import ROLE_ALIASES

Message = dict[str, Any]

_TURN = re.compile(r"(?:^|\n\n)(Human|Assistant|H|A):[ \t]?")
_TRANSCRIPT_ROLES = {"Human": "user", "H": "user", "Assistant": "assistant", "A": "assistant"}


class PairRejected(Exception):
    """A row that is not a usable pair: ``reason`` is its code, the message its detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def read_pair(data: dict[str, Any], columns: dict[str, str]) -> dict[str, list[Message]]:
    """``{"prompt", "chosen", "rejected"}`` message lists of one parsed row (columns: canonical field -> column)."""
    if "rated" in columns:
        return _rated_pair(data, columns)
    chosen = _side(data, columns["chosen"], "chosen")
    rejected = _side(data, columns["rejected"], "rejected")
    prompt_column = columns.get("prompt")
    if prompt_column and data.get(prompt_column) is not None:
        prompt = _messages(data[prompt_column], prompt_column, default_role="user")
        chosen, rejected = _after(prompt, chosen), _after(prompt, rejected)
    else:
        prompt, chosen, rejected = _shared_prefix(chosen, rejected)
    if not any(_text(m) for m in prompt):
        raise PairRejected("empty_prompt", "the prompt is empty")
    for name, side in (("chosen", chosen), ("rejected", rejected)):
        if not side or not any(_text(m) for m in side if m["role"] == "assistant"):
            raise PairRejected("empty_side", f"the {name} answer is empty")
    return {"prompt": prompt, "chosen": chosen, "rejected": rejected}


def _side(data: dict[str, Any], column: str, name: str) -> list[Message]:
    if data.get(column) is None:
        raise PairRejected("missing_field", f"no value for {name} (column '{column}')")
    return _messages(data[column], column, default_role="assistant")


def _messages(value: Any, column: str, default_role: str) -> list[Message]:
    """Messages from text (a transcript, or one message of ``default_role``), a message, a list of messages, or
    OpenAI's ``{"messages": [...]}``."""
    if isinstance(value, str):
        return _transcript(value) if _is_transcript(value) else [_message(default_role, value)]
    if isinstance(value, dict):
        if isinstance(value.get("messages"), list):
            return _messages(value["messages"], column, default_role)
        value = [value]
    if not isinstance(value, list):
        raise PairRejected("bad_type", f"column '{column}' holds {type(value).__name__}; expected text or messages")
    out = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            out.append(_message(default_role, item))
            continue
        if not isinstance(item, dict):
            raise PairRejected("bad_type", f"column '{column}' message {i} is {type(item).__name__}; expected an object")
        raw_role = item.get("role", item.get("from"))
        role = ROLE_ALIASES.get(str(raw_role).strip().lower()) if raw_role is not None else None
        if role is None:
            raise PairRejected("bad_role", f"column '{column}' message {i} has role {raw_role!r}")
        content = item.get("content", item.get("value"))
        if content is not None and not isinstance(content, str):
            raise PairRejected("bad_type", f"column '{column}' message {i} content is {type(content).__name__}; expected text")
        out.append(_message(role, content or ""))
    return out


def _message(role: str, content: str) -> Message:
    return {"role": role, "content": content, "tool_calls": None, "tool_call_id": None, "weight": None}


def _is_transcript(text: str) -> bool:
    return "Human:" in text and "Assistant:" in text and bool(_TURN.match(text.lstrip(" ")) or "\n\nHuman:" in text)


def _transcript(text: str) -> list[Message]:
    """Anthropic's ``\\n\\nHuman: ...\\n\\nAssistant: ...`` turns as messages (text before the first turn, if any,
    is a system message)."""
    parts = _TURN.split(text)
    out = [_message("system", parts[0].strip())] if parts[0].strip() else []
    for speaker, content in zip(parts[1::2], parts[2::2]):
        out.append(_message(_TRANSCRIPT_ROLES[speaker], content.strip()))
    return out


def _text(message: Message) -> str:
    return (message.get("content") or "").strip()


def _same(a: Message, b: Message) -> bool:
    return a["role"] == b["role"] and _text(a) == _text(b)


def _after(prompt: list[Message], side: list[Message]) -> list[Message]:
    """A side without the prompt in front of it, when it was given whole."""
    if len(side) > len(prompt) and all(_same(p, s) for p, s in zip(prompt, side)):
        return side[len(prompt):]
    return side


def _shared_prefix(chosen: list[Message], rejected: list[Message]) -> tuple[list[Message], ...]:
    """``(prompt, chosen, rejected)`` of two whole conversations: the prompt ends before the last assistant turn
    both answer after the same turns (so identical conversations become a pair with identical answers)."""
    common = 0
    while common < min(len(chosen), len(rejected)) and _same(chosen[common], rejected[common]):
        common += 1
    for k in range(min(common, len(chosen) - 1, len(rejected) - 1), 0, -1):
        if chosen[k]["role"] == "assistant" and rejected[k]["role"] == "assistant":
            return chosen[:k], chosen[k:], rejected[k:]
    raise PairRejected("no_shared_prompt", "chosen and rejected do not start with the same prompt "
                       "(no shared turns before an assistant answer); give the prompt in its own column")


_ANSWER_KEYS = ("response", "text", "content", "completion", "answer", "output", "model_output")
_SCORE_KEYS = ("overall_score", "score", "rating", "reward", "fine-grained_score")


def _rated_pair(data: dict[str, Any], columns: dict[str, str]) -> dict[str, list[Message]]:
    """Rated answers to one prompt as one pair, by the rule best against worst: the highest-scored answer is
    chosen, the lowest-scored rejected (the first of each in input order on a tie); one input row, one pair."""
    prompt_column = columns["prompt"]
    if data.get(prompt_column) is None:
        raise PairRejected("missing_field", f"no value for prompt (column '{prompt_column}')")
    prompt = _messages(data[prompt_column], prompt_column, default_role="user")
    answers = _scored(data, columns)
    if len(answers) < 2:
        raise PairRejected("too_few_answers", f"{len(answers)} scored answers in column '{columns['rated']}'; a pair "
                           "needs two")
    best = max(range(len(answers)), key=lambda i: (answers[i][1], -i))
    worst = min(range(len(answers)), key=lambda i: (answers[i][1], i))
    if answers[best][1] == answers[worst][1]:
        raise PairRejected("tied_scores", f"every answer scores {answers[best][1]}: no preference")
    pair = {"prompt": prompt, "chosen": [_message("assistant", answers[best][0])],
            "rejected": [_message("assistant", answers[worst][0])]}
    for name in ("chosen", "rejected"):
        if not _text(pair[name][0]):
            raise PairRejected("empty_side", f"the {name} answer is empty")
    if not any(_text(m) for m in prompt):
        raise PairRejected("empty_prompt", "the prompt is empty")
    return pair


def _scored(data: dict[str, Any], columns: dict[str, str]) -> list[tuple[str, float]]:
    """``(answer, score)`` of every rated answer: objects holding both, or texts with a parallel scores column.
    Answers without a number for a score are left out."""
    items = data.get(columns["rated"])
    if not isinstance(items, list):
        raise PairRejected("bad_type", f"column '{columns['rated']}' holds {type(items).__name__}; expected a list of "
                           "rated answers")
    scores = data.get(columns["scores"]) if "scores" in columns else None
    out = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            text = next((item[k] for k in _ANSWER_KEYS if isinstance(item.get(k), str)), None)
            score = next((item[k] for k in _SCORE_KEYS if _number(item.get(k))), None)
        else:
            text = item if isinstance(item, str) else None
            score = scores[i] if isinstance(scores, list) and i < len(scores) and _number(scores[i]) else None
        if text is not None and score is not None:
            out.append((text, float(score)))
    return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value
