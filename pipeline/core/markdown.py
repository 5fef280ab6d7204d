"""Small helpers every section renderer uses to put user data into Markdown, and the pass that makes it inert.

Labels, texts, ids and file names come from the user's data, and many Markdown viewers render the HTML inside
Markdown: a label ``<img src=x onerror=...>`` or ``[x](javascript:...)`` must reach ``report.md`` as text.
ftprep's own Markdown uses no HTML and no links, so :func:`inert_markdown` escapes every ``<``, inline link and link
definition of the finished page, wherever a renderer put user text.
"""

from __future__ import annotations

import json
import re
from typing import Any

# "<" (HTML tags, autolinks) and "](" (inline links and images), each with the backslashes before it: an odd number
# means the character is escaped already. ">" alone opens nothing (a blockquote at most), so it is left as written.
_ACTIVE = re.compile(r"(\\*)(<|\]\()")
_DEFINITION = re.compile(r"^( {0,3})(\\*)\[(?=[^\]\n]*\]:)", re.M)  # "[ref]: url" at a line start


def inert_markdown(markdown: str) -> str:
    """``markdown`` with no HTML tag, autolink, link or image left: their characters backslash-escaped.

    A backslash-escaped character shows as itself in CommonMark and GFM, so the page reads the same.
    """

    def escape(match: re.Match[str]) -> str:
        slashes, token = match.group(1), match.group(2)
        if len(slashes) % 2:
            return match.group(0)
        return slashes + ("\\<" if token == "<" else "]\\(")

    def definition(match: re.Match[str]) -> str:
        indent, slashes = match.group(1), match.group(2)
        return match.group(0) if len(slashes) % 2 else f"{indent}{slashes}\\["

    return _DEFINITION.sub(definition, _ACTIVE.sub(escape, markdown))


def table_cell(value: Any) -> str:
    """A value as one Markdown table cell (pipes escaped, newlines flattened)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.replace("|", "\\|").replace("\n", " ")


def name_list(labels: list[str] | dict[str, Any], limit: int = 8) -> str:
    """The first ``limit`` names, then how many more."""
    names = list(labels)
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
