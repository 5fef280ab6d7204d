"""Shared fixtures: a click runner, a writer of small input files, and the paths of bundled data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DATA = Path(__file__).resolve().parent / "data"


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
    """Distinct classification rows: every text is different enough not to be a near duplicate of another."""
    words = ["river", "copper", "lantern", "orbit", "velvet", "canyon", "pixel", "harbor", "meadow", "quartz", "saddle", "tundra"]
    rows = []
    for label in labels:
        for i in range(n_per_label):
            text = f"{label} sample {i}: the {words[i % 12]} near {words[(i * 5 + 3) % 12]} moved {i * 7 % 13} times past {words[(i * 7 + 1) % 12]}"
            rows.append({"text": text, "label": label})
    return rows
