"""Dedup benchmark: speed against datasketch's naive loop, and accuracy against exact Jaccard.

Generates a corpus of ~100-word documents with planted groups whose true word 5-gram Jaccard is chosen on
purpose on both sides of the threshold:

- positive groups: a base document and 1-3 variants, each destroying d in 1..10 of its ~96 shingles
  (J = (S-d)/(S+d) between 0.81 and 0.98; "one changed word" is d = 5, J ~ 0.90);
- near negatives: a base and one variant destroying 11..17 shingles (J between 0.70 and 0.794): near twins, to be
  kept and grouped;
- hard negatives: a base and a document sharing its first half (J ~ 0.3);
- and unrelated singletons.

Every planted pair's Jaccard is computed exactly, so the ground truth is measured, not assumed. Prints, in one
run: examples/s of the naive datasketch loop (one ``MinHash.update`` per shingle, datasketch's default SHA-1 hash)
and of ftprep's batched signatures on the same documents, their ratio, whether ftprep's signatures are
bit-identical to ``MinHash(hashfunc=shingle_hash32)``, the whole dedup stage's wall time, examples/s and peak RSS (run
in a fresh subprocess so that corpus generation does not count), and cluster recall, pair precision/recall,
hard negatives removed, the share of kept planted pairs in [0.5, 0.8) that share a near-twin group, and planted
pairs under 0.5 that were grouped.

    PYTHONPATH=. python benchmarks/dedup_bench.py --n 100000
    PYTHONPATH=. python benchmarks/dedup_bench.py --n 1000000 --num-proc 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

THRESHOLD = 0.8
NGRAM = 5


# -- corpus ------------------------------------------------------------------------------------------------------------


def make_corpus(n: int, seed: int) -> tuple[list[str], list[int], list[str]]:
    """Documents, the planted group of each (-1: unrelated singleton) and the kind of each group member."""
    rng = np.random.default_rng(seed)
    vocab = np.array(["".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), 6)) for _ in range(50_000)])
    docs: list[list[str]] = []
    groups: list[int] = []
    kinds: list[str] = []
    fresh = iter(f"zq{i}x" for i in range(10**9))
    group = 0
    while len(docs) < n:
        base = list(vocab[rng.integers(0, len(vocab), rng.integers(80, 121))])
        roll = rng.random()
        if roll < 0.6:
            members = [(base, "singleton")]
            gid = -1
        elif roll < 0.85:
            variants = [(_variant(base, int(rng.integers(1, above + 1)), rng, fresh), "positive")
                        for above in [_max_destroyed(len(base), THRESHOLD)] * int(rng.integers(1, 4))]
            members, gid = [(base, "positive"), *variants], group
        elif roll < 0.95:
            low, high = _max_destroyed(len(base), THRESHOLD) + 1, _max_destroyed(len(base), 0.7)
            variant = _variant(base, int(rng.integers(low, high + 1)), rng, fresh)
            members, gid = [(base, "near_negative"), (variant, "near_negative")], group
        else:
            half = len(base) // 2
            other = base[:half] + list(vocab[rng.integers(0, len(vocab), len(base) - half)])
            members, gid = [(base, "hard_negative"), (other, "hard_negative")], group
        group += gid >= 0
        for words, kind in members:
            docs.append(words)
            groups.append(gid)
            kinds.append(kind)
    order = rng.permutation(len(docs))[:n]
    return [" ".join(docs[i]) for i in order], [groups[i] for i in order], [kinds[i] for i in order]


def _max_destroyed(words: int, jaccard: float) -> int:
    """The most shingles a variant may lose (and gain) to keep J = (S-d)/(S+d) >= jaccard, S = words - 4."""
    shingle_count = words - NGRAM + 1
    return int(shingle_count * (1 - jaccard) / (1 + jaccard))


def _variant(base: list[str], destroyed: int, rng: np.random.Generator, fresh) -> list[str]:
    """A copy of ``base`` whose word 5-gram set loses exactly ``destroyed`` shingles (and gains as many).

    An interior edit destroys 5 shingles; editing word p < 4 destroys p + 1. Edits are >= 6 words apart so the
    destroyed shingles never overlap.
    """
    words = list(base)
    interior, edge = divmod(destroyed, 5)
    if edge:
        words[edge - 1] = next(fresh)
    slots = np.arange(10, len(words) - 10, 6)
    for p in rng.choice(slots, interior, replace=False):
        words[int(p)] = next(fresh)
    return words


def shingle_set(text: str) -> set[tuple[str, ...]]:
    words = text.split()
    return {tuple(words[i : i + NGRAM]) for i in range(len(words) - NGRAM + 1)}


def true_components(docs: list[str], groups: list[int]) -> tuple[dict[int, int], list[tuple[int, int, float]]]:
    """Connected components of exact-Jaccard >= threshold pairs (only planted groups can hold such pairs)."""
    by_group: dict[int, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        if g >= 0:
            by_group[g].append(i)
    component = {i: i for i in range(len(docs))}
    pairs = []
    for members in by_group.values():
        sets = {i: shingle_set(docs[i]) for i in members}
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1 :]:
                j = len(sets[a] & sets[b]) / len(sets[a] | sets[b])
                pairs.append((a, b, j))
                if j >= THRESHOLD:
                    ra, rb = _root(component, a), _root(component, b)
                    component[max(ra, rb)] = min(ra, rb)
    return {i: _root(component, i) for i in range(len(docs))}, pairs


def _root(parent: dict[int, int], x: int) -> int:
    while parent[x] != x:
        x = parent[x]
    return x


# -- speed ---------------------------------------------------------------------------------------------------------------


def naive_rate(docs: list[str]) -> float:
    """Examples/s of datasketch's MinHash updated one shingle at a time (the naive loop)."""
    from datasketch import MinHash

    from pipeline.dedup.shingling import normalise, shingles

    start = time.perf_counter()
    for doc in docs:
        m = MinHash(num_perm=128)
        for s in shingles(normalise(doc), "word", NGRAM):
            m.update(s)
    return len(docs) / (time.perf_counter() - start)


def batched_rate(docs: list[str], num_proc: int) -> tuple[float, float, bool]:
    """Examples/s of ftprep's batched signature job in one process and in ``num_proc`` forked workers (the
    stage's own code path), and whether the signatures equal datasketch's."""
    import multiprocessing

    from datasketch import MinHash

    from pipeline.dedup.stage import SignatureJob
    from pipeline.dedup.minhash import MinHasher
    from pipeline.dedup.shingling import Shingling, normalise, shingle_hash32, shingles

    job = SignatureJob(Shingling("word", NGRAM), MinHasher(128), None)
    batches = [docs[i : i + 1000] for i in range(0, len(docs), 1000)]
    start = time.perf_counter()
    sigs = np.concatenate([job(batch).signatures for batch in batches])
    rate = len(docs) / (time.perf_counter() - start)
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(num_proc) as pool:
        parallel = np.concatenate([result.signatures for result in pool.imap(job, batches)])
    parallel_rate = len(docs) / (time.perf_counter() - start)
    assert np.array_equal(parallel, sigs)
    identical = True
    for i in range(0, len(docs), max(1, len(docs) // 50)):
        m = MinHash(num_perm=128, hashfunc=shingle_hash32)
        m.update_batch(shingles(normalise(docs[i]), "word", NGRAM))
        identical &= bool(np.array_equal(m.hashvalues, sigs[i]))
    return rate, parallel_rate, identical


def run_stage(data_dir: Path, result_path: Path, num_proc: int) -> None:
    """(subprocess) Load the saved corpus, run the dedup stage, write decisions, time and peak RSS."""
    from datasets import load_from_disk

    from pipeline.dedup.config import DedupConfig
    from pipeline.core.stage import RunContext
    from pipeline.dedup.stage import dedup

    ds = load_from_disk(str(data_dir))
    sampler = MemorySampler()
    sampler.start()
    start = time.perf_counter()
    result = dedup(ds, DedupConfig(num_proc=num_proc), RunContext())
    seconds = time.perf_counter() - start
    sampler.stop()
    rejected = result.rejected.select_columns(["id", "reason", "info"]).to_dict()
    kept_id = [json.loads(info).get("kept_id") if info else None for info in rejected["info"]]
    stats = {k: v for k, v in result.sections["duplicates"].items() if k not in ("examples", "conflict_examples")}
    stats["groups"] = {k: v for k, v in stats.get("groups", {}).items() if k != "largest_members"}
    kept = result.kept.select_columns(["id", "group"]).to_dict()
    out = {"seconds": seconds, "peak_rss_mib": _vm_hwm_kib() / 1024, "peak_pss_mib": sampler.peak_kib / 1024,
           "ids": rejected["id"], "reasons": rejected["reason"], "kept_id": kept_id, "stats": stats,
           "group_of": {i: g for i, g in zip(kept["id"], kept["group"]) if g is not None}}
    result_path.write_text(json.dumps(out))


def _vm_hwm_kib(pid: str = "self") -> int:
    """Peak RSS of a process from /proc (ru_maxrss would carry over the benchmark parent's size across exec)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


class MemorySampler(threading.Thread):
    """Samples the PSS of this process plus its worker processes every 0.2 s; keeps the peak (shared pages of
    forked workers are counted once, split between the processes sharing them)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kib = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.2):
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(pid) for pid in _self_and_children()))

    def stop(self) -> None:
        self._done.set()
        self.join()


def _self_and_children() -> list[str]:
    pid = str(os.getpid())
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid, *children]


def _pss_kib(pid: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# -- accuracy ------------------------------------------------------------------------------------------------------------


def score(docs, groups, kinds, outcome) -> dict[str, float]:
    component, pairs = true_components(docs, groups)
    rep = {f"d{i}": f"d{i}" for i in range(len(docs))}
    for doc_id, kept in zip(outcome["ids"], outcome["kept_id"]):
        rep[doc_id] = kept or doc_id
    predicted = [rep[f"d{i}"] for i in range(len(docs))]
    true_clusters: dict[int, list[int]] = defaultdict(list)
    for i, c in enumerate(component):
        true_clusters[component[i]].append(i)
    multi = [m for m in true_clusters.values() if len(m) > 1]
    recovered = sum(len({predicted[i] for i in m}) == 1 for m in multi)
    true_pairs = [(a, b) for a, b, j in pairs if j >= THRESHOLD]
    found_true = sum(predicted[a] == predicted[b] for a, b in true_pairs)
    rejected = [int(d[1:]) for d in outcome["ids"]]
    correct = sum(component[i] == component[int(rep[f"d{i}"][1:])] for i in rejected)
    # a hard negative: a document planted next to a similar one but whose true cluster is itself alone
    sizes = defaultdict(int)
    for i in range(len(docs)):
        sizes[component[i]] += 1
    negatives = [i for i, g in enumerate(groups) if g >= 0 and sizes[component[i]] == 1]
    removed_negatives = sum(predicted[i] != f"d{i}" for i in negatives)
    near_js = [j for _, _, j in pairs]
    # near twins: planted pairs in [0.5, 0.8) whose two records were both kept should share a group; pairs under 0.5
    # (the half-shared hard negatives, J ~ 0.3) should not
    group_of = outcome["group_of"]
    kept = set(range(len(docs))) - set(rejected)
    together = lambda a, b: group_of.get(f"d{a}") is not None and group_of.get(f"d{a}") == group_of.get(f"d{b}")
    between = [(a, b) for a, b, j in pairs if 0.5 <= j < THRESHOLD and a in kept and b in kept]
    below = [(a, b) for a, b, j in pairs if j < 0.5 and a in kept and b in kept]
    return {
        "group_recall_J_0.5-0.8": sum(together(a, b) for a, b in between) / len(between) if between else 1.0,
        "grouped_pairs_J<0.5": sum(together(a, b) for a, b in below),
        "true_clusters": len(multi),
        "cluster_recall": recovered / len(multi) if multi else 1.0,
        "pair_recall": found_true / len(true_pairs) if true_pairs else 1.0,
        "precision": correct / len(rejected) if rejected else 1.0,
        "rejected": len(rejected),
        "hard_negative_docs": len(negatives),
        "hard_negatives_removed": removed_negatives,
        "planted_pairs_J>=0.8": len(true_pairs),
        "planted_pairs_J_0.70-0.80": sum(0.7 <= j < THRESHOLD for j in near_js),
        "planted_pairs_J<0.70": sum(j < 0.7 for j in near_js),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="documents in the corpus")
    parser.add_argument("--num-proc", type=int, default=2, help="processes for the dedup stage")
    parser.add_argument("--naive-sample", type=int, default=2000, help="documents timed with the naive loop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stage-only", nargs=2, metavar=("DATA", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage_only:
        run_stage(Path(args.stage_only[0]), Path(args.stage_only[1]), args.num_proc)
        return
    t = time.perf_counter()
    docs, groups, kinds = make_corpus(args.n, args.seed)
    print(f"corpus: {len(docs):,} docs, mean {np.mean([len(d.split()) for d in docs[:10000]]):.0f} words "
          f"({time.perf_counter() - t:.0f}s to generate)")
    sample = docs[: args.naive_sample]
    naive = naive_rate(sample)
    batched, parallel, identical = batched_rate(docs[: max(args.naive_sample, 40_000)], args.num_proc)
    print(f"signatures: naive datasketch loop {naive:,.0f} ex/s; ftprep batched {batched:,.0f} ex/s in one process "
          f"(ratio {batched / naive:.1f}x), {parallel:,.0f} ex/s with {args.num_proc} processes "
          f"(ratio {parallel / naive:.1f}x); bit-identical to datasketch MinHash(hashfunc=shingle_hash32): {identical}")
    with tempfile.TemporaryDirectory() as tmp:
        from datasets import Dataset

        from pipeline.core.records import Task, features_for

        n = len(docs)
        columns = {"id": [f"d{i}" for i in range(n)], "source_file": ["bench"] * n, "source_row": list(range(1, n + 1)),
                   "raw": ["{}"] * n, "extra": ["{}"] * n, "cluster": [f"d{i}" for i in range(n)], "text": docs,
                   "label": ["x"] * n}
        Dataset.from_dict(columns, features=features_for(Task.CLASSIFICATION)).save_to_disk(f"{tmp}/data")
        del columns
        cmd = [sys.executable, __file__, "--num-proc", str(args.num_proc), "--stage-only", f"{tmp}/data", f"{tmp}/out.json"]
        subprocess.run(cmd, check=True)
        outcome = json.loads(Path(f"{tmp}/out.json").read_text())
    stage_rate = len(docs) / outcome["seconds"]
    print(f"dedup stage (num_proc={args.num_proc}): {outcome['seconds']:.1f}s, {stage_rate:,.0f} ex/s, "
          f"peak RSS of the stage process {outcome['peak_rss_mib']:,.0f} MiB, peak PSS with its workers "
          f"{outcome['peak_pss_mib']:,.0f} MiB; stage stats {outcome['stats']}")
    print(f"stage vs naive loop (same docs, one core): {stage_rate / naive:.1f}x")
    figures = score(docs, groups, kinds, outcome)
    print("accuracy: " + ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()))
    targets = {
        "cluster_recall>=0.995": figures["cluster_recall"] >= 0.995,
        "precision>=0.999": figures["precision"] >= 0.999,
        "no_hard_negative_removed": figures["hard_negatives_removed"] == 0,
        "near_twins_grouped>=0.999": figures["group_recall_J_0.5-0.8"] >= 0.999,
        "no_pair_under_0.5_grouped": figures["grouped_pairs_J<0.5"] == 0,
        "signatures>=20x_naive_per_process": batched / naive >= 20,
        "1M_within_180s_and_4GiB": None if len(docs) < 1_000_000 else
        outcome["seconds"] <= 180 and max(outcome["peak_rss_mib"], outcome["peak_pss_mib"]) <= 4096,
    }
    verdicts = {True: "PASS", False: "MISS", None: "n/a"}
    print("targets: " + ", ".join(f"{k} {verdicts[ok]}" for k, ok in targets.items()))


if __name__ == "__main__":
    main()
