"""Quality heuristics of the clean stage: each finds one kind of junk text, or returns ``None``.

Each heuristic returns ``(check, detail)`` when the text fails it, where ``check`` names the heuristic (the report
counts drops per check) and ``detail`` says what was measured against which threshold. The thresholds follow the
Gopher rules (Rae et al. 2021, "Scaling Language Models", appendix A) where those apply to short fine-tuning
examples, and each one can be switched off with ``None`` in the config.
"""

from __future__ import annotations

import functools
import re
from pipeline.clean.config import CleanConfig

Failure = tuple[str, str]

_URL_ONLY = re.compile(r"\s*(?:https?://|www\.)\S+\s*", re.I)
# Separator lines (----, ====, ####) are normal in Markdown and code comments: runs of these are not junk.
_CHAR_RUN = r"([^\s\-=_*#~.])\1{%d,}"
_SPACE = re.compile(r"\s")
_WORD = re.compile(r"\w+")
_NGRAM = 5  # Gopher measures duplicated 5- to 10-grams; the 5-gram rule is the strictest and the cheapest


def quality_failure(text: str, cfg: CleanConfig) -> Failure | None:
    """The first quality heuristic ``text`` fails, or ``None`` when it passes them all."""
    if cfg.reject_url_only and _URL_ONLY.fullmatch(text):
        return "url_only", "the text is only a URL"
    if len(text) < cfg.quality_min_chars:
        return None  # too short to judge ratios on; the length filters handle short texts
    for check in (_alnum_ratio, _caps_ratio, _char_run, _duplicate_lines, _duplicate_ngrams):
        failure = check(text, cfg)
        if failure:
            return failure
    return None


def _alnum_ratio(text: str, cfg: CleanConfig) -> Failure | None:
    if cfg.min_alnum_ratio is None:
        return None
    visible = len(text) - len(_SPACE.findall(text))
    # Letters and digits against symbols: tables and code are fine, symbol soup is not.
    ratio = sum(map(str.isalnum, text)) / visible if visible else 0.0
    if ratio < cfg.min_alnum_ratio:
        return "alnum_ratio", (
            f"letters and digits are {ratio:.2f} of non-space characters, below the minimum {cfg.min_alnum_ratio}"
        )
    return None


def _caps_ratio(text: str, cfg: CleanConfig) -> Failure | None:
    if cfg.max_caps_ratio is None:
        return None
    upper, lower = sum(map(str.isupper, text)), sum(map(str.islower, text))
    if upper + lower < cfg.quality_min_chars // 2:
        return None  # scripts without case (CJK, Arabic) or too few letters to judge
    ratio = upper / (upper + lower)
    if ratio > cfg.max_caps_ratio:
        return "caps_ratio", f"{ratio:.2f} of letters are capitals, above the maximum {cfg.max_caps_ratio}"
    return None


def _char_run(text: str, cfg: CleanConfig) -> Failure | None:
    if cfg.max_char_run is None:
        return None
    runs = [m.end() - m.start() for m in _char_run_pattern(cfg.max_char_run + 1).finditer(text)]
    if runs:
        return "char_run", f"a run of {max(runs)} identical characters, above the maximum {cfg.max_char_run}"
    return None


@functools.lru_cache(maxsize=4)
def _char_run_pattern(length: int) -> re.Pattern[str]:
    """Matches runs of at least ``length`` identical characters (one search instead of scanning every run)."""
    return re.compile(_CHAR_RUN % (length - 1))


def _duplicate_lines(text: str, cfg: CleanConfig) -> Failure | None:
    if cfg.max_dup_line_fraction is None:
        return None
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) < 4:
        return None  # with 2-3 lines one repeat is already a third: too few to judge
    repeats = len(lines) - len(set(lines))
    fraction = repeats / len(lines)
    if fraction > cfg.max_dup_line_fraction:
        return "dup_lines", f"{fraction:.2f} of lines repeat an earlier line, above the maximum {cfg.max_dup_line_fraction}"
    return None


def _duplicate_ngrams(text: str, cfg: CleanConfig) -> Failure | None:
    if cfg.max_dup_ngram_fraction is None:
        return None
    words = _WORD.findall(text.casefold())
    if len(words) < 4 * _NGRAM:
        return None
    grams = list(zip(*(words[k:] for k in range(_NGRAM))))
    if len(set(grams)) == len(grams):
        return None  # the common case, decided without the per-word loop below
    # Gopher: characters of the words inside a repeat of an earlier n-gram, over all word characters.
    seen: set[tuple[str, ...]] = set()
    covered = [False] * len(words)
    for i, gram in enumerate(grams):
        if gram in seen:
            covered[i : i + _NGRAM] = [True] * _NGRAM
        else:
            seen.add(gram)
    fraction = sum(len(w) for w, c in zip(words, covered) if c) / sum(len(w) for w in words)
    if fraction > cfg.max_dup_ngram_fraction:
        return "dup_ngrams", (
            f"{fraction:.2f} of word characters are in repeated {_NGRAM}-grams, above the maximum "
            f"{cfg.max_dup_ngram_fraction}"
        )
    return None
