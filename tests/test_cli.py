"""The `ftprep run` contract: outputs, accounting, determinism, exit codes, errors without tracebacks."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset

from pipeline.cli import cli
from tests.conftest import DATA, SAMPLES, classification_rows, read_jsonl

OUTPUTS = ["manifest.json", "rejected.jsonl", "report.html", "report.json", "report.md", "suspect_labels.jsonl",
           "test.jsonl", "train.jsonl", "val.jsonl"]
# banking77_1500 has labels with 3-9 examples: min_per_label fails (fewer than 10 per label), so the gate says 1.
SLICE_EXIT = 1


def run(runner, *args):
    return runner.invoke(cli, ["run", *map(str, args)])


def test_real_banking77_slice_end_to_end(runner, tmp_path):
    """A real CSV slice gives every output, stratified splits and a report whose counts add up."""
    out = tmp_path / "out"
    result = run(runner, DATA / "banking77_1500.csv", "--out", out)
    assert result.exit_code == SLICE_EXIT, result.output
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS
    report = json.loads((out / "report.json").read_text())
    assert report["task"] == "classification"
    assert report["field_mapping"]["label"] == "category"
    counts = report["counts"]
    assert counts["input"] == 1500 == counts["kept"] + sum(counts["rejected"].values())
    assert sum(counts["splits"].values()) == counts["kept"]
    (per_file,) = counts["per_file"].values()
    assert per_file["input"] == per_file["train"] + per_file["val"] + per_file["test"] + per_file["rejected"]
    for name in ("train", "val", "test"):
        assert len(read_jsonl(out / f"{name}.jsonl")) == counts["splits"][name]
    # every label with >= 3 examples appears in every split
    labels = report["labels"]
    for label, n in labels["train"].items():
        if labels["train"][label] + labels["val"][label] + labels["test"][label] >= 3:
            assert labels["val"][label] and labels["test"][label], label
    assert report["verdict"] == "not_ready"
    assert [c["name"] for c in report["checks"] if c["status"] == "fail"] == ["min_per_label"]
    assert "verdict: " in result.output


def test_records_carry_id_fields_and_meta(runner, write_jsonl, tmp_path):
    """Split records are {id, task fields, meta{source_file, source_row, extra columns}}."""
    path = write_jsonl([{**row, "channel": "web"} for row in classification_rows(10)])
    out = tmp_path / "out"
    assert run(runner, path, "--out", out).exit_code == 0
    record = read_jsonl(out / "train.jsonl")[0]
    assert list(record) == ["id", "text", "label", "meta"]
    assert record["meta"]["source_file"] == str(path)
    assert record["meta"]["channel"] == "web"


def test_rejected_rows_keep_reason_source_and_original(runner, write_jsonl, tmp_path):
    """Every bad row is in rejected.jsonl with its reason, file, row and original content; the run goes on."""
    rows = [*classification_rows(10), "{broken", {"text": "", "label": "alpha"}, {"text": "no label here"}]
    path = write_jsonl(rows)
    out = tmp_path / "out"
    assert run(runner, path, "--out", out).exit_code == 0
    rejected = {r["source_row"]: r for r in read_jsonl(out / "rejected.jsonl")}
    assert {n: r["reason"] for n, r in rejected.items()} == {31: "malformed_json", 32: "empty_text", 33: "missing_field"}
    assert rejected[31]["raw"] == "{broken"
    assert rejected[33]["raw"] == {"text": "no label here"}
    assert all(r["source_file"] == str(path) for r in rejected.values())


def test_same_input_and_seed_give_identical_bytes(runner, tmp_path):
    """Two runs with the same input, config and seed write byte-identical files; another seed changes splits."""
    outs = [tmp_path / name for name in ("a", "b", "c")]
    for out, seed in zip(outs, (5, 5, 6)):
        assert run(runner, DATA / "banking77_1500.csv", "--out", out, "--seed", seed).exit_code == SLICE_EXIT
    for name in OUTPUTS:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    assert (outs[0] / "train.jsonl").read_bytes() != (outs[2] / "train.jsonl").read_bytes()


def test_outputs_do_not_depend_on_python_hash_randomisation(tmp_path):
    """Separate processes (each with its own str hash seed, as two CI jobs would have) write identical bytes."""
    seeds = (1, 3)  # with these two, a set of {"en", "no", "und"} iterates in different orders
    outs = [tmp_path / f"hash{seed}" for seed in seeds]
    for out, seed in zip(outs, seeds):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        command = [sys.executable, "-c", "from pipeline.cli import main; main()",
                   "run", str(SAMPLES / "product_reviews.csv"), "--out", str(out), "--quiet"]
        assert subprocess.run(command, env=env, capture_output=True).returncode == 0
    for name in sorted(p.name for p in outs[0].iterdir()):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_too_little_data_exits_1(runner, write_jsonl, tmp_path):
    """A dataset below the minimum is not_ready and exits 1."""
    path = write_jsonl(classification_rows(2, labels=("a", "b")))
    result = run(runner, path, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert json.loads((tmp_path / "out" / "report.json").read_text())["verdict"] == "not_ready"


def test_fail_on_warn_makes_warnings_fail_the_gate(runner, write_jsonl, tmp_path):
    """With --fail-on warn, ready_with_warnings exits 1."""
    path = write_jsonl(classification_rows(10))  # 30 examples: above the minimum, below the recommendation
    assert run(runner, path, "--out", tmp_path / "a").exit_code == 0
    assert run(runner, path, "--out", tmp_path / "b", "--fail-on", "warn").exit_code == 1
    assert json.loads((tmp_path / "b" / "report.json").read_text())["verdict"] == "ready_with_warnings"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jsonl"], "missing.jsonl: no such file"),
        (["{data}", "--config", "{cfg}"], "unknown key 'seeed'"),
        (["{data}", "--split", "0.8,0.2"], "expected three numbers"),
        (["{data}", "--text-field", "body"], "--text-field 'body': no such column"),
        (["{odd}"], "cannot tell the task"),
    ],
)
def test_usage_config_and_input_errors_exit_2_with_one_line(runner, write_jsonl, tmp_path, args, message):
    """Errors exit 2 with one clear line on stderr and no traceback."""
    data = write_jsonl(classification_rows(5))
    odd = write_jsonl([{"a": 1, "b": 2}], "odd.jsonl")
    cfg = tmp_path / "c.toml"
    cfg.write_text("[split]\nseeed = 1\n")
    args = [a.format(data=data, cfg=cfg, odd=odd) for a in args]
    result = run(runner, *args, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_non_empty_out_needs_overwrite(runner, write_jsonl, tmp_path):
    """A second run into the same directory is refused, and allowed with --overwrite."""
    path = write_jsonl(classification_rows(10))
    out = tmp_path / "out"
    assert run(runner, path, "--out", out).exit_code == 0
    refused = run(runner, path, "--out", out)
    assert refused.exit_code == 2 and "--overwrite" in refused.output
    assert run(runner, path, "--out", out, "--overwrite").exit_code == 0


def test_quiet_prints_nothing(runner, write_jsonl, tmp_path):
    """--quiet prints nothing on success."""
    result = run(runner, write_jsonl(classification_rows(10)), "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 0 and result.output == ""


def test_every_format_gives_the_same_records(runner, tmp_path):
    """JSONL, JSON, CSV, TSV, Parquet, gzip and a saved dataset all produce the same splits."""
    rows = classification_rows(10)
    files = {
        "a.jsonl": "\n".join(json.dumps(r) for r in rows) + "\n",
        "a.json": json.dumps(rows),
        "a.csv": "text,label\n" + "".join(f'"{r["text"]}",{r["label"]}\n' for r in rows),
        "a.tsv": "text\tlabel\n" + "".join(f'{r["text"]}\t{r["label"]}\n' for r in rows),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress(files["a.csv"].encode()))
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "a.parquet")
    Dataset.from_list(rows).save_to_disk(tmp_path / "saved")
    texts = None
    for name in [*files, "a.csv.gz", "a.parquet", "saved"]:
        out = tmp_path / f"out-{name}"
        assert run(runner, tmp_path / name, "--out", out).exit_code == 0, name
        got = [(r["text"], r["label"]) for r in read_jsonl(out / "train.jsonl")]
        texts = texts or got
        assert got == texts, name


def test_glob_and_several_inputs_are_accounted_per_file(runner, write_jsonl, tmp_path):
    """Several inputs are concatenated and the report accounts for each file."""
    rows = classification_rows(10)
    write_jsonl(rows[:15] + ["{bad"], "part1.jsonl")
    write_jsonl(rows[15:], "part2.jsonl")
    out = tmp_path / "out"
    assert run(runner, tmp_path / "part*.jsonl", "--out", out).exit_code == 0
    per_file = json.loads((out / "report.json").read_text())["counts"]["per_file"]
    assert [v["input"] for v in per_file.values()] == [16, 15]
    assert [v["rejected"] for v in per_file.values()] == [1, 0]
    for row in per_file.values():
        assert row["input"] == row["train"] + row["val"] + row["test"] + row["rejected"]


def test_manifest_describes_inputs_and_outputs(runner, write_jsonl, tmp_path):
    """The manifest holds the resolved config, input hashes and output hashes that match the files."""
    import hashlib

    path = write_jsonl(classification_rows(10))
    out = tmp_path / "out"
    assert run(runner, path, "--out", out, "--seed", "3").exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["config"]["seed"] == 3
    assert manifest["inputs"][0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    for name, entry in manifest["outputs"].items():
        assert entry["sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest()
    assert manifest["outputs"]["train.jsonl"]["rows"] == len(read_jsonl(out / "train.jsonl"))
    assert "datasets" in manifest["libraries"]


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*") if p.suffix not in (".md", ".txt")))
def test_every_bundled_sample_runs(runner, tmp_path, sample):
    """Each bundled sample runs to a verdict and accounts for every row."""
    shutil.copy(SAMPLES / sample, tmp_path / sample)
    out = tmp_path / "out"
    result = run(runner, tmp_path / sample, "--out", out)
    assert result.exit_code in (0, 1), result.output
    counts = json.loads((out / "report.json").read_text())["counts"]
    assert counts["input"] == counts["kept"] + sum(counts["rejected"].values())


def test_the_run_seed_reaches_every_random_choice(runner, write_jsonl, tmp_path):
    """--seed seeds the language sample (it did not before: [clean] had its own seed), the split and the analyses,
    and the manifest says which seed each stage used; the MinHash hash seed stays fixed."""
    path = write_jsonl(classification_rows(10))
    config = tmp_path / "c.toml"
    config.write_text("[clean]\nlanguage_sample_size = 5\n")
    sampled = {}
    for seed in (1, 2):
        out = tmp_path / f"seed{seed}"
        assert run(runner, path, "--out", out, "--seed", seed, "--config", config).exit_code == 0
        report = json.loads((out / "report.json").read_text())
        manifest = json.loads((out / "manifest.json").read_text())
        assert report["cleaning"]["language"]["seed"] == report["split"]["seed"] == seed
        assert manifest["seeds"] == {"clean": seed, "split": seed, "measure": seed, "dedup_hash_seed": 1}
        rows = [r for name in ("train", "val", "test") for r in read_jsonl(out / f"{name}.jsonl")]
        sampled[seed] = sorted(r["id"] for r in rows if r["meta"]["lang"] is not None)
    assert len(sampled[1]) == len(sampled[2]) == 5 and sampled[1] != sampled[2]
