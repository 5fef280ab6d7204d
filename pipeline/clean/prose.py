"""What the quality rules judge as prose: a text without its code blocks, tables and JSON.

Code repeats lines (``}``, ``return x``), JSON is mostly symbols and a table is mostly ``|``: the repetition and
symbol-ratio heuristics would call all three junk. They judge :func:`prose` instead, and count only
:func:`prose_lines` as lines.
"""

from __future__ import annotations

import json
import re

FENCE_LINE = re.compile(r"^[ \t]*(?:```|~~~)", re.M)
"""A line opening or closing a fenced code block."""
_FENCED = re.compile(r"^[ \t]*(```|~~~).*?(?:^[ \t]*\1[ \t]*$|\Z)", re.S | re.M)
# Lines that are code, not prose: repeated "}" or "return x;" say nothing about quality.
CODE_LINE = re.compile(
    r"""^\s*(?:[#%]|//|/\*|\*|--|<[/!?\w]|def |class |for |if |else|elif |while |return\b|import |from |using |
    \#include|var |let |const |public |private |function |print|end\b)|[;{}()\[\]:,=]\s*$""",
    re.X,
)
"""A line that looks like code (a keyword start, a comment, or ending in a bracket, colon, comma or ``;``)."""


_JSON_MEMBER = re.compile(r'"[^"\n]{0,80}"\s*:')


def prose(text: str) -> str:
    """``text`` without fenced code blocks, table rows and JSON lines."""
    if "```" in text or "~~~" in text:
        text = _FENCED.sub("\n", text)
    if "|" in text or "{" in text or "[" in text:
        text = "\n".join(line for line in text.split("\n") if not _is_table_or_json_line(line))
    return text


def prose_lines(text: str) -> list[str]:
    """The stripped lines of ``text`` that are sentences: 3 words or more, not code-looking."""
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if len(stripped.split()) < 3 or CODE_LINE.search(line):
            continue  # speaker names, stage directions, list labels and code repeat legitimately
        lines.append(stripped)
    return lines


def is_json(text: str) -> bool:
    """Whether the whole text is a JSON object or array (a function call, a tool result)."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[" or stripped[-1] not in "}]":
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


def _is_table_or_json_line(line: str) -> bool:
    stripped = line.strip()
    if stripped.startswith("|") or stripped.count("|") >= 2:
        return True  # Markdown or ASCII table row
    return stripped[:1] in ("{", "[", "}", "]") or _JSON_MEMBER.match(stripped) is not None
