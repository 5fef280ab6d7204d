"""Decontamination: training records overlapping an eval set are rejected with the eval record's source."""

from __future__ import annotations

import json

from pipeline.dedup.config import DedupConfig
from pipeline.dedup.decontaminate import EvalSet
from pipeline.dedup.stage import dedup
from pipeline.core.records import Task
from tests.dedup.helpers import make_dataset
from tests.conftest import CONTEXT

EVAL_LONG = (
    "the committee agreed that the new bridge across the northern river will open to traffic in the spring of next year"
)
EVAL_SHORT = "Free entry in a weekly comp to win FA Cup final tickets"


def test_ngram_match_needs_the_full_length() -> None:
    """Sharing 13 consecutive words is a match; sharing 12 is not."""
    words = EVAL_LONG.split()
    eval_set = EvalSet(["eval.jsonl:1"], [EVAL_LONG], ngram=13)
    assert eval_set.ngram_match("today " + " ".join(words[2:15]) + " said a spokesperson") == 0
    assert eval_set.ngram_match("today " + " ".join(words[2:14]) + " said a spokesperson") == -1


def test_contaminated_records_are_rejected_with_eval_source(tmp_path) -> None:
    """A record sharing a 13-gram and one near-duplicating an eval record are rejected as contaminated."""
    eval_file = tmp_path / "eval.jsonl"
    eval_rows = [{"text": EVAL_LONG, "label": "news"}, {"text": EVAL_SHORT, "label": "spam"}]
    eval_file.write_text("\n".join(json.dumps(r) for r in eval_rows) + "\n", encoding="utf-8")
    train = [
        {"text": "Reporters wrote: " + " ".join(EVAL_LONG.split()[3:18]) + ". Nothing else changed.", "label": "news"},
        {"text": "Free entry in a weekly comp to win FA Cup final tickets!!", "label": "spam"},
        {"text": "Can you pick up milk on the way home?", "label": "ham"},
    ]
    result = dedup(make_dataset(Task.CLASSIFICATION, train), DedupConfig(decontaminate=(str(eval_file),)), CONTEXT)
    reasons = dict(zip(result.rejected["id"], result.rejected["reason"]))
    infos = {i: json.loads(v) for i, v in zip(result.rejected["id"], result.rejected["info"])}
    assert reasons == {"r0": "contaminated", "r1": "contaminated"}
    assert infos["r0"] == {"eval_source": f"{eval_file}:1", "match": "ngram"}
    assert infos["r1"]["eval_source"] == f"{eval_file}:2" and infos["r1"]["match"] in ("ngram", "near")
    assert result.sections["duplicates"]["contaminated"] == 2 and result.kept["id"] == ["r2"]
