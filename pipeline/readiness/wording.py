"""How checks quote user data: short one-line quotes, name lists, and labels that are parsing accidents.

A malformed CSV row can put a whole paragraph into the label column; every check that names labels would then
print it in full, and the volume checks would ask for more examples of it. Checks quote through :func:`quote`
and leave :func:`looks_like_parsing_accident` labels out of any "add examples" advice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ECHO_LIMIT = 80
"""Most characters of user text (a row, a label) a message quotes."""
NAME_LIMIT = 40
"""Most characters of one label in a list of labels."""

_SPACES = re.compile(r"\s+")


def quote(text: object, limit: int = ECHO_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis: safe to echo in a message."""
    flat = _SPACES.sub(" ", str(text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def name_list(names: Iterable[object], limit: int = 8, each: int = NAME_LIMIT) -> str:
    """The first ``limit`` names, each quoted to ``each`` characters, then how many more."""
    names = list(names)
    shown = ", ".join(quote(n, each) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# A label is a word or a short phrase: 'card_arrival', 'Sci/Tech', 'Society & Culture', 'very negative'. The public
# label sets checked (banking77, SMS spam, MRPC, language detection, AG News, DBpedia, Yahoo Answers, TREC, 20
# Newsgroups) have at most 4 words, no line break, no sentence punctuation and at most 39 characters. A label with a
# line break, over 60 characters, more than 4 words, or 3+ words read as a sentence is text in the label column.
_MAX_LABEL_CHARS = 60
_MAX_LABEL_WORDS = 4
_SENTENCE = re.compile(r"[.?!]$|, ")


def looks_like_parsing_accident(label: str) -> bool:
    """Whether a label looks like text that slipped into the label column (a quote or delimiter problem)."""
    words = label.split()
    return (any(ch in label for ch in "\n\r\t") or len(label) > _MAX_LABEL_CHARS or len(words) > _MAX_LABEL_WORDS
            or (len(words) >= 3 and bool(_SENTENCE.search(label.strip()))))


def parsing_accidents(labels: Iterable[str]) -> list[str]:
    """The labels that look like parsing accidents, in the given order."""
    return [label for label in labels if looks_like_parsing_accident(label)]


def percent(share: float) -> str:
    """A share as a short percentage: 0.05 -> '5%', 0.0026 -> '0.26%'."""
    text = f"{100 * share:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def plural(n: int, word: str) -> str:
    """``word`` for one, ``word + 's'`` otherwise."""
    return word if n == 1 else word + "s"


_VERBS = {"warn": "warns", "fail": "fails", "info": "notes"}


def threshold_sentence(threshold: object) -> str:
    """A threshold read out for a check that did not state its rule (reports written before rules existed):
    ``{"warn_above": 0.05, "fail_above": 0.1}`` -> "warns above 0.05; fails above 0.1"."""
    if threshold is None:
        return ""
    if not isinstance(threshold, dict):
        return f"limit {threshold}"
    parts = []
    for key, value in threshold.items():
        match = re.fullmatch(r"(?:(\w+?)_)?(warn|fail|info)_(above|below)(?:_(\w+))?", key)
        shown = "/".join(map(str, value)) if isinstance(value, (list, tuple)) else f"{value:g}" if isinstance(value, float) else str(value)
        if match:
            scope, verb, side, what = match.groups()
            detail = " ".join(w.replace("_", " ") for w in (what, scope) if w)
            parts.append(f"{_VERBS[verb]} {side} {shown}" + (f" ({detail})" if detail else ""))
        else:
            parts.append(f"{key.replace('_', ' ')}: {shown}")
    return "; ".join(parts)
