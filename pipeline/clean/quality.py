"""Quality rules of the clean stage, built for fine-tuning records: each finds one kind of bad example, or ``None``.

A failure is ``(check, detail)``: ``check`` names the rule (the report counts drops per check) and ``detail`` says
which part of the record failed, what was measured and against which threshold.

Two families:

- **Text heuristics** (Gopher rules, Rae et al. 2021, appendix A, where they fit short examples): ``alnum_ratio``,
  ``caps_ratio``, ``char_run``, ``dup_lines``, ``dup_ngrams``, ``url_only``. They judge each part of a record on
  its own (a prompt, a response; never both joined, so an answer that restates its question is not "repetition"),
  and only its prose: fenced code blocks, JSON documents and table rows are exempt from the repetition and symbol
  rules (code repeats lines, JSON is mostly symbols). Tool messages and JSON function calls are not text.
- **Response rules** (:mod:`pipeline.clean.responses`: what SFT data actually suffers from), on completions and
  assistant messages: ``empty_response``, ``truncated``, ``echo``, ``refusal``, ``language_mismatch``.

Prompts (``prompt``, ``user`` and ``system`` messages) are not judged on repetition: they quote inputs, data and
code that repeat legitimately, and are usually masked out of the loss. Symbol soup and character runs are junk
anywhere.

Each rule can be switched off in the config (a ``None`` threshold or a ``false`` flag).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from pipeline.clean.config import CleanConfig
from pipeline.clean.prose import is_json, prose, prose_lines
from pipeline.clean.responses import response_failure
from pipeline.core.text_pairs import pair_form

Failure = tuple[str, str]
Part = tuple[str, str]
"""One text of a record: ``(role or field, text)``: ``text``, ``prompt``, ``completion`` or a chat role."""

PROMPT_ROLES = frozenset({"prompt", "user", "system"})
RESPONSE_ROLES = frozenset({"completion", "assistant"})


_URL_ONLY = re.compile(r"\s*(?:https?://|www\.)\S+\s*", re.I)
_CHAR_RUN = r"([^\s\-=_*#~.])\1{%d,}"
_WORD = re.compile(r"\w+")
_NGRAM = 5
# Latin-1 text is measured in bytes (one a character): its letters and digits, and its word characters (\w)
# case-folded, every other byte a space (such text translated splits into words). Two letters fold out of Latin-1
# ("ß" to "ss", "µ" to Greek mu): texts holding them take the slow path.
_LATIN1_ALNUM = bytes(c for c in range(256) if chr(c).isalnum())
_UNFOLDABLE = "".join(chr(c) for c in range(256) if len(chr(c).casefold()) > 1 or ord(chr(c).casefold()[0]) > 255)
_LATIN1_WORDS = bytes(
    ord(chr(c).casefold()) if _WORD.fullmatch(chr(c)) and chr(c) not in _UNFOLDABLE else 32 for c in range(256)
)


def quality_failure(text: str, cfg: CleanConfig) -> Failure | None:
    """The first text heuristic ``text`` fails (one text judged alone, e.g. a classification text), or ``None``."""
    if cfg.reject_url_only and _URL_ONLY.fullmatch(text):
        return "url_only", "the text is only a URL"
    return _text_failure(text, cfg)


def record_quality_failure(parts: Sequence[Part], cfg: CleanConfig) -> Failure | None:
    """The first rule a record fails, judging each part on its own and each response against its prompt."""
    if cfg.reject_url_only and parts and all(_URL_ONLY.fullmatch(text) for _, text in parts if text):
        return "url_only", "the text is only a URL"
    prompt = ""
    said_last = max((i for i, (role, _) in enumerate(parts) if role in RESPONSE_ROLES), default=-1)
    for i, (role, text) in enumerate(parts):
        if role == "tool" or is_json(text):
            continue  # tool results and function calls are data, not text
        failure = _text_failure(text, cfg, repetition=role not in PROMPT_ROLES)
        if failure is None and role in RESPONSE_ROLES:
            failure = response_failure(text, prompt, cfg, final=i == said_last)
        if failure is not None:
            return failure[0], f"{_part_name(parts, i)}: {failure[1]}"
        if role in PROMPT_ROLES and role != "system":
            prompt = text
    return None


def _part_name(parts: Sequence[Part], index: int) -> str:
    role = parts[index][0]
    if role in ("text", "prompt", "completion"):
        return role
    return f"{role} message {index}"


# -- text heuristics, on prose only -----------------------------------------------------------------------------------


def _text_failure(text: str, cfg: CleanConfig, repetition: bool = True) -> Failure | None:
    failure = _char_run(text, cfg)  # a run of 5,000 zeros is junk inside a code block too
    if failure:
        return failure
    text = prose(text)
    if len(text) < cfg.quality_min_chars:
        return None  # too short to judge ratios on; the length filters handle short texts
    checks = (_alnum_ratio, _caps_ratio, _duplicate_lines, _duplicate_ngrams) if repetition else (_alnum_ratio, _caps_ratio)
    for check in checks:
        failure = check(text, cfg)
        if failure:
            return failure
    return None


def _alnum_ratio(text: str, cfg: CleanConfig) -> Failure | None:
    if cfg.min_alnum_ratio is None:
        return None
    visible = "".join(text.split())  # str.split() splits on exactly the characters \s matches
    ratio = _alnum_count(visible) / len(visible) if visible else 0.0
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
        return None
    ratio = upper / (upper + lower)
    if ratio > cfg.max_caps_ratio:
        return "caps_ratio", f"{ratio:.2f} of letters are capitals, above the maximum {cfg.max_caps_ratio}"
    return None


def _char_run(text: str, cfg: CleanConfig) -> Failure | None:
    if cfg.max_char_run is None or len(text) <= cfg.max_char_run:
        return None
    stride, sampled = _char_run_sampling(cfg.max_char_run + 1)
    if stride > 1 and not sampled.search(text[::stride]):
        return None
    runs = [m.end() - m.start() for m in _char_run_pattern(cfg.max_char_run + 1).finditer(text)]
    if runs:
        return "char_run", f"a run of {max(runs)} identical characters, above the maximum {cfg.max_char_run}"
    return None


@functools.lru_cache(maxsize=4)
def _char_run_pattern(length: int) -> re.Pattern[str]:
    return re.compile(_CHAR_RUN % (length - 1))


@functools.lru_cache(maxsize=4)
def _char_run_sampling(length: int) -> tuple[int, re.Pattern[str]]:
    """A cheap test that no run of ``length`` equal characters exists: any ``length`` consecutive positions hold at
    least ``length // stride`` multiples of ``stride``, so such a run shows as a run of that many equal characters in
    ``text[::stride]`` (a sample a stride-th as long to search)."""
    stride = max(1, length // 4)
    return stride, _char_run_pattern(length // stride)


def casefolded_words(text: str) -> list[str] | list[bytes]:
    """``\\w+`` runs of ``text.casefold()``; of Latin-1 text as Latin-1 bytes, which compare, hash and measure the
    same."""
    raw = _latin1(text)
    if raw is None or (not text.isascii() and any(char in text for char in _UNFOLDABLE)):
        return _WORD.findall(text.casefold())
    return raw.translate(_LATIN1_WORDS).split()


def _alnum_count(text: str) -> int:
    """``sum(map(str.isalnum, text))``, counted in bytes for Latin-1 text."""
    raw = _latin1(text)
    if raw is None:
        return sum(map(str.isalnum, text))
    return len(raw) - len(raw.translate(None, _LATIN1_ALNUM))


def _latin1(text: str) -> bytes | None:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return None


def _duplicate_lines(text: str, cfg: CleanConfig) -> Failure | None:
    if cfg.max_dup_line_fraction is None:
        return None
    if text.count("\n") < 3:
        return None  # fewer than 4 lines, so fewer than 4 prose lines
    lines = prose_lines(text)
    if len(lines) < 4:
        return None  # with 2-3 lines one repeat is already a third: too few to judge
    repeats = len(lines) - len(set(lines))
    fraction = repeats / len(lines)
    if fraction > cfg.max_dup_line_fraction:
        return "dup_lines", (
            f"{fraction:.2f} of prose lines repeat an earlier line, above the maximum {cfg.max_dup_line_fraction}"
        )
    return None


def _duplicate_ngrams(text: str, cfg: CleanConfig) -> Failure | None:
    if cfg.max_dup_ngram_fraction is None:
        return None
    pair = pair_form(text)
    if pair is not None and pair[0] != "tab":  # two texts (NLI, paraphrase): the second repeating the first is the
        # task, not junk; a lone tab is too common in pasted text to mean a pair on one record's word
        first, second = pair[1]
        return _duplicate_ngrams(first, cfg) or _duplicate_ngrams(second, cfg)
    words = casefolded_words(text)
    if len(words) < 4 * _NGRAM or len(set(zip(*(words[k:] for k in range(_NGRAM))))) == len(words) - _NGRAM + 1:
        return None  # too few words to judge, or no 5-gram repeats
    grams = list(zip(*(words[k:] for k in range(_NGRAM))))
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
