"""Swapped roles: each role's own profile in the data (a small naive Bayes fit on the sample's user and assistant
turns), and the chats that read better with their roles exchanged (the ``swapped_roles`` figure)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.readiness.fluency import WORD


# -- roles: each role's own profile in the data ------------------------------------------------------------------

ROLE_MIN_CHATS = 50  # fewer chats give no role profile to compare a chat with
ROLE_MIN_MARGIN = 0.5  # nats per turn the exchanged roles must read better by (and most turns must agree)
ROLE_MIN_SEPARATION = 3.0  # nats per turn the roles as given read better by, median chat: below, the sides are peers
_ROLE_WORDS = 40  # the opening words of a turn carry its role: a request or an answer
_ROLES = ("user", "assistant")


def _turn_features(text: str, first: bool) -> set[str]:
    """A turn's cheap features: its opening words, a question mark, its length (log2 of its words), first turn."""
    words = WORD.findall(text[:600].casefold())[:_ROLE_WORDS]  # the opening is enough, and keeps it linear
    stripped = text.rstrip()
    features = set(words) | {f"<open:{w}>" for w in words[:2]}
    features.add(f"<len:{min(int(math.log2(len(text.split()) + 1)), 10)}>")
    features.add("<ends?>" if stripped.endswith(("?", "？")) else "<ends.>")
    if "?" in text or "？" in text:
        features.add("<asks>")
    if first:
        features.add("<first>")
    return features


# A request stated as a need or an errand ("hi, i need movie tickets for ...", "I'd like a mocha", "hi ! buy 6
# movie tickets at ..."), after an optional greeting: a task-oriented user turn, which the system's clarifying
# question then follows.
_NEED = re.compile(
    r"^\W*(?:(?:hi|hello|hey|greetings|good (?:morning|afternoon|evening))\b\W*)?"
    r"(?:(?:i|we) ?(?:need|want|wanna|(?:'|’| ' )?d like|would like|(?:'|’| ' )?m looking for|am looking for|"
    r"are looking for)|(?:(?:would|could|can|will) you |please )*(?:buy|book|get|reserve|order|purchase|find|"
    r"make|show|tell|give|help))\b",
    re.I,
)


def states_need(text: str) -> bool:
    """Whether a user turn opens by stating what the user needs or asks done: a request without a question mark."""
    return bool(_NEED.match(text))


def role_swaps(chats: Sequence[Sequence[dict[str, Any]]]) -> dict[int, tuple[int, str]]:
    """Chats whose user and assistant turns read better exchanged, against the roles' profiles in the data itself.

    A Bernoulli naive Bayes on each turn's opening words, question mark, length and position learns what the
    data's user turns and assistant turns look like (the chat scored left out); a chat counts when exchanging its
    roles makes two thirds of its turns (2 or more) read better and the whole chat better by 2 nats per turn. The
    profiles are fit twice, the second time with the chats found exchanged back, so a large share of swapped chats
    does not blur them.

    When the two sides write alike (two crowd workers chatting as peers, Topical-Chat: the median chat reads 0.5
    nats a turn better with its roles as given, against 9 to 12 for user/assistant or user/system data), no chat
    can read "swapped": under ``ROLE_MIN_SEPARATION`` nothing is reported.
    """
    turns = []
    for messages in chats:
        said = [(m["role"], m.get("content") or "") for m in messages if m["role"] in _ROLES]
        said = [(role, text) for role, text in said if text.strip()]
        turns.append([(role, _turn_features(text, i == 0)) for i, (role, text) in enumerate(said)])
    if sum(len(t) >= 2 for t in turns) < ROLE_MIN_CHATS:
        return {}
    found: dict[int, tuple[int, str]] = {}
    for _ in range(2):
        counts = {role: Counter() for role in _ROLES}
        n = Counter()
        for index, chat in enumerate(turns):
            for role, features in chat:
                role = _other(role) if index in found else role
                counts[role].update(features)
                n[role] += 1
        previous = found
        found, advantages = {}, []
        for index, chat in enumerate(turns):
            if len(chat) >= 2:
                hit, advantage = _exchanged(chat, counts, n, own_flipped=index in previous)
                if hit is not None:
                    found[index] = hit
                else:
                    advantages.append(advantage)
    if not advantages or float(np.median(advantages)) < ROLE_MIN_SEPARATION:
        return {}  # peers: neither side has a voice of its own to be swapped
    return found


def _other(role: str) -> str:
    return "assistant" if role == "user" else "user"


def _exchanged(chat: list[tuple[str, set[str]]], counts: dict[str, Counter], n: Counter,
               own_flipped: bool) -> tuple[tuple[int, str] | None, float]:
    """Whether ``chat`` reads better with its roles exchanged (the first turn that does, and why; None if not), and
    how many nats a turn its roles as they stand read better by."""
    own = {role: Counter() for role in _ROLES}
    own_n = Counter()
    for role, features in chat:
        role = _other(role) if own_flipped else role
        own[role].update(features)
        own_n[role] += 1
    better, total, first = 0, 0.0, None
    for turn, (role, features) in enumerate(chat):
        gain = 0.0
        for feature in features:
            for sign, r in ((1, _other(role)), (-1, role)):
                k = counts[r][feature] - own[r][feature]
                gain += sign * math.log((k + 0.5) / (n[r] - own_n[r] + 1))
        total += gain
        if gain > 0:
            better += 1
            first = turn if first is None else first
    if better < 2 or 2 * better < len(chat) or total < ROLE_MIN_MARGIN * len(chat):
        return None, -total / len(chat)
    return (first, f"{better} of {len(chat)} turns read like the other role's ({total / len(chat):.1f} nats a turn)"), \
        -total / len(chat)
