"""Canonical preference records built from rows of the hh-rlhf slice, for calling a stage or a measure directly."""

from __future__ import annotations

import json
from typing import Any

from datasets import Dataset

from pipeline.core.records import Task, content_text, exact_key, features_for
from pipeline.preference.read import read_pair
from tests.conftest import DATA

HH = DATA / "preference" / "hh_harmless_450.jsonl"


def hh_pairs(n: int = 450) -> list[dict[str, Any]]:
    """The slice's pairs that read (all but the one with an empty side), as prompt/chosen/rejected messages."""
    pairs = []
    for line in HH.read_text(encoding="utf-8").splitlines()[:n]:
        try:
            pairs.append(read_pair(json.loads(line), {"chosen": "chosen", "rejected": "rejected"}))
        except Exception:  # noqa: BLE001 - the one empty side
            continue
    return pairs


def assistant(text: str) -> list[dict[str, Any]]:
    return [{"role": "assistant", "content": text, "tool_calls": None, "tool_call_id": None, "weight": None}]


def records(pairs: list[dict[str, Any]], split: list[str] | None = None) -> Dataset:
    """Canonical records of ``pairs`` (``cluster`` as ingest sets it: the prompt's exact key)."""
    rows = {name: [] for name in ("id", "source_file", "source_row", "raw", "extra", "cluster", "prompt", "chosen", "rejected")}
    for i, pair in enumerate(pairs):
        rows["id"].append(f"p{i}")
        rows["source_file"].append("hh.jsonl")
        rows["source_row"].append(i + 1)
        rows["raw"].append("{}")
        rows["extra"].append(None)
        rows["cluster"].append(exact_key(content_text(pair, Task.PREFERENCE)))
        for name in ("prompt", "chosen", "rejected"):
            rows[name].append(pair[name])
    ds = Dataset.from_dict(rows, features=features_for(Task.PREFERENCE))
    return ds.add_column("split", split) if split is not None else ds
