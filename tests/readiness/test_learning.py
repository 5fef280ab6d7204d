"""Learning curve (and its gain interval) on real and generated data (label noise: test_label_noise.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from pipeline.readiness.curve import Skipped, learning_curve
from pipeline.readiness.gain import expected_gain_2x
from pipeline.readiness.learning import stratified_order

SLICE = Path(__file__).parent.parent / "data" / "banking77_20labels.csv"


def _banking() -> tuple[list[str], list[str]]:
    with open(SLICE, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def _banking_curve(train_rows: int, val_rows: int):
    """The learning curve of a stratified banking77 sample, and all the slice's labels."""
    texts, labels = _banking()
    order = stratified_order(labels, seed=0)
    train, val = order[:train_rows], order[train_rows : train_rows + val_rows]
    curve = learning_curve([texts[i] for i in train], [labels[i] for i in train],
                           [texts[i] for i in val], [labels[i] for i in val], seed=1)
    return curve, labels


def _easy(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """Four labels, each announced by its own keyword among shared filler words: trivially learnable."""
    rng = np.random.default_rng(seed)
    filler = "the a my your please account card money today now".split()
    texts, labels = [], []
    for i in range(n):
        label = ["alpha", "bravo", "charlie", "delta"][i % 4]
        words = list(rng.choice(filler, size=6)) + [f"{label}word"]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    return texts, labels


def test_stratified_order_prefixes_keep_label_shares():
    """Every prefix of the order holds each label in about its overall share."""
    labels = ["a"] * 800 + ["b"] * 200
    order = stratified_order(labels, seed=3)
    prefix = [labels[i] for i in order[:100]]
    assert abs(prefix.count("b") - 20) <= 1
    assert sorted(order.tolist()) == list(range(1000))


def test_curve_saturates_on_large_easy_data():
    """A keyword-determined task scores ~1.0 from the smallest share on, so doubling adds nothing."""
    texts, labels = _easy(4000)
    curve = learning_curve(texts[:3200], labels[:3200], texts[3200:], labels[3200:], seed=1)
    assert curve.sizes == [400, 800, 1600, 3200]
    assert min(curve.scores) > 0.97
    assert curve.expected_gain_2x < 0.01


def test_curve_keeps_rising_on_small_hard_data():
    """200 real banking77 examples over 20 intents are far from enough: the curve rises and predicts a gain."""
    curve, labels = _banking_curve(train_rows=200, val_rows=500)
    assert curve.scores[-1] > curve.scores[0] + 0.1
    assert curve.expected_gain_2x > 0.03
    assert set(curve.per_label_f1) == set(labels)


def test_curve_samples_above_max_examples():
    """Above max_examples the largest point is max_examples rows, and the original size is reported."""
    texts, labels = _easy(2200)
    curve = learning_curve(texts[:1600], labels[:1600], texts[1600:], labels[1600:], seed=1, max_examples=400)
    assert curve.sizes[-1] == 400
    assert curve.sampled_from == 1600


def test_small_val_is_replaced_by_cross_validation():
    """With 50 val rows the curve is scored on pooled 5-fold predictions over train + val: sizes are 4/5 of all
    rows' shares."""
    curve, labels = _banking_curve(train_rows=350, val_rows=50)
    assert curve.evaluation.startswith("pooled 5-fold cross-validation")
    assert curve.sizes == [40, 80, 160, 320]
    assert curve.scores == sorted(curve.scores)


def test_curve_is_skipped_without_two_labels():
    """One label in train gives nothing to learn: a reason, not a curve."""
    skipped = learning_curve(["x y", "y z"], ["a", "a"], ["x"], ["a"], seed=0)
    assert isinstance(skipped, Skipped) and "1 label" in skipped.reason


def test_four_examples_per_label_gives_a_four_fold_curve():
    """Issue 11's crash (5 labels x 4 banking77 rows: 'n_splits=5 cannot be greater than the number of members in
    each class'): the folds drop to the smallest label's count."""
    texts, labels = _banking()
    chosen = [i for label in sorted(set(labels))[:5] for i in [j for j, x in enumerate(labels) if x == label][:4]]
    train, val = [i for k, i in enumerate(chosen) if k % 5], chosen[::5]
    curve = learning_curve([texts[i] for i in train], [labels[i] for i in train],
                           [texts[i] for i in val], [labels[i] for i in val], seed=0)
    assert curve.evaluation.startswith("pooled 4-fold") and len(curve.sizes) >= 2


def test_a_label_with_one_example_is_left_out_of_cross_validation():
    """A single-example label cannot be held out; the curve runs on the others and names it."""
    texts, labels = _banking()
    names = sorted(set(labels))
    chosen = [i for label in names[:3] for i in [j for j, x in enumerate(labels) if x == label][:20]]
    chosen.append(labels.index(names[3]))
    curve = learning_curve([texts[i] for i in chosen], [labels[i] for i in chosen], [], [], seed=0)
    assert curve.left_out_labels == (names[3],) and names[3] not in curve.per_label_f1


def test_gain_interval_holds_the_estimate_on_real_data():
    """The bootstrap interval of the gain brackets the estimate and is a few points wide (1,000 banking77 rows)."""
    curve, _ = _banking_curve(train_rows=900, val_rows=100)
    interval = curve.gain_interval
    assert interval["low"] <= curve.expected_gain_2x <= interval["high"]
    assert 0.002 < interval["high"] - interval["low"] < 0.15 and interval["resamples"] == 200


def test_expected_gain_follows_the_fitted_power_law():
    """Points drawn from a - b n^-c give back the exact gain of doubling."""
    sizes = [100, 200, 400, 800]
    scores = [0.9 - 2.0 * n**-0.5 for n in sizes]
    fit, gain = expected_gain_2x(sizes, scores)
    truth = (0.9 - 2.0 * 1600**-0.5) - scores[-1]
    assert fit is not None and gain == pytest.approx(truth, abs=2e-3)


def test_expected_gain_is_zero_for_a_flat_curve():
    """Equal scores at every size mean no gain (and no fit)."""
    assert expected_gain_2x([10, 20, 40], [0.5, 0.5, 0.5]) == (None, 0.0)
