"""The readiness check on what ingest set apart: chat message fields the canonical message does not carry."""

from __future__ import annotations

from typing import Any

from pipeline.readiness.check import Check, Rule


def check_chat_fields(report: dict[str, Any]) -> Check:
    """Warn when chat messages carried fields the canonical message does not carry (``name``, LLaMA-Factory's
    ``loss_weight``, ...): ftprep keeps them only in ``meta``, so no export trains on them.

    Tool calls, tool call ids and ``weight`` are carried in the messages themselves (:mod:`pipeline.chat`).
    """
    section = report.get("ingest") or {}
    fields = section.get("message_fields") or {}
    rule = Rule("chat_fields", {"warn_above": 0})
    if not fields:
        return rule.skip("no chat message carried fields besides those of the canonical message")
    found = ", ".join(f"{name} {n}" for name, n in fields.items())
    return rule.result(sum(fields.values()), f"messages carry fields ftprep does not train on ({found}): they are "
                       "kept in meta.message_fields, outside messages",
                       "check that training without these fields is what you want (a per-turn loss weight can be "
                       "given as weight: 0 or 1 on assistant messages)", value=sum(fields.values()))
