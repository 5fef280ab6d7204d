"""Label shortcuts on real intent, spam and tweet slices, untouched and with a length or style shortcut planted."""

from __future__ import annotations

import csv

import pytest

from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.label_shortcuts import check_label_shortcuts, label_shortcuts, style_features
from tests.conftest import DATA

CFG = ReadinessConfig()


def _csv(name: str, *fields: str) -> list[list[str]]:
    with open(DATA / name, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [[r[f] for r in rows] for f in fields]


def _tsv(name: str) -> tuple[list[str], list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()[1:]
    pairs = [line.split("\t", 1) for line in lines if line]
    return [p[1] for p in pairs], [p[0] for p in pairs]


def _check(texts, labels, sources=None):
    section = label_shortcuts(texts, labels, sources=sources, seed=42)
    return check_label_shortcuts({"task": "classification", "label_shortcuts": section}, CFG)


@pytest.fixture(scope="module")
def banking() -> tuple[list[str], list[str]]:
    texts, labels = _csv("banking77_1500.csv", "text", "category")
    return texts, labels


@pytest.fixture(scope="module")
def hwu() -> tuple[list[str], list[str], list[str]]:
    """12 real HWU64 intents: each request as its user typed it and as the annotators' lower-case copy."""
    labels, typed, lowered = _csv("hwu64_12intents.csv", "intent", "answer_from_user", "answer_from_anno")
    return labels, typed, lowered


@pytest.mark.parametrize("name", ["banking77", "hwu64", "sms_spam", "tweet_hate", "tweet_sentiment"])
def test_real_sets_are_quiet(name, banking, hwu):
    """Real intents, spam and tweets pass, though spam is longer than ham (length skill about 0.75)."""
    texts, labels = {
        "banking77": lambda: banking,
        "hwu64": lambda: (hwu[1], hwu[0]),
        "sms_spam": lambda: _tsv("sms_spam_2000.tsv"),
        "tweet_hate": lambda: _tsv("tweeteval_hate_1500.tsv"),
        "tweet_sentiment": lambda: _tsv("tweeteval_sentiment_1500.tsv"),
    }[name]()
    check = _check(texts, labels)
    assert check.status == "pass", check.message


def test_labels_set_by_length_warn_with_the_effect(banking):
    """Real texts labelled short/medium/long by their length: length decides the label, and the message says how well."""
    texts, _ = banking
    cuts = sorted(len(t) for t in texts)
    low, high = cuts[len(cuts) // 3], cuts[2 * len(cuts) // 3]
    labels = ["short" if len(t) < low else "medium" if len(t) < high else "long" for t in texts]
    check = _check(texts, labels)
    assert check.status == "warn" and check.observed["length"] > 0.9
    assert check.message.startswith("text length alone gives the label away: text length: balanced accuracy")
    assert "against chance 33%" in check.message and "before adding data" in check.recommendation


def test_one_file_per_label_each_written_its_own_way_warns(hwu):
    """Half the intents as typed, half lower-cased and unpunctuated, one input file per intent: style warns, and
    the input file is named as the likely cause."""
    labels, typed, lowered = hwu
    order = sorted(set(labels))
    texts = [t if order.index(label) % 2 else low for label, t, low in zip(labels, typed, lowered)]
    check = _check(texts, labels, sources=[f"{label}.csv" for label in labels])
    assert check.status == "warn" and check.observed["style_label_share"] > 0.5
    assert "casing and punctuation alone gives the label away" in check.message
    assert "Each label also comes from its own input file" in check.message


def test_one_file_per_label_written_alike_is_info(hwu):
    """One file per intent, every file as the users typed it: an honest layout, info only."""
    labels, typed, _ = hwu
    check = _check(typed, labels, sources=[f"{label}.csv" for label in labels])
    assert check.status == "info" and check.observed["source_file"] == 1.0


def test_a_language_identification_set_is_not_judged_on_language():
    """When the labels are languages, the detected language deciding them is the task, not a shortcut."""
    texts, labels = _csv("language_detection_312.csv", "Text", "Language")
    codes = {"English": "en", "German": "de", "French": "fr", "Spanish": "es", "Italian": "it", "Portugeese": "pt",
             "Dutch": "nl", "Sweedish": "sv", "Danish": "da", "Russian": "ru", "Turkish": "tr", "Greek": "el",
             "Arabic": "ar"}
    section = label_shortcuts(texts, labels, languages=[codes[label] for label in labels], seed=42)
    assert "skipped" in section["groups"]["language"]
    check = check_label_shortcuts({"task": "classification", "label_shortcuts": section}, CFG)
    assert check.status == "pass"


def test_a_label_given_by_the_language_warns(banking):
    """Binary labels, one always in German and one in English (a second source translated): language decides."""
    texts, labels = banking
    german = {"card_arrival", "exchange_rate", "pin_blocked"}
    pick = [(t, "de_source" if l in german else "en_source") for t, l in zip(texts, labels)
            if l in german | {"top_up_failed", "lost_or_stolen_card", "cash_withdrawal_charge"}]
    langs = ["de" if l == "de_source" else "en" for _, l in pick]
    section = label_shortcuts([t for t, _ in pick], [l for _, l in pick], languages=langs, seed=42)
    check = check_label_shortcuts({"task": "classification", "label_shortcuts": section}, CFG)
    assert check.status == "warn" and "the language" in check.message


def test_style_features_leave_uncased_scripts_unmeasured():
    """Arabic has no upper case: its casing features are not measured (nan), not 'all lower case'."""
    arabic = style_features("مرحبا بالعالم")
    assert all(v != v for v in arabic[:4])
    assert style_features("Hello world.")[:5] == [0.1, 1.0, 0.0, 0.5, 1.0]


def test_a_style_of_one_label_group_within_one_file_is_info():
    """Real HWU64 (all 64 intents, one file): the annotators wrote its 'general' intents with a final stop, so the
    label explains ~99% of the final mark's variance, yet the stop names no single label: info, not a warning."""
    import json

    rows = [json.loads(line) for line in (DATA / "readiness" / "hwu64_fold1.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [r["answer_from_anno"] for r in rows]
    labels = [f"{r['scenario']}_{r['intent']}" for r in rows]
    check = _check(texts, labels)
    assert check.status == "info", check.message
    assert check.observed["style_label_share"] > CFG.shortcut_max_style_share
