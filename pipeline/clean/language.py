"""Language identification for the clean stage: langdetect (the declared detector) or lingua (the fast one).

Both backends are deterministic and offline (their models ship in their wheels):

- ``langdetect`` samples n-grams at random; each call seeds its own ``random.Random`` from the factory's seed, so a
  fixed seed gives the same answer for the same text in any process and any order. We keep our own
  ``DetectorFactory`` (seed set on it) instead of mutating the library's global one.
- ``lingua`` is a Rust n-gram model. It is fast when restricted to a few languages, but a restricted detector
  must pick one of them, so it is built from the allowed languages *plus* a set of common candidate languages:
  French text is then recognised as French and rejected, instead of being forced into "en" or "de".

Texts are judged on a bounded prefix with whitespace collapsed (the detection key); texts with too few letters are
``und`` (undetermined) and never rejected for language.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

from datasets import Dataset

UNDETERMINED = "und"

# What a lingua detector knows besides the allowed languages: the most common languages of fine-tuning data, so
# that text in one of them is not forced into an allowed language. Each one costs a little speed.
# Languages of other scripts cost nothing on Latin text (lingua first narrows candidates by alphabet).
DEFAULT_CANDIDATES = (
    "en", "es", "fr", "de", "it", "pt", "nl", "sv", "da", "nb", "pl", "cs", "ru", "uk", "el", "tr",
    "ar", "he", "fa", "ur", "hi", "bn", "ta", "te", "th", "ka", "hy", "zh", "ja", "ko", "vi", "id",
)  # fmt: skip

# langdetect labels Chinese by script variant; the contract wants ISO 639-1.
_LANGDETECT_ALIASES = {"zh-cn": "zh", "zh-tw": "zh"}
_NON_LATIN_SCRIPT = frozenset(
    "ar be bg bn el fa gu he hi hy ja ka kk ko mk mn mr pa ru sr ta te th uk ur zh".split()
)
# Below this many texts, starting worker processes (and loading models in each) costs more than it saves.
_PARALLEL_MIN_TEXTS = 4000


def detection_key(text: str, prefix_chars: int) -> str:
    """The text a detector sees: the first ``prefix_chars`` characters, whitespace collapsed."""
    # Cut generously before splitting so that collapsing whitespace cannot leave the key shorter than the prefix.
    return " ".join(text[: prefix_chars * 2].split())[:prefix_chars]


def has_enough_letters(text: str, min_letters: int) -> bool:
    """Whether ``text`` holds at least ``min_letters`` letters (fewer is too short to judge)."""
    count = 0
    for char in text:
        if char.isalpha():
            count += 1
            if count >= min_letters:
                return True
    return count >= min_letters


def supported_languages(backend: str) -> frozenset[str]:
    """The ISO 639-1 codes a backend can recognise (lingua: its own, plus those its fallbacks recognise)."""
    from langdetect.detector_factory import PROFILES_DIRECTORY

    langdetect_codes = frozenset(_LANGDETECT_ALIASES.get(name, name) for name in os.listdir(PROFILES_DIRECTORY))
    if backend == "langdetect":
        return langdetect_codes
    return _lingua_codes() | langdetect_codes | {code for _, _, code in _SCRIPT_LANGUAGES}


def _lingua_codes() -> frozenset[str]:
    from lingua import IsoCode639_1

    return frozenset(name.lower() for name in dir(IsoCode639_1) if name.isupper() and len(name) == 2)


def detect_languages(
    texts: Sequence[str],
    *,
    backend: str,
    allowed: Sequence[str],
    seed: int,
    min_letters: int,
    num_proc: int = 1,
) -> list[str]:
    """The language (ISO 639-1 or ``und``) of each text, in order. Each text should be a detection key."""
    codes = tuple(sorted(set(allowed) | set(DEFAULT_CANDIDATES))) if backend == "lingua" else ()
    if num_proc <= 1 or len(texts) < _PARALLEL_MIN_TEXTS:
        return _detect(texts, backend, codes, seed, min_letters)
    # Both detectors are CPU-bound per text: parallelise over processes with a batched datasets map (order kept).
    # Load the models here first: forked workers inherit them instead of each loading its own (seconds each).
    _warm(backend, codes, seed)
    detected = Dataset.from_dict({"text": list(texts)}).map(
        _detect_batch,
        batched=True,
        batch_size=1000,
        num_proc=num_proc,
        fn_kwargs={"backend": backend, "codes": codes, "seed": seed, "min_letters": min_letters},
        remove_columns=["text"],
        desc=f"language ({backend})",
    )
    return detected.with_format("arrow")["lang"].to_pylist()


def _warm(backend: str, codes: tuple[str, ...], seed: int) -> None:
    if backend == "lingua":
        _lingua_detector(codes)
    _langdetect_factory(seed)  # lingua's fallback for scripts it has no model for


def _detect_batch(batch: dict[str, list], **kwargs) -> dict[str, list]:
    return {"lang": _detect(batch["text"], **kwargs)}


def _detect(texts: Sequence[str], backend: str, codes: tuple[str, ...], seed: int, min_letters: int) -> list[str]:
    if backend == "lingua":
        return _detect_with_lingua(texts, codes, seed, min_letters)
    return _detect_with_langdetect(texts, seed, min_letters)


@functools.lru_cache(maxsize=2)
def _langdetect_factory(seed: int):
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = seed  # every Detector created by this factory reseeds its own RNG with it: deterministic
    return factory


def _detect_with_langdetect(texts: Sequence[str], seed: int, min_letters: int) -> list[str]:
    from langdetect.lang_detect_exception import LangDetectException

    factory = _langdetect_factory(seed)
    found = []
    for text in texts:
        if not has_enough_letters(text, min_letters):
            found.append(UNDETERMINED)
            continue
        detector = factory.create()
        detector.append(text)
        try:
            code = detector.detect()
        except LangDetectException:  # no usable n-grams (digits, symbols): nothing to judge
            code = UNDETERMINED
        found.append(_LANGDETECT_ALIASES.get(code, code) if code != "unknown" else UNDETERMINED)
    return found


def _mostly_latin(text: str) -> bool:
    """Whether at least half the letters of ``text`` are Latin (ASCII or Latin-1/Extended-A/B)."""
    letters = [c for c in text if c.isalpha()]
    latin = sum(c < "\u0250" for c in letters)
    return 2 * latin >= len(letters)


@functools.lru_cache(maxsize=4)
def _lingua_detector(codes: tuple[str, ...]):
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    known = _lingua_codes()
    isos = [getattr(IsoCode639_1, code.upper()) for code in codes if code in known]
    # Preloaded: a detector is built once per process (or inherited by forked workers), then used for many texts.
    return LanguageDetectorBuilder.from_iso_codes_639_1(*isos).with_preloaded_language_models().build()


def _detect_with_lingua(texts: Sequence[str], codes: tuple[str, ...], seed: int, min_letters: int) -> list[str]:
    detector = _lingua_detector(codes)
    judged = [i for i, text in enumerate(texts) if has_enough_letters(text, min_letters)]
    # detect_languages_in_parallel_of gave no speed-up over this loop on the 2-core machine: processes do.
    languages = [detector.detect_language_of(texts[i]) for i in judged]
    found = [UNDETERMINED] * len(texts)
    unknown = []
    for i, language in zip(judged, languages):
        code = language.iso_code_639_1.name.lower() if language is not None else None
        if code is None or (code not in _NON_LATIN_SCRIPT and not _mostly_latin(texts[i])):
            unknown.append(i)
        else:
            found[i] = code
    # lingua has no model for some languages (Malayalam, Kannada...): it answers None for their scripts, or judges
    # the few Latin words among them. Such a text is not "too short to judge": a script only one language writes
    # names it; otherwise ask langdetect (seeded).
    by_script = {i: _single_language_script(texts[i]) for i in unknown}
    rest = [i for i in unknown if by_script[i] is None]
    for i in unknown:
        found[i] = by_script[i] or UNDETERMINED
    for i, code in zip(rest, _detect_with_langdetect([texts[i] for i in rest], seed, min_letters)):
        found[i] = code
    return found


# Scripts written by one language only (among those fine-tuning data is likely to hold), by Unicode block.
_SCRIPT_LANGUAGES = (
    (0x0A00, 0x0A7F, "pa"),  # Gurmukhi
    (0x0A80, 0x0AFF, "gu"),  # Gujarati
    (0x0C80, 0x0CFF, "kn"),  # Kannada
    (0x0D00, 0x0D7F, "ml"),  # Malayalam
    (0x0D80, 0x0DFF, "si"),  # Sinhala
    (0x0E80, 0x0EFF, "lo"),  # Lao
    (0x1000, 0x109F, "my"),  # Myanmar
    (0x1780, 0x17FF, "km"),  # Khmer
)


def _single_language_script(text: str) -> str | None:
    """The language whose own script holds most letters of ``text``, if that script has only one language."""
    letters = [ord(c) for c in text if c.isalpha()]
    for low, high, code in _SCRIPT_LANGUAGES:
        if 2 * sum(low <= c <= high for c in letters) > len(letters):
            return code
    return None
