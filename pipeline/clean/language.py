"""Language identification for the clean stage: Unicode script first, then a model.

The order of evidence, for each detection key (:func:`identify_languages`):

1. **Script** (:mod:`pipeline.clean.script`): the weighted majority script of the letters. A script only one
   language writes names it at any length, with no model: Malayalam ``ml``, Tamil ``ta``, Greek ``el``, Hangul
   ``ko``, kana ``ja``, Han without kana ``zh`` (langdetect called 65 Chinese Alpaca records ``ko``; lingua has no
   Malayalam or Kannada model).
2. **Model**, for scripts several languages share (Latin, Cyrillic, Arabic, Devanagari) and for mixed texts: the
   chosen backend for keys with at least ``min_letters`` letters, **lingua** for keys of ``SHORT_MIN_LETTERS`` to
   ``min_letters`` letters whatever the backend (lingua is built for short text; langdetect is not). Under a
   filter, a short text is only given a non-allowed language when lingua prefers it to every allowed one by
   ``SHORT_MARGIN``. An answer the script rules out (``en`` for a Cyrillic text) is discarded.
3. Otherwise ``und``; :func:`wrong_language` applies the ``und`` policy: ``auto`` rejects an ``und`` text whose
   script excludes every allowed language (a short Cyrillic text under ``en``) and keeps the rest (no letters, or a
   script an allowed language is written in); ``keep`` and ``reject`` force it.

Both backends are deterministic and offline (models ship in the wheels). langdetect is seeded through our own
``DetectorFactory``. lingua is built from the allowed languages plus common candidates (a detector restricted to
``en`` alone would force French into English), without the languages their script already names.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence
from typing import Literal, NamedTuple

from datasets import Dataset

from pipeline.clean.script import (
    SCRIPT_LANGUAGES,
    decided_by_script,
    dominant_script,
    excludes_all,
    script_counts,
    single_language,
    writes,
)

UNDETERMINED = "und"
UndPolicy = Literal["auto", "keep", "reject"]

DEFAULT_CANDIDATES = (
    "en", "es", "fr", "de", "it", "pt", "nl", "sv", "da", "nb", "pl", "cs", "ru", "uk", "el", "tr",
    "ar", "he", "fa", "ur", "hi", "bn", "ta", "te", "th", "ka", "hy", "zh", "ja", "ko", "vi", "id",
)  # fmt: skip

_LANGDETECT_ALIASES = {"zh-cn": "zh", "zh-tw": "zh"}
_PARALLEL_MIN_TEXTS = 4000
# Fenced code says nothing about the language of the prose around it (a Chinese answer with a Python block).
_CODE_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
# Fewer letters than this is und: one short word names no language.
SHORT_MIN_LETTERS = 5
# Under a filter, a short text gets a non-allowed language only when lingua's relative confidence in it beats every
# allowed language by this much; else it is und (kept when its script allows an allowed language). Calibrated on
# both sides (docs/clean.md): 0.03 keeps precision >= 0.97 on the Language Detection dataset while rejecting 31
# fewer short English SMS (slang such as "Ok lar... Joking wif u oni" reads as Dutch or Indonesian); 0.05 drops
# that precision to 0.968.
SHORT_MARGIN = 0.03


class Identified(NamedTuple):
    """What was found for one text: its language (ISO 639-1 or ``und``) and the script of its letters."""

    lang: str
    script: str | None


def detection_key(text: str, prefix_chars: int) -> str:
    """The text a detector sees: fenced code removed, the first ``prefix_chars`` characters, whitespace collapsed."""
    if "```" in text:
        text = _CODE_FENCE.sub(" ", text)
    return " ".join(text[: prefix_chars * 2].split())[:prefix_chars]


def has_enough_letters(text: str, min_letters: int) -> bool:
    """Whether ``text`` holds at least ``min_letters`` letters."""
    count = 0
    for char in text:
        if char.isalpha():
            count += 1
            if count >= min_letters:
                return True
    return count >= min_letters


def supported_languages(backend: str) -> frozenset[str]:
    """The ISO 639-1 codes a backend can name (either also names the languages their script alone names)."""
    from langdetect.detector_factory import PROFILES_DIRECTORY

    langdetect_codes = frozenset(_LANGDETECT_ALIASES.get(name, name) for name in os.listdir(PROFILES_DIRECTORY))
    by_script = frozenset(code for codes in SCRIPT_LANGUAGES.values() for code in codes if len(code) == 2)
    if backend == "langdetect":
        return langdetect_codes | by_script
    return _lingua_codes() | langdetect_codes | by_script  # lingua falls back to langdetect where it answers nothing


def _lingua_codes() -> frozenset[str]:
    from lingua import IsoCode639_1

    return frozenset(name.lower() for name in dir(IsoCode639_1) if name.isupper() and len(name) == 2)


def rejects_undetermined(script: str | None, allowed: Sequence[str], policy: UndPolicy) -> bool:
    """Whether an ``und`` text is rejected under a language filter ``allowed`` and the ``und`` policy."""
    if not allowed or policy == "keep":
        return False
    return policy == "reject" or excludes_all(script, allowed)


def wrong_language(found: Identified, allowed: Sequence[str], policy: UndPolicy) -> str | None:
    """The ``wrong_language`` detail for a text, or ``None`` when it is kept."""
    if not allowed:
        return None
    wanted = ", ".join(allowed)
    if found.lang != UNDETERMINED:
        return None if found.lang in allowed else f"detected '{found.lang}', allowed: {wanted}"
    if rejects_undetermined(found.script, allowed, policy):
        why = f"{found.script} script, which none of them is written in" if found.script else "und policy: reject"
        return f"too short to name the language; {why} (allowed: {wanted})"
    return None


def detect_languages(
    texts: Sequence[str], *, backend: str, allowed: Sequence[str], seed: int, min_letters: int, num_proc: int = 1
) -> list[str]:
    """The language (ISO 639-1 or ``und``) of each text, in order (see :func:`identify_languages`)."""
    found = identify_languages(texts, backend=backend, allowed=allowed, seed=seed, min_letters=min_letters, num_proc=num_proc)
    return [f.lang for f in found]


def identify_languages(
    texts: Sequence[str],
    *,
    backend: str,
    allowed: Sequence[str],
    seed: int,
    min_letters: int,
    num_proc: int = 1,
) -> list[Identified]:
    """Language and script of each text, in order. Each text should be a detection key.

    Short texts (``SHORT_MIN_LETTERS`` to ``min_letters`` letters) always go to lingua, in this process; texts with
    ``min_letters`` or more go to ``backend``, over ``num_proc`` worker processes when there are many.
    """
    allowed = tuple(allowed)
    codes = _lingua_candidates(allowed)
    scripts = [dominant_script(script_counts(text)) for text in texts]
    langs: list[str | None] = [single_language(script) for script in scripts]
    long_texts, short_texts = [], []
    for i, text in enumerate(texts):
        if langs[i] is None:
            letters = _letters(text, min_letters)
            if letters >= min_letters:
                long_texts.append(i)
            elif letters >= SHORT_MIN_LETTERS:
                short_texts.append(i)
    # Short texts are judged here, not in workers: lingua loads models with a thread pool that does not survive
    # fork (a worker loading a model after the parent did hangs), and lingua on short texts is cheap.
    margin = SHORT_MARGIN if allowed else None
    short = _lingua([texts[i] for i in short_texts], codes, backend == "lingua", allowed, margin)
    for i, lang in zip(short_texts, short):
        langs[i] = lang
    long = _detect_long([texts[i] for i in long_texts], backend, codes, seed, num_proc)
    for i, lang in zip(long_texts, long):
        langs[i] = lang
    found = []
    for lang, script in zip(langs, scripts):
        if lang is None or (script is not None and not writes(script, lang)):
            lang = UNDETERMINED  # no answer, or one the script rules out (English for a Cyrillic text)
        found.append(Identified(lang, script))
    return found


def _lingua_candidates(allowed: Sequence[str]) -> tuple[str, ...]:
    # Languages their script names (Greek, Thai, Chinese, Korean...) never reach the model: loading their models
    # would only cost time (~20% of lingua's loading) and memory.
    return tuple(sorted(set(allowed) | {code for code in DEFAULT_CANDIDATES if not decided_by_script(code)}))


def _detect_long(texts: list[str], backend: str, codes: tuple[str, ...], seed: int, num_proc: int) -> list[str | None]:
    if num_proc <= 1 or len(texts) < _PARALLEL_MIN_TEXTS:
        return _detect_batch({"text": texts}, backend=backend, codes=codes, seed=seed)["lang"]
    # Both detectors are CPU-bound per text: parallelise over processes with a batched datasets map (order kept).
    # Load the models here first: forked workers inherit them instead of each loading its own (seconds each).
    if backend == "lingua":
        _lingua_detector(codes, True)  # positional, as in _lingua: lru_cache keys f(a, b) and f(a, b=...) apart
    _langdetect_factory(seed)
    detected = Dataset.from_dict({"text": texts}).map(
        _detect_batch,
        batched=True,
        batch_size=1000,
        num_proc=num_proc,
        fn_kwargs={"backend": backend, "codes": codes, "seed": seed},
        remove_columns=["text"],
        desc=f"language ({backend})",
    )
    return detected.with_format("arrow")["lang"].to_pylist()


def _detect_batch(batch: dict[str, list], backend: str, codes: tuple[str, ...], seed: int) -> dict[str, list]:
    texts = batch["text"]
    if backend == "langdetect":
        return {"lang": _langdetect(texts, seed)}
    langs = _lingua(texts, codes, True)
    # lingua has no model for some languages of shared scripts: where it answers nothing, langdetect gets a say.
    retry = [i for i, lang in enumerate(langs) if lang is None]
    for i, lang in zip(retry, _langdetect([texts[i] for i in retry], seed)):
        langs[i] = lang
    return {"lang": langs}


def _letters(text: str, cap: int) -> int:
    count = 0
    for char in text:
        if char.isalpha():
            count += 1
            if count >= cap:
                break
    return count


@functools.lru_cache(maxsize=2)
def _langdetect_factory(seed: int):
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = seed
    return factory


def _langdetect(texts: Sequence[str], seed: int) -> list[str | None]:
    from langdetect.lang_detect_exception import LangDetectException

    factory = _langdetect_factory(seed)
    found: list[str | None] = []
    for text in texts:
        detector = factory.create()
        detector.append(text)
        try:
            code = detector.detect()
        except LangDetectException:
            code = None
        found.append(None if code in (None, "unknown") else _LANGDETECT_ALIASES.get(code, code))
    return found


@functools.lru_cache(maxsize=4)
def _lingua_detector(codes: tuple[str, ...], preload: bool):
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    known = _lingua_codes()
    isos = [getattr(IsoCode639_1, code.upper()) for code in codes if code in known]
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*isos)
    # The lingua backend sees every text: load every model once (forked workers inherit them). As langdetect's
    # short-text helper it sees few texts: load lazily only the models they need (~0.5 s instead of ~15 s).
    return (builder.with_preloaded_language_models() if preload else builder).build()


def _lingua(
    texts: Sequence[str], codes: tuple[str, ...], preload: bool, allowed: tuple[str, ...] = (), margin: float | None = None
) -> list[str | None]:
    """lingua's language for each text; with ``margin``, ``None`` when an allowed language is within ``margin`` of
    the winner's confidence (too close to call for a filter)."""
    detector = _lingua_detector(codes, preload)
    found: list[str | None] = []
    for text in texts:
        if margin is None:
            language = detector.detect_language_of(text)
            found.append(language.iso_code_639_1.name.lower() if language is not None else None)
            continue
        values = detector.compute_language_confidence_values(text)
        if not values:
            found.append(None)
            continue
        top = values[0].language.iso_code_639_1.name.lower()
        best_allowed = max((v.value for v in values if v.language.iso_code_639_1.name.lower() in allowed), default=0.0)
        found.append(top if top in allowed or values[0].value - best_allowed >= margin else None)
    return found
