"""The chat_fields check: warn when chat messages carried fields the canonical message does not carry."""

from __future__ import annotations

from pipeline.ingest.checks import check_chat_fields


def test_message_fields_warn_and_name_them():
    """Message fields kept apart (``name``, ``loss_weight``) make a warning that names each with its count."""
    check = check_chat_fields({"ingest": {"message_fields": {"loss_weight": 3, "name": 4}, "weight_zero_messages": 2}})
    assert check.status == "warn" and check.observed == 7
    assert "loss_weight 3, name 4" in check.message and "meta.message_fields" in check.message


def test_no_message_fields_skips():
    """Without message fields the check does not apply."""
    assert check_chat_fields({"ingest": {"message_fields": {}}}).status == "skip"
