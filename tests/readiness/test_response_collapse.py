"""Response collapse on real Alpaca and glaive data, untouched and with canned answers put in."""

from __future__ import annotations

import json
import random

import pytest
from datasets import Dataset

from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.response_collapse import (check_response_collapse, measure_response_collapse, response_collapse,
                                                  response_key, responses_of)
from tests.conftest import DATA

CFG = ReadinessConfig()
CANNED = "I'm sorry, but I can't assist with that request."


@pytest.fixture(scope="module")
def alpaca() -> list[str]:
    """The outputs of 144 real alpaca_en_demo records (14 of them exact duplicates of another record)."""
    return [r["output"] for r in json.loads((DATA / "alpaca_en_demo_slice.json").read_text(encoding="utf-8"))]


def _canned(responses: list[str], share: float, answers: list[str], seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    chosen = set(rng.sample(range(len(responses)), round(share * len(responses))))
    return [rng.choice(answers) if i in chosen else r for i, r in enumerate(responses)]


def _check(responses: list[str], records: list[int] | None = None):
    return check_response_collapse({"task": "chat", "response_collapse": response_collapse(responses, records)}, CFG)


def test_real_alpaca_answers_pass(alpaca):
    """Real Alpaca answers (duplicate records included) do not collapse."""
    section = response_collapse(alpaca)
    assert section["top_response_share"] < 0.05 and section["near_identical_share"] < 0.15
    assert _check(alpaca).status == "pass"


def test_real_tool_call_chats_pass():
    """Real glaive chats: assistant turns and function calls, whose closing "You're welcome" repeats, pass."""
    rows = json.loads((DATA / "glaive_toolcall_30.json").read_text(encoding="utf-8"))
    turns = [(t["value"], i) for i, row in enumerate(rows) for t in row["conversations"] if t["from"] in ("gpt", "function_call")]
    section = response_collapse([t for t, _ in turns], [i for _, i in turns])
    assert section["records"] == 30 and section["responses"] == len(turns)
    assert _check([t for t, _ in turns], [i for _, i in turns]).status == "pass"


@pytest.mark.parametrize(("share", "status"), [(0.1, "pass"), (0.3, "warn"), (0.6, "fail"), (0.85, "fail")])
def test_one_canned_answer_on_both_sides_of_the_lines(alpaca, share, status):
    """A canned answer in 10% passes, 30% warns (over 20%), 60% and 85% fail (over 50%)."""
    assert _check(_canned(alpaca, share, [CANNED])).status == status


def test_the_failing_check_quotes_the_answer_with_its_count(alpaca):
    """The message shows the repeated answer and how often it occurs; the recommendation says what to do."""
    check = _check(_canned(alpaca, 0.85, [CANNED]))
    assert "122x \"I'm sorry, but I can't assist with that request.\"" in check.message
    assert check.observed["top_response_share"] == 0.8472
    assert "replace the repeated responses" in check.recommendation


def test_several_canned_variants_fail_on_the_repeated_share(alpaca):
    """Four refusal variants in 85% of answers: none is half of them, but 85% repeat another: fail."""
    variants = [CANNED, "I'm sorry, but I cannot assist with that request.", "Sorry, but I can't assist with that request.",
                "I'm sorry, but I can't help with that request."]
    section = response_collapse(_canned(alpaca, 0.85, variants))
    assert section["top_response_share"] < 0.5 < 0.7 < section["near_identical_share"]
    assert _check(_canned(alpaca, 0.85, variants)).status == "fail"


def test_a_templated_answer_with_a_varying_number_is_one_answer(alpaca):
    """"ticket #123456" in each of 60 answers: one cluster although no two answers are identical."""
    rng = random.Random(1)
    tickets = [f"Thanks, your request is logged as ticket #{rng.randint(10**5, 10**6)}; we reply within 24 hours." for _ in range(60)]
    section = response_collapse(tickets + alpaca[60:])
    assert section["top"][0]["count"] == 60 and section["top"][0]["variants"] == 1
    assert section["identical_share"] < 0.15


def test_short_numeric_answers_stay_distinct():
    """'42' and '17' are different answers; digits are masked only in longer responses."""
    assert response_key("42") != response_key("17")
    assert response_key("Your ticket is 42 today.") == response_key("your ticket is 17 today")


def test_label_like_answers_point_at_classification():
    """Completions that are two short labels fail and suggest --task classification."""
    check = _check(["positive", "negative"] * 20)
    assert check.status == "fail" and "--task classification" in check.message


def test_too_few_responses_skip_and_classification_skips():
    """Under 10 responses the check does not judge; classification has no responses."""
    assert _check(["a", "a", "b"]).status == "skip"
    assert check_response_collapse({"task": "classification"}, CFG).status == "skip"


def test_chat_records_give_one_response_per_assistant_turn():
    """Each assistant turn is a response of its record; the section is measured on a seeded sample above the cap."""
    messages = [[{"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": CANNED},
                 {"role": "user", "content": "thanks"}, {"role": "assistant", "content": f"answer number {i} of many"}]
                for i in range(30)]
    ds = Dataset.from_dict({"messages": messages})
    texts, records = responses_of(ds)
    assert len(texts) == 60 and records[:4] == [0, 0, 1, 1]
    section = measure_response_collapse(ds, seed=42, max_examples=20)
    assert (section["records"], section["sampled_from"], section["top_response_records"]) == (20, 30, 1.0)
    assert section["top_response_share"] == 0.5


def test_answers_made_of_numbers_keep_them():
    """SVAMP answers each problem by its equation ('( 76.0 - 25.0 ) = 51'): one format, each its own content, so
    no collapse (with the digits masked, 99% of them were one answer)."""
    rows = [json.loads(line) for line in (DATA / "heldout" / "svamp_1000.jsonl").read_text(encoding="utf-8").splitlines()]
    answers = [f"{r['Equation'].strip()} = {r['Answer']:g}" for r in rows]
    assert response_key("( 76.0 - 25.0 ) = 51") != response_key("( 3.0 + 4.0 ) = 7")
    section = response_collapse(answers)
    assert section["top_response_share"] < 0.01 and section["near_identical_share"] < 0.2
    assert _check(answers).status == "pass"
