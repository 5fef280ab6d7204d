"""Small helpers every section renderer uses to put user data into Markdown."""

from __future__ import annotations

import json
from typing import Any


def table_cell(value: Any) -> str:
    """A value as one Markdown table cell (pipes escaped, newlines flattened)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.replace("|", "\\|").replace("\n", " ")


def name_list(labels: list[str] | dict[str, Any], limit: int = 8) -> str:
    """The first ``limit`` names, then how many more."""
    names = list(labels)
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
