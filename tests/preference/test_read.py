"""Reading preference pairs from the TRL, Anthropic and OpenAI layouts (pipeline.preference.read)."""

from __future__ import annotations

import json

import pytest

from pipeline.core.records import Task
from pipeline.ingest.config import InputConfig
from pipeline.ingest.mapping import resolve_mapping
from pipeline.preference.read import PairRejected, read_pair
from tests.conftest import DATA

HH = DATA / "preference" / "hh_harmless_450.jsonl"


def _hh_rows(n: int = 50) -> list[dict]:
    return [json.loads(line) for line in HH.read_text(encoding="utf-8").splitlines()[:n]]


def test_anthropic_transcripts_share_their_prompt():
    """hh-rlhf rows: the shared turns are the prompt, the last assistant turn of each side its answer."""
    row = _hh_rows(1)[0]
    pair = read_pair(row, {"chosen": "chosen", "rejected": "rejected"})
    assert [m["role"] for m in pair["prompt"]][0] == "user" and pair["prompt"][-1]["role"] == "user"
    assert [m["role"] for m in pair["chosen"]] == ["assistant"] == [m["role"] for m in pair["rejected"]]
    assert row["chosen"].rstrip().endswith(pair["chosen"][0]["content"])
    assert row["rejected"].rstrip().endswith(pair["rejected"][0]["content"])


def test_every_real_row_reads_or_says_why():
    """All 450 rows of the slice read as pairs but the one whose chosen answer is empty."""
    reasons = []
    for row in _hh_rows(450):
        try:
            read_pair(row, {"chosen": "chosen", "rejected": "rejected"})
        except PairRejected as why:
            reasons.append(why.reason)
    assert reasons == ["empty_side"]


def test_trl_standard_and_conversational_forms():
    plain = read_pair({"prompt": "Capital of France?", "chosen": "Paris.", "rejected": "Lyon."},
                      {"prompt": "prompt", "chosen": "chosen", "rejected": "rejected"})
    assert plain["prompt"][0]["role"] == "user" and plain["chosen"][0] == {**plain["chosen"][0], "role": "assistant", "content": "Paris."}
    convo = read_pair({"prompt": [{"role": "user", "content": "Hi"}],
                       "chosen": [{"role": "assistant", "content": "Hello!"}],
                       "rejected": [{"role": "assistant", "content": "Go away."}]},
                      {"prompt": "prompt", "chosen": "chosen", "rejected": "rejected"})
    assert convo["rejected"][0]["content"] == "Go away."


def test_implicit_prompt_message_lists():
    """TRL's implicit-prompt form: whole conversations; a side given with the prompt in front loses it."""
    shared = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
              {"role": "user", "content": "Tell me a joke"}]
    pair = read_pair({"chosen": [*shared, {"role": "assistant", "content": "Knock knock."}],
                      "rejected": [*shared, {"role": "assistant", "content": "No."}]},
                     {"chosen": "chosen", "rejected": "rejected"})
    assert pair["prompt"] == read_pair({"prompt": shared, "chosen": "x", "rejected": "y"},
                                       {"prompt": "prompt", "chosen": "chosen", "rejected": "rejected"})["prompt"]
    assert pair["chosen"][0]["content"] == "Knock knock."


def test_openai_preference_line():
    row = {"input": {"messages": [{"role": "user", "content": "Hello"}]},
           "preferred_output": [{"role": "assistant", "content": "Hi there!"}],
           "non_preferred_output": [{"role": "assistant", "content": "What?"}]}
    mapping = resolve_mapping(list(row), InputConfig(), "x.jsonl")
    assert mapping.task is Task.PREFERENCE and mapping.fields == {
        "chosen": "preferred_output", "rejected": "non_preferred_output", "prompt": "input"}
    pair = read_pair(row, mapping.fields)
    assert pair["prompt"][0]["content"] == "Hello" and pair["rejected"][0]["content"] == "What?"


@pytest.mark.parametrize(("row", "reason"), [
    ({"chosen": "\n\nHuman: a\n\nAssistant: b", "rejected": "\n\nHuman: other\n\nAssistant: c"}, "no_shared_prompt"),
    ({"prompt": "q", "chosen": "   ", "rejected": "fine"}, "empty_side"),
    ({"prompt": "  ", "chosen": "a", "rejected": "b"}, "empty_prompt"),
    ({"prompt": "q", "chosen": 3.5, "rejected": "b"}, "bad_type"),
    ({"prompt": "q", "rejected": "b"}, "missing_field"),
])
def test_unusable_pairs_are_rejected_with_their_reason(row, reason):
    with pytest.raises(PairRejected) as found:
        read_pair(row, {"prompt": "prompt", "chosen": "chosen", "rejected": "rejected"})
    assert found.value.reason == reason


def test_detection_and_field_flags():
    """chosen/rejected columns are a preference set; --chosen-field/--rejected-field name other columns."""
    assert resolve_mapping(["chosen", "rejected"], InputConfig(), "x").task is Task.PREFERENCE
    mapping = resolve_mapping(["q", "good", "bad"], InputConfig(prompt_field="q", chosen_field="good",
                                                                rejected_field="bad"), "x")
    assert mapping.task is Task.PREFERENCE and mapping.fields == {"chosen": "good", "rejected": "bad", "prompt": "q"}


def test_rated_answers_make_one_pair_best_against_worst():
    """UltraFeedback-style rows: the highest-scored answer is chosen, the lowest rejected; ties cannot be a pair."""
    row = {"instruction": "Name a prime.", "completions": [
        {"response": "4", "overall_score": 2.0}, {"response": "7", "overall_score": 9.5},
        {"response": "9", "overall_score": 2.0}, {"response": "2", "overall_score": 9.5}]}
    mapping = resolve_mapping(list(row), InputConfig(), "x")
    assert mapping.task is Task.PREFERENCE and mapping.fields == {"rated": "completions", "prompt": "instruction"}
    pair = read_pair(row, mapping.fields)
    assert pair["chosen"][0]["content"] == "7" and pair["rejected"][0]["content"] == "4"
    texts = {"prompt": "q", "responses": ["a", "b"], "scores": [1, 3]}
    fields = resolve_mapping(list(texts), InputConfig(), "x").fields
    assert read_pair(texts, fields)["chosen"][0]["content"] == "b"
    for bad, reason in (({**texts, "scores": [2, 2]}, "tied_scores"), ({**texts, "responses": ["a"]}, "too_few_answers")):
        with pytest.raises(PairRejected) as found:
            read_pair(bad, fields)
        assert found.value.reason == reason


def test_llamafactory_dpo_rows_take_the_conversation_as_prompt():
    """LLaMA-Factory's dpo_en_demo: ShareGPT `conversations` beside one `chosen` and one `rejected` message; all
    180 pairs read, the prompt ending on the user's turn."""
    path = DATA / "preference" / "llamafactory_dpo_en_180.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    mapping = resolve_mapping(list(rows[0]), InputConfig(), str(path))
    assert mapping.task is Task.PREFERENCE and mapping.fields["prompt"] == "conversations"
    pairs = [read_pair(row, mapping.fields) for row in rows]
    assert len(pairs) == 180 and all(p["prompt"][-1]["role"] == "user" for p in pairs)
    assert all([m["role"] for m in p["chosen"]] == ["assistant"] for p in pairs)
