"""Text-pair classification (NLI, paraphrase, question pairs): recognise the layout, so near duplicates are kept.

A pair task labels the relation between two texts, and its datasets are built from minimal pairs on purpose: SICK
pairs one premise with hypotheses one word apart ("are standing" / "are not standing") whose labels differ, and
MRPC pairs one sentence with several close rewrites. Over the joined text such rows are near duplicates, and with
different labels they look like label conflicts, yet each is its own example. So in a recognised pair layout the
dedup stage keeps near duplicates as *minimal pairs*: all kept, in one cluster (so they share a split and none
leaks into the evaluation). Exact duplicates are still removed, and the same pair with two labels is still a label
conflict.

A layout is recognised when at least :data:`MIN_SHARE` of the records (every n-th, up to :data:`SAMPLED`) are two
texts in one form of :func:`pipeline.core.text_pairs.pair_form`, with the same field names throughout.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pipeline.core.text_pairs import pair_form

MIN_SHARE = 0.9
SAMPLED = 2_000


def pair_layout(texts: Sequence[str]) -> str | None:
    """The pair layout most of ``texts`` follow (``"Premise / Hypothesis"``, ``"[SEP]"``), or ``None``.

    Every ``len // SAMPLED``-th text is read, so the answer does not depend on row order beyond that stride.
    """
    if not texts:
        return None
    step = max(1, len(texts) // SAMPLED)
    sample = [t for t in texts[::step] if isinstance(t, str)]
    found = Counter(form[0] for form in map(pair_form, sample) if form is not None)
    if not found:
        return None
    layout, count = found.most_common(1)[0]
    return layout if count >= MIN_SHARE * len(sample) else None
