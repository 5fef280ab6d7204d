"""Evidence from a fast baseline: a learning curve (classification only); label noise uses the same baseline
(:mod:`pipeline.readiness.label_noise`).

The baseline is TF-IDF word uni/bigrams + logistic regression (scikit-learn). It is not the model the user will
fine-tune; it is a cheap, deterministic probe whose *trend* says whether more data of this kind still helps and
whose out-of-fold probabilities let cleanlab's confident learning point at likely mislabeled rows.

Both analyses sample above ``max_examples`` (stratified, seeded) so that their cost is bounded whatever the
dataset size: on banking77 (10k rows, 77 labels) both together take a few seconds on 2 cores
(``benchmarks/bench_learning.py``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import curve_fit
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline

CURVE_FRACTIONS = (0.125, 0.25, 0.5, 1.0)
# Under 500 val rows a macro-F1 moves by several points from a handful of rows (a 95% half-width of about
# 4 points at 500, 25 at 15), so small datasets are scored by cross-validation instead; above 5,000 rows in all
# val is big enough whatever the split, and cross-validating would cost CV_FOLDS times more fits.
SMALL_VAL = 500
CV_MAX_ROWS = 5_000
CV_FOLDS = 5
METRIC = "macro_f1"
# saga stops after a fixed number of epochs: on banking77 (min_df=2) 20 epochs reach 0.891 macro-F1 on its test
# split against 0.894 for a converged lbfgs fit, in 1.0 s instead of 21 s, and a fixed count keeps the cost predictable.
_SAGA_EPOCHS = 20
# Rare n-grams cost time and do not generalise; on small data they are all there is, so keep them.
_MIN_DF_ABOVE = 1000


@dataclass(frozen=True)
class LearningCurve:
    """Macro-F1 on val of the baseline trained on growing stratified shares of train.

    Args:
        sizes: number of training examples of each point.
        scores: macro-F1 on val at each size.
        expected_gain_2x: predicted macro-F1 gain from doubling the training data, read off the fitted curve.
        fit: parameters ``a, b, c`` of ``score(n) = a - b * n**-c``, or ``None`` when the points could not be fit
            (then the gain is the gain of the last doubling).
        per_label_f1: F1 on val of every label present in val, for the model trained on all of train.
        sampled_from: the size of train before sampling (equal to ``sizes[-1]`` when nothing was sampled).
        evaluation: where the scores come from: ``val``, or cross-validation on train + val for a small val.
    """

    sizes: list[int]
    scores: list[float]
    expected_gain_2x: float
    fit: dict[str, float] | None
    per_label_f1: dict[str, float]
    sampled_from: int
    metric: str = METRIC
    evaluation: str = "val"

    def as_report(self) -> dict:
        return {
            "sizes": self.sizes,
            "scores": self.scores,
            "metric": self.metric,
            "expected_gain_2x": self.expected_gain_2x,
            "fit": self.fit,
            "per_label_f1": self.per_label_f1,
            "sampled_from": self.sampled_from,
            "evaluation": self.evaluation,
        }


def baseline(n_rows: int) -> Pipeline:
    """The probe model for ``n_rows`` training rows: TF-IDF uni/bigrams + multinomial logistic regression.

    saga visits rows in a random order: a fixed ``random_state`` makes every fit, and so the report, reproducible.
    """
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2 if n_rows >= _MIN_DF_ABOVE else 1),
        LogisticRegression(C=10.0, solver="saga", max_iter=_SAGA_EPOCHS, tol=1e-3, random_state=0),
    )


def _fitted(texts: Sequence[str], labels: Sequence[str]) -> Pipeline:
    model = baseline(len(texts))
    with warnings.catch_warnings():
        # The epoch cap is deliberate (see _SAGA_EPOCHS), so saga's "did not converge" is expected noise.
        warnings.simplefilter("ignore", ConvergenceWarning)
        # Tiny curve points (1/8 of a small train) can have more labels than half their rows; that is expected.
        warnings.filterwarnings("ignore", message="The number of unique classes")
        return model.fit(list(texts), list(labels))


def stratified_order(labels: Sequence[str], seed: int) -> np.ndarray:
    """A seeded permutation whose every prefix holds each label in about its overall share.

    Each row gets the key ``(rank within its label + jitter) / label count``; sorting by it interleaves labels
    proportionally, so nested prefixes (1/8 ⊂ 1/4 ⊂ 1/2 ⊂ all) are stratified samples of each other.
    """
    rng = np.random.default_rng(seed)
    _, codes = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    sizes = np.bincount(codes)
    # Rank within label = position after sorting by (label, random draw) minus where the label's block starts.
    by_label = np.lexsort((rng.random(len(codes)), codes))
    ranks = np.empty(len(codes))
    ranks[by_label] = np.arange(len(codes)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    keys = (ranks + rng.random(len(codes))) / sizes[codes]
    return np.argsort(keys, kind="stable")


def _sample(n: int, labels: Sequence[str], max_examples: int, seed: int) -> np.ndarray:
    """Indices of a stratified sample of at most ``max_examples`` rows, in original order."""
    if n <= max_examples:
        return np.arange(n)
    return np.sort(stratified_order(labels, seed)[:max_examples])


def learning_curve(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    val_texts: Sequence[str],
    val_labels: Sequence[str],
    *,
    seed: int,
    max_examples: int = 12_000,
) -> LearningCurve | None:
    """Train the baseline on 1/8, 1/4, 1/2 and all of train and score macro-F1 on val.

    A small val (under ``SMALL_VAL`` rows) measures F1 too coarsely to show a trend, so for small datasets each
    point is instead the mean over ``CV_FOLDS`` stratified folds of train + val (see ``evaluation``). Returns
    ``None`` when there is nothing to learn from (fewer than two labels in train, or an empty val).
    """
    if len(set(train_labels)) < 2 or not len(val_texts):
        return None
    x, y = _sampled(train_texts, train_labels, max_examples, seed)
    val_x, val_y = _sampled(val_texts, val_labels, max_examples, seed)
    if len(val_texts) < SMALL_VAL and len(x) + len(val_x) <= CV_MAX_ROWS:
        points = _cross_validated_points(np.concatenate([x, val_x]), np.concatenate([y, val_y]), seed)
        evaluation = f"mean of {CV_FOLDS}-fold cross-validation on train + val (val has only {len(val_x)} rows)"
    else:
        points = _points(x, y, val_x, val_y, seed)
        evaluation = "val"
    if points is None:
        return None
    sizes, scores, truth, predicted = points
    fit, gain = expected_gain_2x(sizes, scores)
    return LearningCurve(sizes, scores, gain, fit, _per_label_f1(truth, predicted), len(train_texts), evaluation=evaluation)


def _sampled(texts: Sequence[str], labels: Sequence[str], max_examples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    keep = _sample(len(texts), labels, max_examples, seed)
    return np.asarray(texts, dtype=object)[keep], np.asarray(labels, dtype=object)[keep]


def _points(x: np.ndarray, y: np.ndarray, eval_x: np.ndarray, eval_y: np.ndarray, seed: int):
    """Sizes and macro-F1 of the nested curve points, and the largest model's predictions on the eval rows."""
    order = stratified_order(y, seed)
    sizes, scores, predicted = [], [], None
    for size in sorted({max(1, round(f * len(order))) for f in CURVE_FRACTIONS}):
        subset = order[:size]
        if len(set(y[subset])) < 2:
            continue
        predicted = _fitted(x[subset], y[subset]).predict(list(eval_x))
        sizes.append(int(size))
        scores.append(float(f1_score(eval_y, predicted, average="macro", zero_division=0)))
    if predicted is None:
        return None
    return sizes, [round(s, 4) for s in scores], eval_y, predicted


def _cross_validated_points(x: np.ndarray, y: np.ndarray, seed: int):
    """The curve averaged over stratified folds: each fold's held-out part scores its own nested points."""
    splitter = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
    runs = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class")  # rare labels: expected here
        for train_idx, test_idx in splitter.split(x, y):
            run = _points(x[train_idx], y[train_idx], x[test_idx], y[test_idx], seed)
            if run is None or (runs and len(run[0]) != len(runs[0][0])):
                return None
            runs.append(run)
    sizes = [round(float(np.mean(s))) for s in zip(*(r[0] for r in runs))]
    scores = [round(float(np.mean(s)), 4) for s in zip(*(r[1] for r in runs))]
    return sizes, scores, np.concatenate([r[2] for r in runs]), np.concatenate([r[3] for r in runs])


def _per_label_f1(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    present = sorted(set(truth))
    scores = f1_score(truth, predicted, labels=present, average=None, zero_division=0)
    return {label: round(float(s), 4) for label, s in sorted(zip(present, scores), key=lambda p: (p[1], p[0]))}


def _saturating(n: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    return a - b * np.power(n, -c)


def expected_gain_2x(sizes: Sequence[int], scores: Sequence[float]) -> tuple[dict[str, float] | None, float]:
    """Fit ``score(n) = a - b n^-c`` (an inverse power law, the usual shape of learning curves) and return the
    fitted parameters and ``score(2N) - score(N)`` at the largest size ``N``.

    With fewer than three points, or when the fit fails, the gain is that of the last doubling seen (which
    over- rather than under-states it when returns diminish); ``fit`` is then ``None``.
    """
    n = np.asarray(sizes, dtype=float)
    y = np.asarray(scores, dtype=float)
    fallback = round(max(0.0, float(y[-1] - y[-2])), 4) if len(y) >= 2 else 0.0
    if len(n) < 3 or np.ptp(y) < 1e-9:
        return None, fallback if np.ptp(y) >= 1e-9 else 0.0
    try:
        params, _ = curve_fit(
            _saturating, n, y, p0=(min(1.0, y.max() + 0.05), 1.0, 0.5),
            bounds=([0.0, 0.0, 0.01], [1.0, np.inf, 2.0]), maxfev=5000,
        )
    except (RuntimeError, ValueError):
        return None, fallback
    a, b, c = (float(p) for p in params)
    gain = float(_saturating(2 * n[-1], a, b, c) - _saturating(n[-1], a, b, c))
    return {"a": round(a, 4), "b": round(b, 4), "c": round(c, 4)}, round(max(0.0, gain), 4)
