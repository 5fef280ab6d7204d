"""The ftfy shortcut: a text it lets skip ftfy is one ftfy returns unchanged (differential, on real and edge texts)."""

from __future__ import annotations

import random
import string

import ftfy
import pytest
from ftfy import chardata
from ftfy.badness import BADNESS_RE, is_bad

from pipeline.clean import ftfy_skip
from pipeline.clean.ftfy_skip import ftfy_unchanged, may_look_bad
from pipeline.clean.textfix import _ftfy_config
from tests.clean.real_texts import real_texts

CONFIGS = {
    "clean stage": _ftfy_config(()),
    "every fixer on": _ftfy_config((("fix_line_breaks", True), ("remove_control_chars", True))),
    "no html, no quotes": _ftfy_config((("uncurl_quotes", False), ("unescape_html", False))),
}


def _skipped_wrongly(texts, config) -> list[str]:
    return [text for text in texts if ftfy_unchanged(text, config) and ftfy.fix_text(text, config=config) != text]


@pytest.mark.parametrize("name", CONFIGS)
def test_real_texts_skipped_are_texts_ftfy_leaves_alone(name):
    """Every string of tests/data and samples (20k texts, 4k of them non-ASCII, mojibake and HTML entities among
    them): when the shortcut skips ftfy, ftfy returns the text unchanged; and most texts are skipped."""
    texts = real_texts()
    config = CONFIGS[name]
    assert _skipped_wrongly(texts, config) == []
    skipped = [text for text in texts if ftfy_unchanged(text, config)]
    assert len(skipped) > 0.6 * len(texts)
    assert sum(not text.isascii() for text in skipped) > 1000  # accented and non-Latin texts skip too


def _edge_cases() -> list[str]:
    around = "Plain words %s and more words"
    chars = [chr(code) for code in range(0x00, 0xA0)]
    chars += ["\u2018", "\u2019", "\u201c", "\u201d", "\u02bc", "\u2028", "\u2029", "\ufeff", "\ud83d", "\udca9"]
    chars += [chr(code) for table in (chardata.LIGATURES, chardata.WIDTH_MAP, chardata.CONTROL_CHARS) for code in table]
    texts = [around % char for char in chars] + chars
    texts += ["&amp;", "fish &amp; chips", "&lt;b&gt;bold&lt;/b&gt;", "&#x2019;", "&EACUTE;", "a & b", "&", "&;",
              "line\r\nline", "line\rline", "\x1b[31mred\x1b[0m", "\x1b", "Ã©", "cafÃ©", "Ã ", "â€™", "â€œquotedâ€\x9d",
              "ÃƒÂ©", "Ã\xa0", "\u00c2\u00a0", "sÃ³", "voilÃ le travail", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚", "Ø§Ù„Ø¹Ø±Ø¨ÙŠØ©", "ÐÐ", "×²",
              "√©", "Œuvre 1", "œ1", "Â£5", "£5 Ã", "", " ", "\n", "\n\nÃ ", "x\nÃ© y"]  # fmt: skip
    return texts


@pytest.mark.parametrize("name", CONFIGS)
def test_edge_cases_skipped_only_when_ftfy_leaves_them_alone(name):
    """Every ASCII and C1 control, curly quotes, line separators, surrogates, every key of ftfy's translate tables,
    HTML entities, terminal escapes and classic mojibake, alone and inside a sentence."""
    config = CONFIGS[name]
    texts = _edge_cases()
    assert _skipped_wrongly(texts, config) == []
    assert any(ftfy.fix_text(text, config=config) != text for text in texts)


def test_random_mixes_of_mojibake_characters_are_never_skipped_wrongly():
    """Seeded random strings over ASCII and the characters of ftfy's badness classes: they hit the badness regex
    in many ways (most of them changed by ftfy), and the shortcut never skips one that ftfy would change."""
    config = CONFIGS["clean stage"]
    rng = random.Random(14)
    alphabet = sorted(ftfy_skip._CLASS_BITS) + list("aeAE zZ.,!?1\n") + ["é", "£", "€", "ü", "Ø", "Ù"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(15_000)]
    assert _skipped_wrongly(texts, config) == []
    changed = sum(ftfy.fix_text(text, config=config) != text for text in texts)
    skipped = sum(ftfy_unchanged(text, config) for text in texts)
    assert changed > 1000 and skipped > 1000  # both sides of the shortcut exercised


def test_normalisation_or_an_unknown_ftfy_turns_the_shortcut_off(monkeypatch):
    assert ftfy_unchanged("plain", CONFIGS["clean stage"])
    assert not ftfy_unchanged("plain", ftfy.TextFixerConfig(normalization="NFC"))
    monkeypatch.setattr(ftfy_skip, "_SUPPORTED", False)
    assert not ftfy_unchanged("plain", CONFIGS["clean stage"])


def _badness_alphabet() -> list[str]:
    """The characters written in ftfy's badness regex (read from its source text, not parsed), and ASCII."""
    return sorted({c for c in BADNESS_RE.pattern if not c.isascii()} | set(string.printable))


def test_every_pair_and_random_runs_of_badness_characters_is_bad_only_when_the_filter_says_it_may_be():
    """``may_look_bad`` is a sound filter for ``is_bad``: every two-character string over the regex's characters
    (about 250k), and 40k random runs of 3-6 of them, that ``is_bad`` flags are flagged by the filter too."""
    alphabet = _badness_alphabet()
    pairs = [a + b for a in alphabet for b in alphabet]
    rng = random.Random(14)
    runs = ["".join(rng.choice(alphabet) for _ in range(rng.randint(3, 6))) for _ in range(40_000)]
    bad = [text for text in [*pairs, *runs] if is_bad(text)]
    assert len(bad) > 10_000
    assert [text for text in bad if not may_look_bad(text)] == []
