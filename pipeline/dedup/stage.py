"""Dedup stage: exact and near duplicates, label conflicts, eval-set decontamination, leak-free clusters.

The recipe:

1. Every record gets an exact key: a hash of its normalised content (casefolded, punctuation-insensitive,
   whitespace-collapsed; the whole conversation for completion and chat). The first record of each key leads it.
2. Leaders get MinHash signatures (shingles hashed and permuted batch-wise in NumPy) and shingle sets; LSH banding set
   below the threshold proposes candidate pairs, and only pairs whose exact Jaccard reaches the threshold are
   joined (union-find): an unverified candidate is never a duplicate.
3. Each cluster (exact group or joined near duplicates) keeps one representative (``first`` or ``longest``); the
   others are rejected as ``duplicate_exact`` / ``duplicate_near`` with the kept id and their Jaccard to it. A
   classification cluster with several labels is a ``label_conflict``, handled by policy.
4. Kept records of a cluster share its ``cluster`` value, so the split stage keeps them in one split.
5. Verified pairs in ``[group_threshold, threshold)`` are near twins: kept, but joined into capped groups
   (``group`` column, :mod:`pipeline.dedup.grouping`) that the split stage also keeps in one split. So are short
   texts of one label a few typing edits apart (:mod:`pipeline.dedup.edits`), whatever their Jaccard.

Records matching an eval set (``decontaminate``) are rejected as ``contaminated``, and with ``index_path`` the
records kept by earlier runs take part as already-kept representatives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from datasets import Dataset

from pipeline.dedup.config import DedupConfig
from pipeline.dedup.decontaminate import EvalSet, load_eval_set
from pipeline.dedup.index import DedupIndex
from pipeline.dedup.plan import ClusterPlan, exact_keys_of
from pipeline.dedup.minhash import MinHasher
from pipeline.dedup.near import NearDuplicates, choose_shingling
from pipeline.core.memory import release_free_memory
from pipeline.core.parallel import default_workers
from pipeline.core.stage import RunContext, StageResult
from pipeline.core.records import Task, map_content_texts, partition, quiet_datasets, rejections_to_dataset, task_of
from pipeline.dedup.normalise import normalise
from pipeline.dedup.shingling import ShingleSets, Shingling
from pipeline.dedup.signed import CARRY_KEY, Signed, settings_of

__all__ = ["dedup"]


def dedup(ds: Dataset, cfg: DedupConfig, ctx: RunContext) -> StageResult:
    """Reject exact and near duplicates, label conflicts and contaminated records; widen ``cluster``."""
    if not cfg.enabled or len(ds) == 0:
        return StageResult(kept=ds, rejected=rejections_to_dataset([]), sections={"duplicates": {"enabled": cfg.enabled}})
    with quiet_datasets():
        return _dedup(ds, cfg, ctx.carry)


def _dedup(ds: Dataset, cfg: DedupConfig, carry: dict[str, Any]) -> StageResult:
    task = task_of(ds)
    if task is Task.PREFERENCE:  # repeated pairs removed, prompts grouped (pipeline.preference.dedup)
        from pipeline.preference.dedup import dedup_pairs

        marked, section = dedup_pairs(ds, cfg)
        kept, rejected = partition(marked, "dedup")
        return StageResult(kept=kept, rejected=rejected, sections={"duplicates": {"enabled": True, **section}})
    index = DedupIndex.open(cfg.index_path, cfg) if cfg.index_path else None
    shingling = _shingling(ds, cfg, index)
    eval_set = load_eval_set(list(cfg.decontaminate), cfg.contamination_ngram) if cfg.decontaminate else None
    near = NearDuplicates.of(cfg, shingling)
    keys, leaders = _sign_leaders(ds, cfg, near, eval_set)
    sigs, sets, eval_hits, short = leaders.signatures, leaders.sets, leaders.eval_hits, leaders.short
    del leaders
    release_free_memory()  # the batches' arrays, copied into the leaders' arrays
    plan = ClusterPlan(ds, task, cfg, shingling, keys)
    plan.edit_rule = near.edit_report() if cfg.near else None
    plan.mark_contaminated_by_ngram(eval_hits, eval_set)
    if cfg.near or index is not None or eval_set is not None:
        _near_pass(plan, near, sigs, sets, index, eval_set)
        if cfg.near and near.edits.enabled:
            edit_pass(plan, near, short)
    else:
        plan.sets = sets  # exact duplicates only: every leader is its own cluster
    plan.decide_clusters()
    plan.decide_groups()
    stats = plan.stats()
    if index is not None:
        stats["index"] = index.update(plan.kept_for_index(), sigs, sets, shingling)
    plan.sets = None
    kept_rows = np.flatnonzero(np.fromiter((r is None for r in plan.reject), dtype=bool, count=len(plan.reject)))
    # for split leakage (pipeline.dedup.signed), on disk from before partition copies the kept rows; the short
    # texts it needs are there with cfg.near
    usable = cfg.near or not near.edits.enabled
    signed = Signed(sigs, sets, plan.row_leader[kept_rows], short[0], short[1], settings=settings_of(near) if usable else ())
    del sigs, sets
    signed = signed.spill()
    marked = plan.marked()
    del plan  # its per-record Python lists (ids, labels, marks: ~0.3 GB at 1M) go before partition copies the rows
    release_free_memory()
    kept, rejected = partition(marked, "dedup")
    carry[CARRY_KEY] = signed.with_ids(kept.with_format("arrow")["id"])
    return StageResult(kept=kept, rejected=rejected, sections={"duplicates": stats})


def _shingling(ds: Dataset, cfg: DedupConfig, index: DedupIndex | None) -> Shingling:
    """The dataset's shingling: the index's if there is one (so runs stay comparable), else by config or length."""
    if index is not None and index.shingling is not None:
        return index.shingling
    return choose_shingling(ds, cfg)


def _sign_leaders(ds: Dataset, cfg: DedupConfig, near: NearDuplicates, eval_set: EvalSet | None
                  ) -> tuple[tuple[np.ndarray, np.ndarray], Signatures]:
    """Every record's exact key and content length, and the :class:`Signatures` of the exact-key leaders (the first
    record of each key, in input order), in one pass over the texts.

    One pass, because the key is a hash of the same prepared text that is shingled: preparing every text twice (once
    for keys in this process, once for signatures on the workers) cost 27 s of 100 at 1M records. The workers sign
    every record; the few that repeat an earlier key are dropped here, as their batches arrive in order.

    Not ``Dataset.map``: with ``num_proc`` it pickles an in-memory table into every worker and re-encodes the
    results through Arrow (8.4 GiB peak for 1M records, measured). Here forked workers read their rows from the
    parent's table (:func:`pipeline.core.records.map_content_texts`) and the results land straight in
    preallocated arrays, in input order.
    """
    job = SignatureJob(near.shingling, near.hasher(), eval_set, near.edits.max_chars if cfg.near else 0, keys=True)
    workers = cfg.num_proc or default_workers()
    keys = np.empty(len(ds), dtype=np.uint64)
    lengths = np.empty(len(ds), dtype=np.int64)
    seen: set[int] = set()

    def first_of_each_key(batches: Iterable[SignedBatch]) -> Iterator[SignedBatch]:
        start = 0
        for batch in batches:
            stop = start + len(batch.keys)
            keys[start:stop], lengths[start:stop] = batch.keys, batch.lengths
            first = []
            for k, key in enumerate(batch.keys.tolist()):
                if key not in seen:
                    seen.add(key)
                    first.append(k)
            start = stop
            yield batch.select(first)

    signed = map_content_texts(ds, job, num_proc=workers, batch_size=cfg.batch_size, min_rows=cfg.parallel_min_rows)
    return (keys, lengths), Signatures.collect(first_of_each_key(signed), len(ds), cfg.num_perm)


def sign_texts(job: SignatureJob, batches: Iterable[list[str]], rows: int, num_perm: int) -> Signatures:
    """``job`` over batches of ``rows`` texts in all, here: the :class:`Signatures` of every text, in order."""
    return Signatures.collect(map(job, batches), rows, num_perm)


@dataclass(frozen=True)
class Signatures:
    """MinHash signatures, shingle sets and eval n-gram matches (-1: none) of many texts, and the positions and
    prepared texts of the short ones (those the edit rule applies to)."""

    signatures: np.ndarray
    sets: ShingleSets
    eval_hits: np.ndarray
    short: tuple[np.ndarray, list[str]]

    @classmethod
    def collect(cls, batches: Iterable[SignedBatch], rows: int, num_perm: int) -> Signatures:
        """The batches laid end to end: at most ``rows`` texts in all (the rows of the signature array past the
        texts collected are never written, so they take no memory)."""
        sigs = np.empty((rows, num_perm), dtype=np.uint32)
        hits = np.full(rows, -1, dtype=np.int64)
        sets: list[ShingleSets] = []
        short_positions: list[int] = []
        short_texts: list[str] = []
        start = 0
        for batch in batches:
            stop = start + len(batch.signatures)
            sigs[start:stop], hits[start:stop] = batch.signatures, batch.eval_hits
            sets.append(batch.sets)
            short_positions += [start + k for k in batch.short]
            short_texts += batch.short_texts
            start = stop
        return cls(sigs[:start], ShingleSets.concat(sets), hits[:start],
                   (np.array(short_positions, dtype=np.int64), short_texts))


@dataclass(frozen=True)
class SignedBatch:
    """What :class:`SignatureJob` makes of one batch of texts (positions are within the batch)."""

    signatures: np.ndarray
    sets: ShingleSets
    eval_hits: np.ndarray
    short: list[int]
    short_texts: list[str]
    keys: np.ndarray  # uint64 exact keys (empty unless the job was asked for them)
    lengths: np.ndarray  # int64 content lengths (likewise)

    def select(self, rows: list[int]) -> SignedBatch:
        """The batch's texts at ``rows`` (ascending), renumbered 0..len(rows)-1."""
        if len(rows) == len(self.signatures):
            return self
        at = {row: k for k, row in enumerate(rows)}
        short = [k for k in self.short if k in at]
        return SignedBatch(self.signatures[rows], self.sets.select(np.array(rows, dtype=np.int64)),
                           self.eval_hits[rows], [at[k] for k in short],
                           [text for k, text in zip(self.short, self.short_texts) if k in at],
                           self.keys[rows] if len(self.keys) else self.keys,
                           self.lengths[rows] if len(self.lengths) else self.lengths)


@dataclass(frozen=True)
class SignatureJob:
    """The work on one batch of texts (a picklable callable, so forked workers can run it)."""

    shingling: Shingling
    hasher: MinHasher
    eval_set: EvalSet | None
    short_chars: int = 0  # prepared texts of 1..short_chars characters are returned too (for the edit rule)
    keys: bool = False  # also each text's exact key and length

    def __call__(self, texts: list[str]) -> SignedBatch:
        prepared = [self.shingling.prepare(t) for t in texts]
        sets = self.shingling.prepared_sets(prepared)
        hits = [self.eval_set.ngram_match(normalise(t)) for t in texts] if self.eval_set else [-1] * len(texts)
        short = [k for k, text in enumerate(prepared) if 0 < len(text) <= self.short_chars]
        keys = exact_keys_of(prepared) if self.keys else np.zeros(0, dtype=np.uint64)
        lengths = np.array([len(t) for t in texts] if self.keys else [], dtype=np.int64)
        return SignedBatch(self.hasher.signatures(sets), sets, np.array(hits, dtype=np.int64), short,
                           [prepared[k] for k in short], keys, lengths)


def _near_pass(plan: ClusterPlan, near: NearDuplicates, sigs: np.ndarray, sets: ShingleSets, index: DedupIndex | None,
               eval_set: EvalSet | None) -> None:
    """LSH candidates over leaders, indexed and eval records; verified, then joined (or marked contaminated)."""
    cfg = plan.cfg
    plan.bands = (near.bands, near.rows)
    parts = [(sigs, sets)]
    if index is not None and len(index):
        parts.append((index.signatures, index.sets))
    if eval_set is not None:
        parts.append(eval_set.signatures(near.hasher(), near.shingling))
    all_sets = ShingleSets.concat([p[1] for p in parts]) if len(parts) > 1 else sets
    n_leaders = len(sigs)
    n_joinable = n_leaders + (len(index) if index is not None else 0)
    pairs = near.candidate_pairs([p[0] for p in parts])
    if len(parts) > 1:  # (each filter copies the pairs: only when there are indexed or eval records)
        pairs = pairs[pairs[:, 0] < n_leaders]  # pairs among indexed or eval records are not this run's business
    if not cfg.near:
        pairs = pairs[pairs[:, 1] >= n_leaders]
    eval_pairs = pairs[pairs[:, 1] >= n_joinable]
    joinable = pairs[pairs[:, 1] < n_joinable] if len(eval_pairs) else pairs
    workers = cfg.num_proc or default_workers()
    likely = near.likely_pairs([p[0] for p in parts], joinable, num_proc=workers)
    del joinable
    release_free_memory()  # LSH's band codes
    verified = near.verify(all_sets, likely, num_proc=workers)
    plan.mark_contaminated_by_similarity(all_sets, eval_pairs, n_joinable, eval_set)
    plan.set_clusters(verified.clusters, all_sets, index)
    in_run = (verified.twins < n_leaders).all(axis=1)  # near twins of indexed records cannot be placed: theirs
    plan.twins = (verified.twins[in_run], verified.similarity[in_run])
    plan.candidates = {"candidate_pairs": int(len(pairs)), "candidates_verified": int(verified.checked + len(eval_pairs))}


def edit_pass(plan: ClusterPlan, near: NearDuplicates, short: tuple[np.ndarray, list[str]]) -> None:
    """Edit twins among the short leaders (same label for classification), as pairs of leader positions."""
    positions, texts = short
    if plan.labels is None:
        groups = np.zeros(len(positions), dtype=np.int64)
    else:
        codes: dict[str, int] = {}
        groups = np.array([codes.setdefault(plan.labels[row], len(codes)) for row in plan.leaders[positions].tolist()],
                          dtype=np.int64)
    found = near.edit_twins(texts, groups)
    plan.edit_twins = (positions[found.pairs], found.similarity, found.distance)
    plan.edit_stats = {"texts": len(texts), "candidates": found.candidates, "max_edits": found.max_edits,
                       "reduced": found.max_edits < near.edits.max_edits}
