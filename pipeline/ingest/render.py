"""The ``ingest`` section of report.md: what reading changed or set apart (only when it did)."""

from __future__ import annotations

from typing import Any


def render_ingest(section: dict[str, Any]) -> list[str]:
    """Lines saying which NaN/Infinity became null and which chat message fields were kept apart; none if neither."""
    lines = []
    if section.get("non_finite_numbers"):
        lines.append(f"- {section['non_finite_numbers']} NaN/Infinity values in the inputs are written as null "
                     "(JSON has no such numbers; strict parsers refuse them).")
    fields = section.get("message_fields") or {}
    if fields:
        counts = ", ".join(f"{name} ({n})" for name, n in fields.items())
        lines.append(f"- Chat message fields kept in `meta.message_fields`, not in `messages`: {counts}.")
    if section.get("weight_zero_messages"):
        lines.append(f"- {section['weight_zero_messages']} messages carry `weight: 0` but are written as trainable "
                     "turns.")
    return ["## Reading", "", *lines] if lines else []
