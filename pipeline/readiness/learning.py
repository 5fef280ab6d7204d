"""The fast baseline probe that the learning curve (:mod:`pipeline.readiness.curve`) and the label-noise estimate
(:mod:`pipeline.readiness.label_noise`) are built on (classification only).

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

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

# saga stops after a fixed number of epochs: on banking77 (min_df=2) 20 epochs reach 0.891 macro-F1 on its test
# split against 0.894 for a converged lbfgs fit, in 1.0 s instead of 21 s, and a fixed count keeps the cost predictable.
_SAGA_EPOCHS = 20
# Rare n-grams cost time and do not generalise; on small data they are all there is, so keep them.
_MIN_DF_ABOVE = 1000


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
