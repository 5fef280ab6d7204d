"""Quality heuristics: each rejects a text just past its threshold and keeps one just inside it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.clean.config import CleanConfig
from pipeline.clean.quality import quality_failure

CFG = CleanConfig()
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
        ("max_dup_line_fraction", 0.25, "\n".join(["same line", "a", "b", "c", "same line"]) + "\n" + PROSE,
         "\n".join(["same line", "a", "b", "same line", "same line"]) + "\n" + PROSE, "dup_lines"),
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
