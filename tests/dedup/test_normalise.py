"""pipeline.dedup.normalise: the one form keys and shingles are taken from (punctuation, case, spaces, marks, accents)."""

from pipeline.core.records import Task
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.normalise import comparable, normalise, strip_accents
from pipeline.dedup.shingling import hash_batch
from pipeline.dedup.stage import dedup
from tests.conftest import CONTEXT
from tests.dedup.helpers import DATA, make_dataset


def test_punctuation_becomes_space_so_glued_and_spaced_forms_meet():
    """'fancy you! To' and 'fancy you!To' prepare to the same text (the SMS pair that crossed splits)."""
    assert normalise("fancy you! To") == normalise("fancy you!To") == "fancy you to"


def test_case_and_whitespace_fold():
    """Case and runs of whitespace do not matter; underscores stay as \\w kept them."""
    assert normalise("  How   do I\tTOP up?? ") == "how do i top up"
    assert normalise("snake_case") == "snake_case"


def test_combining_marks_are_kept_in_indic_and_thai_text():
    """Vowel signs and viramas are part of the word: Hindi 'किम' and 'कुम' stay different (they collapsed before)."""
    assert normalise("हिन्दी भाषा") == "हिन्दी भाषा"
    assert normalise("किम") != normalise("कुम")
    assert normalise("ภาษาไทย ครับ") == "ภาษาไทย ครับ"


def test_format_characters_are_deleted_and_symbols_spaced():
    """A zero-width space disappears (no word break); emoji, currency and dashes become spaces."""
    assert normalise("a\u200bb «quoted» — 3.5% £10 😀!!") == "ab quoted 3 5 10"


def test_all_symbol_text_falls_back_to_casefold():
    """A text of symbols only keeps its symbols rather than becoming empty."""
    assert normalise("!!!  ??") == "!!! ??"


def test_strip_accents_only_touches_latin_greek_cyrillic_diacritics():
    """'crème brûlée' loses its accents; Devanagari and Hangul are unchanged (Hangul recomposed by NFC)."""
    assert strip_accents("crème brûlée") == "creme brulee"
    assert strip_accents("हिन्दी") == "हिन्दी"
    assert strip_accents("한국어") == "한국어"
    assert comparable("Café", accents=False) == "cafe"
    assert comparable("Café") == "café"


def _sms_punct_rows() -> list[dict]:
    lines = (DATA / "sms_punct_twins.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [{"label": label, "text": text} for label, text in (line.split("\t", 1) for line in lines)]


def test_near_duplicates_apart_only_by_punctuation_are_removed():
    """'Congrats! 2 mobile 3G…' and 'Congrats 2 mobile 3G…' (real SMS, same number): 0.81 once punctuation is
    dropped (0.76 with it kept), so dedup rejects one of them."""
    rows = [r for r in _sms_punct_rows() if r["text"].startswith("Congrats") and "09063458130" in r["text"]]
    assert len(rows) == 3 and {r["text"][:8] for r in rows} == {"Congrats"}
    kept_punct = [" ".join(r["text"].casefold().split()) for r in rows]
    with_punct = hash_batch(kept_punct, "char", 5)
    assert max(with_punct.jaccard(0, j) for j in (1, 2)) < 0.8
    result = dedup(make_dataset(Task.CLASSIFICATION, rows), DedupConfig(), CONTEXT)
    assert len(result.kept) == 1 and set(result.rejected["reason"]) == {"duplicate_near"}
    assert result.sections["duplicates"]["parameters"]["normalisation"].startswith("casefold, punctuation")


def test_strip_accents_is_an_option():
    """'Crème brûlée…' and 'Creme brulee…' are exact duplicates only with strip_accents."""
    rows = [{"text": "Where can I order a crème brûlée for two?", "label": "x"},
            {"text": "Where can I order a creme brulee for two?", "label": "x"}]
    plain = dedup(make_dataset(Task.CLASSIFICATION, rows), DedupConfig(), CONTEXT)
    stripped = dedup(make_dataset(Task.CLASSIFICATION, rows), DedupConfig(strip_accents=True), CONTEXT)
    assert len(plain.rejected) == 0
    assert stripped.rejected["reason"] == ["duplicate_exact"]
    assert stripped.sections["duplicates"]["parameters"]["strip_accents"] is True
