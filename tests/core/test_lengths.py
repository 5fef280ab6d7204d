"""The one length profile: content characters and tokens, as a distribution."""

from __future__ import annotations

import json

import numpy as np

from pipeline.cli import cli
from pipeline.core.lengths import content_chars, distribution
from pipeline.core.records import Task
from tests.conftest import SAMPLES, read_jsonl
from tests.dedup.helpers import make_dataset


def test_distribution_percentiles_are_lengths_some_record_has():
    """Every percentile is one of the values; an empty list gives zeros."""
    values = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    figures = distribution(values)
    assert figures == {"count": 8, "total": 31, "min": 1, "mean": 3.9, "p50": 3, "p90": 6, "p95": 6, "p99": 6, "max": 9}
    assert all(figures[p] in values for p in ("p50", "p90", "p95", "p99"))
    assert distribution(np.zeros(0))["count"] == 0


def test_chat_characters_are_the_contents_without_role_prefixes():
    """A conversation's length is its messages' contents, not 'user: ' prefixes or separators."""
    chat = make_dataset(Task.CHAT, [{"messages": [{"role": "user", "content": "abc"}, {"role": "assistant", "content": "de"}]}])
    completion = make_dataset(Task.COMPLETION, [{"prompt": "abc", "completion": "de"}])
    assert content_chars(chat).tolist() == content_chars(completion).tolist() == [5]


def test_the_report_measures_each_split_as_the_clean_stage_does(runner, tmp_path):
    """report.json lengths per split add up to the contents of the split files (one profile, not two)."""
    out = tmp_path / "out"
    assert runner.invoke(cli, ["run", str(SAMPLES / "conversations.jsonl"), "--out", str(out), "-q"]).exit_code == 0
    report = json.loads((out / "report.json").read_text())
    for split in ("train", "val", "test"):
        rows = read_jsonl(out / f"{split}.jsonl")
        assert report["lengths"]["chars"][split]["total"] == sum(len(m["content"]) for r in rows for m in r["messages"])
        assert report["lengths"]["tokens"][split]["total"] == sum(r["meta"]["n_tokens"] for r in rows)
    assert "length_per_split" not in report["cleaning"]
