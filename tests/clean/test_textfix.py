"""Text cleaners: mojibake repaired, controls removed, newlines and indentation kept."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from pipeline.clean.config import CleanConfig
from pipeline.clean.textfix import (
    _INNER_SPACES,
    _LINE_BREAKS,
    _TRAILING_SPACE,
    CLEANERS,
    clean_text,
    cleaner_steps,
    normalise_line_endings,
    remove_invisible_label_chars,
    strip_html,
    tidy_whitespace,
)
from tests.clean.real_texts import real_texts
from tests.conftest import DATA

STEPS = cleaner_steps(CleanConfig())
BIT = {name: 1 << i for i, name in enumerate(CLEANERS)}
MOJIBAKE = json.loads((DATA / "ftfy_in_the_wild.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", MOJIBAKE, ids=[c["label"] for c in MOJIBAKE])
def test_real_mojibake_is_repaired(case):
    """Real mojibake collected by ftfy's authors comes out as the text that was meant."""
    fixed, changed = clean_text(case["original"], STEPS)
    assert fixed == case["fixed"]
    assert changed & BIT["ftfy"]


def test_control_and_zero_width_characters_are_removed_but_tabs_and_newlines_stay():
    """NUL, BEL, DEL, C1 controls, zero-width space and BOM go; tab and newline stay."""
    fixed, changed = clean_text("a\x00b\x07c\x7fd\u200be\ufefff\tg\nh", STEPS)
    assert fixed == "abcdef\tg\nh"
    assert changed == BIT["control_chars"]


def test_joiners_that_carry_meaning_are_kept():
    """Zero-width joiners (emoji sequences, Indic and Persian scripts) are not stripped."""
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    assert clean_text(f"Family {family}", STEPS)[0] == f"Family {family}"


def test_line_endings_become_newlines():
    """CRLF, lone CR and Unicode line separators become LF."""
    fixed, changed = clean_text("one\r\ntwo\rthree\u2028four", STEPS)
    assert fixed == "one\ntwo\nthree\nfour"
    assert changed == BIT["line_endings"]


def test_whitespace_is_tidied_without_touching_indentation_or_newlines():
    """Runs of spaces collapse inside lines; leading indentation, blank lines and newlines are kept."""
    code = "  def f(x):\n      return  x   + 1   \n\n\n  print(f(2))  "
    assert tidy_whitespace(code) == "def f(x):\n      return x + 1\n\n\n  print(f(2))"
    assert tidy_whitespace("a  b", collapse_spaces=False) == "a  b"


def test_nfc_composes_and_nfkc_folds_compatibility_forms():
    """NFC composes accents; NFKC also folds ligatures and fullwidth letters; 'none' leaves text alone."""
    decomposed = "cafe\u0301 \ufb01ne"
    assert clean_text(decomposed, cleaner_steps(replace(CleanConfig(), ftfy=False)))[0] == "café \ufb01ne"
    assert clean_text(decomposed, cleaner_steps(CleanConfig(ftfy=False, unicode_form="NFKC")))[0] == "café fine"
    assert clean_text(decomposed, cleaner_steps(CleanConfig(ftfy=False, unicode_form="none")))[0] == decomposed


def test_html_entities_are_decoded_and_markup_is_stripped_only_on_request():
    """ftfy decodes entities by default; tags are stripped only with strip_html (off by default)."""
    assert clean_text("I am &lt;#&gt; mins late &amp; sorry", STEPS)[0] == "I am <#> mins late & sorry"
    html = "<p>Hello <b>world</b></p><script>x()</script><p>Bye&nbsp;now</p>"
    assert clean_text(html, STEPS)[0] == html
    stripped = clean_text(html, cleaner_steps(CleanConfig(strip_html=True)))
    assert stripped[0] == "Hello world\nBye\u00a0now" and stripped[1] & BIT["html"]  # NFC keeps the no-break space
    assert strip_html("3 < 4 and 5 > 2") == "3 < 4 and 5 > 2"


def test_ftfy_options_are_passed_through():
    """ftfy_options switch individual ftfy fixes, e.g. keep curly quotes."""
    curly = "\u201cquoted\u201d"
    assert clean_text(curly, STEPS)[0] == '"quoted"'
    assert clean_text(curly, cleaner_steps(CleanConfig(ftfy_options={"uncurl_quotes": False})))[0] == curly


@pytest.mark.parametrize(("label", "expected"), [
    ("al\u200bpha", "alpha"), ("\u202ealpha", "alpha"), ("beta\x00", "beta"), ("\ufeffgamma", "gamma"),
    ("al\u200cpha", "alpha"), ("\u200b\u200c", ""), ("soft\u00adhyphen", "softhyphen"),
    ("می\u200cخواهم", "می\u200cخواهم"), ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"), ("plain", "plain"),
])
def test_labels_lose_invisible_characters_but_keep_joiners_that_spell_words(label, expected):
    """Controls, zero-width spaces, bidi overrides go; joiners between non-ASCII letters or emoji stay."""
    assert remove_invisible_label_chars(label) == expected


def test_line_ending_and_whitespace_shortcuts_equal_the_plain_regexes():
    """normalise_line_endings and tidy_whitespace skip their regexes when the characters those need are absent:
    on every real text and on each line break, trailing blank and space run, they give the plain regexes' result."""
    edges = ["a\r\nb", "a\rb", "a\x85b", "a\u2028b", "a\u2029b", "a \nb", "a\t\nb", "a  b", "a \t \n b", "  lead",
             "trail  ", "a\n\n  b", "a\u3000\u3000b", "x" * 3, "", " \n ", "é  \r\n"]  # fmt: skip
    for text in [*real_texts(), *edges]:
        assert normalise_line_endings(text) == _LINE_BREAKS.sub("\n", text)
        plain = _TRAILING_SPACE.sub("", text.strip())
        assert tidy_whitespace(text) == _INNER_SPACES.sub(" ", plain)
        assert tidy_whitespace(text, collapse_spaces=False) == plain
