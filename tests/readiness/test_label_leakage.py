"""Label leakage on real banking77, SMS spam and language-detection slices, untouched and with the label leaked."""

from __future__ import annotations

import csv
import random

import pytest

from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.label_leakage import (check_label_leakage, label_leakage, measure_label_leakage, name_forms,
                                              tokens)
from tests.conftest import DATA

CFG = ReadinessConfig()


def _csv(name: str, text: str, label: str) -> tuple[list[str], list[str]]:
    with open(DATA / name, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r[text] for r in rows], [r[label] for r in rows]


@pytest.fixture(scope="module")
def banking() -> tuple[list[str], list[str]]:
    """1,914 real banking77 rows of 20 intents (keyword intents such as pin_blocked and exchange_rate among them)."""
    return _csv("banking77_20labels.csv", "text", "category")


@pytest.fixture(scope="module")
def sms() -> tuple[list[str], list[str]]:
    lines = (DATA / "sms_spam_2000.tsv").read_text(encoding="utf-8").splitlines()[1:]
    pairs = [line.split("\t", 1) for line in lines if line]
    return [p[1] for p in pairs], [p[0] for p in pairs]


def _insert_label(texts, labels, share, only=None, seed=0, form=lambda label: label.replace("_", " "), at=None):
    """The label's name (by default ``_`` -> space) at a random word position (or at ``at``: 0 first, -1 last) in
    ``share`` of the texts of ``only``."""
    rng = random.Random(seed)
    out = []
    for text, label in zip(texts, labels):
        if (only is None or label in only) and rng.random() < share:
            words = text.split()
            where = rng.randint(0, len(words)) if at is None else (0 if at == 0 else len(words))
            text = " ".join(words[:where] + [form(label)] + words[where:])
        out.append(text)
    return out


def _check(texts, labels):
    return check_label_leakage({"task": "classification", "label_leakage": label_leakage(texts, labels)}, CFG)


def test_real_banking77_is_silent(banking):
    """Real intents pass, though 'exchange' is in most exchange_rate texts and 'pin' in most pin_blocked ones."""
    texts, labels = banking
    rate = [t for t, l in zip(texts, labels) if l == "exchange_rate"]
    assert sum("exchange" in tokens(t) for t in rate) / len(rate) > 0.85
    check = _check(texts, labels)
    assert (check.status, check.observed) == ("pass", 0)


def test_bracket_prefix_leaks_every_label(banking):
    """'[card_arrival] ...' on every text: every label leaks, and the warning names them and the giveaway."""
    texts, labels = banking
    leaked = [f"[{l}] {t}" for t, l in zip(texts, labels)]
    section = label_leakage(leaked, labels)
    assert set(section["leaking_labels"]) == set(labels) and section["leaking_share"] == 1.0
    assert {"kind": "first_token", "token": "card_arrival", "coverage": 1.0, "precision": 1.0} in \
        section["leaking_labels"]["card_arrival"]["giveaways"]
    check = _check(leaked, labels)
    assert check.status == "warn" and check.message.startswith("20 of 20 labels can be read off their texts")
    assert "'card_arrival' (first token) in 100% of its texts" in check.message
    assert "remove the giveaway" in check.recommendation


@pytest.mark.parametrize(("form", "at", "leaks"), [
    (lambda l: l, None, True),                              # card_arrival, as written, anywhere
    (lambda l: f"[{l.replace('_', ' ')}]", None, True),     # [card arrival]
    (lambda l: f"{l.replace('_', ' ')}:", None, True),      # card arrival:
    (lambda l: l.replace("_", " "), 0, True),               # card arrival, opening every text
    (lambda l: l.replace("_", " "), None, False),           # card arrival, as words anywhere: a natural keyword
])
def test_pasted_label_names_leak_and_natural_ones_do_not(banking, form, at, leaks):
    """The name pasted as a tag (separators, brackets, a colon, a fixed position) leaks; as plain words it is a
    keyword: listed, info, never a warning."""
    texts, labels = banking
    section = label_leakage(_insert_label(texts, labels, 0.9, only={"card_arrival"}, form=form, at=at), labels)
    assert list(section["leaking_labels"]) == (["card_arrival"] if leaks else [])
    assert list(section["keyword_labels"]) == ([] if leaks else ["card_arrival"])
    check = check_label_leakage({"task": "classification", "label_leakage": section}, CFG)
    assert check.status == ("warn" if leaks else "info")


def test_label_words_in_70_percent_of_its_texts_are_neither(banking):
    """'card_arrival' in 70% of card_arrival's texts stays under the 85% coverage bound."""
    texts, labels = banking
    section = label_leakage(_insert_label(texts, labels, 0.7, only={"card_arrival"}, form=lambda l: l), labels)
    assert (section["leaking_labels"], section["keyword_labels"]) == ({}, {})


def test_real_sms_spam_signal_words_are_not_leaks(sms):
    """'free' and 'txt' are precise spam words but in a fraction of the spam, and not the label's name."""
    texts, labels = sms
    spam = [t for t, l in zip(texts, labels) if l == "spam"]
    assert 0.1 < sum("free" in tokens(t) for t in spam) / len(spam) < 0.5
    assert _check(texts, labels).status == "pass"


def test_spam_tag_in_90_percent_of_spam_leaks(sms):
    """'[spam]' in 90% of the spam messages is a leak of the spam label only; the bare word 'spam' anywhere in
    them is a keyword (info)."""
    texts, labels = sms
    tagged = _insert_label(texts, labels, 0.9, only={"spam"}, form=lambda l: f"[{l}]")
    assert list(label_leakage(tagged, labels)["leaking_labels"]) == ["spam"]
    section = label_leakage(_insert_label(texts, labels, 0.9, only={"spam"}), labels)
    assert (list(section["leaking_labels"]), list(section["keyword_labels"])) == ([], ["spam"])


def test_a_tag_closing_every_text_of_one_label_leaks(sms):
    """A signature an export appended to every spam message is a last-token giveaway."""
    texts, labels = sms
    tagged = [t + " -- via promo gateway" if l == "spam" else t for t, l in zip(texts, labels)]
    giveaway = label_leakage(tagged, labels)["leaking_labels"]["spam"]["giveaways"][0]
    assert (giveaway["kind"], giveaway["token"], giveaway["coverage"]) == ("last_token", "gateway", 1.0)


def test_indic_words_keep_their_vowel_signs():
    """Malayalam and Kannada words are not split into letters (which would be in every text of the language)."""
    texts, labels = _csv("language_detection_ml_kn.csv", "Text", "Language")
    assert tokens("यह एक वाक्य है।") == ["यह", "एक", "वाक्य", "है"]
    assert label_leakage(texts, labels)["leaking_labels"] == {}


def test_label_name_forms():
    """A label is looked for as written and as words."""
    assert name_forms("card_arrival") == {"card_arrival", "card arrival"}
    assert name_forms("Refund_not_showing_up") == {"refund_not_showing_up", "refund not showing up"}
    assert name_forms("spam") == {"spam"}


def test_small_labels_and_single_label_sets_are_not_judged(banking):
    """A label with fewer than 10 texts is left out; with one label there is nothing to leak: skip."""
    texts, labels = banking
    rate = [t for t, l in zip(texts, labels) if l == "exchange_rate"][:30]
    section = label_leakage([f"[a] {t}" for t in rate[:5]] + rate[5:], ["a"] * 5 + ["b"] * 25)
    assert (section["labels_examined"], section["leaking_labels"]) == (1, {})
    assert _check(rate, ["b"] * 30).status == "skip"


def test_the_section_samples_above_the_cap(banking):
    """Above max_analysis_examples a stratified sample is examined, and the section says of how many."""
    texts, labels = banking
    cfg = ReadinessConfig(max_analysis_examples=500)
    section = measure_label_leakage([f"[{l}] {t}" for t, l in zip(texts, labels)], labels, cfg, seed=42)
    assert section["sampled_from"] == 1914 and 450 < section["texts_examined"] <= 500
    assert len(section["leaking_labels"]) == section["labels_examined"] >= 19  # contactless (35 of 1,914) may fall under 10


def test_a_word_of_the_label_closing_its_requests_is_a_keyword():
    """Real CLINC150 (40 intents): 'playlist' closes 86% of update_playlist requests ("add this song to my
    playlist") and 'timer' most timer ones: words of the label's own name where people put them, so info, not a leak."""
    import json

    rows = [json.loads(line) for line in (DATA / "readiness" / "clinc150_40intents.jsonl").read_text(encoding="utf-8").splitlines()]
    texts, labels = [r["text"] for r in rows], [r["intent"] for r in rows]
    section = label_leakage(texts, labels)
    assert section["leaking_labels"] == {}
    assert "update_playlist" in section["keyword_labels"]
    assert _check(texts, labels).status == "info"
