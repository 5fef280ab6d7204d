"""Field mapping: task detection from common dataset layouts, flags, and clear errors."""

from __future__ import annotations

import pytest

from pipeline.ingest.config import InputConfig
from pipeline.core.errors import ConfigError, InputError
from pipeline.ingest.mapping import id_column, resolve_mapping
from pipeline.core.records import Task


@pytest.mark.parametrize(
    ("columns", "task", "fields"),
    [
        (["messages"], Task.CHAT, {"messages": "messages"}),
        (["conversations", "tools"], Task.CHAT, {"messages": "conversations", "tools": "tools"}),
        (["contents", "systemInstruction", "tools"], Task.CHAT, {"messages": "contents", "system": "systemInstruction", "tools": "tools"}),
        (["instruction", "input", "output"], Task.COMPLETION, {"prompt": "instruction", "completion": "output", "context": "input"}),
        (["instruction", "context", "response", "category"], Task.COMPLETION, {"prompt": "instruction", "completion": "response", "context": "context"}),
        (["prompt", "completion"], Task.COMPLETION, {"prompt": "prompt", "completion": "completion"}),
        (["input", "output"], Task.COMPLETION, {"prompt": "input", "completion": "output"}),
        (["text", "category"], Task.CLASSIFICATION, {"text": "text", "label": "category"}),
        (["Label", "SMS"], Task.CLASSIFICATION, {"text": "SMS", "label": "Label"}),
        (["sentence", "intent", "id"], Task.CLASSIFICATION, {"text": "sentence", "label": "intent"}),
    ],
)
def test_layouts_are_detected(columns, task, fields):
    """Public dataset layouts (OpenAI, ShareGPT, Alpaca, Dolly, banking77, SMS spam) map without flags."""
    mapping = resolve_mapping(columns, InputConfig(), "x")
    assert mapping.task is task
    assert mapping.fields == fields
    assert mapping.detected


def test_no_match_lists_columns_and_flags():
    """Unknown columns are an error that lists the columns found and the flags to set."""
    with pytest.raises(InputError) as err:
        resolve_mapping(["Quality", "#1 String"], InputConfig(), "mrpc.tsv")
    assert "Quality, #1 String" in str(err.value)
    assert "--text-field" in str(err.value)


def test_two_tasks_at_once_is_ambiguous():
    """Columns that fit two tasks are an error naming both."""
    with pytest.raises(InputError, match="match chat, classification"):
        resolve_mapping(["messages", "text", "label"], InputConfig(), "x")


def test_flags_pick_task_and_columns():
    """Field flags win over detection and imply their task."""
    cfg = InputConfig(text_field="#1 String", label_field="Quality")
    mapping = resolve_mapping(["Quality", "#1 String"], cfg, "x")
    assert (mapping.task, mapping.fields, mapping.detected) == (Task.CLASSIFICATION, {"text": "#1 String", "label": "Quality"}, False)


def test_flag_naming_a_missing_column_is_a_config_error():
    """A field flag that names no column says which columns exist."""
    with pytest.raises(ConfigError, match=r"--label-field 'lbl': no such column .*columns found: text, label"):
        resolve_mapping(["text", "label"], InputConfig(label_field="lbl"), "x")


def test_forced_task_missing_a_field():
    """With --task given, a field that cannot be found is named with its flag."""
    with pytest.raises(InputError, match="no column for completion .*--completion-field"):
        resolve_mapping(["prompt", "text"], InputConfig(task="completion"), "x")


def test_id_column_detection():
    """An `id` column (any case) or the configured one holds record ids."""
    assert id_column(["ID", "text"], InputConfig()) == "ID"
    assert id_column(["text"], InputConfig()) is None
    assert id_column(["text", "key"], InputConfig(id_field="key")) == "key"
