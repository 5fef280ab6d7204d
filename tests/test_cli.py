"""The `ftprep run` contract: outputs, accounting, determinism, exit codes, errors without tracebacks."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset

from pipeline.cli import cli
from tests.conftest import DATA, ROOT, SAMPLES, classification_rows, read_jsonl

OUTPUTS = ["manifest.json", "rejected.jsonl", "report.html", "report.json", "report.md", "review.csv",
           "review_argilla.jsonl", "review_label_studio.json", "review_label_studio.xml", "suspect_labels.jsonl",
           "test.jsonl", "train.jsonl", "val.jsonl"]
# banking77_1500 has 5 of 77 labels with 3-9 examples: a thin tail, so min_per_label warns and the gate says 0.
SLICE_EXIT = 0


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
    assert report["verdict"] == "ready_with_warnings"
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert "fail" not in statuses.values() and statuses["min_per_label"] == "warn"
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


# -- issue 13: user errors are one line and exit 2, before any work ---------------------------------------------------


@pytest.mark.parametrize("case", ["split_nan_flag", "split_nan_toml", "noise_folds_1", "section_as_value",
                                  "config_latin1", "config_dir", "report_latin1", "out_not_writable"])
def test_bad_config_and_output_folders_exit_2_with_one_line_before_any_work(runner, write_jsonl, tmp_path, case):
    """NaN ratios, bad folds, a section given as a value, a config that is not UTF-8, `ftprep report` on a report.json
    that is not UTF-8, and an --out that cannot be written: exit 2, one line, nothing written (they were exit 3)."""
    data = write_jsonl(classification_rows(5))
    out = tmp_path / "out"
    config = tmp_path / "c.toml"
    args = ["run", str(data), "--out", str(out)]
    if case == "split_nan_flag":
        args += ["--split", "nan,0.5,0.5"]
    elif case == "report_latin1":
        out.mkdir()
        (out / "report.json").write_bytes(b'{"verdict": "caf\xe9"}')
        args = ["report", str(out)]
    elif case == "out_not_writable":
        out.mkdir()
        if subprocess.run(["chattr", "+i", str(out)], capture_output=True).returncode != 0:
            if os.geteuid() == 0:
                pytest.skip("no way to make a folder unwritable for root here")
            out.chmod(0o555)
    elif case == "config_dir":
        args += ["--config", str(tmp_path)]
    else:
        config.write_bytes({"split_nan_toml": b"[split]\nratios = [nan, 0.5, 0.5]\n",
                            "noise_folds_1": b"[readiness]\nnoise_folds = 1\n", "section_as_value": b"split = 5\n",
                            "config_latin1": b"[split]\nratios = [0.8, 0.1, 0.1] # caf\xe9\n"}[case])
        args += ["--config", str(config)]
    try:
        result = runner.invoke(cli, args)
    finally:
        subprocess.run(["chattr", "-i", str(out)], capture_output=True)
        out.chmod(0o755) if out.exists() else None
    assert result.exit_code == 2, result.output
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: "), result.stderr
    if case != "report_latin1":
        assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("args", [["--seed=-1"], ["--split", "0.5,0.5"], ["--out", "{file}"], ["--bogus"]])
def test_usage_errors_are_one_line_naming_the_help(runner, write_jsonl, tmp_path, args):
    """A usage error is exit 2 and one line on stderr (click printed four: usage, hint, blank, error)."""
    (tmp_path / "f").write_text("x")
    args = [a.format(file=tmp_path / "f") for a in args]
    result = runner.invoke(cli, ["run", str(write_jsonl(classification_rows(5))), "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [result.stderr.strip()] and result.stderr.startswith("error: ")
    assert result.stderr.rstrip().endswith("run --help')")  # the command path: 'ftprep run' when installed


def test_help_and_version_still_work(runner):
    """--help and --version print and exit 0; `ftprep` alone shows the commands."""
    assert runner.invoke(cli, ["run", "--help"]).exit_code == 0
    assert runner.invoke(cli, ["--version"]).output.startswith("ftprep, version")
    assert "run" in runner.invoke(cli, []).output


# -- issue 13: hostile inputs, end to end -----------------------------------------------------------------------------


def outputs(out):
    return [r for name in ("train", "val", "test") for r in read_jsonl(out / f"{name}.jsonl")]


@pytest.mark.parametrize(("name", "content"), [
    ("dup.csv", "text,label,text\nhello there,a,another column\n".encode()),
    ("wide.csv", "text,label\nhello there,a\n".encode("utf-16")),
    ("wide.jsonl", '{"text": "hello", "label": "a"}\n'.encode("utf-32-le")),
])
def test_files_that_cannot_be_read_as_meant_exit_2_saying_why(runner, tmp_path, name, content):
    """A column named twice, or a UTF-16/32 file, is exit 2 with one line naming the column or the encoding."""
    (tmp_path / name).write_bytes(content)
    result = run(runner, tmp_path / name, "--out", tmp_path / "out")
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1 and "\x00" not in result.stderr
    assert ("'text' more than once" if name == "dup.csv" else "iconv -f UTF-") in result.stderr


@pytest.mark.slow
def test_runaway_quote_is_one_malformed_row_and_the_report_counts_lines(runner, tmp_path):
    """An unclosed quote on line 4 of a 61-line CSV: one malformed_csv with its line range; the other 59 rows are
    read; report.json per_file says 61 lines (the lenient reader read 32 rows and said nothing)."""
    rows = classification_rows(10) + [dict(r, text=r["text"] + ", again") for r in classification_rows(10)]
    lines = ["text,label"] + [f'"{r["text"]}",{r["label"]}' if "," in r["text"] else f"{r['text']},{r['label']}" for r in rows]
    lines[3] = '"she never closes this quote,alpha'
    data = tmp_path / "runaway.csv"
    data.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    assert run(runner, data, "--out", out).exit_code in (0, 1)
    report = json.loads((out / "report.json").read_text())
    assert report["counts"]["input"] == 60 and report["counts"]["rejected"]["malformed_csv"] == 1
    (bad,) = [r for r in read_jsonl(out / "rejected.jsonl") if r["reason"] == "malformed_csv"]
    assert bad["source_row"] == 4 and bad["line_range"][0] == 4 and bad["line_range"][1] > 30
    assert report["counts"]["per_file"][str(data)]["lines"] == 61


@pytest.mark.slow
def test_hostile_rows_end_to_end(runner, tmp_path):
    """One run over rows with colliding ids, invisible label characters, HTML in labels, secrets in an extra
    column and split by zero-width characters, and NaN: ids unique, labels merged, report.md inert, no secret
    written, strict JSON everywhere."""
    rows = classification_rows(40)
    for i, r in enumerate(rows):
        r["id"] = ["a", "a", "a-2"][i] if i < 3 else f"r{i}"
        r["notes"] = f"deploy with AKIAIOSFODNN7EXAMPL{i % 10}"
        r["label"] = {"alpha": "al\u200bpha" if i % 4 == 1 else "alpha", "beta": "<img src=x onerror=alert(1)>",
                      "gamma": "gamma\x00" if i % 2 else "gamma"}[r["label"]]
        r["text"] += [" key AKIA\u200cIOSFODNN7EXAMPLE", " mail bob\u200c@corp\u200c-mail.com", ""][i % 3]
    lines = [json.dumps(r)[:-1] + (', "score": NaN}' if i % 5 == 0 else "}") for i, r in enumerate(rows)]
    data = tmp_path / "hostile.jsonl"
    data.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    assert run(runner, data, "--out", out).exit_code in (0, 1)
    written = outputs(out)
    assert sorted(r["id"] for r in written)[:3] == ["a", "a-2", "a-2-2"] and len({r["id"] for r in written}) == 120
    report = json.loads((out / "report.json").read_text())
    assert sorted(report["labels"]["train"]) == ["<img src=x onerror=alert(1)>", "alpha", "gamma"]
    assert report["ingest"]["non_finite_numbers"] == 24
    for path in out.glob("*.json*"):
        text = path.read_text(encoding="utf-8")
        for line in (text.splitlines() if path.suffix == ".jsonl" else [text]):
            json.loads(line, parse_constant=lambda token: pytest.fail(f"{path.name}: bare {token}"))
        if path.name != "rejected.jsonl":
            assert "AKIA" not in text and "corp\u200c-mail" not in text, path.name
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "\\<img src=x onerror=alert(1)>" in markdown and not re.search(r"(?<!\\)<img", markdown)


@pytest.mark.slow
def test_chat_tool_calls_and_weights_stay_in_messages_and_other_fields_go_to_meta(runner, write_jsonl, tmp_path):
    """tool_calls, tool_call_id and weight stay in the messages (issue 15); a field no format trains on (``name``)
    reaches meta.message_fields, and the chat_fields check warns about it."""
    words = ["river", "copper", "lantern", "orbit", "velvet", "canyon", "pixel", "harbor", "meadow", "quartz"]
    call = {"type": "function", "function": {"name": "weather", "arguments": '{"place": "river"}'}}
    rows = [{"messages": [
        {"role": "user", "content": f"Weather near the {words[i % 10]} {words[i * 3 % 10]}, case {i}?", "name": "al"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": f"c{i}", **call}]},
        {"role": "tool", "content": f'{{"temp": {i}}}', "tool_call_id": f"c{i}"},
        {"role": "assistant", "content": f"A draft about {words[i % 10]} {i}.", "weight": 0},
        {"role": "user", "content": "And now?"},
        {"role": "assistant", "content": f"It is {i} degrees near the {words[i * 3 % 10]}.", "weight": 1}]} for i in range(12)]
    out = tmp_path / "out"
    assert run(runner, write_jsonl(rows), "--out", out).exit_code in (0, 1)
    record = outputs(out)[0]
    messages = record["messages"]
    assert messages[1]["tool_calls"][0]["function"]["name"] == "weather" and messages[1]["content"] is None
    assert messages[2]["tool_call_id"] == messages[1]["tool_calls"][0]["id"]
    assert [m.get("weight") for m in messages] == [None, None, None, 0, None, 1]
    assert record["meta"]["message_fields"] == {"1": {"name": "al"}}
    check = next(c for c in json.loads((out / "report.json").read_text())["checks"] if c["name"] == "chat_fields")
    assert check["status"] == "warn" and "name 12" in check["message"]


_PEAK_RSS = """
import runpy, sys
sys.argv = ["ftprep", *sys.argv[1:]]
try:
    runpy.run_module("pipeline", run_name="__main__")
finally:  # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so a child of a big pytest reports pytest's peak
    print("PEAK_KB", [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")][0], file=sys.stderr)
"""


@pytest.mark.slow
def test_a_huge_row_in_a_gzip_is_too_long_at_ingest_with_bounded_memory(tmp_path):
    """A 128 MiB row inside a 130 KB .jsonl.gz is rejected as too_long by ingest, 1,000 bytes of it kept; the run
    peaks near a small run's memory (a 200 MiB row took 2.6 GB before)."""
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=1) as fh:
        for i, r in enumerate(classification_rows(10)):
            fh.write(json.dumps(r).encode() + b"\n")
            if i == 3:
                fh.write(b'{"text": "' + b"A" * (128 << 20) + b'", "label": "alpha"}\n')
    config = tmp_path / "c.toml"
    config.write_text("[input]\nmax_row_bytes = 1048576\n")
    result = subprocess.run([sys.executable, "-c", _PEAK_RSS, "run", str(path), "--out", str(tmp_path / "out"),
                             "--config", str(config), "-q"], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode in (0, 1), result.stderr
    (line,) = read_jsonl(tmp_path / "out" / "rejected.jsonl")
    assert (line["reason"], line["stage"], line["source_row"]) == ("too_long", "ingest", 5) and len(line["raw"]) == 1000
    assert int(result.stderr.split("PEAK_KB")[1].split()[0]) < 900 << 10  # a small run peaks at ~590 MB
