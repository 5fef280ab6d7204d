"""The expected gain from doubling the data: the vectorised power-law fit and its bootstrap interval."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import curve_fit
from sklearn.metrics import f1_score

from pipeline.readiness.gain import expected_gain_2x, gain_interval, gains_2x, model_variance, weighted_macro_f1


def _curve_fit_gain(sizes, scores) -> float:
    law = lambda n, a, b, c: a - b * np.power(n, -c)  # noqa: E731
    params, _ = curve_fit(law, np.asarray(sizes, float), np.asarray(scores, float), p0=(min(1.0, max(scores) + 0.05), 1.0, 0.5),
                          bounds=([0.0, 0.0, 0.01], [1.0, np.inf, 2.0]), maxfev=5000)
    return max(0.0, float(law(2 * sizes[-1], *params) - law(sizes[-1], *params)))


@pytest.mark.parametrize(("sizes", "scores"), [
    ([985, 1971, 3942, 7883], [0.6668, 0.7738, 0.8217, 0.8697]),  # banking77's own curve (issue 11: +0.022)
    ([68, 135, 270, 540], [0.2, 0.35, 0.5, 0.6]),
    ([1000, 2000, 4000, 8000], [0.97, 0.98, 0.985, 0.99]),
])
def test_grid_fit_agrees_with_curve_fit(sizes, scores):
    """The variable-projection fit finds scipy's optimum: gains within 0.0005."""
    assert expected_gain_2x(sizes, scores)[1] == pytest.approx(_curve_fit_gain(sizes, scores), abs=5e-4)


def test_gain_without_a_law_to_fit():
    """Two points: the last doubling's gain; a flat curve: no gain and no fit."""
    assert expected_gain_2x([10, 20], [0.5, 0.6]) == (None, 0.1)
    assert expected_gain_2x([10, 20, 40], [0.5, 0.5, 0.5]) == (None, 0.0)
    assert gains_2x([10, 20, 40], np.array([[0.5, 0.6, 0.65], [0.5, 0.5, 0.5]]))[1] == 0.0


def test_weighted_macro_f1_matches_scikit_learn():
    """Unit weights give scikit-learn's macro-F1 (a class only predicted counts as 0); weight 2 counts a row twice."""
    truth, pred = np.array([0, 0, 1, 1, 2, 2, 2]), np.array([0, 1, 1, 1, 2, 0, 3])
    assert weighted_macro_f1(truth, pred, 4, np.ones((1, 7)))[0] == pytest.approx(f1_score(truth, pred, average="macro"))
    twice = weighted_macro_f1(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]), 2, np.array([[2.0, 1, 1, 0]]))[0]
    assert twice == pytest.approx(f1_score([0, 0, 1, 1], [0, 0, 1, 0], average="macro"))


def test_interval_is_deterministic_and_narrows_with_more_rows():
    """Same seed, same interval; 10x the evaluation rows (same error pattern) give a narrower interval, but never
    narrower than the model variance on each side (more evaluation rows do not make the models less variable)."""
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 5, 300).astype(str)
    predictions = [np.where(rng.random(300) < p, truth, "0") for p in (0.5, 0.65, 0.75, 0.8)]
    sizes = [100, 200, 400, 800]
    first = gain_interval(sizes, list(truth), predictions, seed=1)
    assert first == gain_interval(sizes, list(truth), predictions, seed=1)
    wide = first.high - first.low
    many = gain_interval(sizes, list(np.tile(truth, 10)), [np.tile(p, 10) for p in predictions], seed=1)
    scores = [f1_score(truth, p, average="macro") for p in predictions]
    spread = model_variance(sizes, scores)
    assert 0 < spread and 2 * spread <= many.high - many.low + 1e-4 < wide


def test_model_variance_is_the_scatter_around_the_law():
    """Points on the law scatter by nothing; points off it by their root mean square residual; three points fit
    the three-parameter law exactly and give none."""
    sizes = [100, 200, 400, 800, 1600]
    exact = [0.9 - 2.0 * n ** -0.5 for n in sizes]
    assert model_variance(sizes, exact) < 1e-3
    bumpy = [v + d for v, d in zip(exact, (0.02, -0.02, 0.02, -0.02, 0.02))]
    assert 0.005 < model_variance(sizes, bumpy) < 0.03
    assert model_variance(sizes[:3], bumpy[:3]) == 0.0
