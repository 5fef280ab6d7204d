"""Shared fixtures: a click runner, a writer of small input files, the paths of bundled data, and the check that
every report a run writes during the tests follows the published schema (pipeline/report/report.schema.json)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline.core.stage import RunContext

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DATA = Path(__file__).resolve().parent / "data"
CONTEXT = RunContext()
"""The run context of a plain run (seed 42, no inputs, no output folder), for calling one stage directly."""


@functools.cache
def _report_validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a dev dependency: pip install -e '.[dev]'")
    from pipeline.report.assemble import SCHEMA

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def assert_valid_report(report: dict[str, Any]) -> None:
    """Fail with every place where ``report`` breaks report.schema.json (for reports read from a subprocess run)."""
    problems = [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:200]}"
                for e in _report_validator().iter_errors(report)]
    assert problems == [], "report.json does not follow report.schema.json: " + "; ".join(problems)


@pytest.fixture(autouse=True, scope="session")
def _every_written_report_follows_the_schema():
    """Every run in the test process (CliRunner or run_pipeline) has its report validated as it is written: a
    report that breaks the schema fails the run (exit 3, naming the key) and with it the test."""
    import importlib.util

    if importlib.util.find_spec("jsonschema") is None:  # a dev dependency; without it reports go unchecked
        yield
        return
    import pipeline.runner
    from pipeline.report.write import write_outputs

    def validated(out_dir, cfg, files, records, rejected, report, *args, **kwargs):
        assert_valid_report(report)
        return write_outputs(out_dir, cfg, files, records, rejected, report, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline.runner, "write_outputs", validated)
        yield


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
