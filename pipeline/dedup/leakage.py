"""Split leakage at two levels (the ``split_leakage`` check), re-measured on the final splits from scratch.

1. **Near duplicates** (``threshold``, 0.8): record pairs in different splits whose shingle Jaccard reaches the
   dedup threshold. Dedup removes such pairs and the split keeps clusters whole, so with dedup on any pair is a
   bug: the check fails.
2. **Near twins** (``group_threshold``, 0.5): the share of val and test records that have a near twin in train
   (same label for classification: a near twin with another label is a different example, not a leak). The split
   keeps near-twin groups whole, but the cap on group size refuses some joins, so a small share can remain: the
   check warns above a few percent. Short texts a few typing edits apart are near twins too (the edit rule of
   :mod:`pipeline.dedup.edits`, searched again here), whatever their Jaccard.

Both come from one pass (new signatures, LSH candidates, exact Jaccard of every candidate), so the check does not
trust the dedup stage's own bookkeeping, and a few example pairs of each level are shown with their texts.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from datasets import Dataset

from pipeline.core.records import column, content_texts, rejections_to_dataset
from pipeline.core.stage import RunContext, StageResult
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.near import NearDuplicates, choose_shingling
from pipeline.dedup.shingling import Shingling
from pipeline.split.stage import split_parts

EXAMPLES_SHOWN = 5
SNIPPET_CHARS = 80
TRAIN = "train"


def measure_split_leakage(records: Dataset, cfg: DedupConfig, ctx: RunContext) -> StageResult:
    """The split-leakage stage: re-measure near duplicates and near twins across the final splits, whether dedup
    ran or not, into ``duplicates.split_leakage`` for the ``split_leakage`` check; records pass through unchanged.

    It uses the dedup stage's settings, shingling included (as dedup published it), so both judge alike.
    """
    params = (ctx.sections.get("duplicates") or {}).get("parameters", {})
    if "shingle" in params:
        shingling = Shingling(params["shingle"], params["ngram"], accents=not params.get("strip_accents", False))
    else:
        shingling = choose_shingling(records, cfg)
    leakage = measure_leakage(split_parts(records), NearDuplicates.of(cfg, shingling))
    return StageResult(kept=records, rejected=rejections_to_dataset([]), sections={"duplicates": {"split_leakage": leakage}})


def measure_leakage(splits: dict[str, Dataset], near: NearDuplicates) -> dict[str, Any]:
    """Near-duplicate pairs across splits, and val/test records with a near twin in train."""
    ids, split_of, texts, labels = _collect(splits)
    names = list(splits)
    base = {"records": len(texts), **near.as_report()}
    if not texts:
        twins = {**_twin_shares({}, split_of, names), "pairs": 0, "examples": []}
        return {**base, "pairs": 0, "by_splits": {}, "examples": [], "near_twins": twins}
    prepared = [near.shingling.prepare(text) for text in texts]
    sets = near.shingling.prepared_sets(prepared)
    signatures = near.hasher().signatures(sets)
    pairs = near.candidate_pairs([signatures])
    if len(pairs):
        pairs = pairs[split_of[pairs[:, 0]] != split_of[pairs[:, 1]]]
    leaks, twins = [], []
    with_twin: dict[int, set[int]] = {}
    train = names.index(TRAIN) if TRAIN in names else -1
    for i, j, similarity in near.similar_pairs(sets, near.likely_pairs([signatures], pairs)):
        if similarity >= near.threshold:
            leaks.append((i, j, similarity))
        elif labels is None or labels[i] == labels[j]:
            twins.append((i, j, similarity))
    found = {(i, j) for i, j, _ in twins + leaks}
    edit_pairs, edit_max = _edit_twins(near, prepared, split_of, labels)
    edit_twins = [(i, j, sets.jaccard(i, j), edits) for i, j, edits in edit_pairs if (i, j) not in found]
    for i, j, *_ in twins + edit_twins:
        for a, b in ((i, j), (j, i)):  # an evaluation record with a partner in train
            if split_of[a] != train and split_of[b] == train:
                with_twin.setdefault(int(split_of[a]), set()).add(a)

    def example(i: int, j: int, similarity: float, edits: int | None = None) -> dict[str, Any]:
        shown = {"ids": [ids[i], ids[j]], "splits": [names[split_of[i]], names[split_of[j]]],
                 "similarity": round(similarity, 4), "texts": [_snippet(texts[i]), _snippet(texts[j])]}
        return shown if edits is None else {**shown, "edits": edits}

    by_splits = Counter("/".join(sorted((names[split_of[i]], names[split_of[j]]))) for i, j, _ in leaks)
    strongest = sorted(twins, key=lambda t: (-t[2], t[0], t[1]))[: EXAMPLES_SHOWN - min(2, len(edit_twins))]
    strongest += sorted(edit_twins, key=lambda t: (t[3], t[0], t[1]))[: EXAMPLES_SHOWN - len(strongest)]
    return {
        **base,
        "pairs": len(leaks),
        "by_splits": dict(sorted(by_splits.items())),
        "examples": [example(*leak) for leak in leaks[:EXAMPLES_SHOWN]],
        "near_twins": {**_twin_shares(with_twin, split_of, names), "pairs": len(twins) + len(edit_twins),
                       **({"edit_pairs": len(edit_twins), "edit_max_edits": edit_max} if near.edits.enabled else {}),
                       "examples": [example(*twin) for twin in strongest]},
    }


def _edit_twins(near: NearDuplicates, prepared: list[str], split_of: np.ndarray,
                labels: list[str] | None) -> tuple[list[tuple[int, int, int]], int]:
    """Edit twins (same label) in different splits, as ``(i, j, edits)``, and the edits the search ran with."""
    if not near.edits.enabled:
        return [], 0
    short = np.array([k for k, text in enumerate(prepared) if near.edits.applies(text)], dtype=np.int64)
    codes: dict[str | None, int] = {}
    groups = np.array([codes.setdefault(labels[k] if labels is not None else None, len(codes)) for k in short.tolist()],
                      dtype=np.int64)
    found = near.edit_twins([prepared[k] for k in short.tolist()], groups)
    pairs = short[found.pairs] if len(found.pairs) else found.pairs
    across = split_of[pairs[:, 0]] != split_of[pairs[:, 1]] if len(pairs) else np.zeros(0, dtype=bool)
    return [(i, j, d) for (i, j), d in zip(pairs[across].tolist(), found.distance[across].tolist())], found.max_edits


def _twin_shares(with_twin: dict[int, set[int]], split_of: np.ndarray, names: list[str]) -> dict[str, Any]:
    """Per evaluation split: records with a near twin in train, of how many, and the largest share."""
    by_split: dict[str, Any] = {}
    for position, name in enumerate(names):
        if name == TRAIN:
            continue
        total = int(np.count_nonzero(split_of == position))
        found = len(with_twin.get(position, ()))
        by_split[name] = {"records": found, "of": total, "share": round(found / total, 4) if total else 0.0}
    return {"by_split": by_split, "max_share": max((f["share"] for f in by_split.values()), default=0.0)}


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 1] + "…"


def _collect(splits: dict[str, Dataset]) -> tuple[list[str], np.ndarray, list[str], list[str] | None]:
    ids: list[str] = []
    split_of: list[int] = []
    texts: list[str] = []
    labels: list[str] | None = []
    for position, ds in enumerate(splits.values()):
        if not len(ds):
            continue
        ids += column(ds, "id")
        split_of += [position] * len(ds)
        texts += content_texts(ds)
        labels = labels + column(ds, "label") if labels is not None and "label" in ds.column_names else None
    return ids, np.array(split_of, dtype=np.int64), texts, labels
