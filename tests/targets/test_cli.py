"""--target end to end: exports inside the output transaction, listed in the manifest, deterministic, and each
target's export run through ftprep again gives the same records (ids aside)."""

from __future__ import annotations

import filecmp
import json

import pytest

from pipeline.cli import cli
from tests.conftest import DATA, read_jsonl

ALL = ("openai", "vertex", "bedrock", "generic", "hf")
LOST = {"vertex": ("ids", "weight", "parallel"), "bedrock": ("weight", "parallel")}


def _run(runner, inputs, out, *targets):
    flags = [arg for target in targets for arg in ("--target", target)]
    return runner.invoke(cli, ["run", *map(str, inputs), "--out", str(out), "--quiet", *flags])


def test_target_flags_write_exports_checks_and_plan(runner, tmp_path):
    """--target openai --target hf: export/openai/*.jsonl and export/hf/ in the manifest with sha256, the targets
    section with a plan (in report.md and report.html), five checks per target; without --target nothing of that."""
    out = tmp_path / "out"
    result = _run(runner, [DATA / "openai_toolcalls.jsonl"], out, "openai", "hf")
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert {"export/openai/train.jsonl", "export/hf/train.parquet", "export/hf/dataset/dataset_dict.json"} <= set(manifest["outputs"])
    assert manifest["config"]["target"]["name"] == ["openai", "hf"]
    report = json.loads((out / "report.json").read_text())
    assert list(report["targets"]) == ["openai", "hf"] and report["targets"]["openai"]["plan"]["cost"] is None
    assert sum(c["name"].startswith("target_") for c in report["checks"]) == 10
    assert len(read_jsonl(out / "export" / "openai" / "train.jsonl")) == report["counts"]["splits"]["train"]
    assert "## Targets" in (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    assert "Targets and training plan" in html and f"{report['targets']['openai']['plan']['billed_tokens_total']:,}" in html
    plain = tmp_path / "plain"
    assert _run(runner, [DATA / "openai_toolcalls.jsonl"], plain).exit_code == 0
    assert not (plain / "export").exists() and "targets" not in json.loads((plain / "report.json").read_text())


@pytest.mark.slow
def test_exports_are_byte_identical_across_runs(runner, tmp_path):
    """The same input, config and seed give the same export bytes for every target (hf's Arrow files included)."""
    for name in ("a", "b"):
        assert _run(runner, [DATA / "glaive_toolcall_30.json"], tmp_path / name, *ALL).exit_code == 0
    compared = filecmp.dircmp(tmp_path / "a", tmp_path / "b")
    assert not compared.diff_files and not compared.left_only and not compared.right_only
    for target in ALL:
        sub = filecmp.dircmp(tmp_path / "a" / "export" / target, tmp_path / "b" / "export" / target)
        files = [f for f in sub.common_files]
        assert files and filecmp.cmpfiles(sub.left, sub.right, files, shallow=False)[1:] == ([], [])


def _canonical(out, lost=()) -> list[str]:
    found = []
    for split in ("train", "val", "test"):
        path = out / f"{split}.jsonl"
        for row in read_jsonl(path) if path.exists() else []:
            ids = {}
            row.pop("id"), row.pop("meta")
            if "parallel" in lost:
                row.pop("parallel_tool_calls", None)
            for message in row["messages"]:
                if "weight" in lost:
                    message.pop("weight", None)
                for call in message.get("tool_calls") or []:
                    if "ids" in lost:
                        call["id"] = ids.setdefault(call["id"], f"n{len(ids)}")
                if "ids" in lost and "tool_call_id" in message:
                    message["tool_call_id"] = ids.get(message["tool_call_id"], message["tool_call_id"])
            found.append(json.dumps(row, sort_keys=True))
    return sorted(found)


@pytest.mark.slow
@pytest.mark.parametrize("source", ["glaive_toolcall_30.json", "openai_toolcalls.jsonl"])
def test_every_target_round_trips_through_ftprep(runner, tmp_path, source):
    """export -> ftprep run on the export -> the same canonical records (ids aside, and what a format cannot hold)."""
    first = tmp_path / "first"
    assert _run(runner, [DATA / source], first, *ALL).exit_code == 0
    for target in ALL:
        folder = first / "export" / target
        inputs = [folder / "dataset"] if target == "hf" else sorted(folder.glob("*.jsonl"))
        again = tmp_path / f"again_{target}"
        result = _run(runner, inputs, again)
        assert result.exit_code in (0, 1), result.output
        assert (again / "rejected.jsonl").read_text() == ""
        assert _canonical(again, LOST.get(target, ())) == _canonical(first, LOST.get(target, ())), target

