"""Swapped roles on real task-oriented and peer chats: sim-M (user / system), Topical-Chat (two crowd workers)."""

from __future__ import annotations

import json

import pytest

from pipeline.readiness.roles import role_swaps, states_need
from tests.conftest import DATA


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / "heldout" / name).read_text(encoding="utf-8").splitlines() if line]


def _ends_on_answer(messages: list[dict]) -> list[dict]:
    while messages and messages[-1]["role"] == "user":
        messages = messages[:-1]
    return messages


@pytest.fixture(scope="module")
def sim_m() -> list[list[dict]]:
    """362 movie-ticket dialogues: each system utterance answers the user turn before it."""
    chats = []
    for row in _rows("sim_m_384.jsonl"):
        messages = []
        for t in row["turns"]:
            if t["system"]:
                messages.append({"role": "assistant", "content": t["system"]})
            messages.append({"role": "user", "content": t["user"]})
        if messages := _ends_on_answer(messages):
            chats.append(messages)
    return chats


@pytest.fixture(scope="module")
def topical() -> list[list[dict]]:
    """250 chats of two crowd workers as peers, agent_2 taken as the assistant."""
    roles = {"agent_1": "user", "agent_2": "assistant"}
    return [_ends_on_answer([{"role": roles[t["agent"]], "content": t["message"]} for t in r["turns"]])
            for r in _rows("topical_chat_250.jsonl")]


def _swapped(chats: list[list[dict]], every: int) -> tuple[list[list[dict]], set[int]]:
    other = {"user": "assistant", "assistant": "user"}
    chosen = {i for i in range(0, len(chats), every) if len(chats[i]) >= 3}
    out = [[{**m, "role": other[m["role"]]} for m in c] if i in chosen else c for i, c in enumerate(chats)]
    return [_ends_on_answer(c) for c in out], chosen


def test_peers_have_no_role_to_swap(topical):
    """Two peers write alike: no chat reads 'swapped', untouched or with a third of them exchanged (the profiles
    separate the sides by 0.5 nats a turn, under the 3 a user and an assistant differ by at least)."""
    assert role_swaps(topical) == {}
    assert role_swaps(_swapped(topical, 3)[0]) == {}


def test_user_and_system_swaps_are_all_found(sim_m):
    """sim-M: none of the real dialogues is found; every third one exchanged is found, and nothing else."""
    assert role_swaps(sim_m) == {}
    swapped, chosen = _swapped(sim_m, 3)
    found = role_swaps(swapped)
    assert set(found) == chosen


@pytest.mark.parametrize(("turn", "need"), [
    ("hi , i need movie tickets for wednesday in theater cinelux almaden", True),
    ("greetings . i would like to purchase movie tickets .", True),
    ("hi ! buy 6 movie tickets at amc cupertino square 16 at 6:00 pm .", True),
    ("I'd like a mocha under the name Sam, please.", True),
    ("the movie is 12 angry men and the number of tickets is 6 .", False),
    ("Sure, here is a summary of the article you gave me.", False),
])
def test_a_stated_need_is_a_request(turn, need):
    """A user turn stating a need or an errand asks, though it has no question mark; an answer does not."""
    assert states_need(turn) is need
