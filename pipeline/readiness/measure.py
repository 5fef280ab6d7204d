"""The measure stage: figures measured on the final, split records, for the readiness checks and the plots.

Everything here reads records and returns plain JSON-ready sections; the checks then read only ``report.json``,
so ``ftprep report OUT_DIR`` can re-render a report without the data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from datasets import Dataset

from pipeline.core.lengths import content_chars, distribution, token_counts

from pipeline.core.records import SPLITS, rejections_to_dataset
from pipeline.core.stage import RunContext, StageResult
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.diversity import cluster_sizes, diversity
from pipeline.readiness.label_leakage import measure_label_leakage
from pipeline.readiness.label_shortcuts import measure_label_shortcuts
from pipeline.readiness.placeholders import measure_placeholders
from pipeline.readiness.response_collapse import measure_response_collapse
from pipeline.readiness.measures import histogram, over_limit, training_tokens
from pipeline.core.records import ContentTexts, Task, column, content_keys, task_of
from pipeline.split.stage import CONTENT_KEYS


def measure(records: Dataset, cfg: ReadinessConfig, ctx: RunContext) -> StageResult:
    """The measure stage: :func:`analyse` the split records; records pass through unchanged."""
    sections = analyse(records, cfg, ctx.seed, ctx.carry.get(CONTENT_KEYS))
    return StageResult(kept=records, rejected=rejections_to_dataset([]), sections=sections)


def analyse(records: Dataset, cfg: ReadinessConfig, seed: int, keys: list[int] | None = None) -> dict[str, Any]:
    """The report sections measured on split records: lengths, languages, overlap and the task's evidence.

    ``keys``: the records' :func:`pipeline.core.records.content_keys`, when the split stage has computed them.
    """
    task = task_of(records)
    texts = ContentTexts(records)  # read where a sample needs them: measure keeps figures, not every text
    splits = column(records, "split")
    if keys is None or len(keys) != len(records):
        keys = content_keys(records)
    sections: dict[str, Any] = {
        "lengths": lengths(records, splits, cfg),
        "overlap": overlap(texts, keys, splits, column(records, "cluster"), _column(records, "label")),
    }
    langs = _column(records, "lang")
    if langs is not None:
        # without a language filter the clean stage detects only a seeded sample: unmeasured records have no lang
        sections["languages"] = {s: dict(Counter(l for l, sp in zip(langs, splits) if sp == s and l is not None).most_common()) for s in SPLITS}
    if task is Task.CLASSIFICATION:
        sections.update(_classification_evidence(records, texts, splits, cfg, seed))
    elif task is Task.PREFERENCE:  # its own measures: pipeline.preference.measure
        from pipeline.preference.measure import measure_preference

        sections["preference"] = measure_preference(records, splits, cfg)
        return sections
    else:
        sections["diversity"] = diversity(records, seed=seed, max_examples=cfg.max_analysis_examples)
        sections["response_collapse"] = measure_response_collapse(records, seed=seed, max_examples=cfg.max_analysis_examples)
    sections["placeholders"] = measure_placeholders(records, seed=seed, max_examples=cfg.max_analysis_examples)
    return sections


def _column(records: Dataset, name: str) -> list | None:
    return column(records, name) if name in records.column_names else None


def lengths(records: Dataset, splits: list[str], cfg: ReadinessConfig) -> dict[str, Any]:
    """The length profile of each split (characters and, when counted, tokens), and the training cost."""
    chars, tokens = content_chars(records), token_counts(records)
    masks = {name: np.asarray(splits, dtype=object) == name for name in SPLITS}
    section: dict[str, Any] = {
        "chars": {name: distribution(chars[mask]) for name, mask in masks.items()},
        "chars_histogram": histogram(chars),
    }
    if tokens is not None:
        section["tokens"] = {name: distribution(tokens[mask]) for name, mask in masks.items()}
        section["tokens_histogram"] = histogram(tokens)
        section["over_max_tokens"] = over_limit(tokens, cfg.max_seq_tokens)
        section["max_seq_tokens"] = cfg.max_seq_tokens
        train = tokens[masks["train"]]
        section["training_tokens"] = {"per_epoch": training_tokens(train, 1), "epochs": cfg.epochs,
                                      "total": training_tokens(train, cfg.epochs)}
    return section


def overlap(texts: Sequence[str], keys: list[int], splits: list[str], clusters: list[str], labels: list[str] | None
            ) -> dict[str, Any]:
    """Duplicates left among the kept records, identical texts with different labels, and cross-split overlap.

    Texts are compared by their :func:`exact_key` (``keys``, as ints: case and whitespace folded); ``cluster``
    adds the near-duplicate groups dedup found. A key or cluster seen in two splits is a leak: the test score would
    be inflated.
    """
    splits_of_key: dict[int, set[str]] = defaultdict(set)
    splits_of_cluster: dict[str, set[str]] = defaultdict(set)
    for key, cluster, split in zip(keys, clusters, splits):
        splits_of_key[key].add(split)
        splits_of_cluster[cluster].add(split)
    leaked = sorted("c:" + c for c, s in splits_of_cluster.items() if len(s) > 1)
    leaked += sorted(f"k:{k:016x}" for k, s in splits_of_key.items() if len(s) > 1)  # "c:..." < "k:..."
    groups = Counter(clusters)
    section: dict[str, Any] = {
        "records": len(texts),
        "duplicates_remaining": len(texts) - len(groups),
        "largest_cluster": max(groups.values(), default=0),
        "cluster_sizes": cluster_sizes(clusters),
        "cross_split": len(leaked),
        "cross_split_examples": [k[2:] for k in leaked[:5]],
    }
    if labels is not None:
        by_key: dict[int, set[str]] = defaultdict(set)
        for key, label in zip(keys, labels):
            by_key[key].add(label)
        conflicts = sorted(k for k, ls in by_key.items() if len(ls) > 1)
        section["label_conflicts"] = len(conflicts)
        shown, first = set(conflicts[:5]), {}
        for position, key in enumerate(keys):
            if key in shown:
                first.setdefault(key, position)
        section["label_conflict_examples"] = [{"text": texts[first[k]][:200], "labels": sorted(by_key[k])}
                                              for k in conflicts[:5]]
    return section


class _Picked(Sequence[str]):
    """``texts`` at ``positions``, read when asked (the learning curve samples a few thousand of them)."""

    def __init__(self, texts: Sequence[str], positions: list[int]):
        self._texts, self._positions = texts, positions

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._texts[i] for i in self._positions[index]]
        return self._texts[self._positions[index]]


def _sources(records: Dataset) -> list[str] | None:
    """Each record's input file, when the records came from more than one."""
    sources = _column(records, "source_file")
    return sources if sources is not None and len(set(sources)) > 1 else None


def _classification_evidence(records: Dataset, texts: Sequence[str], splits: list[str], cfg: ReadinessConfig,
                             seed: int) -> dict[str, Any]:
    """The learning curve, the label-noise estimate and label leakage (``texts``: the records' texts, a
    classification record's content); an analysis the data cannot support is ``None`` and its reason goes to
    ``skipped_analyses`` (the check's ``skip`` message)."""
    from pipeline.readiness.curve import Skipped, learning_curve  # scikit-learn and scipy: ~0.7 s, classification only
    from pipeline.readiness.label_noise import label_noise

    labels, ids = column(records, "label"), column(records, "id")
    train = [i for i, s in enumerate(splits) if s == "train"]
    val = [i for i, s in enumerate(splits) if s == "val"]
    curve = learning_curve(
        _Picked(texts, train), [labels[i] for i in train], _Picked(texts, val), [labels[i] for i in val],
        seed=seed, max_examples=cfg.max_analysis_examples,
    )
    noise = label_noise(ids, texts, labels, seed=seed, max_examples=cfg.max_analysis_examples,
                        folds=cfg.noise_folds, shown=cfg.max_suspects,
                        confirm_below=cfg.noise_confirm_below)
    skipped = {}
    if isinstance(curve, Skipped):
        skipped["learning_curve"], curve = curve.reason, None
    sections: dict[str, Any] = {
        "learning_curve": curve.as_report() if curve else None,
        "label_noise": noise.as_report() if noise else None,
        "label_leakage": measure_label_leakage(texts, labels, cfg, seed),
        "label_shortcuts": measure_label_shortcuts(texts, labels, _column(records, "lang"), _sources(records), cfg, seed),
    }
    if skipped:
        sections["skipped_analyses"] = skipped
    return sections
