"""The dedup stage through `ftprep run`: leak-free splits on real data, report section, CLI options."""

from __future__ import annotations

import json

from pipeline.cli import cli
from tests.conftest import DATA, read_jsonl
from tests.dedup.helpers import near_pairs

SPLITS = ("train", "val", "test")


def run(runner, *args):
    return runner.invoke(cli, ["run", *map(str, args)])


def run_slice(runner, tmp_path, *args):
    """Run on the banking77 dedup slice, whose 21 labels are mostly tiny: the volume gate is not under test here."""
    config = tmp_path / "small_labels.toml"
    config.write_text("[readiness]\nmin_per_label = 1\n")
    return run(runner, DATA / "banking77_slice.csv", "--config", config, *args)


def _split_records(out) -> list[tuple[str, dict]]:
    return [(name, record) for name in SPLITS for record in read_jsonl(out / f"{name}.jsonl")]


def _cross_split_pairs(records: list[tuple[str, dict]]) -> list[tuple[str, str, float]]:
    """Near-duplicate pairs (own char 5-gram Jaccard >= 0.8, brute force) whose records are in different splits."""
    texts = [r["text"] for _, r in records]
    return [(texts[i], texts[j], s) for i, j, s in near_pairs(texts) if records[i][0] != records[j][0]]


def test_sms_spam_splits_are_leak_free(runner, tmp_path):
    """On real SMS spam no near-duplicate pair spans two splits, checked by brute force outside the pipeline."""
    out = tmp_path / "out"
    result = run(runner, DATA / "sms_spam_2000.tsv", "--out", out)
    assert result.exit_code == 0, result.output
    assert _cross_split_pairs(_split_records(out)) == []
    report = json.loads((out / "report.json").read_text())
    duplicates = report["duplicates"]
    assert duplicates["exact"] == report["counts"]["rejected"]["duplicate_exact"] > 0
    assert duplicates["near"] == report["counts"]["rejected"]["duplicate_near"] > 0
    assert duplicates["split_leakage"]["pairs"] == 0
    check = next(c for c in report["checks"] if c["name"] == "split_leakage")
    assert check["status"] == "pass"
    assert "## Duplicates" in (out / "report.md").read_text()


def test_without_dedup_near_duplicates_leak_and_the_check_warns(runner, tmp_path):
    """With --no-dedup the same data leaks near duplicates across splits, and split_leakage says so."""
    out = tmp_path / "out"
    result = run(runner, DATA / "sms_spam_2000.tsv", "--out", out, "--no-dedup")
    assert result.exit_code == 0, result.output
    leaks = _cross_split_pairs(_split_records(out))
    report = json.loads((out / "report.json").read_text())
    check = next(c for c in report["checks"] if c["name"] == "split_leakage")
    assert leaks and check["status"] == "warn" and check["observed"] == len(leaks)


def test_label_conflicts_kept_share_a_split(runner, tmp_path):
    """--label-conflicts keep keeps both labels of banking77's conflicting text, in the same split."""
    out = tmp_path / "out"
    result = run_slice(runner, tmp_path, "--out", out, "--label-conflicts", "keep")
    assert result.exit_code == 0, result.output
    records = _split_records(out)
    conflict = [(name, r["label"]) for name, r in records if r["text"].lower().replace("-", " ").startswith("has my top up gone through")]
    assert {label for _, label in conflict} == {"pending_top_up", "top_up_reverted"}
    assert len({name for name, _ in conflict}) == 1
    assert _cross_split_pairs(records) == []


def test_decontaminate_option_rejects_eval_overlap(runner, tmp_path):
    """--decontaminate FILE rejects training records found in the eval file, naming the eval row."""
    eval_file = tmp_path / "eval.csv"
    eval_file.write_text("text,category\nI am still waiting on my card?,card_arrival\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_slice(runner, tmp_path, "--out", out, "--decontaminate", eval_file)
    assert result.exit_code == 0, result.output
    contaminated = [r for r in read_jsonl(out / "rejected.jsonl") if r["reason"] == "contaminated"]
    assert [r["raw"]["text"] for r in contaminated] == ["I am still waiting on my card?"]
    assert contaminated[0]["eval_source"] == f"{eval_file}:2"


def test_dedup_index_carries_over_between_runs(runner, tmp_path):
    """A second run with the same --dedup-index rejects every record the first run kept."""
    index = tmp_path / "index"
    first = run_slice(runner, tmp_path, "--out", tmp_path / "a", "--dedup-index", index)
    assert first.exit_code == 0, first.output
    kept_first = sum(len(read_jsonl(tmp_path / "a" / f"{s}.jsonl")) for s in SPLITS)
    second = run_slice(runner, tmp_path, "--out", tmp_path / "b", "--dedup-index", index)
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    assert report["counts"]["kept"] == 0 and second.exit_code == 1
    assert report["duplicates"]["index"]["prior_records"] == kept_first
    assert json.loads((tmp_path / "a" / "report.json").read_text())["duplicates"]["index"]["committed"] is True


def test_dedup_index_is_not_grown_by_a_run_that_fails_the_gate(runner, tmp_path):
    """Records of a run that fails the gate stay out of the index, so the corrected re-run is not their duplicate."""
    index = tmp_path / "index"
    strict = tmp_path / "strict.toml"
    strict.write_text("[readiness]\nmin_per_label = 1\nmin_examples = 100000\n")
    failed = run(runner, DATA / "banking77_slice.csv", "--config", strict, "--out", tmp_path / "a", "--dedup-index", index)
    report = json.loads((tmp_path / "a" / "report.json").read_text())
    assert failed.exit_code == 1 and report["duplicates"]["index"]["committed"] is False
    assert "not added: the data did not pass the gate" in (tmp_path / "a" / "report.md").read_text()
    assert list(tmp_path.glob("index*")) == []
    rerun = run_slice(runner, tmp_path, "--out", tmp_path / "b", "--dedup-index", index)
    assert rerun.exit_code == 0, rerun.output
    assert json.loads((index / "index.json").read_text())["count"] == report["counts"]["kept"]
