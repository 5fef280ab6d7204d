"""Shared fixtures: a click runner, a writer of small input files, and the paths of bundled data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.core.stage import RunContext

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DATA = Path(__file__).resolve().parent / "data"
CONTEXT = RunContext()
"""The run context of a plain run (seed 42, no inputs, no output folder), for calling one stage directly."""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def write_jsonl(tmp_path: Path):
    """Write rows (dicts, or raw strings for broken lines) as a JSONL file and return its path."""

    def write(rows: list, name: str = "input.jsonl") -> Path:
        path = tmp_path / name
        lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def classification_rows(n_per_label: int = 20, labels: tuple[str, ...] = ("alpha", "beta", "gamma")) -> list[dict]:
    """Distinct classification rows: no two texts are near duplicates (char 5-gram Jaccard stays well below 0.8)."""
    words = ["river", "copper", "lantern", "orbit", "velvet", "canyon", "pixel", "harbor", "meadow", "quartz", "saddle",
             "tundra", "falcon", "garnet", "island", "jigsaw", "kettle", "lemon", "marble", "nectar", "oyster", "pepper"]
    rows = []
    for number, label in enumerate(labels):
        for i in range(n_per_label):
            k = number * n_per_label + i  # each row draws its own words, so templated texts do not collide
            picked = [words[(k * step + offset) % len(words)] for step, offset in ((3, 1), (5, 7), (7, 2), (11, 5))]
            text = f"{label} sample {i}: the {picked[0]} {picked[1]} near {picked[2]} {picked[3]} moved {k * 7 % 13} times"
            rows.append({"text": text, "label": label})
    return rows
