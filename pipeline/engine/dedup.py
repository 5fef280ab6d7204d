"""The dedup stage on Ray: exact keys, signatures and shingle sets in ``map_batches``, LSH by a group-by.

What runs where:

- workers: every record's exact key, its leader's MinHash signature and shingle set (the local engine's own batch
  job, :class:`pipeline.dedup.stage.SignatureJob`), band buckets and candidate pairs (:mod:`pipeline.engine.lsh`),
  and each candidate's signature agreement and exact Jaccard;
- driver: the exact keys (8 bytes a record), the candidate pairs, the union-find over verified pairs, the shingle
  sets of the records in a near-duplicate cluster only (for their Jaccard to the kept record), the short texts of
  the edit rule, and the cluster decisions (:class:`pipeline.dedup.plan.ClusterPlan`, as in the local engine).

A persistent index (``index_path``) or an eval set (``decontaminate``) lives in files on the driver: with either,
the stage runs as the local engine's (same answer, not distributed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import ray

from pipeline.core.records import CONTENT_FIELDS, Task, partition, quiet_datasets, table_content_texts, task_of
from pipeline.core.stage import RunContext, StageResult
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.near import NearDuplicates, choose_shingling
from pipeline.dedup.plan import ClusterPlan, exact_keys_of
from pipeline.dedup.shingling import ShingleSets, Shingling
from pipeline.dedup.stage import edit_pass, SignatureJob, dedup
from pipeline.engine.lsh import LEADER, SET, SIG, candidate_pairs, verify
from pipeline.engine.columns import POS
from pipeline.engine.raydata import collect, from_list_column, list_column, matrix_column

if TYPE_CHECKING:
    from datasets import Dataset

    from pipeline.engine.raydata import RaySession

KEY, LENGTH, SHORT = "key", "length", "short"


class RayDedup:
    """The dedup stage (same signature, same result) with its per-record work and LSH on Ray Data."""

    def __init__(self, session: RaySession) -> None:
        self.session = session

    def __call__(self, ds: Dataset, cfg: DedupConfig, ctx: RunContext) -> StageResult:
        if not cfg.enabled or len(ds) == 0 or cfg.index_path or cfg.decontaminate or task_of(ds) is Task.PREFERENCE:
            return dedup(ds, cfg, ctx)  # preference pairs: by pair and prompt, here (pipeline.preference.dedup)
        with quiet_datasets():
            return self._dedup(ds, cfg)

    def _dedup(self, ds: Dataset, cfg: DedupConfig) -> StageResult:
        task = task_of(ds)
        content = self.session.to_ray(ds.select_columns(list(CONTENT_FIELDS[task])).with_format("arrow")[:])
        plan = plan_on_ray(self.session, content, ds, task, cfg, choose_shingling(ds, cfg))
        stats = plan.stats()
        plan.sets = None
        kept, rejected = partition(plan.marked(), "dedup")
        return StageResult(kept=kept, rejected=rejected, sections={"duplicates": stats})


def plan_on_ray(session: RaySession, content: ray.data.Dataset, ds: Dataset, task: Task, cfg: DedupConfig,
                shingling: Shingling, quoted: Any = None, layout_texts: list[str] | None = None) -> ClusterPlan:
    """The decided :class:`ClusterPlan` of the records whose content columns (and ``_pos``) are ``content``.

    Args:
        ds: the records' ids, clusters and labels (what the plan reads of every record).
        quoted: where the plan reads the few records it quotes in the report (``ds`` itself when None).
        layout_texts: the sampled texts the plan tells a text-pair layout by, when ``ds`` has no texts.
    """
    near = NearDuplicates.of(cfg, shingling)
    job = SignatureJob(near.shingling, near.hasher(), None, near.edits.max_chars if cfg.near else 0)
    # pass 1: exact keys of every record; the driver picks the leaders (first record of each key)
    keyed = content.map_batches(
        _keys_batch, batch_format="pyarrow", fn_kwargs={"task": task, "prepare": shingling.prepare}).materialize()
    keys = collect(keyed, [POS, KEY, LENGTH])
    plan = ClusterPlan(ds, task, cfg, shingling,
                       keys=(keys[KEY].to_numpy().view(np.uint64), keys[LENGTH].to_numpy().astype(np.int64)),
                       layout_texts=layout_texts)
    if quoted is not None:
        plan.ds = quoted
    plan.edit_rule = near.edit_report() if cfg.near else None
    if cfg.near:
        # pass 2: signatures of the leaders only, kept in the object store
        leader_of = np.full(len(plan.keys), -1, dtype=np.int64)
        leader_of[plan.leaders] = np.arange(len(plan.leaders))
        leaders = keyed.map_batches(_signature_batch, batch_format="pyarrow",
                                    fn_kwargs={"task": task, "job": job, "leader_of": leader_of}).materialize()
        _near_pass(session, plan, near, leaders)
        if near.edits.enabled:
            short = collect(leaders, [LEADER, SHORT], order=LEADER)
            short = short.filter(short[SHORT].is_valid())
            edit_pass(plan, near, (short[LEADER].to_numpy().astype(np.int64), short[SHORT].to_pylist()))
    plan.decide_clusters()
    plan.decide_groups()
    return plan


def _near_pass(session: RaySession, plan: ClusterPlan, near: NearDuplicates, leaders: ray.data.Dataset) -> None:
    """The local ``_near_pass`` without index or eval set: candidates, verification, clusters, twins."""
    n = len(plan.leaders)
    plan.bands = (near.bands, near.rows)
    pairs = candidate_pairs(session, leaders, near, n)
    verified = verify(session, leaders, pairs, near, n)
    plan.set_clusters(verified.clusters, _cluster_sets(leaders, verified.clusters.roots()), None)
    plan.twins = (verified.twins, verified.similarity)
    plan.candidates = {"candidate_pairs": int(len(pairs)), "candidates_verified": int(verified.checked)}


class _SomeSets:
    """The shingle sets of some leaders, looked up by leader position (the plan asks for cluster members only)."""

    def __init__(self, positions: np.ndarray, sets: ShingleSets) -> None:
        self.at = {int(p): k for k, p in enumerate(positions.tolist())}
        self.sets = sets

    def jaccard(self, i: int, j: int) -> float:
        return self.sets.jaccard(self.at[i], self.at[j])


def _cluster_sets(leaders: ray.data.Dataset, roots: np.ndarray) -> _SomeSets:
    """The shingle sets of the leaders in a near-duplicate cluster of two or more, fetched from the workers."""
    clustered = np.bincount(roots, minlength=len(roots))[roots] > 1
    if not clustered.any():
        return _SomeSets(np.zeros(0, np.int64), ShingleSets(np.zeros(0, np.uint32), np.zeros(1, np.int64)))
    wanted = leaders.map_batches(_only_clustered, batch_format="pyarrow", fn_kwargs={"clustered": clustered})
    table = collect(wanted, [LEADER, SET], order=LEADER)
    values, offsets = from_list_column(table[SET])
    return _SomeSets(table[LEADER].to_numpy(), ShingleSets(values.astype(np.uint32), offsets))


def _only_clustered(batch: pa.Table, clustered: np.ndarray) -> pa.Table:
    return batch.select([LEADER, SET]).filter(pa.array(clustered[batch[LEADER].to_numpy()]))


def _keys_batch(batch: pa.Table, task: Task, prepare: Callable[[str], str]) -> pa.Table:
    texts = table_content_texts(batch, task)
    keys, lengths = exact_keys_of([prepare(text) for text in texts]), np.array([len(text) for text in texts], np.int64)
    return batch.append_column(KEY, pa.array(keys.view(np.int64))).append_column(LENGTH, pa.array(lengths))


def _signature_batch(batch: pa.Table, task: Task, job: SignatureJob, leader_of: np.ndarray) -> pa.Table:
    """The leaders of a batch with their signature, shingle set and (for the edit rule) prepared short text."""
    leader = leader_of[batch[POS].to_numpy()]
    batch = batch.filter(pa.array(leader >= 0))
    leader = leader[leader >= 0]
    if not batch.num_rows:
        return pa.table({LEADER: pa.array([], pa.int64()), SIG: list_column(np.zeros(0, np.uint32), np.zeros(1, np.int64)),
                         SET: list_column(np.zeros(0, np.uint32), np.zeros(1, np.int64)), SHORT: pa.array([], pa.string())})
    signed = job(table_content_texts(batch, task))
    short: list[str | None] = [None] * batch.num_rows
    for k, text in zip(signed.short, signed.short_texts):
        short[k] = text
    return pa.table({LEADER: pa.array(leader, pa.int64()), SIG: matrix_column(signed.signatures),
                     SET: list_column(signed.sets.values, signed.sets.offsets), SHORT: pa.array(short, pa.string())})
