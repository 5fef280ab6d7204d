"""The text cleaners of the clean stage: each one changes text and never drops it.

Cleaners run in the order of :data:`CLEANERS`, and :func:`clean_text` reports which of them changed a text (as a
bit mask, so that a batch of millions of records can count changes per cleaner cheaply).
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Callable

import ftfy

from pipeline.clean.config import CleanConfig
from pipeline.clean.ftfy_skip import ftfy_unchanged

CLEANERS = ("ftfy", "html", "unicode", "line_endings", "control_chars", "whitespace")
"""Cleaner names, in the order they run; a cleaner's bit in a change mask is ``1 << CLEANERS.index(name)``."""
LABEL_BIT = 1 << 15
"""The change-mask bit of label tidying (trim, ``label_map``, case-folding), counted as the ``labels`` cleaner."""

_LINE_BREAKS = re.compile(r"\r\n?|[\u0085\u2028\u2029]")
# C0 and C1 controls except tab and newline, DEL, and invisible format characters (zero-width space, word joiner,
# BOM, soft hyphen). Zero-width (non-)joiners and bidi marks stay: they change how Persian, Indic scripts,
# emoji sequences and right-to-left text render.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff\u00ad]")
_TRAILING_SPACE = re.compile(r"[ \t]+(?=\n)")
_INNER_SPACES = re.compile(r"(?<=\S) {2,}")
_HTML_BLOCK = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_HTML_BREAK = re.compile(r"<(?:br|/p|/div|/li|/tr|/h[1-6])\b[^<>]*>", re.I)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")


def fix_with_ftfy(text: str, options: tuple[tuple[str, bool], ...] = ()) -> str:
    """Repair mojibake, HTML entities, curly quotes and broken surrogates with ftfy.

    Texts ftfy provably returns unchanged (most of them: :mod:`pipeline.clean.ftfy_skip`) skip it.
    """
    config = _ftfy_config(options)
    return text if ftfy_unchanged(text, config) else ftfy.fix_text(text, config=config)


@functools.lru_cache(maxsize=8)
def _ftfy_config(options: tuple[tuple[str, bool], ...]) -> ftfy.TextFixerConfig:
    # Normalisation, line breaks and control characters are our own cleaners, so that each is counted apart.
    base = {"normalization": None, "fix_line_breaks": False, "remove_control_chars": False, "explain": False}
    return ftfy.TextFixerConfig(**{**base, **dict(options)})


def strip_html(text: str) -> str:
    """Drop markup (tags, comments, scripts, styles), keep line breaks of block tags, decode entities."""
    if "<" not in text and "&" not in text:
        return text
    text = _HTML_BLOCK.sub("", text)
    text = _HTML_BREAK.sub("\n", text)
    return html.unescape(_HTML_TAG.sub("", text))


def normalise_unicode(text: str, form: str) -> str:
    """NFC or NFKC normal form (``none`` leaves the text as it is)."""
    if form == "none" or text.isascii():
        return text
    return unicodedata.normalize(form, text)


def normalise_line_endings(text: str) -> str:
    """CRLF, CR and Unicode line separators become ``\\n``."""
    if "\r" not in text and (text.isascii() or not any(char in text for char in "\u0085\u2028\u2029")):
        return text  # nothing _LINE_BREAKS could match (substring tests are much cheaper than its search)
    return _LINE_BREAKS.sub("\n", text)


def remove_control_chars(text: str) -> str:
    """Remove control and zero-width characters; tabs and newlines stay."""
    return _CONTROL.sub("", text)


_JOINERS = "\u200c\u200d"  # zero-width non-joiner and joiner: they spell Persian, Indic and emoji sequences


def remove_invisible_label_chars(label: str) -> str:
    """A label without control and format characters (NUL, zero-width space, bidi overrides, BOM, soft hyphen), so
    that labels which look the same are the same (issue 13, item 11).

    Zero-width (non-)joiners stay only between two non-ASCII visible characters, where they change how a Persian
    word or an emoji sequence is written; elsewhere (``al\u200cpha``, a label made of them) they go too.
    """
    if label.isascii() and label.isprintable():
        return label
    kept = [ch for ch in label if ch in _JOINERS or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")]
    return "".join(ch for i, ch in enumerate(kept)
                   if ch not in _JOINERS or (i and i + 1 < len(kept) and _joinable(kept[i - 1]) and _joinable(kept[i + 1])))


def _joinable(ch: str) -> bool:
    return not ch.isascii() and not ch.isspace() and ch not in _JOINERS


def tidy_whitespace(text: str, collapse_spaces: bool = True) -> str:
    """Trim the text and line ends, and collapse runs of spaces inside lines (indentation and newlines stay)."""
    text = text.strip()
    if " \n" in text or "\t\n" in text:  # a space or tab before a newline: only then can _TRAILING_SPACE match
        text = _TRAILING_SPACE.sub("", text)
    return _INNER_SPACES.sub(" ", text) if collapse_spaces and "  " in text else text


def cleaner_steps(cfg: CleanConfig) -> list[tuple[int, Callable[[str], str]]]:
    """The cleaners ``cfg`` switches on, as ``(bit, function)`` in running order."""
    named: dict[str, Callable[[str], str]] = {
        "ftfy": functools.partial(fix_with_ftfy, options=tuple(sorted(cfg.ftfy_options.items()))),
        "html": strip_html,
        "unicode": functools.partial(normalise_unicode, form=cfg.unicode_form),
        "line_endings": normalise_line_endings,
        "control_chars": remove_control_chars,
        "whitespace": functools.partial(tidy_whitespace, collapse_spaces=cfg.collapse_spaces),
    }
    switched_off = {"ftfy"} if not cfg.ftfy else set()
    if not cfg.strip_html:
        switched_off.add("html")
    return [(1 << i, named[name]) for i, name in enumerate(CLEANERS) if name not in switched_off]


def clean_text(text: str, steps: list[tuple[int, Callable[[str], str]]]) -> tuple[str, int]:
    """``text`` after every cleaner in ``steps``, and the bit mask of the cleaners that changed it."""
    changed = 0
    for bit, step in steps:
        fixed = step(text)
        if fixed != text:
            changed |= bit
            text = fixed
    return text, changed


def trace_cleaners(text: str, steps: list[tuple[int, Callable[[str], str]]]) -> dict[int, tuple[str, str]]:
    """For each cleaner that changes ``text``: the text it was given and the text it returned (for examples)."""
    trace = {}
    for bit, step in steps:
        fixed = step(text)
        if fixed != text:
            trace[bit] = (text, fixed)
            text = fixed
    return trace
