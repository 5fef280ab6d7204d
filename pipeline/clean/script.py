"""Unicode script of a text's letters, and which languages each script can write.

Python's ``unicodedata`` has no script property, so scripts come from Unicode block ranges (the blocks of each
script's letters; marks and digits are not letters and are not counted). One table, looked up by bisection and
cached per character, so a 200-character detection key costs a few microseconds.

A script *excludes* a language when the language is not written in it: Malayalam script is never English,
Cyrillic is never German. This is what lets the language filter decide texts too short for a model.
"""

from __future__ import annotations

import bisect
import functools
from collections import Counter
from collections.abc import Iterable

LATIN = "Latin"
HAN = "Han"

# (first, last, script): letter blocks, sorted by first code point, non-overlapping.
_BLOCKS: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, LATIN),  # Basic Latin letters .. Latin Extended-B (non-letters are filtered by isalpha)
    (0x0250, 0x02AF, LATIN),  # IPA extensions
    (0x0370, 0x03FF, "Greek"),
    (0x0400, 0x052F, "Cyrillic"),
    (0x0530, 0x058F, "Armenian"),
    (0x0590, 0x05FF, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"),
    (0x0700, 0x074F, "Syriac"),
    (0x0750, 0x077F, "Arabic"),
    (0x0780, 0x07BF, "Thaana"),
    (0x08A0, 0x08FF, "Arabic"),
    (0x0900, 0x097F, "Devanagari"),
    (0x0980, 0x09FF, "Bengali"),
    (0x0A00, 0x0A7F, "Gurmukhi"),
    (0x0A80, 0x0AFF, "Gujarati"),
    (0x0B00, 0x0B7F, "Oriya"),
    (0x0B80, 0x0BFF, "Tamil"),
    (0x0C00, 0x0C7F, "Telugu"),
    (0x0C80, 0x0CFF, "Kannada"),
    (0x0D00, 0x0D7F, "Malayalam"),
    (0x0D80, 0x0DFF, "Sinhala"),
    (0x0E00, 0x0E7F, "Thai"),
    (0x0E80, 0x0EFF, "Lao"),
    (0x0F00, 0x0FFF, "Tibetan"),
    (0x1000, 0x109F, "Myanmar"),
    (0x10A0, 0x10FF, "Georgian"),
    (0x1100, 0x11FF, "Hangul"),
    (0x1200, 0x139F, "Ethiopic"),
    (0x1780, 0x17FF, "Khmer"),
    (0x1800, 0x18AF, "Mongolian"),
    (0x1C80, 0x1C8F, "Cyrillic"),
    (0x1C90, 0x1CBF, "Georgian"),
    (0x1E00, 0x1EFF, LATIN),  # Latin Extended Additional (Vietnamese)
    (0x1F00, 0x1FFF, "Greek"),
    (0x2C60, 0x2C7F, LATIN),
    (0x2DE0, 0x2DFF, "Cyrillic"),
    (0x3005, 0x3007, HAN),  # 々 〆 〇
    (0x3040, 0x309F, "Kana"),  # Hiragana
    (0x30A0, 0x30FF, "Kana"),  # Katakana
    (0x3100, 0x312F, HAN),  # Bopomofo: Chinese only
    (0x3130, 0x318F, "Hangul"),
    (0x31F0, 0x31FF, "Kana"),
    (0x3400, 0x4DBF, HAN),
    (0x4E00, 0x9FFF, HAN),
    (0xA640, 0xA69F, "Cyrillic"),
    (0xA720, 0xA7FF, LATIN),
    (0xA8E0, 0xA8FF, "Devanagari"),
    (0xAC00, 0xD7AF, "Hangul"),
    (0xF900, 0xFAFF, HAN),
    (0xFB1D, 0xFB4F, "Hebrew"),
    (0xFB50, 0xFDFF, "Arabic"),
    (0xFE70, 0xFEFF, "Arabic"),
    (0xFF21, 0xFF5A, LATIN),  # fullwidth Latin
    (0xFF66, 0xFF9F, "Kana"),  # halfwidth Katakana
    (0xFFA0, 0xFFDC, "Hangul"),
    (0x20000, 0x323AF, HAN),  # CJK extensions B-H
)
_STARTS = [first for first, _, _ in _BLOCKS]

# Languages written in each non-Latin script (ISO 639-1, those langdetect or lingua know). A language absent from
# every list is written in Latin script; _ALSO_LATIN are written in Latin *and* in their listed script.
SCRIPT_LANGUAGES: dict[str, frozenset[str]] = {
    "Greek": frozenset({"el"}),
    "Cyrillic": frozenset({"ru", "uk", "be", "bg", "mk", "sr", "kk", "mn", "ky", "tg", "tt", "ba", "cv", "os"}),
    "Armenian": frozenset({"hy"}),
    "Hebrew": frozenset({"he", "yi"}),
    "Arabic": frozenset({"ar", "fa", "ur", "ps", "ku", "sd", "ug", "pa"}),
    "Syriac": frozenset({"syr"}),
    "Thaana": frozenset({"dv"}),
    "Devanagari": frozenset({"hi", "mr", "ne", "sa"}),
    "Bengali": frozenset({"bn", "as"}),
    "Gurmukhi": frozenset({"pa"}),
    "Gujarati": frozenset({"gu"}),
    "Oriya": frozenset({"or"}),
    "Tamil": frozenset({"ta"}),
    "Telugu": frozenset({"te"}),
    "Kannada": frozenset({"kn"}),
    "Malayalam": frozenset({"ml"}),
    "Sinhala": frozenset({"si"}),
    "Thai": frozenset({"th"}),
    "Lao": frozenset({"lo"}),
    "Tibetan": frozenset({"bo"}),
    "Myanmar": frozenset({"my"}),
    "Georgian": frozenset({"ka"}),
    "Hangul": frozenset({"ko"}),
    "Ethiopic": frozenset({"am", "ti"}),
    "Khmer": frozenset({"km"}),
    "Mongolian": frozenset({"mn"}),
    "Kana": frozenset({"ja"}),
    HAN: frozenset({"zh", "ja"}),
}
_ALSO_LATIN = frozenset({"sr", "kk", "uz", "az", "tk", "ku", "tt", "mn"})
_NON_LATIN_LANGUAGES = frozenset().union(*SCRIPT_LANGUAGES.values())

# A Han, kana or Hangul character carries about a word; Latin and other alphabets take ~5 letters a word. Weighing
# them 3 to 1 lets a Chinese answer that names "Adobe Illustrator" stay Chinese.
_WEIGHT = {HAN: 3, "Kana": 3, "Hangul": 2}


@functools.lru_cache(maxsize=65536)
def char_script(char: str) -> str | None:
    """The script of one letter, or ``None`` for a non-letter or a letter of a script not in the table."""
    if not char.isalpha():
        return None
    code = ord(char)
    i = bisect.bisect_right(_STARTS, code) - 1
    if i >= 0 and code <= _BLOCKS[i][1]:
        return _BLOCKS[i][2]
    return None


def script_counts(text: str) -> Counter[str]:
    """Weighted letters per script (CJK characters count 3, Hangul syllables 2, other letters 1)."""
    counts: Counter[str] = Counter()
    if text.isascii():  # the common case, without a lookup per character
        letters = sum(map(str.isalpha, text))
        if letters:
            counts[LATIN] = letters
        return counts
    for char in text:
        script = char_script(char)
        if script is not None:
            counts[script] += _WEIGHT.get(script, 1)
    return counts


def dominant_script(counts: Counter[str], share: float = 0.5) -> str | None:
    """The script holding more than ``share`` of the weighted letters, or ``None`` (no letters, or mixed)."""
    total = sum(counts.values())
    if not total:
        return None
    script, n = counts.most_common(1)[0]
    if n <= share * total:
        return None
    if script == HAN and counts.get("Kana"):  # Japanese writes Han with kana; kana alone decides Japanese
        return "Kana"
    return script


def script_languages(script: str) -> frozenset[str] | None:
    """Languages written in ``script`` (``None`` for Latin: the complement, too many to list)."""
    return None if script == LATIN else SCRIPT_LANGUAGES.get(script, frozenset())


def writes(script: str, language: str) -> bool:
    """Whether ``language`` is written in ``script`` (Latin: every language not tied to another script)."""
    if script == LATIN:
        return language not in _NON_LATIN_LANGUAGES or language in _ALSO_LATIN
    return language in SCRIPT_LANGUAGES.get(script, ())


def excludes_all(script: str | None, allowed: Iterable[str]) -> bool:
    """Whether a text in ``script`` cannot be in any allowed language (``None``: no script, nothing excluded)."""
    return script is not None and not any(writes(script, language) for language in allowed)


def single_language(script: str | None) -> str | None:
    """The language of a script that only one language writes (Malayalam, Greek, Hangul...), else ``None``."""
    if script is None or script == LATIN:
        return None
    languages = SCRIPT_LANGUAGES.get(script, frozenset())
    if script == HAN:
        return "zh"  # Han without kana: Chinese (Japanese text all in kanji is rare enough to accept)
    return next(iter(languages)) if len(languages) == 1 else None


def decided_by_script(language: str) -> bool:
    """Whether ``language`` is always named by its script alone (a model never needs to recognise it)."""
    return any(single_language(script) == language for script in SCRIPT_LANGUAGES)
