"""The learning curve: is the baseline still data-starved on this data? (classification only)

The probe (:func:`pipeline.readiness.learning.baseline`) is trained on nested stratified shares of train (1/8, 1/4,
1/2, all) and scored by macro-F1 on val. When val is small (under ``SMALL_VAL`` rows, and train + val at most
``CV_MAX_ROWS``) a macro-F1 on it is too coarse to show a trend, so each point is instead scored on the pooled
out-of-fold predictions of a stratified cross-validation of train + val. Every point keeps its predictions, so the
expected gain from doubling the data gets a bootstrap interval (:mod:`pipeline.readiness.gain`).

Small data never raises: every precondition (two labels, rows per label for the folds, two curve points) is checked
and, when one fails, :func:`learning_curve` returns :class:`Skipped` with the reason.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from pipeline.readiness.gain import expected_gain_2x, gain_interval
from pipeline.readiness.learning import _fitted, _sample, stratified_order

CURVE_FRACTIONS = (0.125, 0.25, 0.5, 1.0)
# Under 500 val rows a macro-F1 moves by several points from a handful of rows (a 95% half-width of about
# 4 points at 500, 25 at 15), so small datasets are scored by cross-validation instead; above 5,000 rows in all
# val is big enough whatever the split, and cross-validating would cost CV_FOLDS times more fits.
SMALL_VAL = 500
CV_MAX_ROWS = 5_000
CV_FOLDS = 5
METRIC = "macro_f1"


@dataclass(frozen=True)
class Skipped:
    """An analysis that could not run on this data, and why (shown as the check's ``skip`` message)."""

    reason: str


@dataclass(frozen=True)
class LearningCurve:
    """Macro-F1 of the baseline trained on growing stratified shares of train.

    Args:
        sizes: number of training examples of each point.
        scores: macro-F1 at each size (on val, or on the pooled out-of-fold predictions).
        expected_gain_2x: predicted macro-F1 gain from doubling the training data, read off the fitted curve.
        gain_interval: its bootstrap interval over the evaluation rows (``low``, ``high``, ``level``, ``resamples``).
        fit: parameters ``a, b, c`` of ``score(n) = a - b * n**-c``, or ``None`` when the points could not be fit
            (then the gain is the gain of the last doubling).
        per_label_f1: F1 of every evaluated label for the model trained on all of train, weakest first.
        sampled_from: the size of train before sampling (equal to ``sizes[-1]`` when nothing was sampled).
        evaluation: where the scores come from: ``val``, or cross-validation on train + val for a small val.
        left_out_labels: labels with a single example, which cross-validation cannot hold out (not evaluated).
    """

    sizes: list[int]
    scores: list[float]
    expected_gain_2x: float
    gain_interval: dict
    fit: dict[str, float] | None
    per_label_f1: dict[str, float]
    sampled_from: int
    metric: str = METRIC
    evaluation: str = "val"
    left_out_labels: tuple[str, ...] = ()

    def as_report(self) -> dict:
        return {
            "sizes": self.sizes,
            "scores": self.scores,
            "metric": self.metric,
            "expected_gain_2x": self.expected_gain_2x,
            "expected_gain_2x_interval": self.gain_interval,
            "fit": self.fit,
            "per_label_f1": self.per_label_f1,
            "sampled_from": self.sampled_from,
            "evaluation": self.evaluation,
            "left_out_labels": list(self.left_out_labels),
        }


@dataclass(frozen=True)
class _Points:
    sizes: list[int]
    truth: np.ndarray
    predictions: list[np.ndarray]  # per size, one label per evaluation row


def learning_curve(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    val_texts: Sequence[str],
    val_labels: Sequence[str],
    *,
    seed: int,
    max_examples: int = 12_000,
) -> LearningCurve | Skipped:
    """Train the baseline on 1/8, 1/4, 1/2 and all of train and score each share (see the module docstring)."""
    found = sorted(set(train_labels))
    if len(found) < 2:
        return Skipped(f"train holds {len(found)} label{'s' if len(found) != 1 else ''}: a classifier needs two")
    x, y = _sampled(train_texts, train_labels, max_examples, seed)
    val_x, val_y = _sampled(val_texts, val_labels, max_examples, seed)
    left_out: tuple[str, ...] = ()
    if not len(val_x) or (len(val_texts) < SMALL_VAL and len(x) + len(val_x) <= CV_MAX_ROWS):
        pooled_x, pooled_y = np.concatenate([x, val_x]), np.concatenate([y, val_y])
        keep = _sample(len(pooled_y), pooled_y, CV_MAX_ROWS, seed)  # no val at all: cross-validate a bounded sample
        points = _cross_validated_points(pooled_x[keep], pooled_y[keep], seed)
        if isinstance(points, Skipped):
            return points
        points, k, left_out = points
        evaluation = f"pooled {k}-fold cross-validation on train + val (val has only {len(val_x)} rows)"
    else:
        points = _points(x, y, val_x, val_y, seed)
        evaluation = "val"
    if len(points.sizes) < 2:
        return Skipped(f"too few rows for a curve: only {len(points.sizes)} share of train holds two labels")
    scores = [round(float(f1_score(points.truth, p, average="macro", zero_division=0)), 4) for p in points.predictions]
    fit, gain = expected_gain_2x(points.sizes, scores)
    interval = gain_interval(points.sizes, list(points.truth), points.predictions, seed=seed)
    return LearningCurve(points.sizes, scores, gain, interval.as_report(), fit,
                         _per_label_f1(points.truth, points.predictions[-1]), len(train_texts), evaluation=evaluation,
                         left_out_labels=left_out)


def _sampled(texts: Sequence[str], labels: Sequence[str], max_examples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    keep = _sample(len(texts), labels, max_examples, seed)  # texts by position: a lazy sequence is read at these only
    return _objects([texts[i] for i in keep]), np.asarray(labels, dtype=object)[keep]


def _objects(values: list[str]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _points(x: np.ndarray, y: np.ndarray, eval_x: np.ndarray, eval_y: np.ndarray, seed: int,
            fractions: Sequence[float] = CURVE_FRACTIONS) -> _Points:
    """The nested shares of (x, y) that hold two labels, each model's predictions on the evaluation rows."""
    order = stratified_order(y, seed)
    sizes, predictions = [], []
    for size in sorted({max(1, round(f * len(order))) for f in fractions}):
        subset = order[:size]
        if len(set(y[subset])) < 2:
            continue
        predictions.append(_fitted(x[subset], y[subset]).predict(list(eval_x)))
        sizes.append(int(size))
    return _Points(sizes, eval_y, predictions)


def _cross_validated_points(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[_Points, int, tuple[str, ...]] | Skipped:
    """Every row predicted, at each curve point, by the fold that held it out; labels with one example left out.

    Folds are ``CV_FOLDS`` or the smallest label's count if lower (stratified folds need a row of every label in
    each); only the shares every fold could train (two labels) are kept.
    """
    counts = Counter(y)
    left_out = tuple(sorted(label for label, n in counts.items() if n < 2))
    keep = np.array([counts[label] >= 2 for label in y])
    x, y = x[keep], y[keep]
    if len(set(y)) < 2:
        return Skipped("cross-validation needs two labels with at least 2 examples each")
    k = min(CV_FOLDS, min(Counter(y).values()))
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    runs = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class")  # rare labels: expected here
        for train_idx, test_idx in splitter.split(x, y):
            run = _points(x[train_idx], y[train_idx], x[test_idx], y[test_idx], seed)
            runs.append((test_idx, dict(zip(run.sizes, run.predictions)), run.sizes))
    # a share is kept when every fold trained it; fold train sizes differ by a row or two, so shares are matched
    # by their rank among the fold's sizes counted from the largest
    depth = min(len(sizes) for _, _, sizes in runs)
    sizes = [round(float(np.mean([s[len(s) - depth + i] for _, _, s in runs]))) for i in range(depth)]
    predictions = []
    for i in range(depth):
        pooled = np.empty(len(y), dtype=object)
        for test_idx, by_size, fold_sizes in runs:
            pooled[test_idx] = by_size[fold_sizes[len(fold_sizes) - depth + i]]
        predictions.append(pooled)
    return _Points(sizes, y, predictions), k, left_out


def _per_label_f1(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    present = sorted(set(truth))
    scores = f1_score(truth, predicted, labels=present, average=None, zero_division=0)
    return {label: round(float(s), 4) for label, s in sorted(zip(present, scores), key=lambda p: (p[1], p[0]))}
