"""The correction loop through the real CLI: run -> review.csv -> edit -> run --corrections -> report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import DATA, read_jsonl
from tests.correct.helpers import flipped_banking77

SPLITS = ("train", "val", "test")


def run(*args) -> object:
    return CliRunner().invoke(cli, ["run", *map(str, args)])


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    """A run on 300 banking77 rows with 30 flipped labels, review.csv edited by a reviewer who knows the truth
    (the first 10 rows: relabel when wrong, keep when right; the next 2: drop), the corrected run, and the same
    corrected run again into another folder."""
    work = tmp_path_factory.mktemp("loop")
    source = work / "banking.csv"
    truth = flipped_banking77(source)
    first = work / "first"
    assert run(source, "--out", first).exit_code in (0, 1)
    with open(first / "review.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    for row in rows[:10]:
        wrong = row["given_label"] != truth[row["id"]]
        row.update(action="relabel" if wrong else "keep", label=truth[row["id"]] if wrong else "", note="checked")
    for row in rows[10:12]:
        row.update(action="drop", note="unclear intent")
    edited = work / "review-edited.csv"
    with open(edited, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    second, again = work / "second", work / "again"
    results = [run(source, "--out", out, "--corrections", edited, "--baseline", first) for out in (second, again)]
    return {"source": source, "truth": truth, "first": first, "second": second, "again": again, "rows": rows,
            "results": results}


def _report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_first_run_writes_review_files_listed_in_the_manifest(loop):
    """A run with suspects writes review.csv, the Label Studio tasks and config, and the Argilla records, each
    listed (and hashed) in the manifest; most rows are the flipped ones."""
    first = loop["first"]
    manifest = json.loads((first / "manifest.json").read_text())
    for name in ("review.csv", "review_label_studio.json", "review_label_studio.xml", "review_argilla.jsonl"):
        assert name in manifest["outputs"], name
    rows = loop["rows"]
    assert len(rows) == _report(first)["label_noise"]["flagged"]
    wrong = sum(r["given_label"] != loop["truth"][r["id"]] for r in rows)
    assert wrong >= 0.7 * len(rows)
    tasks = json.loads((first / "review_label_studio.json").read_text())
    assert tasks[0]["data"]["ftprep_id"] == rows[0]["id"] and tasks[0]["data"]["given_label"] == rows[0]["given_label"]
    prediction = tasks[0]["predictions"][0]
    assert prediction["result"][0]["value"]["choices"] == [rows[0]["suggested_label"]]
    assert prediction["score"] == float(rows[0]["confidence"])
    assert prediction["result"][0]["from_name"] == "label" and 'name="label"' in (first / "review_label_studio.xml").read_text()
    argilla = read_jsonl(first / "review_argilla.jsonl")
    assert argilla[0]["id"] == rows[0]["id"] and argilla[0]["label"] == rows[0]["suggested_label"]


def test_corrected_run_applies_the_decisions_and_every_row_is_accounted_for(loop):
    """Relabelled records carry the new label, dropped ones are in rejected.jsonl as corrected with the note, and
    input rows = split rows + rejected rows."""
    assert loop["results"][0].exit_code in (0, 1), loop["results"][0].output
    second, rows = loop["second"], loop["rows"]
    report = _report(second)
    written = {r["id"]: r for name in SPLITS for r in read_jsonl(second / f"{name}.jsonl")}
    rejected = read_jsonl(second / "rejected.jsonl")
    assert report["counts"]["input"] == 300 == len(written) + len(rejected)
    for row in rows[:10]:
        if row["action"] == "relabel" and row["id"] in written:
            assert written[row["id"]]["label"] == row["label"]
    dropped = [r for r in rejected if r["reason"] == "corrected"]
    assert sorted(r["id"] for r in dropped) == sorted(r["id"] for r in rows[10:12])
    assert all(r["correction"]["note"] == "unclear intent" for r in dropped)
    section = report["corrections"]
    relabels = sum(r["action"] == "relabel" for r in rows[:10])
    assert (section["relabelled"], section["dropped"], section["confirmed"]) == (relabels, 2, 10 - relabels)
    assert sum(n.get("relabelled_from", 0) for n in section["by_label"].values()) == relabels
    assert section["records"][0]["note"] == "checked"


def test_reviewed_records_are_no_longer_suspects(loop):
    """Kept and relabelled records leave the suspects; the estimate before (the baseline run) and after is in the
    report, and it dropped."""
    report = _report(loop["second"])
    reviewed = {r["id"] for r in loop["rows"][:10]}
    assert not reviewed & {s["id"] for s in read_jsonl(loop["second"] / "suspect_labels.jsonl")}
    noise = report["corrections"]["label_noise"]
    assert noise["before"]["estimated_rate"] == _report(loop["first"])["label_noise"]["estimated_rate"]
    assert noise["after"]["estimated_rate"] == report["label_noise"]["estimated_rate"] < noise["before"]["estimated_rate"]
    assert report["corrections"]["verdict"]["before"] == _report(loop["first"])["verdict"]
    assert "## Corrections" in (loop["second"] / "report.md").read_text()


def test_same_corrections_rerun_is_byte_identical(loop):
    """The same input, corrections and seed write the same bytes; the manifest hashes the corrections file."""
    second, again = loop["second"], loop["again"]
    names = sorted(p.name for p in second.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (second / name).read_bytes() == (again / name).read_bytes(), name
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["corrections"]["sha256"] == _report(second)["corrections"]["sha256"]


def test_label_studio_export_read_back(loop, tmp_path):
    """The review tasks annotated as Label Studio exports them go back in with --corrections."""
    tasks = json.loads((loop["first"] / "review_label_studio.json").read_text())[:3]
    for number, task in enumerate(tasks, 1):
        task["id"] = number
        chosen = loop["truth"][task["data"]["ftprep_id"]]
        task["annotations"] = [{"id": number, "completed_by": 1, "was_cancelled": False, "result": [
            {"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": [chosen]}}]}]
    export = tmp_path / "project-1-export.json"
    export.write_text(json.dumps(tasks))
    out = tmp_path / "out"
    result = run(loop["source"], "--out", out, "--corrections", export)
    assert result.exit_code in (0, 1), result.output
    section = _report(out)["corrections"]
    assert section["decisions"] == 3 and section["relabelled"] + section["confirmed"] == 3
    assert {r["reviewer"] for r in section["records"]} == {"1"}


def test_review_command_on_a_finished_run(loop, tmp_path):
    """`ftprep review` prints the findings most worth a look and (re)writes the review files; `ftprep check`
    still accepts the folder."""
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(loop["first"], out)
    for name in ("review.csv", "review_label_studio.json", "review_label_studio.xml", "review_argilla.jsonl"):
        (out / name).unlink()
    result = CliRunner().invoke(cli, ["review", str(out), "--top", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{len(loop['rows'])} findings to review")
    assert loop["rows"][0]["id"] in lines[2]
    assert (out / "review.csv").read_bytes() == (loop["first"] / "review.csv").read_bytes()
    assert CliRunner().invoke(cli, ["check", str(out)]).exit_code in (0, 1)


def test_review_command_refuses_a_folder_that_is_not_a_run(tmp_path):
    """A folder without a run's manifest is exit 2, one line."""
    result = CliRunner().invoke(cli, ["review", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "manifest.json" in result.output


def test_label_conflict_cluster_is_listed_whole(tmp_path):
    """Near-identical texts with different labels (dedup rejects them as label_conflict) are review rows, one per
    member, with the cluster's id, size and labels."""
    out = tmp_path / "out"
    result = run(DATA / "banking77_slice.csv", "--out", out)
    assert result.exit_code in (0, 1), result.output
    conflicts = [r for r in read_jsonl(out / "rejected.jsonl") if r["reason"] == "label_conflict"]
    with open(out / "review.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["finding"] == "label_conflict"]
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in conflicts) and rows
    assert {r["cluster"] for r in rows} == {c["cluster"] for c in conflicts}
    assert all(int(r["cluster_size"]) == sum(c["cluster"] == r["cluster"] for c in conflicts) for r in rows)
    assert all(r["text"] and r["given_label"] == c["raw"]["category"] for r in rows for c in conflicts if c["id"] == r["id"])
