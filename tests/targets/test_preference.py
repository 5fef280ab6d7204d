"""Preference pairs as upload lines: OpenAI's preference line, the generic/TRL form, and what cannot be written."""

from __future__ import annotations

import pytest

from pipeline.targets.convert import NotExportable
from pipeline.targets.preference import hf_rows, preference_example
from tests.preference.helpers import assistant, hh_pairs


def test_openai_preference_line_from_a_real_pair():
    pair = hh_pairs(5)[2]
    line = preference_example(pair, "openai")
    assert list(line) == ["input", "preferred_output", "non_preferred_output"]
    assert line["input"]["messages"] == [{"role": m["role"], "content": m["content"]} for m in pair["prompt"]]
    assert line["preferred_output"] == [{"role": "assistant", "content": pair["chosen"][0]["content"]}]
    assert line["non_preferred_output"] == [{"role": "assistant", "content": pair["rejected"][0]["content"]}]


def test_generic_and_hf_keep_the_three_message_lists():
    pair = {**hh_pairs(3)[0], "id": "x"}
    generic = preference_example(pair, "generic")
    assert list(generic) == ["prompt", "chosen", "rejected"] and generic["chosen"][0] == {
        "role": "assistant", "content": pair["chosen"][0]["content"]}
    rows = hf_rows([pair])
    assert list(rows) == ["id", "prompt", "chosen", "rejected"] and set(rows["rejected"][0][0]) == {"role", "content"}


def test_what_a_format_cannot_hold_is_skipped_with_the_reason():
    pair = hh_pairs(3)[1]
    longer = {**pair, "chosen": assistant("First part.") + assistant("Second part.")}
    with pytest.raises(NotExportable, match="2 messages"):
        preference_example(longer, "openai")
    for target in ("vertex", "bedrock"):
        with pytest.raises(NotExportable, match="no preference format"):
            preference_example(pair, target)
