"""Dedup of preference pairs: duplicates are judged on the whole pair, clusters on the prompt.

Several pairs of one prompt are the normal shape of preference data (UltraFeedback has four answers a prompt,
hh-rlhf repeats common openings), so a shared prompt is not a duplicate. What is:

1. A pair repeating an earlier pair (same prompt, same chosen, same rejected, case and whitespace folded) is
   rejected as ``duplicate_exact`` with the kept pair's id.
2. Prompts are grouped: exact (folded) prompts share a cluster, and with ``[dedup] near`` prompts whose shingle
   Jaccard reaches ``[dedup] threshold`` (MinHash LSH candidates, each verified exactly) are joined. Every pair
   of a group takes the group's ``cluster`` (its first pair's), so the split stage keeps a prompt, and its near
   duplicates, in one split.

The ``duplicates`` section holds ``exact``, ``near`` (0: near-duplicate prompts are grouped, not removed),
``clusters`` (prompt groups of more than one pair), ``largest_cluster`` (pairs in the largest), ``near_prompt_joins`` and the
shingling ``parameters`` the split-leakage measure reuses.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from datasets import Dataset

from pipeline.core.errors import ConfigError
from pipeline.core.records import DETAIL_COLUMN, INFO_COLUMN, REJECT_COLUMN, column, content_texts, exact_key, fold
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.minhash import MinHasher, UnionFind, bucket_pairs, band_keys, choose_bands
from pipeline.dedup.near import choose_shingling
from pipeline.preference.text import answer

DUPLICATE_EXACT = "duplicate_exact"


def dedup_pairs(ds: Dataset, cfg: DedupConfig) -> tuple[Dataset, dict[str, Any]]:
    """``ds`` with reject marks on repeated pairs and ``cluster`` widened to prompt groups, and the section."""
    if cfg.decontaminate or cfg.index_path:
        raise ConfigError("[dedup] decontaminate and index_path (--decontaminate, --dedup-index) do not apply to "
                          "preference pairs yet; run without them")
    prompts = content_texts(ds)
    ids, clusters = column(ds, "id"), column(ds, "cluster")
    chosen, rejected = column(ds, "chosen"), column(ds, "rejected")
    reject: list[str | None] = [None] * len(ds)
    detail: list[str | None] = [None] * len(ds)
    info: list[str | None] = [None] * len(ds)
    first_of_pair: dict[str, int] = {}
    for row, (prompt, c, r) in enumerate(zip(prompts, chosen, rejected)):
        key = exact_key(f"{fold(prompt)}\x00{fold(answer(c))}\x00{fold(answer(r))}")
        kept = first_of_pair.setdefault(key, row)
        if kept != row:
            reject[row] = DUPLICATE_EXACT
            detail[row] = f"the same prompt, chosen and rejected answers as pair {ids[kept]}"
            info[row] = json.dumps({"kept_id": ids[kept]}, ensure_ascii=False)
    # prompt groups over the kept pairs: exact prompt keys first, then near-duplicate prompts joined
    kept_rows = [row for row in range(len(ds)) if reject[row] is None]
    leader_of_key: dict[str, int] = {}
    leaders: list[int] = []
    for row in kept_rows:
        key = exact_key(prompts[row])
        if key not in leader_of_key:
            leader_of_key[key] = len(leaders)
            leaders.append(row)
    uf = UnionFind(len(leaders))
    shingling = choose_shingling(ds, cfg)
    joins = _near_joins(uf, [prompts[row] for row in leaders], shingling, cfg) if cfg.near and len(leaders) > 1 else 0
    roots = uf.roots() if len(leaders) else np.zeros(0, dtype=np.int64)
    cluster_out = list(clusters)
    sizes: dict[int, int] = {}
    for row in kept_rows:
        root = int(roots[leader_of_key[exact_key(prompts[row])]])
        cluster_out[row] = clusters[leaders[root]]
        sizes[root] = sizes.get(root, 0) + 1
    marked = (ds.remove_columns("cluster").add_column("cluster", cluster_out)
              .add_column(REJECT_COLUMN, reject).add_column(DETAIL_COLUMN, detail).add_column(INFO_COLUMN, info))
    section = {
        "exact": sum(r is not None for r in reject),
        "near": 0,
        "clusters": sum(size > 1 for size in sizes.values()),  # prompts in more than one pair
        "largest_cluster": max(sizes.values(), default=0),
        "near_prompt_joins": joins,
        "grouped_by": "prompt",
        "parameters": {"num_perm": cfg.num_perm, "threshold": cfg.threshold, "shingle": shingling.mode,
                       "ngram": shingling.n, "near": cfg.near, "strip_accents": cfg.strip_accents},
    }
    return marked.cast_column("cluster", ds.features["cluster"]), section


def _near_joins(uf: UnionFind, texts: list[str], shingling: Any, cfg: DedupConfig) -> int:
    """Join prompts whose shingle Jaccard reaches ``cfg.threshold`` (LSH candidates, verified); the joins made."""
    sets = shingling.sets(texts)
    signatures = MinHasher(cfg.num_perm).signatures(sets)
    bands, rows = choose_bands(cfg.num_perm, cfg.threshold, cfg.lsh_recall)
    joins = 0
    for i, j in bucket_pairs(band_keys(signatures, bands, rows)):
        if sets.jaccard(int(i), int(j)) >= cfg.threshold and uf.union(int(i), int(j)):
            joins += 1
    return joins
