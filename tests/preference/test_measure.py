"""The preference section measured on the real slice and on traps planted in it."""

from __future__ import annotations

import random

from pipeline.preference.measure import measure_preference, refuses, similarity
from pipeline.preference.text import answer
from pipeline.readiness.config import ReadinessConfig
from tests.preference.helpers import assistant, hh_pairs, records

CFG = ReadinessConfig()


def _measure(pairs):
    return measure_preference(records(pairs), ["train"] * len(pairs), CFG)


def test_real_slice_figures():
    """hh-rlhf harmless-base: the chosen answer is the shorter one more often (43% longer), almost no identical
    sides, no mirror pairs, one pair per prompt."""
    section = _measure(hh_pairs())
    lengths = section["lengths"]
    assert section["pairs"] == 449
    assert 0.38 < lengths["chosen_longer_share"] < 0.48 and lengths["chosen_longer_ci95"][1] < 0.5
    assert lengths["chosen"]["mean"] < lengths["rejected"]["mean"]
    assert section["identical"]["exact"] == 0 and section["identical"]["near"] <= 3
    assert section["contradictions"]["pairs"] == 0
    assert section["repeated_prompts"]["over_prompts"] == 0


def test_planted_identical_and_mirrored_pairs_are_found():
    pairs = hh_pairs()
    rng = random.Random(3)
    picked = rng.sample(range(len(pairs)), 30)
    for i in picked[:10]:
        pairs[i] = {**pairs[i], "rejected": pairs[i]["chosen"]}
    mirrors = [{**pairs[i], "chosen": pairs[i]["rejected"], "rejected": pairs[i]["chosen"]} for i in picked[10:]]
    section = _measure(pairs + mirrors)
    assert section["identical"]["exact"] == 10
    assert section["contradictions"]["groups"] == 20 and section["contradictions"]["pairs"] == 40


def test_one_prompt_in_many_pairs():
    pairs = hh_pairs(200)
    pairs += [{**pairs[0], "rejected": assistant(f"Answer number {k}.")} for k in range(30)]
    repeated = _measure(pairs)["repeated_prompts"]
    assert repeated["over_prompts"] == 1 and repeated["largest"] == 31 and repeated["over_pairs"] == 31


def test_refusals_and_similarity_rules():
    assert refuses("I'm sorry, I can't help you with that.") and refuses("That's not something I can do.")
    assert refuses("I'm not comfortable sharing that.")
    assert not refuses("I'm sorry to hear that. How are you feeling?")
    assert not refuses("Sorry, I don't understand. Can you say that again?")
    assert not refuses("I can't say for sure, but I think the answer is no.")
    assert similarity("You're welcome.", "You're welcome!") >= 0.9 > similarity("Yes, go ahead.", "No, please don't.")
    assert answer(assistant("x")) == "x"
