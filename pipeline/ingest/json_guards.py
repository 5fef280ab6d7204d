"""Guards on a parsed JSON value before it becomes a row: nesting too deep for the recursive code downstream, and
strings holding lone UTF-16 surrogates (which UTF-8 cannot encode). Each has a cheap test on the JSON text first, so
ordinary rows are never walked."""

from __future__ import annotations

import json
from typing import Any


MAX_DEPTH = 100
"""Deepest nesting of lists and objects a row may have; deeper values would overflow the recursive code downstream."""
TOO_DEEP = f"lists and objects nested more than {MAX_DEPTH} levels deep: not a training record"


def may_nest_deep(json_text: str) -> bool:
    """Whether JSON text has enough brackets to nest deeper than :data:`MAX_DEPTH` (a cheap test before walking it)."""
    return json_text.count("[") + json_text.count("{") > MAX_DEPTH


def deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and objects more than ``limit`` levels deep (iteratively: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


LONE_SURROGATE = ("field '{field}' holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape without its pair): "
                   "not Unicode text")


def may_hold_surrogates(json_text: str) -> bool:
    """Whether JSON text has a \\ud8xx-\\udfxx escape (the only way valid UTF-8 JSON yields a lone surrogate)."""
    return "\\ud" in json_text or "\\uD" in json_text


def field_with_lone_surrogate(row: dict[str, Any]) -> str | None:
    """The first field of a parsed row whose strings hold a lone surrogate (text that UTF-8 cannot encode)."""
    for field, value in row.items():
        try:
            json.dumps({field: value}, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return str(field)
    return None
