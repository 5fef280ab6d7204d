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


def test_a_token_in_a_call_id_is_replaced_on_both_sides_of_the_call():
    """A call id is an id: a token in it is replaced, the same way in the call and in the tool message answering it,
    so the pair still matches; an ordinary id is left as it is."""
    token = "ghp_Zq3xV9mK2pL7wR4tY8nB1cF6hJ0dG5sE3aUi"
    call = _call({"to": "ann"})
    call["tool_calls"][0]["id"] = f"call_{token}"
    redacted = redact_message(call, lambda text: text)
    answer = redact_message({"role": "tool", "content": "{}", "tool_call_id": f"call_{token}"}, lambda text: text)
    assert redacted["tool_calls"][0]["id"] == answer["tool_call_id"] == "call_<SECRET>"
    assert redact_message(_call({"to": "ann"}), lambda text: text)["tool_calls"][0]["id"] == "c1"
