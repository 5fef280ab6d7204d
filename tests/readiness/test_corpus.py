"""The readiness corpus (benchmarks/readiness_cases.py): every case built from ../shared/data gets its verdict and
its named checks. Slow (about 20 ftprep runs); skipped where the shared data is not there."""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from pathlib import Path

import pytest

CASES_FILE = Path(__file__).resolve().parents[2] / "benchmarks" / "readiness_cases.py"


def _corpus():
    spec = importlib.util.spec_from_file_location("readiness_cases", CASES_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_every_corpus_case_is_right():
    """Full banking77, SMS spam and Alpaca EN are ready; tiny, flipped, collapsed,
    leaked, templated, imbalanced, near-twin and shifted sets get their verdict and name their problem (the table
    is printed on failure)."""
    corpus = _corpus()
    data = Path(os.environ.get("FTPREP_SHARED_DATA", corpus.DEFAULT_DATA))
    if not (data / "banking77" / "train.csv").exists():
        pytest.skip(f"no shared data at {data} (set FTPREP_SHARED_DATA)")
    with tempfile.TemporaryDirectory(prefix="ftprep-corpus-") as tmp:
        outcomes = [corpus.run_case(case, data, Path(tmp) / case.name, None) for case in corpus.CASES]
    assert all(o.right is not False for o in outcomes), corpus.table(outcomes)
