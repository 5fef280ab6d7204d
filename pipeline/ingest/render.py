"""The ``ingest`` section of report.md: what reading changed or set apart (only when it did)."""

from __future__ import annotations

from typing import Any


def render_ingest(section: dict[str, Any]) -> list[str]:
    """Lines saying which NaN/Infinity became null, which chat message fields were kept apart, how many turns carry
    weight 0 and how much tool use the chats hold; none if nothing of that."""
    lines = []
    if section.get("non_finite_numbers"):
        lines.append(f"- {section['non_finite_numbers']} NaN/Infinity values in the inputs are written as null "
                     "(JSON has no such numbers; strict parsers refuse them).")
    fields = section.get("message_fields") or {}
    if fields:
        counts = ", ".join(f"{name} ({n})" for name, n in fields.items())
        lines.append(f"- Chat message fields kept in `meta.message_fields`, not in `messages`: {counts}.")
    if section.get("weight_zero_messages"):
        lines.append(f"- {section['weight_zero_messages']} assistant messages carry `weight: 0`: context, not trained on.")
    tools = section.get("tool_calls")
    if tools:
        lines.append(f"- Tool use: {tools['records']} records ({tools['with_tools']} with tool definitions), "
                     f"{tools['calls']} tool calls, {tools['results']} tool results; {tools['generated_ids']} call ids "
                     "generated where the input had none.")
    return ["## Reading", "", *lines] if lines else []
