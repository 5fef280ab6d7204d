"""Two notices OpenAI's data checker gives, as notes of the targets section (not warnings: neither is a problem
for ftprep's outputs): the share of examples without a system message, and an input sorted by label."""

from __future__ import annotations

import random

import pytest

from pipeline.core.records import Task
from pipeline.ingest.config import InputConfig
from pipeline.ingest.stage import read_records
from pipeline.targets.config import TargetConfig
from pipeline.targets.render import render_targets
from pipeline.targets.stage import input_order_note, measure_target
from tests.conftest import DATA


def _records(name: str):
    kept = read_records([str(DATA / name)], InputConfig()).kept
    return kept.add_column("split", [("train", "val", "test")[i % 3] for i in range(len(kept))])


@pytest.mark.parametrize(("system_prompt", "notes"), [(None, 1), ("Classify the message.", 0)])
def test_examples_without_a_system_message_are_counted(system_prompt, notes):
    """Converted records without [target] system_prompt have no system message: the note gives their share (all of
    them); with a system prompt there is no note."""
    records = _records("sms_spam_300.tsv")
    section = measure_target(records, Task.CLASSIFICATION, TargetConfig(name="openai", system_prompt=system_prompt),
                             "openai", "o200k_base")
    assert len(section["notes"]) == notes
    if notes:
        (note,) = section["notes"]
        assert note["kind"] == "no_system_message" and note["share"] == 1.0 and note["records"] == len(records)


def test_a_file_sorted_by_label_is_noted_and_a_shuffled_one_is_not():
    """banking77's slice comes grouped by intent (as the original train.csv): noted; the same rows shuffled, and
    the SMS collection in its own (mixed) order: no note."""
    grouped = _records("banking77_20labels.csv")
    note = input_order_note(grouped, Task.CLASSIFICATION)
    assert note["kind"] == "sorted_by_label" and note["ratio"] < 0.02
    order = list(range(len(grouped)))
    random.Random(3).shuffle(order)
    shuffled = grouped.select(order).remove_columns("source_row").add_column("source_row", list(range(len(grouped))))
    assert input_order_note(shuffled, Task.CLASSIFICATION) is None
    assert input_order_note(_records("sms_spam_300.tsv"), Task.CLASSIFICATION) is None


def test_notes_are_shown_once_in_the_targets_table():
    """report.md's Targets section lists each note (the input-order one once, however many targets)."""
    records = _records("banking77_20labels.csv")
    note = input_order_note(records, Task.CLASSIFICATION)
    section = {name: {**measure_target(records, Task.CLASSIFICATION, TargetConfig(name=("openai", "bedrock")), name,
                                       "o200k_base")} for name in ("openai", "bedrock")}
    for target in section.values():
        target["notes"].append(note)
    text = "\n".join(render_targets(section))
    assert text.count("grouped by label") == 1 and text.count("have no system message") == 2
