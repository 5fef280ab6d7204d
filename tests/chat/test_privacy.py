"""PII in tool calls: argument values are redacted like text and the arguments stay a valid JSON object."""

from __future__ import annotations

import json

from pipeline.chat.privacy import redact_message
from pipeline.clean.config import CleanConfig
from pipeline.clean.stage import clean
from pipeline.core.records import column
from pipeline.ingest.config import InputConfig
from pipeline.ingest.stage import read_records
from tests.conftest import CONTEXT


def _call(arguments: dict) -> dict:
    return {"role": "assistant", "content": "", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "send_mail", "arguments": json.dumps(arguments)}}]}


def test_each_string_value_is_redacted_and_keys_are_left_alone():
    """Only values pass through the redactor; an unchanged call is returned as given (its text untouched)."""
    message = _call({"to": "ann", "cc": ["ann", "bob"], "n": 2})
    redacted = redact_message(message, lambda text: text.replace("ann", "[X]"))
    assert json.loads(redacted["tool_calls"][0]["function"]["arguments"]) == {"to": "[X]", "cc": ["[X]", "bob"], "n": 2}
    assert redact_message(message, lambda text: text)["tool_calls"] == message["tool_calls"]


def test_the_clean_stage_redacts_emails_in_arguments_and_spares_reserved_examples(write_jsonl):
    """A real address in a call is redacted (and counted), ``jane@example.com`` is kept; the call stays JSON."""
    row = {"messages": [{"role": "user", "content": "Mail my boss about the delay, please."},
                        {**_call({"to": "kowalski.marta@gmail.com", "cc": "jane@example.com", "subject": "Delay"}),
                         "content": None},
                        {"role": "tool", "tool_call_id": "c1", "content": '{"status": "sent"}'},
                        {"role": "assistant", "content": "Your boss has been told about the delay."}]}
    records = read_records([str(write_jsonl([row]))], InputConfig()).kept
    result = clean(records, CleanConfig(num_proc=1), CONTEXT)
    (messages,) = column(result.kept, "messages")
    arguments = json.loads(messages[1]["tool_calls"][0]["function"]["arguments"])
    assert "kowalski.marta@gmail.com" not in arguments["to"] and arguments["cc"] == "jane@example.com"
    assert arguments["subject"] == "Delay" and result.sections["cleaning"]["pii"]["found"] == {"email": 1}
