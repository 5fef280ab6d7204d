"""Which texts ``ftfy.fix_text`` returns unchanged, decided from their characters without running it.

``fix_text`` costs 0.05-0.3 ms a text, and most texts need no fixing. It returns a text unchanged when every step of
its loop does, and each step can only change a text that holds certain characters:

- ``unescape_html`` needs a match of its own regex (``&name;``), ``remove_terminal_escapes`` ESC,
  ``fix_c1_controls`` a C1 control, ``uncurl_quotes`` a curly quote, ``fix_surrogates`` a surrogate,
  ``fix_line_breaks`` CR, NEL or U+2028/9 (a character every match of the fixer's regex holds, or the keys of its
  translate table: ``fix_latin_ligatures``, ``fix_character_width``, ``remove_control_chars``);
- ``fix_encoding`` returns a text unchanged unless ``ftfy.badness.is_bad`` finds a mojibake-looking sequence.
  Every alternative of that regex needs one character from each of its character classes; if some class of every
  alternative shares no character with the text (only non-ASCII characters are compared; classes holding ASCII
  characters count as present), the regex cannot match anywhere, on any line. Texts this cannot clear get ftfy's
  own test, ``is_bad`` on each line, which is still cheaper than the whole of ``fix_text``;
- ``normalization`` must be off (the clean stage normalises on its own).

:func:`ftfy_unchanged` is ``True`` only when all of that holds, so skipping ftfy there cannot change a result (the
differential tests in tests/clean/test_ftfy_skip.py compare it with ftfy on real texts). Every set is read from
ftfy's own tables and regexes, and the shortcut switches itself off when ftfy's fixers or options are not the ones
this reasoning covers.
"""

from __future__ import annotations

import re
import re._constants as sre  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
from collections.abc import Iterable, Iterator

import ftfy
from ftfy import chardata, fixes
from ftfy.badness import BADNESS_RE, is_bad

__all__ = ["ftfy_unchanged"]

_KNOWN_FIXERS = frozenset({
    "unescape_html", "remove_terminal_escapes", "restore_byte_a0", "replace_lossy_sequences",
    "decode_inconsistent_utf8", "fix_c1_controls", "fix_latin_ligatures", "fix_character_width", "uncurl_quotes",
    "fix_line_breaks", "fix_surrogates", "remove_control_chars",
})  # fmt: skip
_KNOWN_OPTIONS = frozenset({*_KNOWN_FIXERS, "fix_encoding", "normalization", "max_decode_length", "explain"})
_LINE_BREAKS = "\r\u2028\u2029\x85"  # what fixes.fix_line_breaks replaces (str.replace calls, no table to read)
_MAX_RANGE = 0x3000  # a class range wider than this is not enumerated: the class then counts as present


def ftfy_unchanged(text: str, config: ftfy.TextFixerConfig) -> bool:
    """Whether ``ftfy.fix_text(text, config=config)`` provably returns ``text`` itself (``False``: run ftfy)."""
    if config.normalization is not None or not _SUPPORTED:
        return False
    if _TOUCHED.search(text) or chardata.HTML_ENTITY_RE.search(text):
        return False
    # fix_encoding returns ASCII text at once (chardata.possible_encoding(text, "ascii")), other text unless is_bad
    return text.isascii() or not may_look_bad(text) or _encoding_left_alone(text, config.max_decode_length)


def may_look_bad(text: str) -> bool:
    """``False`` when ``ftfy.badness.is_bad`` is certainly false on ``text`` and on each of its lines: some class
    of every alternative of its regex holds none of the text's characters."""
    present = 0
    for char in _CLASS_CHARS.intersection(text):
        present |= _CLASS_BITS[char]
    for needed in _ALTERNATIVES:
        if present & needed == needed:
            return True
    return False


def _encoding_left_alone(text: str, max_length: int) -> bool:
    """Whether fix_encoding's first test returns each segment fix_text cuts ``text`` into (lines, at most
    ``max_length`` long) unchanged: the exact test, for texts the character filter cannot clear."""
    start = 0
    while start < len(text):
        end = min(text.find("\n", start) + 1 or len(text), start + max_length)
        segment = text[start:end]
        if not chardata.possible_encoding(segment, "ascii") and is_bad(segment):
            return False
        start = end
    return True


def _mandatory_classes(items: Iterable[tuple]) -> Iterator[frozenset[str] | None]:
    """The character set of each single-character node a match must consume (``None``: not enumerated)."""
    for op, av in items:
        if op is sre.LITERAL:
            yield frozenset(chr(av))
        elif op is sre.IN:
            yield _class_chars(av)
        elif op is sre.SUBPATTERN:
            yield from _mandatory_classes(av[-1])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1 and len(av[2]) == 1:
            yield from _mandatory_classes(av[2])
        # anything else (ANY, AT, BRANCH, optional repeats, lookarounds, ...) requires no particular character


def _class_chars(items: list[tuple]) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE and av[1] - av[0] <= _MAX_RANGE:
            chars.update(map(chr, range(av[0], av[1] + 1)))
        else:
            return None  # NEGATE, CATEGORY (\s, \w), a huge range: any character might do
    return frozenset(chars)


def _alternatives(pattern: re.Pattern[str]) -> list[list[frozenset[str] | None]]:
    """Per top-level alternative of ``pattern``, the classes of its mandatory nodes."""
    if pattern.flags & re.IGNORECASE:
        return [[]]  # a literal would match other cases too: give up (every alternative counts as possible)
    tree = list(sre_parse.parse(pattern.pattern, pattern.flags))
    branches = tree[0][1][1] if len(tree) == 1 and tree[0][0] is sre.BRANCH else [tree]
    return [list(_mandatory_classes(branch)) for branch in branches]


def _smallest_class(pattern: re.Pattern[str]) -> frozenset[str]:
    """A character set one of which every match of ``pattern`` (one alternative) contains."""
    (classes,) = _alternatives(pattern)
    return min((c for c in classes if c is not None), key=len)


def _touched_chars() -> str:
    quotes = _smallest_class(chardata.SINGLE_QUOTE_RE) | _smallest_class(chardata.DOUBLE_QUOTE_RE)
    tables = (chardata.LIGATURES, chardata.WIDTH_MAP, chardata.CONTROL_CHARS)
    return "".join(sorted(
        _smallest_class(fixes.ANSI_RE) | quotes
        | _smallest_class(chardata.C1_CONTROL_RE) | _smallest_class(fixes.SURROGATE_RE) | set(_LINE_BREAKS)
        | {chr(code) for table in tables for code in table}
    ))  # fmt: skip


def _badness_tables() -> tuple[dict[str, int], list[int]]:
    """Bits of the non-ASCII-only classes of BADNESS_RE by character, and the bits each alternative needs."""
    bits: dict[str, int] = {}
    needs = []
    bit = 1
    for classes in _alternatives(BADNESS_RE):
        needed = 0
        for chars in classes:
            if chars is None or any(c.isascii() for c in chars):
                continue  # counts as present: texts are not scanned for it
            for char in chars:
                bits[char] = bits.get(char, 0) | bit
            needed |= bit
            bit <<= 1
        needs.append(needed)
    return bits, needs


def _char_class(chars: str) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "]")


_SUPPORTED = set(ftfy.FIXERS) == _KNOWN_FIXERS and set(ftfy.TextFixerConfig._fields) == _KNOWN_OPTIONS
_TOUCHED, _CLASS_BITS, _ALTERNATIVES = _char_class("\0"), {}, [0]
try:
    _TOUCHED = _char_class(_touched_chars())
    _CLASS_BITS, _ALTERNATIVES = _badness_tables()
except (AttributeError, TypeError, ValueError):  # another ftfy: its tables or regexes are not the ones read here
    _SUPPORTED = False
_CLASS_CHARS = frozenset(_CLASS_BITS)
