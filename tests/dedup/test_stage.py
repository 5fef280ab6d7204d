"""The dedup stage: exact and near duplicates, clusters, label conflicts, determinism, real data."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from pipeline.dedup.config import DedupConfig
from pipeline.dedup.stage import dedup
from pipeline.core.records import Task
from tests.conftest import CONTEXT
from tests.dedup.helpers import (
    alpaca_rows,
    banking_rows,
    base_words,
    edited,
    make_dataset,
    near_pairs,
    sms_rows,
    word_jaccard,
)

WORD = DedupConfig(shingle="word")


def _reasons(result) -> dict[str, str]:
    return dict(zip(result.rejected["id"], result.rejected["reason"]))


def _info(result, record_id: str) -> dict:
    row = result.rejected["id"].index(record_id)
    return json.loads(result.rejected["info"][row])


def test_exact_duplicates_ignore_case_punctuation_and_spacing() -> None:
    """Texts equal up to case, punctuation and whitespace are exact duplicates of the first one."""
    rows = [
        {"text": "Is my card on its way?", "label": "card"},
        {"text": "is my card on its way", "label": "card"},
        {"text": "  IS MY CARD   ON ITS WAY!! ", "label": "card"},
        {"text": "Where is my refund?", "label": "refund"},
    ]
    result = dedup(make_dataset(Task.CLASSIFICATION, rows), DedupConfig(), CONTEXT)
    assert _reasons(result) == {"r1": "duplicate_exact", "r2": "duplicate_exact"}
    assert _info(result, "r2") == {"kept_id": "r0"}
    assert result.kept["id"] == ["r0", "r3"]
    assert result.sections["duplicates"]["exact"] == 2 and result.sections["duplicates"]["clusters"] == 1 and result.sections["duplicates"]["largest_cluster"] == 3


def test_completion_duplicates_use_the_whole_record() -> None:
    """A completion record is a duplicate only when prompt and completion both match."""
    rows = [
        {"prompt": "Name a colour.", "completion": "Blue."},
        {"prompt": "name a colour", "completion": "blue"},
        {"prompt": "Name a colour.", "completion": "Green."},
    ]
    result = dedup(make_dataset(Task.COMPLETION, rows), DedupConfig(), CONTEXT)
    assert _reasons(result) == {"r1": "duplicate_exact"}


def test_chat_duplicates_use_the_whole_conversation() -> None:
    """Chats sharing a first turn but not the rest are not duplicates; identical conversations are."""
    def chat(answer: str) -> dict:
        return {"messages": [{"role": "user", "content": "Hi, what time is it?"}, {"role": "assistant", "content": answer}]}

    rows = [chat("It is noon."), chat("It is midnight, go to sleep."), chat("it is NOON")]
    result = dedup(make_dataset(Task.CHAT, rows), DedupConfig(), CONTEXT)
    assert _reasons(result) == {"r2": "duplicate_exact"}


def test_pair_just_above_threshold_is_near_duplicate_and_just_below_is_not() -> None:
    """Jaccard 0.815 is rejected as duplicate_near with that similarity; Jaccard 0.774 is kept."""
    words = base_words(200)
    above = edited(words, [20, 60, 100, 140])  # 4 spaced edits destroy 20 of 196 word 5-grams
    below = edited(words, [10, 50, 90, 130, 170], tag="other")  # 5 edits destroy 25
    texts = [" ".join(w) for w in (words, above, below)]
    assert word_jaccard(texts[0], texts[1]) == pytest.approx(176 / 216)
    assert word_jaccard(texts[0], texts[2]) == pytest.approx(171 / 221)
    assert word_jaccard(texts[1], texts[2]) < 0.8
    rows = [{"text": t, "label": "x"} for t in texts]
    result = dedup(make_dataset(Task.CLASSIFICATION, rows), WORD, CONTEXT)
    assert _reasons(result) == {"r1": "duplicate_near"}
    assert _info(result, "r1") == {"kept_id": "r0", "similarity": round(176 / 216, 4)}
    assert result.sections["duplicates"]["near"] == 1


def test_clusters_join_transitively() -> None:
    """A~B and B~C put A, B, C in one cluster even though A and C are below the threshold."""
    words = base_words(200)
    b = edited(words, [20, 60])
    c = edited(b, [100, 140, 180], tag="more")
    texts = [" ".join(w) for w in (words, b, c)]
    assert word_jaccard(texts[0], texts[1]) >= 0.8 and word_jaccard(texts[1], texts[2]) >= 0.8
    assert word_jaccard(texts[0], texts[2]) < 0.8
    result = dedup(make_dataset(Task.CLASSIFICATION, [{"text": t, "label": "x"} for t in texts]), WORD, CONTEXT)
    assert _reasons(result) == {"r1": "duplicate_near", "r2": "duplicate_near"}
    assert _info(result, "r2")["kept_id"] == "r0" and _info(result, "r2")["similarity"] < 0.8
    assert result.sections["duplicates"]["clusters"] == 1 and result.sections["duplicates"]["largest_cluster"] == 3


def test_keep_longest_keeps_the_longest_member() -> None:
    """With keep = longest the longest record of a cluster is kept and the others point to it."""
    rows = [{"text": "Call me later.", "label": "x"}, {"text": "call me later!!!", "label": "x"}]
    result = dedup(make_dataset(Task.CLASSIFICATION, rows), DedupConfig(keep="longest"), CONTEXT)
    assert result.kept["id"] == ["r1"] and _info(result, "r0") == {"kept_id": "r1"}


CONFLICT_ROWS = [
    {"text": "Has my top up gone through?", "label": "pending_top_up"},
    {"text": "has my top-up gone through", "label": "top_up_reverted"},
    {"text": "Has my top up gone through", "label": "pending_top_up"},
    {"text": "How do I order a new card?", "label": "card"},
]


def test_label_conflict_drop_rejects_every_member() -> None:
    """By default a cluster with several labels is rejected entirely as label_conflict."""
    result = dedup(make_dataset(Task.CLASSIFICATION, CONFLICT_ROWS), DedupConfig(), CONTEXT)
    assert _reasons(result) == {"r0": "label_conflict", "r1": "label_conflict", "r2": "label_conflict"}
    assert result.sections["duplicates"]["label_conflicts"] == 1
    assert result.sections["duplicates"]["conflict_examples"][0]["labels"] == {"pending_top_up": 2, "top_up_reverted": 1}


def test_label_conflict_majority_keeps_majority_label() -> None:
    """majority keeps one record of the majority label; minority labels are conflicts, the rest duplicates."""
    result = dedup(make_dataset(Task.CLASSIFICATION, CONFLICT_ROWS), DedupConfig(label_conflicts="majority"), CONTEXT)
    assert _reasons(result) == {"r1": "label_conflict", "r2": "duplicate_exact"}
    assert result.kept["id"] == ["r0", "r3"]


def test_label_conflict_majority_tie_drops() -> None:
    """majority with tied labels cannot choose, so the whole cluster is rejected."""
    result = dedup(make_dataset(Task.CLASSIFICATION, CONFLICT_ROWS[:2]), DedupConfig(label_conflicts="majority"), CONTEXT)
    assert set(_reasons(result).values()) == {"label_conflict"} and len(result.kept) == 0


def test_label_conflict_keep_keeps_one_per_label_in_one_cluster() -> None:
    """keep keeps one record per label, and both carry the same cluster so they share a split."""
    result = dedup(make_dataset(Task.CLASSIFICATION, CONFLICT_ROWS), DedupConfig(label_conflicts="keep"), CONTEXT)
    assert _reasons(result) == {"r2": "duplicate_exact"}
    kept = dict(zip(result.kept["id"], result.kept["cluster"]))
    assert kept["r0"] == kept["r1"] != kept["r3"]


def test_rows_are_conserved_and_output_is_deterministic() -> None:
    """Rows in = kept + rejected, and two runs give identical kept and rejected tables."""
    ds = make_dataset(Task.CLASSIFICATION, sms_rows()[:600])
    first, second = dedup(ds, DedupConfig(), CONTEXT), dedup(ds, DedupConfig(), CONTEXT)
    assert len(first.kept) + len(first.rejected) == len(ds)
    assert first.kept.data.table.equals(second.kept.data.table)
    assert first.rejected.data.table.equals(second.rejected.data.table)
    assert first.sections["duplicates"] == second.sections["duplicates"]


def test_disabled_stage_passes_records_through() -> None:
    """enabled = false keeps every record unchanged."""
    ds = make_dataset(Task.CLASSIFICATION, CONFLICT_ROWS)
    result = dedup(ds, DedupConfig(enabled=False), CONTEXT)
    assert len(result.kept) == 4 and len(result.rejected) == 0


def test_sms_spam_exact_and_near_duplicates_leave_no_near_pair() -> None:
    """On real SMS data dedup finds exact and near duplicates, and no two kept texts reach char 5-gram J 0.8."""
    rows = sms_rows()
    result = dedup(make_dataset(Task.CLASSIFICATION, rows), DedupConfig(), CONTEXT)
    reasons = Counter(result.rejected["reason"])
    assert result.sections["duplicates"]["parameters"]["shingle"] == "char"
    assert reasons["duplicate_exact"] > 50 and reasons["duplicate_near"] > 10
    near_info = [_info(result, i) for i, reason in _reasons(result).items() if reason == "duplicate_near"]
    # members joined through another member may sit below 0.8 to the kept record, but most are direct matches
    assert sum(info["similarity"] >= 0.8 for info in near_info) > len(near_info) / 2
    assert all(0 < info["similarity"] < 1 for info in near_info)
    kept = result.kept["text"]
    assert len(near_pairs([r["text"] for r in rows])) > 100  # the input does have near pairs
    leftover = [(kept[i], kept[j], s) for i, j, s in near_pairs(kept)]
    assert leftover == []


def test_banking77_real_duplicates_and_label_conflict() -> None:
    """The banking77 slice's case/punctuation duplicates are found, and its one conflicting text is dropped."""
    rows = banking_rows()
    result = dedup(make_dataset(Task.CLASSIFICATION, rows), DedupConfig(), CONTEXT)
    reasons = Counter(result.rejected["reason"])
    assert reasons["label_conflict"] == 2 and result.sections["duplicates"]["label_conflicts"] == 1
    assert reasons["duplicate_exact"] == 30


def test_alpaca_real_duplicates_are_exact() -> None:
    """The alpaca demo slice's 14 repeated records are rejected as exact duplicates of their first copy."""
    result = dedup(make_dataset(Task.COMPLETION, alpaca_rows()), DedupConfig(), CONTEXT)
    assert Counter(result.rejected["reason"]) == {"duplicate_exact": 14}


def test_parallel_signatures_give_the_same_result() -> None:
    """num_proc = 2 (forked workers) rejects exactly the same records with the same details as one process."""
    ds = make_dataset(Task.CLASSIFICATION, sms_rows()[:800])
    serial = dedup(ds, DedupConfig(), CONTEXT)
    parallel = dedup(ds, DedupConfig(num_proc=2, parallel_min_rows=1, batch_size=100), CONTEXT)
    assert parallel.rejected.data.table.equals(serial.rejected.data.table)
    assert parallel.kept.data.table.equals(serial.kept.data.table)
