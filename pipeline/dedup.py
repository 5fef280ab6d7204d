"""Dedup stage: exact and near duplicates, label conflicts, eval-set decontamination, leak-free clusters.

The recipe:

1. Every record gets an exact key: a hash of its normalised content (casefolded, punctuation-insensitive,
   whitespace-collapsed; the whole conversation for completion and chat). The first record of each key leads it.
2. Leaders get MinHash signatures (batched NumPy, bit-identical to datasketch) and shingle sets; LSH banding set
   below the threshold proposes candidate pairs, and only pairs whose exact Jaccard reaches the threshold are
   joined (union-find): an unverified candidate is never a duplicate.
3. Each cluster (exact group or joined near duplicates) keeps one representative (``first`` or ``longest``); the
   others are rejected as ``duplicate_exact`` / ``duplicate_near`` with the kept id and their Jaccard to it. A
   classification cluster with several labels is a ``label_conflict``, handled by policy.
4. Kept records of a cluster share its ``cluster`` value, so the split stage keeps them in one split.

Records matching an eval set (``decontaminate``) are rejected as ``contaminated``, and with ``index_path`` the
records kept by earlier runs take part as already-kept representatives.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyarrow as pa
from datasets import Dataset
from datasets.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars

from pipeline.config import DedupConfig
from pipeline.decontaminate import EvalSet, load_eval_set
from pipeline.dedup_index import DedupIndex
from pipeline.dedup_plan import ClusterPlan, content_columns, rows_of
from pipeline.leakage import measure_leakage
from pipeline.minhash import (
    MinHasher,
    ShingleSets,
    Shingling,
    UnionFind,
    band_keys,
    bucket_pairs,
    choose_bands,
    choose_shingle_mode,
    normalise,
    verified_clusters,
)
from pipeline.records import StageResult, Task, content_text, partition, rejections_to_dataset, task_of

__all__ = ["dedup", "measure_leakage"]


def dedup(ds: Dataset, cfg: DedupConfig) -> StageResult:
    """Reject exact and near duplicates, label conflicts and contaminated records; widen ``cluster``."""
    if not cfg.enabled or len(ds) == 0:
        return StageResult(kept=ds, rejected=rejections_to_dataset([]), stats={"enabled": cfg.enabled})
    with _no_progress_bars():
        return _dedup(ds, cfg)


@contextmanager
def _no_progress_bars() -> Iterator[None]:
    """Silence datasets' per-map progress bars (the runner shows stage progress; --quiet must print nothing)."""
    was_disabled = are_progress_bars_disabled()
    disable_progress_bars()
    try:
        yield
    finally:
        if not was_disabled:
            enable_progress_bars()


def _dedup(ds: Dataset, cfg: DedupConfig) -> StageResult:
    task = task_of(ds)
    index = DedupIndex.open(cfg.index_path, cfg) if cfg.index_path else None
    shingling = _shingling(ds, task, cfg, index)
    eval_set = load_eval_set(list(cfg.decontaminate), cfg.contamination_ngram) if cfg.decontaminate else None
    plan = ClusterPlan(ds, task, cfg, shingling)
    sigs, sets, eval_hits = _leader_signatures(ds.select(plan.leaders), task, cfg, shingling, eval_set)
    plan.mark_contaminated_by_ngram(eval_hits, eval_set)
    if cfg.near or index is not None or eval_set is not None:
        _near_pass(plan, sigs, sets, index, eval_set)
    else:
        plan.set_clusters(UnionFind(len(sigs)), sets, None)
    plan.decide_clusters()
    kept, rejected = partition(plan.marked(), "dedup")
    stats = plan.stats()
    if index is not None:
        stats["index"] = index.update(plan.kept_for_index(), sigs, sets, shingling)
    return StageResult(kept=kept, rejected=rejected, stats=stats)


def _shingling(ds: Dataset, task: Task, cfg: DedupConfig, index: DedupIndex | None) -> Shingling:
    """The dataset's shingling: the index's if there is one (so runs stay comparable), else by config or length."""
    if index is not None and index.shingling is not None:
        return index.shingling
    mode = cfg.shingle
    if mode == "auto":
        step = max(1, len(ds) // 2000)
        sample = ds.select(range(0, len(ds), step)).select_columns(content_columns(task))
        mode = choose_shingle_mode([normalise(content_text(r, task)) for r in sample], cfg.auto_min_words)
    return Shingling(mode, cfg.word_ngram if mode == "word" else cfg.char_ngram)


def _leader_signatures(
    leaders: Dataset, task: Task, cfg: DedupConfig, shingling: Shingling, eval_set: EvalSet | None
) -> tuple[np.ndarray, ShingleSets, np.ndarray]:
    """Signatures, shingle sets and eval n-gram match (-1: none) of every exact-key leader, by a batched map."""
    hasher = MinHasher(cfg.num_perm, cfg.seed)
    num_proc = cfg.num_proc if cfg.num_proc > 1 and len(leaders) >= cfg.parallel_min_rows else None

    def signature_batch(batch: dict[str, list]) -> pa.Table:
        texts = [content_text(row, task) for row in rows_of(batch)]
        hashes = [shingling.hashes(t) for t in texts]
        sigs = hasher.signatures(hashes)
        hits = [eval_set.ngram_match(normalise(t)) for t in texts] if eval_set is not None else [-1] * len(texts)
        sets = ShingleSets.from_lists(hashes)
        # Arrow arrays built in one go: per-row numpy arrays would be converted one by one by datasets
        return pa.table({
            "_sig": pa.FixedSizeListArray.from_arrays(pa.array(sigs.ravel()), cfg.num_perm),
            "_sh": pa.LargeListArray.from_arrays(pa.array(sets.offsets), pa.array(sets.values)),
            "_eval": pa.array(hits, pa.int64()),
        })

    # an explicit fingerprint: hashing this closure (and an eval set inside it) would cost more than the map
    fingerprint = hashlib.sha1(f"{leaders._fingerprint}|{cfg}|{shingling}".encode()).hexdigest()
    columns = content_columns(task)
    mapped = leaders.select_columns(columns).map(
        signature_batch,
        batched=True,
        batch_size=cfg.batch_size,
        num_proc=num_proc,
        remove_columns=columns,
        new_fingerprint=fingerprint,
        # never reuse or leave cache files: an eval file or the code may change under the same fingerprint
        load_from_cache_file=False,
        keep_in_memory=True,
    )
    table = mapped.with_format("arrow")[:]
    return _signature_array(table["_sig"], cfg.num_perm), _shingle_sets(table["_sh"]), table["_eval"].to_numpy()


def _signature_array(column: pa.ChunkedArray, num_perm: int) -> np.ndarray:
    """The signature column as one ``(n, num_perm)`` uint32 array, copied once chunk by chunk."""
    sigs = np.empty((len(column), num_perm), dtype=np.uint32)
    start = 0
    for chunk in column.chunks:
        sigs[start : start + len(chunk)] = chunk.flatten().to_numpy().reshape(-1, num_perm)
        start += len(chunk)
    return sigs


def _shingle_sets(column: pa.ChunkedArray) -> ShingleSets:
    """The shingle-set column as :class:`ShingleSets`, copied once chunk by chunk."""
    sizes = np.concatenate([np.diff(c.offsets.to_numpy()) for c in column.chunks])
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    values = np.empty(int(offsets[-1]), dtype=np.uint32)
    start = 0
    for chunk in column.chunks:
        flat = chunk.flatten().to_numpy()
        values[start : start + len(flat)] = flat
        start += len(flat)
    return ShingleSets(values, offsets)


def _near_pass(
    plan: ClusterPlan, sigs: np.ndarray, sets: ShingleSets, index: DedupIndex | None, eval_set: EvalSet | None
) -> None:
    """LSH candidates over leaders, indexed and eval records; verified, then joined (or marked contaminated)."""
    cfg = plan.cfg
    bands, rows = (cfg.bands, cfg.rows) if cfg.bands else choose_bands(cfg.num_perm, cfg.threshold, cfg.lsh_recall)
    plan.bands = (bands, rows)
    parts = [(sigs, sets)]
    if index is not None and len(index):
        parts.append((index.signatures, index.sets))
    if eval_set is not None:
        parts.append(eval_set.signatures(MinHasher(cfg.num_perm, cfg.seed), plan.shingling))
    all_sigs = np.concatenate([p[0] for p in parts])
    all_sets = ShingleSets.concat([p[1] for p in parts]) if len(parts) > 1 else sets
    n_leaders = len(sigs)
    n_joinable = n_leaders + (len(index) if index is not None else 0)
    pairs = bucket_pairs(band_keys(all_sigs, bands, rows))
    pairs = pairs[pairs[:, 0] < n_leaders]  # pairs among indexed or eval records are not this run's business
    if not cfg.near:
        pairs = pairs[pairs[:, 1] >= n_leaders]
    eval_pairs = pairs[pairs[:, 1] >= n_joinable]
    uf, checked = verified_clusters(all_sets, pairs[pairs[:, 1] < n_joinable], cfg.threshold)
    plan.mark_contaminated_by_similarity(all_sets, eval_pairs, n_joinable, eval_set)
    plan.set_clusters(uf, all_sets, index)
    plan.candidates = {"candidate_pairs": int(len(pairs)), "candidates_verified": int(checked + len(eval_pairs))}
