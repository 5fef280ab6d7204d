"""The readiness check on what ingest set apart: chat message fields that are not trained on as given."""

from __future__ import annotations

from typing import Any

from pipeline.readiness.check import Check, Rule


def check_chat_fields(report: dict[str, Any]) -> Check:
    """Warn when chat messages carried fields (``tool_calls``, ``weight``, ...) that ftprep keeps only in ``meta``.

    Such fields change what a fine-tuning job trains on (a ``weight: 0`` turn is not trained on; a ``tool_calls``
    turn is a call, not text), so written as plain ``role``/``content`` turns the data is not what was meant.
    """
    section = report.get("ingest") or {}
    fields = section.get("message_fields") or {}
    rule = Rule("chat_fields", {"warn_above": 0})
    if not fields:
        return rule.skip("no chat message carried fields besides role and content")
    found = ", ".join(f"{name} {n}" for name, n in fields.items())
    weight_zero = section.get("weight_zero_messages", 0)
    also = f"; {weight_zero} messages with weight 0 are written as trainable turns" if weight_zero else ""
    return rule.result(sum(fields.values()), f"messages carry fields ftprep does not train on as given ({found}): "
                       f"they are kept in meta.message_fields, outside messages{also}",
                       "check that training without these fields is what you want, or prepare this data with a "
                       "tool that keeps them", value=sum(fields.values()))
