"""Distributed MinHash LSH: band buckets by a Ray Data group-by, candidate pairs verified on the workers.

No node holds the whole index: signatures and shingle sets stay in Ray's object store, spread over the cluster.
The driver receives the candidate pairs (two integers each) and, per pair, whether its signatures agree enough
and its exact Jaccard; it then replays the local engine's verification order (pairs sorted, union-find) so that
clusters, near twins and the "verified" count are exactly the local engine's.

The pairs a bucket yields follow :func:`pipeline.dedup.minhash.lsh_pairs`: members sorted by position, member k
paired with the next ``max_bucket`` members, so the pair set is the same.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import ray.data

from pipeline.dedup.minhash import band_key
from pipeline.dedup.near import ESTIMATE_MARGIN, NearDuplicates, Verified
from pipeline.dedup.shingling import ShingleSets
from pipeline.engine.raydata import RaySession, collect, from_list_column

LEADER, SIG, SET = "leader", "sig", "set"
MAX_BUCKET = 64  # lsh_pairs' default
_PAIR_SCHEMA = pa.schema([("i", pa.int64()), ("j", pa.int64())])


def candidate_pairs(session: RaySession, leaders: ray.data.Dataset, near: NearDuplicates, n: int,
                    max_bucket: int = MAX_BUCKET) -> np.ndarray:
    """Unique candidate pairs ``(i, j)``, i < j, sorted, of leaders sharing a bucket in any band."""
    keyed = leaders.map_batches(_band_rows, batch_format="pyarrow", fn_kwargs={"bands": near.bands, "rows": near.rows})
    # a few partitions per CPU: Ray's default of 200 costs seconds of task overhead on a small cluster
    grouped = keyed.groupby(["band", "key"], num_partitions=_partitions(session)).map_groups(_bucket_pairs, batch_format="pyarrow",
                                                         fn_kwargs={"max_bucket": max_bucket})
    # a pair comes from every band its two leaders share: made unique per block on the workers, then block by
    # block here, so the driver never holds the repeats (tens of millions of pairs at 200k records)
    coded = grouped.map_batches(_pair_codes, batch_format="numpy", batch_size=None, fn_kwargs={"n": n})
    codes = np.zeros(0, dtype=np.int64)
    for batch in coded.iter_batches(batch_format="numpy", batch_size=None):
        codes = np.union1d(codes, batch["code"])
    return np.stack([codes // n, codes % n], axis=1)


def _pair_codes(batch: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """A block's distinct pairs, each as one integer ``i * n + j``."""
    return {"code": np.unique(batch["i"].astype(np.int64) * n + batch["j"].astype(np.int64))}


def _band_rows(batch: pa.Table, bands: int, rows: int) -> pa.Table:
    """One row per leader and band: ``(band, bucket key, leader)``."""
    values, _ = from_list_column(batch[SIG])
    signatures = values.reshape(batch.num_rows, -1)
    leaders = batch[LEADER].to_numpy()
    keys = [band_key(signatures, band, rows).view(np.int64) for band in range(bands)]
    return pa.table({"band": np.repeat(np.arange(bands, dtype=np.int32), len(leaders)),
                     "key": np.concatenate(keys) if keys else np.zeros(0, np.int64),
                     LEADER: np.tile(leaders, bands)})


def _bucket_pairs(bucket: pa.Table, max_bucket: int) -> pa.Table:
    members = np.sort(bucket[LEADER].to_numpy())
    if len(members) < 2:
        return _PAIR_SCHEMA.empty_table()
    pairs = [np.stack([members[:-gap], members[gap:]], axis=1) for gap in range(1, min(max_bucket, len(members) - 1) + 1)]
    found = np.concatenate(pairs)
    return pa.table({"i": found[:, 0], "j": found[:, 1]}, schema=_PAIR_SCHEMA)


def verify(session: RaySession, leaders: ray.data.Dataset, pairs: np.ndarray, near: NearDuplicates, n: int) -> Verified:
    """The local :meth:`NearDuplicates.verify` of :meth:`NearDuplicates.likely_pairs`, scored on the workers."""
    if not len(pairs):
        return near.join(n, pairs, np.zeros(0))
    scored = _scored(session, leaders, pairs, near.group_threshold - ESTIMATE_MARGIN)
    i, j, likely, jaccard = (scored[c].to_numpy(zero_copy_only=False) for c in ("i", "j", "likely", "jaccard"))
    return near.join(n, np.stack([i, j], axis=1).astype(np.int64), np.where(likely, jaccard, np.nan))


def _scored(session: RaySession, leaders: ray.data.Dataset, pairs: np.ndarray, floor: float) -> pa.Table:
    """Every pair with ``likely`` (signature agreement reaches ``floor``) and its exact Jaccard, sorted by (i, j)."""
    table = pa.table({"i": pairs[:, 0], "j": pairs[:, 1]})
    partitions = _partitions(session)
    side = leaders.select_columns([LEADER, SIG, SET])
    joined = (session.to_ray(table).drop_columns(["_pos"])
              .join(side.rename_columns({LEADER: "i", SIG: "sig_i", SET: "set_i"}), "inner", partitions, on=("i",))
              .join(side.rename_columns({LEADER: "j", SIG: "sig_j", SET: "set_j"}), "inner", partitions, on=("j",)))
    scored = joined.map_batches(_score, batch_format="pyarrow", fn_kwargs={"floor": floor})
    out = collect(scored, ["i", "j", "likely", "jaccard"], order="")
    order = np.lexsort((out["j"].to_numpy(), out["i"].to_numpy()))
    return out.take(pa.array(order))


def _score(batch: pa.Table, floor: float) -> pa.Table:
    n = batch.num_rows
    left, _ = from_list_column(batch["sig_i"])
    right, _ = from_list_column(batch["sig_j"])
    agree = (left.reshape(n, -1) == right.reshape(n, -1)).mean(axis=1) >= floor if floor > 0 else np.ones(n, bool)
    values_i, offsets_i = from_list_column(batch["set_i"])
    values_j, offsets_j = from_list_column(batch["set_j"])
    jaccard = np.empty(n)
    for k in range(n):
        a, b = values_i[offsets_i[k] : offsets_i[k + 1]], values_j[offsets_j[k] : offsets_j[k + 1]]
        # the local engine's own Jaccard, so that a pair at the threshold falls on the same side
        pair = ShingleSets(np.concatenate([a, b]), np.array([0, len(a), len(a) + len(b)], dtype=np.int64))
        jaccard[k] = pair.jaccard(0, 1)
    return pa.table({"i": batch["i"], "j": batch["j"], "likely": agree, "jaccard": jaccard})


def _partitions(session: RaySession) -> int:
    return max(2, 2 * session.cpus)
