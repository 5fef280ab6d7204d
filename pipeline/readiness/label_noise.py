"""Label noise (classification): which rows look mislabeled, how many, and how far to trust that count.

cleanlab's ``find_label_issues`` runs on out-of-fold probabilities of the learning curve's baseline (TF-IDF +
logistic regression, :func:`pipeline.readiness.learning.baseline`) over every kept record. Its flagged share tracks
the true share of wrong labels when the probe is competent: on banking77 with 0/5/10/20/40% of labels flipped to a
random other label it flags 2.5/7.1/11.6/21.4/40.9% (docs/readiness.md). Two things make the probe disagree with
*correct* labels, so the check states them as the basis of the figure and never fails on it:

- little data: a median under ``noise_min_per_label`` examples per label (clean banking77 at 10/20/50 per label:
  24.4/12.5/4.4% flagged);
- a probe without skill: balanced accuracy barely above chance (MRPC's paraphrase labels, which a bag of words
  cannot predict: 25% flagged, none flipped);
- a probe that is *unsure* on the rows it flags: the median probability it gives the suspects' own labels
  (``suspect_label_quality``) above ``noise_max_suspect_quality``. A label flipped to another class gets almost
  none (banking77 and CLINC150 with 5-40% flipped: 0.001-0.005; SMS spam with 5-10% flipped: 0.04-0.07), while on
  subjective labels the bag of words misses sarcasm and negation and stays undecided on correct labels
  (tweet_eval hate, sentiment and offensive, none flipped: 14-32% flagged, median 0.18-0.22).

A second baseline that reads differently (the same learner on character 2-5-grams) is asked about every suspect:
a suspect is *confirmed* when both give its label under ``noise_confirm_below`` and prefer the same other label. A
flipped label is a plain error both read alike (banking77, SNIPS and SMS spam with 5-40% flipped: 52-81% of the
suspects confirmed, 84-99% of the confirmed are flips); a blind spot is one model's way of reading (HWU64's short
commands, tweets, SICK: 2-42% confirmed). Under ``noise_min_agreement`` only the confirmed share counts, and only to
warn.

An estimate with a doubt never fails, warns only above ``fail_label_noise_rate``, and its warning has the cause
``uncertain``: it never holds back a confident one in "What to do next". An unsure probe (the last doubt) is only
``info``: on tweet_eval sentiment three quarters of the suspects read are labelled right, so a warning would be
false.

scikit-learn and cleanlab are imported inside the functions: chat and completion runs, and ``ftprep report``,
never pay for them.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.core.markdown import table_cell
from pipeline.core.workers import loky_workers_die_with_parent
from pipeline.readiness.check import Check, Rule
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.wording import percent


@dataclass(frozen=True)
class LabelNoise:
    """Likely mislabeled rows found by cleanlab's ``find_label_issues`` on out-of-fold probabilities.

    Args:
        estimated_rate: flagged rows / examined rows.
        suspects: every flagged row, most likely mislabeled first (cleanlab's self-confidence ranking): ``id``,
            ``text``, ``given_label``, ``label_quality`` (the baseline's probability of the given label) and, when
            the baseline prefers another label, ``suggested_label`` with its ``confidence``.
        examined: rows analysed (after sampling and after leaving out labels too rare to cross-validate).
        flagged: rows cleanlab flagged (all of them are in ``suspects``).
        baseline_accuracy: out-of-fold accuracy of the baseline against the given labels.
        skill: the baseline's balanced accuracy above chance, ``(bacc - 1/K) / (1 - 1/K)`` (0 = guessing).
        median_per_label: median number of examined examples per label.
        suspect_label_quality: median of the suspects' ``label_quality``: near 0 when the baseline is sure the
            given labels are wrong, higher when it is merely unsure (``None`` without suspects).
        confirmed: suspects that a second, character-level baseline confirms (:func:`confirmed_by_second`);
            ``None`` when the second baseline did not run (no suspects, or ``confirm_below`` is ``None``).
        shown: how many suspects report.md and report.html list (``max_suspects``).
        skipped_labels: labels left out because they have fewer examples than folds.
    """

    estimated_rate: float
    suspects: list[dict]
    examined: int
    flagged: int
    baseline_accuracy: float
    skill: float
    median_per_label: float
    suspect_label_quality: float | None = None
    shown: int = 20
    skipped_labels: list[str] = field(default_factory=list)
    confirmed: int | None = None

    def as_report(self) -> dict:
        return {
            "estimated_rate": self.estimated_rate,
            "flagged": self.flagged,
            "examined": self.examined,
            "baseline_accuracy": self.baseline_accuracy,
            "skill": self.skill,
            "median_per_label": self.median_per_label,
            "suspect_label_quality": self.suspect_label_quality,
            **({} if self.confirmed is None else {
                "second_baseline": SECOND_BASELINE, "confirmed": self.confirmed,
                "confirmed_rate": round(self.confirmed / self.examined, 4),
                "agreement": round(self.confirmed / self.flagged, 4) if self.flagged else None}),
            "skipped_labels": self.skipped_labels,
            "shown": self.shown,
            "suspects": self.suspects,
        }


def label_noise(
    ids: Sequence[str],
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    seed: int,
    max_examples: int = 12_000,
    folds: int = 5,
    shown: int = 20,
    confirm_below: float | None = 0.1,
) -> LabelNoise | None:
    """Flag likely mislabeled rows with cleanlab's ``find_label_issues`` on out-of-fold probabilities.

    Labels with fewer than ``folds`` examples are left out (cleanlab's FAQ advises removing extremely rare
    classes; they cannot be cross-validated either). Returns ``None`` when fewer than two labels remain.
    """
    from cleanlab.filter import find_label_issues  # cleanlab is slow to import; only classification needs it

    keep = _sample(labels, max_examples, seed)
    counts = Counter(np.asarray(labels, dtype=object)[keep])
    skipped = sorted(label for label, n in counts.items() if n < folds)
    keep = np.array([i for i in keep if counts[labels[i]] >= folds], dtype=int)
    classes = sorted(label for label in counts if counts[label] >= folds)
    if len(classes) < 2:
        return None
    x = np.empty(len(keep), dtype=object)
    x[:] = [texts[i] for i in keep]  # by position: a lazy sequence of texts is read at the sample only
    y = np.searchsorted(classes, np.asarray(labels, dtype=object)[keep].astype(str))
    probs = _out_of_fold_probs(x, y, folds, seed)
    issues = find_label_issues(y, probs, return_indices_ranked_by="self_confidence", n_jobs=1)
    predicted = probs.argmax(axis=1)
    quality = round(float(np.median(probs[issues, y[issues]])), 4) if len(issues) else None
    confirmed = None
    if len(issues) and confirm_below is not None:
        second = _out_of_fold_probs(x, y, folds, seed, second_baseline(len(x)))
        confirmed = confirmed_by_second(probs, second, y, issues, confirm_below)
    suspects = suspect_rows([ids[i] for i in keep], x, classes, y, probs, issues)
    if confirmed is not None:
        for row, sure in zip(suspects, confirmed):
            row["confirmed"] = bool(sure)
    return LabelNoise(
        estimated_rate=round(len(issues) / len(keep), 4),
        suspects=suspects,
        examined=len(keep),
        flagged=int(len(issues)),
        baseline_accuracy=round(float(np.mean(predicted == y)), 4),
        skill=probe_skill(predicted, y, len(classes)),
        median_per_label=float(np.median(np.bincount(y))),
        suspect_label_quality=quality,
        shown=shown,
        skipped_labels=skipped,
        confirmed=None if confirmed is None else int(confirmed.sum()),
    )


def _sample(labels: Sequence[str], max_examples: int, seed: int) -> np.ndarray:
    """Indices of a stratified sample of at most ``max_examples`` rows, in original order."""
    if len(labels) <= max_examples:
        return np.arange(len(labels))
    from pipeline.readiness.learning import stratified_order

    return np.sort(stratified_order(labels, seed)[:max_examples])


def _out_of_fold_probs(x: np.ndarray, y: np.ndarray, folds: int, seed: int, model: Any = None) -> np.ndarray:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from pipeline.readiness.learning import baseline

    model = baseline(len(x)) if model is None else model
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings(), loky_workers_die_with_parent():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # n_jobs=2: the folds are independent and this machine has two cores; results do not depend on it.
        return cross_val_predict(model, list(x), y, cv=splitter, method="predict_proba", n_jobs=2)


SECOND_BASELINE = "character 2-5-grams (within words) TF-IDF + logistic regression"


def second_baseline(n_rows: int) -> Any:
    """The confirming probe: the word baseline's learner on character n-grams, so it reads spelling, word pieces
    and inflections that the word model splits into unrelated tokens, and misses word pairs it sees."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from pipeline.readiness.learning import _MIN_DF_ABOVE, _SAGA_EPOCHS  # the same caps as the word baseline

    return make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                        min_df=2 if n_rows >= _MIN_DF_ABOVE else 1),
        LogisticRegression(C=10.0, solver="saga", max_iter=_SAGA_EPOCHS, tol=1e-3, random_state=0),
    )


def confirmed_by_second(first: np.ndarray, second: np.ndarray, given: np.ndarray, ranked: np.ndarray,
                        below: float) -> np.ndarray:
    """For each suspect at ``ranked``: do both baselines give its label under ``below`` and prefer the same other
    label? A flipped label is a plain error both read alike; a label a bag of n-grams cannot read (sarcasm, a short
    command it has not seen) leaves at least one of them unsure, or the two disagree on the alternative."""
    rows = np.asarray(ranked, dtype=int)
    best = first[rows].argmax(axis=1)
    return ((first[rows, given[rows]] < below) & (second[rows, given[rows]] < below)
            & (second[rows].argmax(axis=1) == best) & (best != given[rows]))


def probe_skill(predicted: np.ndarray, given: np.ndarray, n_classes: int) -> float:
    """Balanced accuracy above chance, ``(bacc - 1/K) / (1 - 1/K)``: 0 for guessing, 1 for agreeing everywhere.

    Balanced, because plain accuracy rewards always predicting the majority label (MRPC: 69% accuracy with a
    67% majority label).
    """
    recalls = [float(np.mean(predicted[given == k] == k)) for k in range(n_classes) if np.any(given == k)]
    chance = 1 / n_classes
    return round((float(np.mean(recalls)) - chance) / (1 - chance), 4)


def suspect_rows(ids: Sequence[str], texts: Sequence[str], classes: Sequence[str], given: np.ndarray,
                 probs: np.ndarray, ranked: Sequence[int]) -> list[dict]:
    """The rows at ``ranked`` positions, in that order; a suggestion only where the baseline prefers another label."""
    rows = []
    for i in ranked:
        best = int(np.argmax(probs[i]))
        row = {"id": ids[i], "text": texts[i], "given_label": classes[given[i]],
               "label_quality": round(float(probs[i][given[i]]), 4)}
        if best != given[i]:
            row["suggested_label"] = classes[best]
            row["confidence"] = round(float(probs[i][best]), 4)
        rows.append(row)
    return rows


def check_label_noise(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """cleanlab's flagged share, judged directly when the baseline can be trusted, else only above the fail line;
    when a second baseline confirms too few suspects, only the confirmed share counts, and only to warn."""
    rule = Rule("label_noise", {"warn_above": cfg.max_label_noise_rate, "fail_above": cfg.fail_label_noise_rate,
                                "trusted_from_per_label": cfg.noise_min_per_label, "trusted_from_skill": cfg.noise_min_skill,
                                "trusted_up_to_suspect_quality": cfg.noise_max_suspect_quality,
                                "confirmed_below": cfg.noise_confirm_below,
                                "trusted_from_agreement": cfg.noise_min_agreement},
                says=f"warns when over {percent(cfg.max_label_noise_rate)} of examples look mislabeled, fails over "
                     f"{percent(cfg.fail_label_noise_rate)}; when a second, character-level baseline confirms under "
                     f"{percent(cfg.noise_min_agreement)} of the suspects, only the confirmed share counts, and only "
                     f"to warn; when the baseline is too weak to trust (median under "
                     f"{cfg.noise_min_per_label} examples per label, skill under {cfg.noise_min_skill:g}, or over "
                     f"{cfg.noise_max_suspect_quality:g} median probability of the suspects' own labels: info only) it only warns, "
                     f"above {percent(cfg.fail_label_noise_rate)}, and that warning waits behind confident ones")
    if report["task"] != "classification":
        return rule.skip("label noise is estimated for classification only")
    noise = report.get("label_noise")
    if not noise:
        return rule.skip(f"too little data: needs 2 labels with {cfg.noise_folds}+ examples")
    rate, accuracy = noise["estimated_rate"], noise["baseline_accuracy"]
    message = (f"cleanlab flags {noise['flagged']} of {noise['examined']} examples ({rate:.1%}) as likely mislabeled: "
               f"the baseline, trained on the other folds, confidently predicts another label (its accuracy on the "
               f"given labels: {accuracy:.0%})")
    if noise.get("confirmed") is not None:
        message += (f"; a second, character-level baseline confirms {noise['confirmed']} of them "
                    f"({noise['confirmed_rate']:.1%} of examples)")
    fix = (f"fix the labels before adding data: review suspect_labels.jsonl ({noise['flagged']} rows, most likely "
           "mislabeled first; suggested_label where the baseline prefers another label, confirmed where both "
           "baselines agree)")
    unsure = ("read a sample of suspect_labels.jsonl before relabelling: if most are labelled right, the baseline "
              "is what falls short, not the labels")
    disputed = _disputed(noise, cfg)
    if disputed:
        # two baselines that disagree on what is wrong read the task, not the labels (short commands, sarcasm,
        # topics that overlap); rows both are sure of are still counted, and warn above the warn line
        confirmed_rate = noise["confirmed_rate"]
        status = ("warn" if confirmed_rate > cfg.max_label_noise_rate
                  else "info" if rate > cfg.max_label_noise_rate else "pass")
        advice = (f"review the {noise['confirmed']} confirmed rows of suspect_labels.jsonl first; " + unsure)
        return rule.result(confirmed_rate, message + "; " + disputed, advice, status=status, cause="uncertain")
    doubts = _doubts(noise, cfg)
    if doubts:
        # an unsure baseline disagrees with labels it cannot read: on real subjective tweets (tweet_eval sentiment)
        # three quarters of the suspects read are labelled right, so its share is a figure to read, not a warning
        quality = noise.get("suspect_label_quality")
        unsure_baseline = quality is not None and quality > cfg.noise_max_suspect_quality
        status = "info" if unsure_baseline else "warn" if rate > cfg.fail_label_noise_rate else "pass"
        return rule.result(rate, message + "; " + "; ".join(doubts), unsure, status=status, cause="uncertain")
    status = rule.status(rate)
    if status == "fail" and accuracy < 0.8:
        message += f"; this much label noise is what keeps the baseline at {accuracy:.0%}, not the amount of data"
    return rule.result(rate, message, fix, status=status)


def _disputed(noise: dict[str, Any], cfg: ReadinessConfig) -> str:
    """Why the flagged share is not the figure to judge when the two baselines disagree ('' when they agree)."""
    agreement = noise.get("agreement")
    if agreement is None or agreement >= cfg.noise_min_agreement:
        return ""
    return (f"the two baselines agree on only {agreement:.0%} of the suspects (both give the label under "
            f"{cfg.noise_confirm_below:g} and prefer the same other one): they disagree with labels they cannot "
            f"read rather than with plainly wrong ones, so only the {noise['confirmed_rate']:.1%} confirmed count")


def _doubts(noise: dict[str, Any], cfg: ReadinessConfig) -> list[str]:
    """Why the flagged share may say more about the baseline than about the labels (empty: it can be trusted)."""
    doubts = []
    per_label = noise.get("median_per_label")
    if per_label is not None and per_label < cfg.noise_min_per_label:
        doubts.append(f"with {per_label:g} examples per label (median) the baseline is weak and also disagrees with "
                      "correct labels, so the share is overstated")
    skill = noise.get("skill")
    if skill is not None and skill < cfg.noise_min_skill:
        doubts.append(f"the baseline predicts these labels barely better than chance (skill {skill:.2f}): either many "
                      "labels are wrong or the text alone does not decide the label (sentence pairs, context)")
    quality = noise.get("suspect_label_quality")
    if quality is not None and quality > cfg.noise_max_suspect_quality:
        doubts.append(f"the baseline is unsure on its suspects (it still gives their own labels {quality:.0%}, median): "
                      "it disagrees with labels it cannot read (sarcasm, negation, judgement calls) rather than with "
                      "plainly wrong ones, so the share is overstated")
    return doubts


def label_noise_md(section: dict[str, Any]) -> list[str]:
    shown = section["suspects"][: section.get("shown", 20)]
    lines = ["## Label noise (cleanlab, out-of-fold baseline probabilities)", "",
             f"{section['flagged']} of {section['examined']} examples look mislabeled "
             f"(estimated rate **{section['estimated_rate']:.1%}**; baseline out-of-fold accuracy "
             f"{section.get('baseline_accuracy', float('nan')):.1%}"
             + (f", skill {section['skill']:.2f}, median {section['median_per_label']:g} examples per label"
                if "skill" in section else "")
             + f"). All {len(section['suspects'])} suspects are in `suspect_labels.jsonl`, most likely mislabeled first"
             + (f"; the first {len(shown)}:" if shown else ".")]
    if section.get("confirmed") is not None:
        lines.append(f"A second baseline ({section['second_baseline']}) confirms {section['confirmed']} of them "
                     f"({section['confirmed_rate']:.1%} of examples; agreement {section['agreement']:.0%}).")
    if section.get("skipped_labels"):
        lines.append(f"Labels too rare to cross-validate, not examined: {', '.join(section['skipped_labels'])}.")
    if shown:
        lines += ["", "| id | text | given label | suggested label | confidence |", "|---|---|---|---|---|"]
        lines += [f"| {table_cell(s['id'])} | {table_cell(s['text'][:100])} | {table_cell(s['given_label'])} | "
                  f"{table_cell(s.get('suggested_label', ''))} | {_confidence(s)} |" for s in shown]
    return lines


def _confidence(suspect: dict[str, Any]) -> str:
    return f"{suspect['confidence']:.2f}" if "confidence" in suspect else ""
