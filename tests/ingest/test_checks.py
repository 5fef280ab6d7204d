"""The chat_fields check: warn when chat messages carried fields that are not trained on as given."""

from __future__ import annotations

from pipeline.ingest.checks import check_chat_fields


def test_message_fields_warn_and_name_weight_zero_turns():
    """Message fields kept apart make a warning that names them and the weight-0 turns written as trainable."""
    check = check_chat_fields({"ingest": {"message_fields": {"tool_calls": 3, "weight": 4}, "weight_zero_messages": 2}})
    assert check.status == "warn" and check.observed == 7
    assert "tool_calls 3, weight 4" in check.message and "2 messages with weight 0" in check.message


def test_no_message_fields_skips():
    """Without message fields the check does not apply."""
    assert check_chat_fields({"ingest": {"message_fields": {}}}).status == "skip"
