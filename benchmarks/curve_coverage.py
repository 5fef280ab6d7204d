"""Does the learning curve's interval cover the gain that doubling the data really brings?

For each set and seed: hold 10% of the set's train out as val, train on half of the rest, predict the macro-F1
gain from doubling it, then really double it (the whole train) and score both models on the set's own test split.

    PYTHONPATH=. python benchmarks/curve_coverage.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).parent))
from classification_sets import banking77, clinc150  # noqa: E402

from pipeline.readiness.curve import learning_curve  # noqa: E402
from pipeline.readiness.learning import _fitted, stratified_order  # noqa: E402


def realised(name: str, train: tuple[list[str], list[str]], test: tuple[list[str], list[str]], seed: int) -> dict:
    x, y = np.asarray(train[0], dtype=object), np.asarray(train[1], dtype=object)
    order = stratified_order(list(y), seed)
    val, rest = order[: len(order) // 10], order[len(order) // 10 :]  # rest: the doubled train (90%)
    half = rest[: len(rest) // 2]
    curve = learning_curve(x[half], y[half], x[val], y[val], seed=seed)
    scores = []
    for rows in (half, rest):
        model = _fitted(list(x[rows]), list(y[rows]))
        scores.append(f1_score(test[1], model.predict(test[0]), average="macro"))
    interval = curve.gain_interval
    gain = scores[1] - scores[0]
    return {"set": name, "seed": seed, "half": len(half), "doubled": len(rest), "predicted": curve.expected_gain_2x,
            "low": interval["low"], "high": interval["high"], "realised": round(gain, 4),
            "covered": interval["low"] <= gain <= interval["high"]}


if __name__ == "__main__":
    sets = {"banking77": (banking77("train"), banking77("test")), "clinc150": (clinc150("train"), clinc150("test"))}
    for name, (train, test) in sets.items():
        for seed in (1, 2, 3):
            print(realised(name, train, test, seed), flush=True)
