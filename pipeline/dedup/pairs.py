"""Text-pair classification (NLI, paraphrase, question pairs): recognise the layout, so near duplicates are kept.

A pair task labels the relation between two texts, and its datasets are built from minimal pairs on purpose: SICK
pairs one premise with hypotheses one word apart ("are standing" / "are not standing") whose labels differ, and
MRPC pairs one sentence with several close rewrites. Over the joined text such rows are near duplicates, and with
different labels they look like label conflicts, yet each is its own example. So in a recognised pair layout the
dedup stage keeps near duplicates as *minimal pairs*: all kept, in one cluster (so they share a split and none
leaks into the evaluation). Exact duplicates are still removed, and the same pair with two labels is still a label
conflict.

A layout is recognised when at least :data:`MIN_SHARE` of the records (a seeded sample) are two parts in one of:

- two lines, each opening with a field name and a colon, the same two names throughout
  (``Premise: ...\\nHypothesis: ...``, ``Sentence 1: ...\\nSentence 2: ...``, ``question1: ...\\nquestion2: ...``);
- two parts around one separator token that models use for pairs (``[SEP]``, ``</s></s>``, ``|||``) or a tab.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

MIN_SHARE = 0.9
SAMPLED = 2_000
_NAMED = re.compile(r"\A\s*([A-Za-z][\w #.-]{0,24}?)\s*:\s*\S.*?\n\s*([A-Za-z][\w #.-]{0,24}?)\s*:\s*\S.*\Z", re.S)
_SEPARATORS = ("[SEP]", "</s></s>", "|||", "\t")


def pair_layout(texts: Sequence[str]) -> str | None:
    """The pair layout most of ``texts`` follow (``"Premise / Hypothesis"``, ``"[SEP]"``), or ``None``.

    Every ``len // SAMPLED``-th text is read, so the answer does not depend on row order beyond that stride.
    """
    if not texts:
        return None
    step = max(1, len(texts) // SAMPLED)
    sample = [t for t in texts[::step] if isinstance(t, str)]
    if not sample:
        return None
    found: Counter[str] = Counter()
    for text in sample:
        named = _NAMED.match(text)
        if named and text.count("\n") == 1 and named.group(1).casefold() != named.group(2).casefold():
            found[f"{named.group(1)} / {named.group(2)}"] += 1
            continue
        for sep in _SEPARATORS:
            parts = text.split(sep)
            if len(parts) == 2 and all(p.strip() for p in parts):
                found[sep if sep != "\t" else "tab"] += 1
                break
    if not found:
        return None
    layout, count = found.most_common(1)[0]
    return layout if count >= MIN_SHARE * len(sample) else None
