"""Every text of the bundled real data (tests/data and samples): the inputs of the differential tests that check a
fast path against the slow code it skips."""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import DATA, SAMPLES


@functools.lru_cache(maxsize=1)
def real_texts() -> tuple[str, ...]:
    """Every distinct string field (JSON, JSON Lines) and cell (CSV, TSV) of tests/data and samples, and every
    file's raw lines, in a fixed order."""
    texts: dict[str, None] = {}
    for path in sorted([*DATA.rglob("*"), *SAMPLES.rglob("*")]):
        if path.suffix in (".json", ".jsonl", ".csv", ".tsv"):
            texts.update(dict.fromkeys(_file_texts(path)))
    return tuple(texts)


def _file_texts(path: Path) -> Iterator[str]:
    raw = path.read_text(encoding="utf-8", errors="surrogateescape")
    yield from raw.splitlines()
    if path.suffix == ".json":
        yield from _strings(_loads(raw))
    elif path.suffix == ".jsonl":
        for line in raw.splitlines():
            yield from _strings(_loads(line))
    else:
        for row in csv.reader(raw.splitlines(), delimiter="\t" if path.suffix == ".tsv" else ","):
            yield from row


def _loads(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None  # the broken lines some samples hold on purpose


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
