"""Quality heuristics: each rejects a text just past its threshold and keeps one just inside it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.clean.config import CleanConfig
from pipeline.clean.quality import quality_failure, record_quality_failure
from tests.clean.sft_slices import alpaca, glaive

CFG = CleanConfig()
SAME = "the very same line"  # prose lines have 3 words or more: shorter lines (labels, speaker names) repeat freely
PROSE = "The committee reviewed every proposal carefully before the vote on Friday afternoon."


def test_ordinary_prose_code_and_tables_pass():
    """Prose, indented code and a numeric table are not low quality under the defaults."""
    code = "def area(r):\n    return 3.14159 * r ** 2\n\nprint(area(2.5))\n# ==========================================="
    table = "| n | n^2 |\n|---|---|\n| 1 | 1 |\n| 2 | 4 |\n| 3 | 9 |\n| 4 | 16 |\n| 5 | 25 |"
    for text in (PROSE, code, table):
        assert quality_failure(text, CFG) is None, text


def test_url_only_text_is_rejected():
    """A text that is only a URL is low quality; a sentence holding a URL is not."""
    assert quality_failure("  https://example.com/some/page?id=3 ", CFG)[0] == "url_only"
    assert quality_failure(f"See https://example.com for details. {PROSE}", CFG) is None
    assert quality_failure("https://example.com", replace(CFG, reject_url_only=False)) is None


@pytest.mark.parametrize(
    ("option", "threshold", "inside", "outside", "check"),
    [
        ("min_alnum_ratio", 0.5, "abcde ##### " * 5 + "a", "abcde ##### " * 5 + "#", "alnum_ratio"),
        ("max_caps_ratio", 0.5, "ABCDEfghij " * 6, "ABCDEFghij " * 6, "caps_ratio"),
        ("max_char_run", 10, PROSE + " " + "!" * 10, PROSE + " " + "!" * 11, "char_run"),
        ("max_dup_line_fraction", 0.25, "\n".join([SAME, "one two three", "four five six", "seven eight nine", SAME]) + "\n" + PROSE,
         "\n".join([SAME, "one two three", "four five six", SAME, SAME]) + "\n" + PROSE, "dup_lines"),
    ],
)
def test_each_heuristic_has_a_threshold(option, threshold, inside, outside, check):
    """A text at the threshold passes; one just past it fails with that heuristic's name."""
    cfg = replace(CFG, **{option: threshold})
    assert quality_failure(inside, cfg) is None
    failure = quality_failure(outside, cfg)
    assert failure is not None and failure[0] == check
    assert quality_failure(outside, replace(cfg, **{option: None})) is None  # the off-switch


def test_repeated_ngrams_are_measured_gopher_style():
    """Text looping on itself fails the repeated 5-gram check; the same words once pass."""
    sentence = "the model repeats this exact phrase again and again without end "
    assert quality_failure(sentence * 6, CFG)[0] == "dup_ngrams"
    assert quality_failure(PROSE + " " + sentence, CFG) is None
    assert quality_failure(sentence * 6, replace(CFG, max_dup_ngram_fraction=None)) is None


def test_short_texts_are_not_judged_on_ratios():
    """Below quality_min_chars, ratios are not computed (the length filters judge short texts)."""
    assert quality_failure("!!!! 1234 ####", CFG) is None
    assert quality_failure("$$$ ### @@@ !!! ??? *** %%% &&& ^^^ ((( ))) [[[ ]]] {{{", CFG)[0] == "alnum_ratio"


# -- fine-tuning records: parts judged apart, code/JSON/tables exempt (issue 12) -------------------------------------


def check_of(parts) -> str | None:
    failure = record_quality_failure(parts, CFG)
    return failure[0] if failure else None


def test_alpaca_answers_restating_the_question_are_not_repetition():
    """The 7 old rejects of Alpaca EN (answers that restate the question, a screenplay) pass: prompt and response
    are judged apart, and short lines (speaker names, stage directions) are not prose lines."""
    records = alpaca("alpaca_en_quality.json")
    keys = ("Name two countries with a population siz", "What is the result of 4 raised to the po",
            "Identify the predicate of the given sent", "Find the name of the tallest mountain in",
            "Generate a regular expression that can m", "Organize the sentences chronologically.",
            "Draft a screenplay for a comedic short f")  # fmt: skip
    assert {key: check_of(records[key]) for key in keys} == dict.fromkeys(keys)


def test_glaive_code_json_and_tool_refusals_are_kept_and_junk_is_not():
    """glaive: JSON tool calls, code with repeated lines and tool-scope refusals pass (9 of the 12 old rejects were
    good examples); the 5,639-zero run, a looping answer and an answer cut at 'For' do not."""
    verdicts = {key: check_of(parts) for key, parts in glaive().items()}
    rejected = {key: check for key, check in verdicts.items() if check}
    assert sorted(rejected.values()) == ["char_run", "dup_ngrams", "truncated"], rejected  # the looping one twice
    assert verdicts["Can you please order a pizza for me?"] is None  # "I'm sorry, but as an AI ... my functions"


def test_alpaca_zh_code_and_flow_charts_are_not_repetition():
    """The 4 old Alpaca ZH rejects (SQL and JS in code blocks, an ASCII flow chart, a reordered story) pass."""
    records = alpaca("alpaca_zh_quality.json")
    keys = [k for k in records if k.startswith(("写一个查询", "根据以下步骤", "重新排列给定的句子", "JavaScript中if"))]
    assert len(keys) == 4 and {key: check_of(records[key]) for key in keys} == dict.fromkeys(keys)


def test_code_blocks_and_tables_are_exempt_in_a_single_text():
    """A classification text is judged by the same heuristics, with code and tables exempt from repetition."""
    code = "```\n" + "print('x')\n" * 10 + "```\nThat prints x ten times, once per line of the loop body."
    table = "| a | b |\n|---|---|\n" + "| 1 | 1 |\n" * 8 + "A table of ones, each row the same as the one above."
    assert quality_failure(code, CFG) is None and quality_failure(table, CFG) is None
