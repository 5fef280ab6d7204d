"""The held-out halves of the readiness corpus, without running ftprep on them.

The fresh held-out half (benchmarks/readiness_heldout2.py, slices in tests/data/heldout2) and the earlier one, now
spent (benchmarks/readiness_heldout.py, tests/data/heldout): every case builds input that parses (JSON Lines or
CSV) with the fields of its task and a sensible number of rows; ``readiness_cases.py --half held_out`` selects
exactly the fresh cases when run as a script (the module is imported once, not twice); the cases reuse the
corpus's Case class and cover its trap kinds, and the fresh half shares no source with any other half.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.readiness.test_corpus import _inputs, corpus

HELD_OUT = [c for c in corpus.CASES if c.half == "held_out"]
FIRST_HELD_OUT = [c for c in corpus.CASES if c.sources[0].startswith("heldout/")]
FIELDS = ({"text", "label"}, {"prompt", "completion"}, {"messages"}, {"messages", "tools"},
          {"prompt", "chosen", "rejected"})


def _records(path: str) -> list[dict]:
    if path.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").split("\n") if line]


@pytest.mark.parametrize("case", HELD_OUT + FIRST_HELD_OUT, ids=lambda c: c.name)
def test_held_out_case_builds_well_formed_input(case, tmp_path):
    paths = _inputs(case.build(corpus.DEFAULT_DATA, tmp_path))
    folder = "heldout2/" if case.half == "held_out" else "heldout/"
    assert paths and case.sources[0].startswith(folder)
    records = [r for p in paths for r in _records(p)]
    assert 140 <= len(records) <= 3000, len(records)
    assert {frozenset(r) for r in records} <= {frozenset(f) for f in FIELDS}
    for r in records:
        if "messages" in r:
            roles = [m["role"] for m in r["messages"]]
            assert set(roles) <= {"user", "assistant"} and roles[-1] == "assistant", roles
            assert all(a != b for a, b in zip(roles, roles[1:])), roles  # turns alternate
            assert all(m["content"] or m.get("tool_calls") for m in r["messages"])
            for tool in r.get("tools", []):
                assert tool["function"]["name"] and tool["function"]["parameters"]["type"] == "object"
            for m in r["messages"]:
                for call in m.get("tool_calls", []):
                    json.loads(call["function"]["arguments"])  # the arguments are JSON text
        elif "chosen" in r:  # a preference pair: PandaLM has answers a model left empty (one side at most)
            assert all(isinstance(v, str) for v in r.values()) and r["prompt"].strip(), r
            assert r["chosen"].strip() or r["rejected"].strip(), r
        else:
            assert all(isinstance(v, str) and v.strip() for v in r.values()), r


def test_held_out_half_is_new_and_complete():
    assert len(HELD_OUT) >= 24 and len({c.name for c in corpus.CASES}) == len(corpus.CASES)
    sources = {c.origin for c in HELD_OUT}
    assert len(sources) >= 8 and all(corpus.SOURCE_HALF[s] == "held_out" for s in sources)
    assert not sources & {c.origin for c in corpus.CASES if c.half != "held_out"}
    assert all(c.half == "spent" for c in FIRST_HELD_OUT) and len(FIRST_HELD_OUT) == 25
    real = [c for c in HELD_OUT if not c.caught_by and "label_shortcuts" not in c.checks
            and "label_leakage" not in c.checks and "scrambled_text" not in c.checks
            and "prompt_leakage" not in c.checks]
    assert len(real) >= 10
    for case in HELD_OUT:
        assert case.why and all(reason for reason in case.tolerated.values()), case.name


def test_half_option_runs_exactly_the_held_out_cases_as_a_script():
    """Run as a script, readiness_cases.py loads readiness_heldout.py and readiness_heldout2.py, which must reuse
    that module (not import a second copy): --list prints the chosen names and runs nothing."""
    script = corpus.REPO / "benchmarks" / "readiness_cases.py"
    listed = {}
    for half in corpus.HALVES:
        out = subprocess.run([sys.executable, str(script), "--half", half, "--list"], capture_output=True, text=True,
                             cwd=corpus.REPO, timeout=120)
        assert out.returncode == 0, out.stderr[-500:]
        listed[half] = out.stdout.split()
    assert listed["held_out"] == [c.name for c in HELD_OUT]
    assert listed["spent"] == [c.name for c in corpus.CASES if c.half == "spent"]
    assert set(listed["spent"]) >= {c.name for c in FIRST_HELD_OUT}
    assert sum(map(len, listed.values())) == len(corpus.CASES)
