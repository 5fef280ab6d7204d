"""One record holding two texts (NLI, paraphrase, question pairs): the forms ftprep recognises.

- two lines, each opening with a field name and a colon, the names different
  (``Premise: ...\\nHypothesis: ...``, ``Sentence 1: ...\\nSentence 2: ...``);
- two non-empty parts around one separator token that models use for pairs (``[SEP]``, ``</s></s>``, ``|||``) or
  a tab.

The dedup stage keeps the near duplicates of a dataset in such a form (:mod:`pipeline.dedup.pairs`); the clean stage
judges repetition within each part, since the second text repeating the first is the task, not junk.
"""

from __future__ import annotations

import re

_NAMED = re.compile(r"\A\s*([A-Za-z][\w #.-]{0,24}?)\s*:[ \t]*(\S[^\n]*)\n\s*([A-Za-z][\w #.-]{0,24}?)\s*:[ \t]*(\S[^\n]*)\s*\Z")
SEPARATORS = ("[SEP]", "</s></s>", "|||", "\t")


def pair_form(text: str) -> tuple[str, tuple[str, str]] | None:
    """``(form, (first, second))`` when ``text`` is two texts in a recognised form: the form is
    ``"Premise / Hypothesis"`` for named lines, else the separator (``"tab"`` for a tab)."""
    named = _NAMED.match(text)
    if named and named.group(1).casefold() != named.group(3).casefold():
        return f"{named.group(1)} / {named.group(3)}", (named.group(2), named.group(4))
    for sep in SEPARATORS:
        parts = text.split(sep)
        if len(parts) == 2 and all(p.strip() for p in parts):
            return ("tab" if sep == "\t" else sep), (parts[0], parts[1])
    return None
