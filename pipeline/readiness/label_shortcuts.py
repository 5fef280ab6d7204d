"""Label shortcuts (classification): can something other than what the text says predict the label?

A model learns the cheapest signal that separates the labels. When every example of one label was written, exported
or collected differently (one label's file in lower case without punctuation, the spam scraped whole and the ham cut
short), the label can be read off the *form* of the text, and a model fine-tuned on it learns the form. Real inputs
will not carry it.

Each feature group gets its own cheap probe, a shallow decision tree on that group's features only, scored out of
fold (stratified 5-fold) by its balanced accuracy, and reported as ``skill`` = balanced accuracy above chance,
``(bacc - 1/K) / (1 - 1/K)`` (0: no better than guessing, 1: the feature alone decides every label):

- ``length``: characters and words (log scale);
- ``style``: casing (share of upper-case letters, capitalised first letter, all lower case, title-cased words) and
  punctuation (final mark, punctuation density, ``!`` and ``?``); digits are content (prices, phone numbers),
  not style;
- ``language``: the detected language (records whose language was measured; not judged when the labels are
  languages: a language-identification set);
- ``source_file``: which input file a record came from (several inputs only).

The probe misses a style shared by several labels (half the intents typed by users, half from a lower-case copy),
which narrows the label down without deciding it; for that the style group also reports ``label_share``, the largest
share of one style feature's variance that the label explains (eta squared): near 1 when every label is written its
own way.

Some form always goes with the label in real data: spam is longer than ham, a question intent ends with "?". The
check warns only where a group nearly *decides* the label (skill above ``shortcut_min_skill``) or the label
explains most of a style feature (``label_share`` above ``shortcut_max_style_share``); real sets (banking77, SMS
spam, MRPC, CLINC150, HWU64, tweets, language identification) stay well below both (docs/readiness.md). A label per
source file is a common, honest layout (one file per class), so ``source_file`` alone is ``info``; with a length or
style shortcut it explains where the shortcut came from.
"""

from __future__ import annotations

import difflib
import math
import unicodedata
import warnings
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.readiness.check import Check, Rule
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.wording import name_list, quote

GROUPS = ("length", "style", "language", "source_file")
FOLDS = 5
MIN_GROUP_ROWS = 50  # fewer rows with the feature measured (the language of a sample): not judged
_TERMINAL = ".!?。！？"


def length_features(text: str) -> list[float]:
    return [math.log1p(len(text)), math.log1p(len(text.split()))]


STYLE_FEATURES = ("upper_case_share", "capitalised_start", "all_lower_case", "title_case_words", "final_mark",
                  "final_punctuation", "punctuation_share", "exclamation", "question")


def style_features(text: str) -> list[float]:
    """Casing and punctuation (:data:`STYLE_FEATURES`), each independent of the text's length (shares and yes/no);
    a casing feature of a text without cased letters (Arabic, Hindi, Chinese...) is ``nan``: not measured."""
    cased = [c for c in text if c.isupper() or c.islower()]
    upper = sum(c.isupper() for c in cased)
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    stripped = text.rstrip()
    first = next((c for c in text if c.isalpha()), "")
    punct = sum(unicodedata.category(c)[0] == "P" for c in text)
    n = max(1, len(text))
    return [
        upper / len(cased) if cased else math.nan,
        1.0 if first.isupper() else 0.0 if first.islower() else math.nan,
        (1.0 if upper == 0 else 0.0) if cased else math.nan,
        sum(w[0].isupper() for w in words) / len(words) if cased and words else math.nan,
        float(bool(stripped) and stripped[-1] in _TERMINAL),
        float(bool(stripped) and unicodedata.category(stripped[-1])[0] == "P"),
        punct / n,
        float("!" in text),
        float("?" in text),
    ]


def label_shortcuts(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    languages: Sequence[str | None] | None = None,
    sources: Sequence[str] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """The ``label_shortcuts`` section: each feature group's out-of-fold skill at predicting the labels."""
    labels = [str(label) for label in labels]
    counts = Counter(labels)
    keep = [i for i, label in enumerate(labels) if counts[label] >= FOLDS]
    classes = sorted({labels[i] for i in keep})
    section: dict[str, Any] = {"examined": len(keep), "labels": len(classes), "groups": {}}
    if len(classes) < 2:
        return section
    y = np.searchsorted(classes, np.asarray([labels[i] for i in keep]))
    groups = section["groups"]
    groups["length"] = _probe(np.array([length_features(texts[i]) for i in keep]), y, len(classes), seed)
    style = np.array([style_features(texts[i]) for i in keep])
    groups["style"] = {**_probe(np.nan_to_num(style, nan=-1.0), y, len(classes), seed), **_label_share(style, y)}
    if languages is not None:
        rows = [j for j, i in enumerate(keep) if languages[i]]
        values = [languages[keep[j]] for j in rows]
        if _labels_are_languages(classes, values):
            groups["language"] = {"skipped": "the labels are languages (a language-identification task)"}
        elif len(set(values)) >= 2 and len(rows) >= MIN_GROUP_ROWS:
            groups["language"] = _categorical(values, y[rows], seed)
    if sources is not None and len({sources[i] for i in keep}) >= 2:
        groups["source_file"] = _categorical([sources[i] for i in keep], y, seed)
    return section


def _label_share(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """The style feature whose variance the label explains most (the correlation ratio eta squared, between-label
    over total variance, over the texts where the feature is measured): 1 when each label has its own form."""
    best, share = None, 0.0
    for j, name in enumerate(STYLE_FEATURES):
        measured = ~np.isnan(x[:, j])
        v, labels = x[measured, j], y[measured]
        total = float(((v - v.mean()) ** 2).sum()) if len(v) else 0.0
        if total <= 0 or len(v) < MIN_GROUP_ROWS:
            continue
        sums, counts = np.bincount(labels, weights=v), np.bincount(labels)
        present = counts > 0
        between = float((counts[present] * (sums[present] / counts[present] - v.mean()) ** 2).sum())
        if between / total > share:
            best, share = name, between / total
    return {"label_share": round(share, 4), "label_share_feature": best}


def _categorical(values: Sequence[str], y: np.ndarray, seed: int) -> dict[str, Any]:
    """Out of fold, each row predicted as its value's most frequent label (counts weighted by 1 / label size, so
    the majority label earns nothing), scored like :func:`_probe`."""
    from sklearn.model_selection import StratifiedKFold

    from pipeline.readiness.label_noise import probe_skill

    present, y = np.unique(y, return_inverse=True)
    names, codes = np.unique(np.asarray(values, dtype=str), return_inverse=True)
    sizes = np.bincount(y)
    folds = int(min(FOLDS, sizes.min()))
    if folds < 2 or len(present) < 2:
        return {"skipped": "too few examples per label"}
    predicted = np.empty_like(y)
    for fit, held in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(codes, y):
        table = np.zeros((len(names), len(present)))
        np.add.at(table, (codes[fit], y[fit]), 1.0 / sizes[y[fit]])
        fallback = int(np.argmax(np.bincount(y[fit], minlength=len(present)) / sizes))
        best = np.where(table.sum(axis=1) > 0, table.argmax(axis=1), fallback)
        predicted[held] = best[codes[held]]
    recalls = [float(np.mean(predicted[y == k] == k)) for k in range(len(present))]
    return {"balanced_accuracy": round(float(np.mean(recalls)), 4), "chance": round(1 / len(present), 4),
            "skill": probe_skill(predicted, y, len(present)), "rows": int(len(y)), "values": len(names)}


def _probe(x: np.ndarray, y: np.ndarray, n_classes: int, seed: int) -> dict[str, Any]:
    """A shallow tree's out-of-fold balanced accuracy on ``x``, against chance (``1/K``) and as skill."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.tree import DecisionTreeClassifier

    from pipeline.readiness.label_noise import probe_skill

    sizes = np.bincount(y, minlength=n_classes)
    folds = int(min(FOLDS, sizes[sizes > 0].min()))
    if folds < 2 or n_classes < 2:
        return {"skipped": "too few examples per label"}
    # Depth 6 (64 leaves) and leaves of 1% of the rows: enough to carve a length or style threshold per label,
    # too coarse to memorise rows. Balanced class weights: predicting the majority label earns no skill.
    tree = DecisionTreeClassifier(max_depth=6, min_samples_leaf=max(3, len(y) // 100), class_weight="balanced",
                                  random_state=0)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        predicted = cross_val_predict(tree, x, y, cv=splitter)
    recalls = [float(np.mean(predicted[y == k] == k)) for k in range(n_classes) if np.any(y == k)]
    return {"balanced_accuracy": round(float(np.mean(recalls)), 4), "chance": round(1 / n_classes, 4),
            "skill": probe_skill(predicted, y, n_classes), "rows": int(len(y))}


def _labels_are_languages(classes: Sequence[str], detected: Sequence[str]) -> bool:
    """Most labels name a language (an ISO code among the detected ones, or a language's English name, misspelt
    as language-detection sets do: "Portugeese", "Sweedish")."""
    from lingua import Language  # names only; the detectors are not built

    names = [language.name.casefold() for language in Language.all()]
    codes = {str(code).casefold() for code in detected}
    hits = sum(1 for label in classes if label.casefold() in codes
               or difflib.get_close_matches(label.casefold(), names, n=1, cutoff=0.75))
    return hits >= max(2, 0.8 * len(classes))


def measure_label_shortcuts(texts: Sequence[str], labels: Sequence[str], languages: Sequence[str | None] | None,
                            sources: Sequence[str] | None, cfg: ReadinessConfig, seed: int) -> dict[str, Any]:
    """The section over the kept records (a stratified seeded sample above ``max_analysis_examples``)."""
    keep = range(len(texts))
    if len(texts) > cfg.max_analysis_examples:
        from pipeline.readiness.learning import stratified_order

        keep = sorted(stratified_order(labels, seed)[: cfg.max_analysis_examples].tolist())
    pick = (lambda values: [values[i] for i in keep] if values is not None else None)
    section = label_shortcuts(pick(texts), pick(labels), languages=pick(languages), sources=pick(sources), seed=seed)
    return {**section, "sampled_from": len(texts)}


_FEATURE = {"length": "text length", "style": "casing and punctuation", "language": "the language",
            "source_file": "the input file"}


def check_label_shortcuts(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """Warn when text length, style or language alone nearly decides the label, or each label has its own style."""
    skill, share = cfg.shortcut_min_skill, cfg.shortcut_max_style_share
    rule = Rule("label_shortcuts", {"max_skill": skill, "max_style_label_share": share},
                says=f"warns when text length, casing/punctuation or language alone predicts the label with a skill "
                     f"above {skill:g} (balanced accuracy above chance, out of fold; 1 = decides every label), or when "
                     f"the label explains over {share:.0%} of a casing or punctuation feature's variance while each label "
                     "comes from its own input file (each label written its own way); the input file alone, or such a "
                     "style within one file, is info")
    if report["task"] != "classification":
        return rule.skip("label shortcuts are measured for classification only")
    section = report.get("label_shortcuts")
    groups = {name: g for name, g in ((section or {}).get("groups") or {}).items() if "skill" in g}
    if not groups:
        return rule.skip(f"needs 2 labels with {FOLDS} or more examples each")
    observed = {name: g["skill"] for name, g in groups.items()}
    if "style" in groups:
        observed["style_label_share"] = groups["style"].get("label_share", 0.0)
    found = {name: _effect(g) for name, g in groups.items() if name != "source_file" and g["skill"] > skill}
    measured = "; ".join(f"{_FEATURE[name]}: {_effect(g)}" for name, g in groups.items())
    from_files = "source_file" in groups and groups["source_file"]["skill"] > skill
    style = groups.get("style", {})
    # A style shared by a group of labels (eta squared high, skill low) is a collection artifact when the groups are
    # input files; within one collection it is a convention of the annotators (real HWU64: its 'general' intents
    # were written with a final stop, eta squared 0.99): worth reading, not a warning.
    if style.get("label_share", 0.0) > share:
        if from_files or "style" in found:
            found["style"] = "; ".join(filter(None, [found.get("style"), _style_effect(style)]))
        elif not found:
            return rule.result(observed, f"{_style_effect(style)}: a group of labels is written its own way (an "
                               f"annotation convention, not one label each); no feature decides the label: {measured}",
                               status="info")
    if found:
        named = name_list(_FEATURE[name] for name in found)
        where = " Each label also comes from its own input file: the files were written differently." if from_files else ""
        return rule.result(observed, f"{named} alone gives the label away: "
                           + "; ".join(f"{_FEATURE[n]}: {e}" for n, e in found.items()) + f".{where}",
                           f"make every label's texts alike in {named} (normalise them, or collect every label the "
                           "same way) before adding data: a model learns the shortcut, and real inputs will not carry it",
                           status="warn", examples=[f"{_FEATURE[n]}: {e}" for n, e in found.items()])
    if from_files:
        return rule.result(observed, f"each label comes mostly from its own input file ({_effect(groups['source_file'])}), "
                           f"but their length and style do not give the label away: {measured}", status="info")
    return rule.result(observed, f"no form feature gives the label away: {measured}", status="pass")


def _effect(group: dict[str, Any]) -> str:
    return (f"balanced accuracy {group['balanced_accuracy']:.0%} against chance {group['chance']:.0%} "
            f"(skill {group['skill']:.2f})")


def _style_effect(group: dict[str, Any]) -> str:
    return f"the label explains {group['label_share']:.0%} of the variance of {group['label_share_feature'].replace('_', ' ')}"


def label_shortcuts_md(section: dict[str, Any]) -> list[str]:
    lines = ["## Label shortcuts", "",
             "How well each feature group alone predicts the label (a shallow decision tree, out of fold; skill = "
             "balanced accuracy above chance, 1 = decides every label).", "",
             "| feature | balanced accuracy | chance | skill |", "|---|---|---|---|"]
    for name, g in section.get("groups", {}).items():
        if "skill" in g:
            lines.append(f"| {_FEATURE[name]} | {g['balanced_accuracy']:.1%} | {g['chance']:.1%} | {g['skill']:.2f} |")
        else:
            lines.append(f"| {_FEATURE[name]} | not judged: {quote(g.get('skipped', ''), 80)} | | |")
    style = section.get("groups", {}).get("style") or {}
    if style.get("label_share_feature"):
        lines += ["", f"Style feature most tied to the label: {_style_effect(style)} (eta squared)."]
    return lines

