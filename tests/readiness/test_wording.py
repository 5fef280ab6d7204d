"""Quotes of user text, labels that are parsing accidents, thresholds read out, and cause-first next steps."""

from __future__ import annotations

import csv
from pathlib import Path

from pipeline.readiness.next_steps import next_steps
from pipeline.readiness.wording import looks_like_parsing_accident, name_list, quote, threshold_sentence

DATA = Path(__file__).parent.parent / "data"


def _labels(name: str, column: str) -> set[str]:
    with open(DATA / name, newline="", encoding="utf-8") as fh:
        return {row[column] for row in csv.DictReader(fh)}


def test_quote_cuts_a_paragraph_to_one_line_of_80_characters():
    """A paragraph that became a label is echoed as one line of at most 80 characters."""
    text = "card_arrival\nWhere is my card?,card_arrival\n" + "How do I top up? " * 20
    out = quote(text)
    assert len(out) == 80 and "\n" not in out and out.endswith("…") and quote("short") == "short"


def test_name_list_quotes_each_name_and_counts_the_rest():
    assert name_list(["a" * 100, "b", "c"], limit=2, each=10) == "aaaaaaaaa…, b and 1 more"


def test_real_class_names_are_not_parsing_accidents():
    """banking77's intents and the language-ID labels are class names; so are short phrases like 'Sci/Tech'."""
    labels = _labels("banking77_20labels.csv", "category") | _labels("language_detection_312.csv", "Language")
    labels |= {"ham", "spam", "0", "1", "Society & Culture", "Sci/Tech", "very negative", "comp.sys.ibm.pc.hardware",
               "wrong_exchange_rate_for_cash_withdrawal"}
    assert [label for label in labels if looks_like_parsing_accident(label)] == []


def test_the_real_shifted_row_is_a_parsing_accident():
    """language_detection's shifted row (Hindi text in the Language column) is the one accident in its labels."""
    labels = _labels("language_detection_shifted_row.csv", "Language")
    assert [label[:9] for label in labels if looks_like_parsing_accident(label)] == [" अब आप सो"]
    assert looks_like_parsing_accident("card_arrival\nWhere is my card?,card_arrival")
    assert looks_like_parsing_accident("I am still waiting on my card?") and looks_like_parsing_accident("x" * 61)


def test_threshold_sentence_reads_out_a_rule_without_one():
    """Reports written before checks stated their rule still read as sentences."""
    assert threshold_sentence({"warn_above": 0.05, "per_label_warn_above": 0.2}) == "warns above 0.05; warns above 0.2 (per label)"
    assert threshold_sentence({"fail_below": 10, "warn_below": 100}) == "fails below 10; warns below 100"


def _check(name: str, status: str, recommendation: str, cause: str | None = None) -> dict:
    return {"name": name, "status": status, "recommendation": recommendation, "cause": cause}


def test_next_steps_fix_rows_and_labels_before_adding_data():
    """With label noise open, 'add ~7,800 examples' waits behind a re-run; the failed check comes first, then the
    warnings by cause (malformed rows before volume)."""
    steps = next_steps([_check("learning_curve", "warn", "add about 7800 examples"),
                        _check("label_noise", "fail", "fix the labels of the suspects"),
                        _check("reject_rate", "warn", "look at rejected.jsonl"),
                        _check("label_balance", "pass", "n/a")])
    assert steps[0].startswith("fix the labels") and steps[1].startswith("look at rejected.jsonl")
    assert "learning_curve" in steps[2] and "again before adding data" in steps[2] and len(steps) == 3


def test_a_failed_check_comes_before_any_warning():
    """A refusals fail (content) comes before a truncated-responses warning (malformed rows): the fail blocks
    training, the warning does not; among the warnings the malformed one comes first."""
    steps = next_steps([_check("truncated_responses", "warn", "re-export the cut-off answers"),
                        _check("refusals", "fail", "drop the refusals"),
                        _check("diversity", "warn", "add varied prompts")])
    assert [s.split(" (")[0] for s in steps] == ["drop the refusals", "re-export the cut-off answers",
                                                 "add varied prompts"]


def test_next_steps_order_balance_before_volume_and_honour_a_checks_own_cause():
    """Without label problems balance comes before volume; min_per_label on text labels counts as malformed."""
    steps = next_steps([_check("learning_curve", "warn", "add data"), _check("label_balance", "warn", "add rare labels")])
    assert [s.split(" (")[0] for s in steps] == ["add rare labels", "add data"]
    steps = next_steps([_check("eval_power", "warn", "grow the test split"),
                        _check("min_per_label", "fail", "fix the rows whose label is text", cause="malformed")])
    assert steps[0].startswith("fix the rows") and "eval_power" in steps[1] and "again" in steps[1]


def test_an_uncertain_warning_never_holds_back_a_confident_one():
    """A label-noise warning from an unsure baseline (tweets) comes after 'add data' and does not make it wait."""
    steps = next_steps([_check("label_noise", "warn", "read a sample of the suspects", cause="uncertain"),
                        _check("learning_curve", "warn", "add about 1200 examples")])
    assert [s.split(" (")[0] for s in steps] == ["add about 1200 examples", "read a sample of the suspects"]
    assert not any("again before adding data" in s for s in steps)
