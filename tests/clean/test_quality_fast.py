"""The quality rules' fast paths give what the plain code they replaced gives (differential, on real texts and on
both sides of every threshold)."""

from __future__ import annotations

import re
import sys
from dataclasses import replace

import pytest

from pipeline.clean import quality
from pipeline.clean.config import CleanConfig
from pipeline.clean.prose import prose, prose_lines
from pipeline.core.text_pairs import pair_form
from tests.clean.real_texts import real_texts

# The rules as they were written before their fast paths (the reference).
_SPACE, _WORD = re.compile(r"\s"), re.compile(r"\w+")


def _plain_alnum_ratio(text: str) -> float:
    visible = len(text) - len(_SPACE.findall(text))
    return sum(map(str.isalnum, text)) / visible if visible else 0.0


def _plain_char_runs(text: str, longest: int) -> list[int]:
    return [m.end() - m.start() for m in re.finditer(r"([^\s\-=_*#~.])\1{%d,}" % longest, text)]


def _plain_dup_lines(text: str) -> list[str]:
    return prose_lines(text)


def _plain_ngram_fraction(text: str) -> float | None:
    words = _WORD.findall(text.casefold())
    if len(words) < 20:
        return None
    grams = list(zip(*(words[k:] for k in range(5))))
    seen, covered = set(), [False] * len(words)
    for i, gram in enumerate(grams):
        if gram in seen:
            covered[i : i + 5] = [True] * 5
        else:
            seen.add(gram)
    return sum(len(w) for w, c in zip(words, covered) if c) / sum(len(w) for w in words)


ALL_CHARS = "".join(chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF)


def test_str_split_drops_exactly_the_characters_backslash_s_matches_and_no_letter_or_digit():
    visible = "".join(ALL_CHARS.split())
    assert visible == _SPACE.sub("", ALL_CHARS)
    assert sum(map(str.isalnum, visible)) == sum(map(str.isalnum, ALL_CHARS))


def _decoded(words: list) -> list[str]:
    return [w.decode("latin-1") if isinstance(w, bytes) else w for w in words]


def test_byte_shortcuts_agree_with_str_methods_on_every_latin1_character():
    for char in map(chr, range(256)):
        assert quality._alnum_count(char) == char.isalnum()
        for text in (f"x{char}Y", f"x{char}Y é", f"x{char}Y €"):
            assert _decoded(quality.casefolded_words(text)) == _WORD.findall(text.casefold())


def test_word_split_and_alnum_count_agree_with_the_plain_code_on_real_texts():
    for text in real_texts():
        words = quality.casefolded_words(text)
        assert _decoded(words) == _WORD.findall(text.casefold())
        assert quality._alnum_count(text) == sum(map(str.isalnum, text))


STRICT = replace(CleanConfig(), min_alnum_ratio=0.9, max_char_run=3, max_dup_line_fraction=0.0,
                 max_dup_ngram_fraction=0.0)  # fmt: skip


@pytest.mark.parametrize("cfg", [CleanConfig(), STRICT], ids=["default", "strict"])
def test_rules_give_the_plain_code_s_verdicts_on_real_texts(cfg):
    """Each rule's verdict (and detail) on every real text equals the verdict computed by the plain code, with the
    default thresholds and with strict ones that make most texts fail."""
    failed = 0
    for text in real_texts():
        body = prose(text)
        ratio = _plain_alnum_ratio(body)
        expected = ratio < cfg.min_alnum_ratio
        got = quality._alnum_ratio(body, cfg)
        assert (got is not None) == expected
        assert not expected or got[1].startswith(f"letters and digits are {ratio:.2f} ")
        runs = _plain_char_runs(text, cfg.max_char_run) if len(text) > cfg.max_char_run else []
        got = quality._char_run(text, cfg)
        assert (got is None) == (not runs)
        assert not runs or f"a run of {max(runs)} " in got[1]
        lines = _plain_dup_lines(body)
        repeated = len(lines) >= 4 and (len(lines) - len(set(lines))) / len(lines) > cfg.max_dup_line_fraction
        assert (quality._duplicate_lines(body, cfg) is not None) == repeated
        pair = pair_form(body)
        parts = pair[1] if pair is not None and pair[0] != "tab" else (body,)  # a pair is judged part by part
        fractions = [f for f in map(_plain_ngram_fraction, parts) if f is not None]
        dup = any(f > cfg.max_dup_ngram_fraction for f in fractions)
        assert (quality._duplicate_ngrams(body, cfg) is not None) == dup
        failed += expected + bool(runs) + repeated + dup
    assert failed > (2000 if cfg is STRICT else 10)  # both sides of the thresholds are reached


@pytest.mark.parametrize("limit", [1, 3, 7, 8, 30, 31, 64])
def test_char_run_sampling_finds_every_run_above_the_limit(limit):
    """Runs just below, at and above the limit, at every offset against the sampling stride, are found exactly when
    the plain regex finds them."""
    cfg = replace(CleanConfig(), max_char_run=limit)
    for length in range(max(1, limit - 2), limit + 3):
        for offset in range(limit + 2):
            for char in "a0é-":
                text = "xy " * offset + char * length + " tail words"
                assert (quality._char_run(text, cfg) is not None) == bool(_plain_char_runs(text, limit))
