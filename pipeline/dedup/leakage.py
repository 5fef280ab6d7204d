"""Split leakage: near-duplicate pairs whose two records ended up in different splits (the ``split_leakage`` check).

Re-measured on the final splits from scratch (new signatures, LSH candidates, exact Jaccard of every candidate),
so the check does not trust the dedup stage's own bookkeeping.
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


def measure_split_leakage(records: Dataset, cfg: DedupConfig, ctx: RunContext) -> StageResult:
    """The split-leakage stage: re-measure near-duplicate pairs across the final splits, whether dedup ran or not,
    into ``duplicates.split_leakage`` for the ``split_leakage`` check; records pass through unchanged.

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
    """Count record pairs in different splits whose shingle Jaccard reaches the near-duplicate threshold."""
    ids, split_of, texts = _collect(splits)
    if not texts:
        return {"pairs": 0, "records": 0, "threshold": near.threshold, "by_splits": {}, "examples": []}
    sets = near.shingling.sets(texts)
    pairs = near.candidate_pairs([near.hasher().signatures(sets)])
    pairs = pairs[split_of[pairs[:, 0]] != split_of[pairs[:, 1]]] if len(pairs) else pairs
    leaks = near.similar_pairs(sets, pairs)
    names = list(splits)
    by_splits = Counter("/".join(sorted((names[split_of[i]], names[split_of[j]]))) for i, j, _ in leaks)
    examples = [
        {"ids": [ids[i], ids[j]], "splits": [names[split_of[i]], names[split_of[j]]], "similarity": round(s, 4)}
        for i, j, s in leaks[:EXAMPLES_SHOWN]
    ]
    return {
        "pairs": len(leaks),
        "records": len(texts),
        **near.as_report(),
        "by_splits": dict(sorted(by_splits.items())),
        "examples": examples,
    }


def _collect(splits: dict[str, Dataset]) -> tuple[list[str], np.ndarray, list[str]]:
    ids: list[str] = []
    split_of: list[int] = []
    texts: list[str] = []
    for position, ds in enumerate(splits.values()):
        if not len(ds):
            continue
        ids += column(ds, "id")
        split_of += [position] * len(ds)
        texts += content_texts(ds)
    return ids, np.array(split_of, dtype=np.int64), texts
