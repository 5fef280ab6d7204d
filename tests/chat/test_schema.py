"""The canonical chat message as written and as read as text (duplicates, tokens, readiness measures see calls)."""

from __future__ import annotations

import json

from pipeline.chat.schema import message_text, text_parts, written_message
from pipeline.clean.config import CleanConfig
from pipeline.clean.stage import clean
from pipeline.clean.tokens import token_counter
from pipeline.core.records import column
from pipeline.ingest.config import InputConfig
from pipeline.ingest.stage import read_records
from tests.conftest import CONTEXT, DATA

CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}
ARROW_PLAIN = {"role": "user", "content": "hi", "tool_calls": None, "tool_call_id": None, "weight": None}


def test_a_plain_message_is_written_as_before_tool_calls_existed():
    """Role and content only, in that order, when no tool field applies."""
    assert list(written_message(ARROW_PLAIN).items()) == [("role", "user"), ("content", "hi")]


def test_a_call_is_written_with_content_null_and_read_as_json_text():
    """A call-only turn: content null, the call kept; its text is the call as one JSON document."""
    message = {**ARROW_PLAIN, "role": "assistant", "content": "", "tool_calls": [CALL], "weight": 0}
    assert written_message(message) == {"role": "assistant", "content": None, "tool_calls": [CALL], "weight": 0}
    assert json.loads(message_text(message)) == {"name": "f", "arguments": {"x": 1}}
    two = {**message, "content": "Both:", "tool_calls": [CALL, CALL]}
    assert text_parts(two)[0] == "Both:" and len(json.loads(text_parts(two)[1])) == 2


def test_token_counts_include_calls_and_tool_definitions():
    """n_tokens of a glaive record counts its texts, its calls and its tools JSON."""
    records = read_records([str(DATA / "glaive_toolcall_30.json")], InputConfig()).kept.select([0])
    count = token_counter("o200k_base")[0]
    (row,) = records
    expected = sum(count(text) for m in row["messages"] for text in text_parts(m)) + count(row["tools"])
    cleaned = clean(records, CleanConfig(num_proc=1), CONTEXT).kept
    assert column(cleaned, "n_tokens") == [expected] and row["tools"] and row["messages"][3]["tool_calls"]
