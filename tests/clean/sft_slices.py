"""Real fine-tuning records from tests/data, as the clean stage's parts ``[(role or field, text)]``."""

from __future__ import annotations

import json

from tests.conftest import DATA

ROLES = {"human": "user", "gpt": "assistant", "function_call": "assistant", "observation": "tool", "system": "system"}


def alpaca(name: str) -> dict[str, list[tuple[str, str]]]:
    """Records of an Alpaca slice keyed by the first 40 characters of the instruction (input joined as ingest does)."""
    records = json.loads((DATA / name).read_text(encoding="utf-8"))
    return {
        r["instruction"][:40]: [("prompt", "\n\n".join(x for x in (r["instruction"], r["input"]) if x)), ("completion", r["output"])]
        for r in records
    }


def glaive() -> dict[str, list[tuple[str, str]]]:
    """glaive tool-call conversations keyed by the first 40 characters of the first message (copies share a key)."""
    records = json.loads((DATA / "glaive_quality.json").read_text(encoding="utf-8"))
    return {r["conversations"][0]["value"][:40]: [(ROLES[m["from"]], m["value"]) for m in r["conversations"]] for r in records}
