"""Label noise: cleanlab's full suspect list on real banking77 with flipped labels, and the check's verdict and basis."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.label_noise import check_label_noise, confirmed_by_second, label_noise, probe_skill, suspect_rows
from tests.conftest import DATA
from tests.readiness.test_learning import _banking, _easy

CFG = ReadinessConfig()


def _flip(labels: list[str], share: float, seed: int) -> tuple[list[str], set[int]]:
    """``share`` of the labels replaced by a random other label (seeded)."""
    rng = np.random.default_rng(seed)
    classes = sorted(set(labels))
    flipped = rng.choice(len(labels), size=int(share * len(labels)), replace=False)
    noisy = list(labels)
    for i in flipped:
        noisy[i] = str(rng.choice([c for c in classes if c != labels[i]]))
    return noisy, set(flipped.tolist())


def test_label_noise_finds_shuffled_labels():
    """Shuffling 10% of a real banking77 slice's labels: cleanlab recovers most of them, and the rate is close."""
    texts, labels = _banking()
    noisy, flipped = _flip(labels, 0.1, seed=0)
    noise = label_noise([str(i) for i in range(len(texts))], texts, noisy, seed=1)
    found = {int(s["id"]) for s in noise.suspects}
    assert len(noise.suspects) == noise.flagged  # the whole list, not the top of it
    assert len(found & flipped) / len(flipped) >= 0.6
    assert len(found & flipped) / len(found) >= 0.6
    assert 0.05 <= noise.estimated_rate <= 0.15
    suspect = next(s for s in noise.suspects if int(s["id"]) in flipped)
    assert suspect["given_label"] == noisy[int(suspect["id"])]
    assert set(suspect) == {"id", "text", "given_label", "label_quality", "suggested_label", "confidence", "confirmed"}
    assert 90 <= noise.median_per_label <= 110 and noise.skill > 0.5
    confirmed = {int(s["id"]) for s in noise.suspects if s["confirmed"]}
    assert len(confirmed & flipped) / len(confirmed) >= 0.9  # rows both baselines are sure of are nearly all flips
    assert noise.as_report()["agreement"] >= CFG.noise_min_agreement


def test_label_noise_is_deterministic_with_the_seed():
    """Same data and seed give the same suspects in the same order."""
    texts, labels = _banking()
    ids = [str(i) for i in range(len(texts))]
    first = label_noise(ids, texts, labels, seed=5, max_examples=600)
    second = label_noise(ids, texts, labels, seed=5, max_examples=600)
    assert first == second
    assert first.examined <= 600


def test_label_noise_leaves_out_labels_too_rare_to_cross_validate():
    """A label with fewer examples than folds is skipped and named, not analysed."""
    texts, labels = _easy(200)
    texts, labels = texts + ["lonely one", "lonely two"], labels + ["rare", "rare"]
    noise = label_noise([str(i) for i in range(len(texts))], texts, labels, seed=0)
    assert noise.skipped_labels == ["rare"]
    assert noise.examined == 200


def test_suspects_keep_the_ranking_and_suggest_only_a_different_label():
    """Every ranked row is listed in order; suggested_label and confidence only where another label is preferred."""
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.55, 0.45]])
    rows = suspect_rows(["a", "b", "c"], ["x", "y", "z"], ["ham", "spam"], np.array([1, 0, 0]), probs, [1, 0, 2])
    assert [r["id"] for r in rows] == ["b", "a", "c"]
    assert rows[0] == {"id": "b", "text": "y", "given_label": "ham", "label_quality": 0.2,
                       "suggested_label": "spam", "confidence": 0.8}
    assert set(rows[2]) == {"id", "text", "given_label", "label_quality"}


def test_a_suspect_is_confirmed_only_when_both_baselines_are_sure_of_the_same_other_label():
    """Both under the line and the same alternative: confirmed; one unsure, or two alternatives: not."""
    first = np.array([[0.01, 0.97, 0.02], [0.01, 0.97, 0.02], [0.01, 0.97, 0.02], [0.3, 0.6, 0.1]])
    second = np.array([[0.02, 0.90, 0.08], [0.20, 0.70, 0.10], [0.01, 0.09, 0.90], [0.01, 0.98, 0.01]])
    given = np.array([0, 0, 0, 0])
    assert confirmed_by_second(first, second, given, np.array([0, 1, 2, 3]), 0.1).tolist() == [True, False, False,
                                                                                                 False]


def test_skill_is_balanced_accuracy_above_chance():
    """Always predicting the majority label has no skill, whatever its plain accuracy."""
    given = np.array([0] * 67 + [1] * 33)
    assert probe_skill(np.zeros(100, dtype=int), given, 2) == 0.0
    assert probe_skill(given.copy(), given, 2) == 1.0


def _report(rate: float, accuracy: float, skill: float, per_label: float, examined: int = 10_003) -> dict:
    noise = {"estimated_rate": rate, "flagged": round(rate * examined), "examined": examined, "baseline_accuracy": accuracy,
             "skill": skill, "median_per_label": per_label, "suspects": []}
    return {"task": "classification", "label_noise": noise}


# Figures measured with the same probe (docs/readiness.md, "Accuracy of the label-noise estimate")
@pytest.mark.parametrize(("figures", "status"), [
    ((0.0253, 0.8775, 0.872, 127), "pass"),   # banking77, clean
    ((0.0713, 0.8255, 0.817, 127), "warn"),   # 5% flipped
    ((0.1160, 0.7688, 0.758, 128), "warn"),   # 10% flipped
    ((0.2143, 0.6668, 0.652, 129), "fail"),   # 20% flipped
    ((0.4086, 0.4488, 0.434, 127), "fail"),   # 40% flipped
    ((0.0014, 0.9862, 0.907, 2787), "pass"),  # SMS spam, clean
    ((0.2467, 0.6899, 0.203, 2902), "warn"),  # MRPC: a bag of words cannot judge paraphrase; no label flipped
    ((0.2442, 0.5922, 0.587, 10), "warn"),    # banking77, clean, 10 per label
    ((0.1247, 0.7169, 0.713, 20), "pass"),    # banking77, clean, 20 per label
    ((0.05, 0.9, 0.9, 100), "pass"), ((0.0501, 0.9, 0.9, 100), "warn"),
    ((0.15, 0.8, 0.8, 100), "warn"), ((0.1501, 0.8, 0.8, 100), "fail"),
])
def test_label_noise_verdict_on_measured_figures(figures, status):
    """Warn above 5%, fail above 15% when the baseline can be trusted; never fail on little data or no skill."""
    assert check_label_noise(_report(*figures), CFG).status == status


def test_the_message_blames_the_noise_not_the_amount_of_data():
    """20% flipped banking77: the estimate, its basis, and the noise named as the cause of the low accuracy."""
    check = check_label_noise(_report(0.2143, 0.6668, 0.652, 129), CFG)
    assert "2144 of 10003 examples (21.4%)" in check.message and "cleanlab" in check.message
    assert "keeps the baseline at 67%, not the amount of data" in check.message
    assert "overstated" not in check.message
    assert check.recommendation.startswith("fix the labels before adding data")


def test_little_data_and_missing_skill_are_named_as_the_basis():
    """The doubts about the estimate are stated, with the figures behind them."""
    assert "with 10 examples per label (median)" in check_label_noise(_report(0.2442, 0.5922, 0.587, 10), CFG).message
    assert "barely better than chance (skill 0.20)" in check_label_noise(_report(0.2467, 0.6899, 0.203, 2902), CFG).message


def test_a_report_without_the_new_figures_is_still_judged():
    """report.json written before skill and median_per_label existed re-renders without error."""
    report = _report(0.08, 0.8, 0.8, 100)
    del report["label_noise"]["skill"], report["label_noise"]["median_per_label"]
    assert check_label_noise(report, CFG).status == "warn"


@pytest.mark.slow
def test_label_noise_estimate_tracks_the_shuffled_rate():
    """Shuffling 0%, 5%, 10% and 20% of the slice's labels: the estimate rises with the true rate and stays near it."""
    texts, labels = _banking()
    ids = [str(i) for i in range(len(texts))]
    estimates = []
    for rate in (0.0, 0.05, 0.1, 0.2):
        noisy, _ = _flip(labels, rate, seed=11)
        estimates.append(label_noise(ids, texts, noisy, seed=2).estimated_rate)
    assert estimates == sorted(estimates), estimates
    for rate, estimate in zip((0.05, 0.1, 0.2), estimates[1:]):
        assert abs(estimate - rate) < rate * 0.5 + estimates[0], (rate, estimate, estimates)


@pytest.mark.slow
def test_full_suspect_list_at_20_percent_flipped():
    """20% flipped labels on the 1,914-row slice: the whole list finds most flips and its top is nearly all flips."""
    texts, labels = _banking()
    noisy, flipped = _flip(labels, 0.2, seed=3)
    noise = label_noise([str(i) for i in range(len(texts))], texts, noisy, seed=4)
    hits = [int(s["id"]) in flipped for s in noise.suspects]
    assert sum(hits) / len(flipped) >= 0.7       # recall of the whole list
    assert sum(hits) / len(hits) >= 0.6          # precision of the whole list
    assert sum(hits[:100]) / 100 >= 0.95         # the most confident suspects first


@pytest.mark.parametrize(("figures", "quality", "status"), [
    ((0.1451, 0.7822, 0.55, 4500), 0.222, "info"),   # tweet_eval hate, none flipped
    ((0.3203, 0.63, 0.40, 3880), 0.184, "info"),     # tweet_eval sentiment, none flipped
    ((0.2143, 0.6668, 0.652, 129), 0.003, "fail"),   # banking77 20% flipped
    ((0.1010, 0.88, 0.50, 2787), 0.069, "warn"),     # SMS spam 10% flipped
])
def test_an_unsure_baseline_never_fails_subjective_labels(figures, quality, status):
    """Tweets the bag of words cannot read (median probability of the suspects' own labels ~0.2) never fail or warn:
    their figure is info, with the doubt named; flipped labels (~0.003) still fail, SMS with 10% flipped warns."""
    report = _report(*figures)
    report["label_noise"]["suspect_label_quality"] = quality
    check = check_label_noise(report, CFG)
    assert check.status == status
    if quality > CFG.noise_max_suspect_quality:
        assert "unsure on its suspects" in check.message
        assert check.status == "info"


def _disputed(rate: float, confirmed_rate: float, agreement: float, quality: float) -> dict:
    report = _report(rate, 0.8, 0.79, 50, examined=3185)
    report["label_noise"].update(confirmed=round(confirmed_rate * 3185), confirmed_rate=confirmed_rate,
                                 agreement=agreement, suspect_label_quality=quality)
    return report


# Figures measured on the readiness corpus's slices and SMS spam (docs/readiness.md, "Two baselines")
@pytest.mark.parametrize(("figures", "status"), [
    ((0.086, 0.027, 0.31, 0.053), "info"),    # HWU64, clean: the word baseline is sure and wrong on short commands
    ((0.058, 0.015, 0.27, 0.126), "info"),    # AG News: its confirmed suspects are real errors, 1.5% of the rows
    ((0.064, 0.027, 0.42, 0.062), "info"),    # Davidson hate/offensive: judgement calls
    ((0.355, 0.044, 0.12, 0.189), "info"),    # tweet_eval sentiment
    ((0.064, 0.047, 0.73, 0.008), "warn"),    # banking77-20, 5% flipped
    ((0.205, 0.152, 0.74, 0.011), "fail"),    # banking77-20, 20% flipped
    ((0.199, 0.160, 0.81, 0.014), "fail"),    # SNIPS, 20% flipped
    ((0.100, 0.053, 0.52, 0.073), "warn"),    # SMS spam, 10% flipped
    ((0.20, 0.06, 0.30, 0.05), "warn"),       # disputed, yet more than 5% of the rows confirmed: warns, never fails
    ((0.04, 0.01, 0.25, 0.05), "pass"),       # disputed and under the warn line: nothing to say
])
def test_two_baselines_that_disagree_leave_only_the_confirmed_share(figures, status):
    """Under half the suspects confirmed by the character-level baseline: only the confirmed share is judged, and
    only to warn; flipped labels, which both baselines read alike, are judged on the flagged share as before."""
    check = check_label_noise(_disputed(*figures), CFG)
    assert check.status == status
    assert ("agree on only" in check.message) == (figures[2] < CFG.noise_min_agreement)


@pytest.mark.slow
def test_real_tweets_are_not_failed_but_flipped_intents_are():
    """1,500 real tweet_eval sentiment tweets: at most a warning, with the doubt named; the banking77 slice with
    20% of its labels flipped fails, the baseline sure its suspects are wrong."""
    lines = (DATA / "tweeteval_sentiment_1500.tsv").read_text(encoding="utf-8").splitlines()[1:]
    labels, texts = zip(*(line.split("\t", 1) for line in lines))
    noise = label_noise([str(i) for i in range(len(texts))], texts, labels, seed=42)
    check = check_label_noise({"task": "classification", "label_noise": noise.as_report()}, CFG)
    assert check.status == "info" and noise.suspect_label_quality > CFG.noise_max_suspect_quality
    assert noise.as_report()["agreement"] < CFG.noise_min_agreement
    texts, labels = _banking()
    noisy, _ = _flip(labels, 0.2, seed=3)
    noise = label_noise([str(i) for i in range(len(texts))], texts, noisy, seed=4)
    assert noise.suspect_label_quality < 0.02
    assert check_label_noise({"task": "classification", "label_noise": noise.as_report()}, CFG).status == "fail"
