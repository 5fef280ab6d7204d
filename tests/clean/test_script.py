"""Unicode script of letters, and which scripts exclude which languages."""

from __future__ import annotations

import pytest

from pipeline.clean.script import dominant_script, excludes_all, script_counts, single_language, writes


@pytest.mark.parametrize(
    ("text", "script", "language"),
    [
        ("ഞാൻ നിങ്ങളോട് 100% യോജിക്കുന്നു.", "Malayalam", "ml"),
        ("எனக்கு தெரியும்.", "Tamil", "ta"),
        ("ευχαρίστησή μου.", "Greek", "el"),
        ("Это хороший вопрос.", "Cyrillic", None),
        ("أعتقد أنك مخطئ.", "Arabic", None),
        ("10比9大。", "Han", "zh"),
        ("これは日本語の文です。", "Kana", "ja"),
        ("안녕하세요, 반갑습니다.", "Hangul", "ko"),
        ("das wäre toll, danke.", "Latin", None),
        ("12345 !!!", None, None),
    ],
)
def test_real_short_texts_get_their_script(text, script, language):
    """Short real sentences (Language Detection, Alpaca ZH) get their script, and one-language scripts a language."""
    found = dominant_script(script_counts(text))
    assert found == script
    assert single_language(found) == language


def test_han_weighs_more_than_latin_letters():
    """A Chinese sentence naming 'Adobe Illustrator' is Han: a CJK character weighs about a word."""
    assert dominant_script(script_counts("使用Adobe Illustrator创建一个Ocean Blue的标志。")) == "Han"


def test_scripts_exclude_languages_not_written_in_them():
    """Malayalam and Cyrillic exclude English; Latin excludes Russian but not Serbian; no script excludes nothing."""
    assert excludes_all("Malayalam", ["en"]) and excludes_all("Cyrillic", ["en", "de"])
    assert not excludes_all("Cyrillic", ["en", "ru"])
    assert writes("Latin", "sr") and writes("Cyrillic", "sr") and not writes("Latin", "ru")
    assert not excludes_all(None, ["en"])
