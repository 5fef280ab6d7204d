"""The readiness corpus (benchmarks/readiness_cases.py).

Fast: every case built from the slices in tests/data/readiness gives ftprep an input it reads (nearly every row
kept); the tune, spent and held-out halves share no source, and every kind of trap is in each. Slow: the cases that were
right before the corpus grew (built from ../shared/data) keep their verdict and named checks.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from pathlib import Path

import pytest

from pipeline.ingest.config import InputConfig
from pipeline.ingest.stage import read_records

CASES_FILE = Path(__file__).resolve().parents[2] / "benchmarks" / "readiness_cases.py"
SOURCE_MD = Path(__file__).resolve().parents[1] / "data" / "SOURCE.md"


def _corpus():
    spec = importlib.util.spec_from_file_location("readiness_cases", CASES_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


corpus = _corpus()
SLICE_CASES = [c for c in corpus.CASES if all(s.startswith("readiness/") for s in c.sources)]


def _inputs(args: list[str]) -> list[str]:
    """The input paths of ``ftprep run`` arguments (every flag here takes one value)."""
    paths, skip = [], False
    for arg in args:
        if skip or arg.startswith("--"):
            skip = not skip
            continue
        paths.append(arg)
    return paths


@pytest.mark.parametrize("case", SLICE_CASES, ids=lambda c: c.name)
def test_case_builds_an_input_ftprep_reads(case, tmp_path):
    args = case.build(corpus.DEFAULT_DATA, tmp_path)
    inputs = _inputs(args)
    assert inputs and all(Path(p).is_file() for p in inputs)
    result = read_records(inputs, InputConfig())
    rows = result.sections["input"]["rows_read"]
    assert rows >= 200
    assert len(result.kept) >= 0.99 * rows, f"{len(result.rejected)} of {rows} rows rejected at ingest"


def test_builders_are_deterministic(tmp_path):
    """Seeded: the same case builds the same bytes twice."""
    for case in [c for c in SLICE_CASES if c.name in ("gsm8k_other_answer_20", "sgd_swapped_roles_30",
                                                     "snips7_style_shortcut")]:
        first, second = tmp_path / "1" / case.name, tmp_path / "2" / case.name
        first.mkdir(parents=True), second.mkdir(parents=True)
        a, b = _inputs(case.build(corpus.DEFAULT_DATA, first)), _inputs(case.build(corpus.DEFAULT_DATA, second))
        assert [Path(p).read_bytes() for p in a] == [Path(p).read_bytes() for p in b]


def test_halves_share_no_source():
    halves: dict[str, set[str]] = {}
    for case in corpus.CASES:
        assert case.half in corpus.HALVES, case.name
        half = corpus.SOURCE_HALF[case.origin]
        assert half == case.half, f"{case.name} is {case.half}, its source {case.origin} is {half}"
        halves.setdefault(case.half, set()).add(case.origin)
    assert not halves["tune"] & halves["spent"] and not halves["tune"] & halves["held_out"]
    assert not halves["spent"] & halves["held_out"]
    new = set(corpus.SLICE_SOURCE.values())
    assert len(new & halves["tune"]) >= 6 and len(new & halves["spent"]) >= 6 and len(halves["held_out"]) >= 8


def test_every_trap_is_in_both_halves():
    """A check the corpus expects to fire, by name, in the tune half is expected in the spent and held-out halves
    too."""
    new_checks = {"truncated_responses", "conflicting_responses", "prompt_leakage", "refusals",
                  "fragmentary_responses", "scrambled_text", "format_artifacts", "swapped_roles", "label_shortcuts",
                  "label_noise", "label_leakage"}
    expected = {half: {name for c in corpus.CASES if c.half == half
                       for name in [*c.checks, *c.caught_by] if name in new_checks} for half in corpus.HALVES}
    assert expected["tune"] == expected["spent"] == expected["held_out"] == new_checks


def test_every_slice_is_documented():
    slices = {p.name for p in corpus.SLICES.glob("*.jsonl")}
    slices |= {name for name in corpus.SLICE_SOURCE if (corpus.SLICES.parent / "content" / name).exists()}
    for folder in ("heldout", "heldout2"):
        slices |= {p.name for p in (corpus.SLICES.parent / folder).glob("*.jsonl")}
    assert slices == set(corpus.SLICE_SOURCE)
    listed = SOURCE_MD.read_text(encoding="utf-8")
    for name in slices:
        stem = name.split("_")[0]
        assert stem in listed, name


def _report(verdict: str, statuses: dict[str, str], rejected: dict[str, int] | None = None) -> dict:
    return {"verdict": verdict, "counts": {"input": 1000, "rejected": rejected or {}},
            "checks": [{"name": n, "status": s} for n, s in statuses.items()]}


def test_judge_accepts_a_quarantined_defect():
    """A trap whose defective rows the clean stage rejected is right as ready_with_warnings; flagged but kept,
    it must be not_ready; missed, it is wrong."""
    case = next(c for c in corpus.CASES if c.name == "alpaca_en_truncated_25")
    assert corpus.judge(case, _report("ready_with_warnings", {"reject_rate": "warn"}, {"truncated": 240})) == []
    assert corpus.judge(case, _report("ready_with_warnings", {"reject_rate": "warn"}, {"low_quality": 230})) == []
    half_removed = corpus.judge(case, _report("ready", {"reject_rate": "pass"}, {"low_quality": 137}))
    assert half_removed == ["verdict ready (want not_ready)"]  # caught, but half the cut answers stay
    assert corpus.judge(case, _report("not_ready", {"truncated_responses": "fail"})) == []
    assert corpus.judge(case, _report("ready_with_warnings", {"truncated_responses": "warn"}))
    missed = corpus.judge(case, _report("ready", {"reject_rate": "pass"}, {"truncated": 20}))
    assert any(p.startswith("not caught") for p in missed), missed


def test_judge_names_false_alarms_on_a_real_set():
    case = next(c for c in corpus.CASES if c.name == "snips7")
    assert corpus.judge(case, _report("ready", {"label_noise": "pass"})) == []
    assert corpus.judge(case, _report("ready_with_warnings", {"label_leakage": "warn"})) == [
        "verdict ready_with_warnings (want ready)", "unexpected: label_leakage warn"]


@pytest.mark.slow
def test_cases_right_before_the_corpus_grew_stay_right():
    """Full banking77, SMS spam and Alpaca EN are ready; tiny, flipped, collapsed, leaked, templated, imbalanced,
    near-twin and shifted sets get their verdict and name their problem (the table is printed on failure)."""
    data = Path(os.environ.get("FTPREP_SHARED_DATA", corpus.DEFAULT_DATA))
    if not (data / "banking77" / "train.csv").exists():
        pytest.skip(f"no shared data at {data} (set FTPREP_SHARED_DATA)")
    cases = [c for c in corpus.CASES if c.name in corpus.MUST_STAY_RIGHT]
    assert len(cases) == len(corpus.MUST_STAY_RIGHT)
    with tempfile.TemporaryDirectory(prefix="ftprep-corpus-") as tmp:
        outcomes = [corpus.run_case(case, data, Path(tmp) / case.name, None) for case in cases]
    assert all(o.right is not False for o in outcomes), corpus.table(outcomes)
