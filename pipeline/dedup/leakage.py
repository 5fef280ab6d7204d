"""Split leakage at two levels (the ``split_leakage`` check), re-measured on the final splits from scratch.

1. **Near duplicates** (``threshold``, 0.8): record pairs in different splits whose shingle Jaccard reaches the
   dedup threshold. Dedup removes such pairs and the split keeps clusters whole, so with dedup on any pair is a
   bug: the check fails.
2. **Near twins** (``group_threshold``, 0.5): the share of val and test records that have a near twin in train
   (same label for classification: a near twin with another label is a different example, not a leak). The split
   keeps near-twin groups whole, but the cap on group size refuses some joins, so a small share can remain: the
   check warns above a few percent. Short texts a few typing edits apart are near twins too (the edit rule of
   :mod:`pipeline.dedup.edits`, searched again here), whatever their Jaccard.

For classification, the near twins' effect on the evaluation score is measured too (``near_twins.effect``): the
readiness baseline (TF-IDF + logistic regression) is trained on train twice, with and without the train records
that are twins of evaluation records, and scored on those evaluation records. The difference is what the twins add
to their own accuracy; times their share of the evaluation records, to the evaluation score. Short paraphrases
("cancel my card" / "please cancel my card") are often twins and as often no easier for having one.

Both come from one pass (LSH candidates among the kept records, exact Jaccard of every candidate), so the check
does not trust the dedup stage's own bookkeeping (its clusters, groups and pairs), and a few example pairs of each
level are shown with their texts. Only the signatures and shingle sets are dedup's, which are a function of each
record's content (:mod:`pipeline.dedup.signed`): at 300k records that took the stage from 19.9 to 2.8 CPU s.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasets import Dataset, concatenate_datasets

from pipeline.core.records import SPLITS, column, content_text_batches, content_texts, rejections_to_dataset
from pipeline.core.stage import RunContext, StageResult
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.near import NearDuplicates, choose_shingling
from pipeline.dedup.shingling import ShingleSets, Shingling
from pipeline.dedup.signed import CARRY_KEY, Signed, settings_of
from pipeline.dedup.stage import SignatureJob, sign_texts

EXAMPLES_SHOWN = 5
SNIPPET_CHARS = 80
TRAIN = "train"
_BATCH = 10_000  # records signed at a time when dedup's signatures cannot be reused


def measure_split_leakage(records: Dataset, cfg: DedupConfig, ctx: RunContext) -> StageResult:
    """The split-leakage stage: re-measure near duplicates and near twins across the final splits, whether dedup
    ran or not, into ``duplicates.split_leakage`` for the ``split_leakage`` check; records pass through unchanged.

    It uses the dedup stage's settings, shingling included (as dedup published it), so both judge alike, and
    dedup's signatures and shingle sets of these records when it left them (:mod:`pipeline.dedup.signed`).
    """
    params = (ctx.sections.get("duplicates") or {}).get("parameters", {})
    if "shingle" in params:
        shingling = Shingling(params["shingle"], params["ngram"], accents=not params.get("strip_accents", False))
    else:
        shingling = choose_shingling(records, cfg)
    near = NearDuplicates.of(cfg, shingling)
    carried = ctx.carry.pop(CARRY_KEY, None)
    signed = carried.load() if carried is not None and carried.fits(records, near) else None
    del carried
    leakage = leakage_of(records, near, list(SPLITS), signed)
    return StageResult(kept=records, rejected=rejections_to_dataset([]), sections={"duplicates": {"split_leakage": leakage}})


def measure_leakage(splits: dict[str, Dataset], near: NearDuplicates) -> dict[str, Any]:
    """Near-duplicate pairs across splits, and val/test records with a near twin in train."""
    present = [ds.add_column("split", [name] * len(ds)) for name, ds in splits.items() if len(ds)]
    records = concatenate_datasets(present) if present else None
    return leakage_of(records, near, list(splits))


def leakage_of(records: Dataset | None, near: NearDuplicates, names: list[str], signed: Signed | None = None) -> dict[str, Any]:
    """:func:`measure_leakage` of records with a ``split`` column (split ``names`` in order), positions running
    split by split in record order; ``signed``: their signatures and sets, when already made."""
    base = {"records": len(records) if records is not None else 0, **near.as_report()}
    if records is None or not len(records):
        twins = {**_twin_shares({}, np.zeros(0, dtype=np.int64), names), "pairs": 0, "examples": []}
        return {**base, "pairs": 0, "by_splits": {}, "examples": [], "near_twins": twins}
    table = records.with_format("arrow")
    codes = pc.index_in(table["split"], value_set=pa.array(names)).to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")  # the records of each split in turn, in record order
    split_of = codes[order].astype(np.int64)
    labels = _label_codes(table["label"])[order] if "label" in records.column_names else None
    signed = signed or sign_records(records, near)
    row = signed.row[order]

    def fetch(positions: list[int]) -> dict[int, tuple[str, str]]:
        part = records.select(order[positions])
        return dict(zip(positions, zip(column(part, "id"), content_texts(part))))

    def texts() -> list[str]:  # only when there are twins to measure the effect of
        every = content_texts(records)
        return [every[k] for k in order.tolist()]

    return _measure(near, signed, row, split_of, labels, names, fetch, base, texts if labels is not None else None)


def sign_records(records: Dataset, near: NearDuplicates) -> Signed:
    """Signatures, shingle sets and short prepared texts of every record, ``_BATCH`` records at a time."""
    job = SignatureJob(near.shingling, near.hasher(), None, near.edits.max_chars if near.edits.enabled else 0)
    signed = sign_texts(job, content_text_batches(records, _BATCH), len(records), near.num_perm)
    return Signed(signed.signatures, signed.sets, np.arange(len(records), dtype=np.int64), *signed.short,
                  settings=settings_of(near))


def _measure(near: NearDuplicates, signed: Signed, row: np.ndarray, split_of: np.ndarray, labels: np.ndarray | None,
             names: list[str], fetch: Callable[[list[int]], dict[int, tuple[str, str]]], base: dict[str, Any],
             texts: Callable[[], list[str]] | None = None) -> dict[str, Any]:
    """The measure over positions 0..n-1 (split by split): position ``p`` has the signature and set of row ``row[p]``."""
    sets = signed.sets
    pairs = near.candidate_pairs([signed.signatures], take=row)
    if len(pairs):
        pairs = pairs[split_of[pairs[:, 0]] != split_of[pairs[:, 1]]]
    leaks, twins = [], []
    with_twin: dict[int, set[int]] = {}
    train = names.index(TRAIN) if TRAIN in names else -1
    for i, j in near.likely_pairs([signed.signatures], pairs, take=row).tolist():
        similarity = sets.jaccard(int(row[i]), int(row[j]))
        if similarity < near.group_threshold:
            continue
        if similarity >= near.threshold:
            leaks.append((i, j, similarity))
        elif labels is None or labels[i] == labels[j]:
            twins.append((i, j, similarity))
    found = {(i, j) for i, j, _ in twins + leaks}
    edit_pairs, edit_max = _edit_twins(near, signed, row, split_of, labels)
    edit_twins = [(i, j, sets.jaccard(int(row[i]), int(row[j])), edits) for i, j, edits in edit_pairs if (i, j) not in found]
    partners: set[int] = set()
    for i, j, *_ in twins + edit_twins:
        for a, b in ((i, j), (j, i)):  # an evaluation record with a partner in train
            if split_of[a] != train and split_of[b] == train:
                with_twin.setdefault(int(split_of[a]), set()).add(a)
                partners.add(b)
    twinned = sorted(set().union(*with_twin.values())) if with_twin else []
    effect = (twin_effect(texts(), labels, split_of, train, twinned, sorted(partners))
              if texts is not None and twinned and train >= 0 else None)

    by_splits = Counter("/".join(sorted((names[split_of[i]], names[split_of[j]]))) for i, j, _ in leaks)
    strongest = sorted(twins, key=lambda t: (-t[2], t[0], t[1]))[: EXAMPLES_SHOWN - min(2, len(edit_twins))]
    strongest += sorted(edit_twins, key=lambda t: (t[3], t[0], t[1]))[: EXAMPLES_SHOWN - len(strongest)]
    shown = leaks[:EXAMPLES_SHOWN]
    fetched = fetch(sorted({p for pair in shown + strongest for p in pair[:2]}))

    def example(i: int, j: int, similarity: float, edits: int | None = None) -> dict[str, Any]:
        shown = {"ids": [fetched[i][0], fetched[j][0]], "splits": [names[split_of[i]], names[split_of[j]]],
                 "similarity": round(similarity, 4), "texts": [_snippet(fetched[i][1]), _snippet(fetched[j][1])]}
        return shown if edits is None else {**shown, "edits": edits}

    return {
        **base,
        "pairs": len(leaks),
        "by_splits": dict(sorted(by_splits.items())),
        "examples": [example(*leak) for leak in shown],
        "near_twins": {**_twin_shares(with_twin, split_of, names), "pairs": len(twins) + len(edit_twins),
                       **({"edit_pairs": len(edit_twins), "edit_max_edits": edit_max} if near.edits.enabled else {}),
                       "examples": [example(*twin) for twin in strongest],
                       **({"effect": effect} if effect else {})},
    }


TWIN_EFFECT_MAX_TRAIN = 20_000  # train rows the effect's baseline fits on (a seeded sample, the partners always in)


def twin_effect(texts: list[str], labels: np.ndarray, split_of: np.ndarray, train: int, twinned: list[int],
                partners: list[int]) -> dict[str, Any] | None:
    """The near twins' measured effect on the evaluation score (classification).

    The baseline fits on train with and without ``partners`` (the train twins of the ``twinned`` evaluation
    records) and is scored on ``twinned``: ``gain_on_twinned`` is their accuracy gained from the twins, with a 95%
    interval over the records (normal approximation of the paired difference), and ``eval_inflation`` that gain
    spread over all the evaluation records (the points of accuracy the evaluation score owes to the twins).
    """
    from pipeline.readiness.learning import _fitted  # scikit-learn: loaded only for classification with twins

    train_rows = np.flatnonzero(split_of == train)
    evaluated = int(np.count_nonzero(split_of != train))
    if len(np.unique(labels[train_rows])) < 2 or not evaluated:
        return None
    if len(train_rows) > TWIN_EFFECT_MAX_TRAIN:
        rest = np.setdiff1d(train_rows, partners)
        keep = np.random.default_rng(0).choice(rest, TWIN_EFFECT_MAX_TRAIN - min(len(partners), TWIN_EFFECT_MAX_TRAIN // 2),
                                               replace=False)
        train_rows = np.sort(np.concatenate([keep, np.asarray(partners[: TWIN_EFFECT_MAX_TRAIN // 2], dtype=np.int64)]))
    without = np.setdiff1d(train_rows, partners)
    if len(np.unique(labels[without])) < 2:
        return None
    scored = [texts[k] for k in twinned]
    truth = labels[twinned]
    right = []
    for rows in (train_rows, without):
        model = _fitted([texts[k] for k in rows.tolist()], labels[rows].tolist())
        right.append(model.predict(scored) == truth)
    diff = right[0].astype(float) - right[1].astype(float)
    gain = float(diff.mean())
    half = 1.96 * float(diff.std(ddof=1)) / float(np.sqrt(len(diff))) if len(diff) > 1 else abs(gain)
    share = len(twinned) / evaluated
    return {"twinned": len(twinned), "evaluated": evaluated, "accuracy_with_twins": round(float(right[0].mean()), 4),
            "accuracy_without_twins": round(float(right[1].mean()), 4), "gain_on_twinned": round(gain, 4),
            "gain_interval": [round(gain - half, 4), round(gain + half, 4)],
            "eval_inflation": round(gain * share, 4), "eval_inflation_high": round((gain + half) * share, 4)}


def _edit_twins(near: NearDuplicates, signed: Signed, row: np.ndarray, split_of: np.ndarray,
                labels: np.ndarray | None) -> tuple[list[tuple[int, int, int]], int]:
    """Edit twins (same label) in different splits, as ``(i, j, edits)``, and the edits the search ran with."""
    if not near.edits.enabled:
        return [], 0
    short, prepared = signed.short_at(row)
    codes: dict[int | None, int] = {}
    groups = np.array([codes.setdefault(int(labels[k]) if labels is not None else None, len(codes)) for k in short.tolist()],
                      dtype=np.int64)
    found = near.edit_twins(prepared, groups)
    pairs = short[found.pairs] if len(found.pairs) else found.pairs
    across = split_of[pairs[:, 0]] != split_of[pairs[:, 1]] if len(pairs) else np.zeros(0, dtype=bool)
    return [(i, j, d) for (i, j), d in zip(pairs[across].tolist(), found.distance[across].tolist())], found.max_edits


def _label_codes(labels: pa.ChunkedArray) -> np.ndarray:
    """One integer per label value (-1: none): equal codes, equal labels."""
    encoded = pc.dictionary_encode(labels.combine_chunks())  # one array: one dictionary for all the labels
    return pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)


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
