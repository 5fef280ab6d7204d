"""A preference set end to end through the CLI: every row accounted for, prompts never across splits, exports
in OpenAI's preference line and TRL's conversational form, and the other layouts read to the same pairs."""

from __future__ import annotations

import json

import pytest
from datasets import load_from_disk

from pipeline.cli import cli
from pipeline.core.records import exact_key
from pipeline.preference.text import rendered
from tests.conftest import read_jsonl
from tests.preference.helpers import HH, hh_pairs

SPLIT_NAMES = ("train", "val", "test")


def _run(runner, inputs, out, *flags):
    return runner.invoke(cli, ["run", *map(str, inputs), "--out", str(out), "--quiet", *flags])


@pytest.mark.slow
def test_hh_slice_end_to_end(runner, tmp_path):
    """150 hh-rlhf rows: input = kept + rejected, kept = the splits, no prompt in two splits, the OpenAI export is
    OpenAI's preference line, the hf export loads with datasets as prompt/chosen/rejected message lists."""
    data = tmp_path / "hh.jsonl"
    data.write_text("".join(HH.read_text(encoding="utf-8").splitlines(keepends=True)[:150]), encoding="utf-8")
    out = tmp_path / "out"
    result = _run(runner, [data], out, "--target", "openai", "--target", "hf", "--target", "generic")
    assert result.exit_code in (0, 1), result.output
    report = json.loads((out / "report.json").read_text())
    counts = report["counts"]
    assert report["task"] == "preference"
    assert counts["input"] == 150 == counts["kept"] + sum(counts["rejected"].values())
    assert counts["kept"] == sum(counts["splits"].values())
    assert len(read_jsonl(out / "rejected.jsonl")) == sum(counts["rejected"].values())
    split_of: dict[str, set[str]] = {}
    for name in SPLIT_NAMES:
        for record in read_jsonl(out / f"{name}.jsonl"):
            assert list(record)[:4] == ["id", "prompt", "chosen", "rejected"]
            split_of.setdefault(exact_key(rendered(record["prompt"])), set()).add(name)
    assert all(len(s) == 1 for s in split_of.values())
    assert {c["name"] for c in report["checks"]} >= {"preference_identical_pairs", "preference_length_bias",
                                                     "preference_contradictions", "preference_repeated_prompts",
                                                     "preference_refusal_asymmetry"}
    assert "## Preference pairs" in (out / "report.md").read_text()
    line = read_jsonl(out / "export" / "openai" / "train.jsonl")[0]
    assert list(line) == ["input", "preferred_output", "non_preferred_output"]
    assert line["input"]["messages"][-1]["role"] == "user"
    assert [m["role"] for m in line["preferred_output"]] == ["assistant"] == [m["role"] for m in line["non_preferred_output"]]
    assert set(line["preferred_output"][0]) == {"role", "content"}
    hf = load_from_disk(str(out / "export" / "hf" / "dataset"))
    assert hf["train"].column_names == ["id", "prompt", "chosen", "rejected"]
    assert len(hf["train"]) == counts["splits"]["train"] and set(hf["train"][0]["chosen"][0]) == {"role", "content"}
    # the generic export (TRL's conversational form) read by ftprep again: the same pairs
    again = tmp_path / "again"
    assert _run(runner, [out / "export" / "generic" / "train.jsonl"], again, "--split", "1,0,0").exit_code in (0, 1)
    assert json.loads((again / "report.json").read_text())["counts"]["kept"] == counts["splits"]["train"]


@pytest.mark.slow
def test_openai_and_trl_layouts_read_to_the_same_pairs(runner, tmp_path, write_jsonl):
    """The slice's first 60 pairs written as OpenAI preference lines and as TRL standard rows give the same
    prompts and kept count as the hh-rlhf transcripts."""
    pairs = hh_pairs(60)
    plain = lambda ms: [{"role": m["role"], "content": m["content"]} for m in ms]  # noqa: E731
    openai = write_jsonl([{"input": {"messages": plain(p["prompt"])}, "preferred_output": plain(p["chosen"]),
                           "non_preferred_output": plain(p["rejected"])} for p in pairs], "openai.jsonl")
    trl = write_jsonl([{"prompt": plain(p["prompt"]), "chosen": p["chosen"][0]["content"],
                        "rejected": p["rejected"][0]["content"]} for p in pairs], "trl.jsonl")
    kept = []
    for path in (openai, trl):
        out = tmp_path / path.stem
        assert _run(runner, [path], out, "--split", "1,0,0").exit_code in (0, 1)
        report = json.loads((out / "report.json").read_text())
        assert report["task"] == "preference"
        kept.append(sorted(rendered(r["prompt"]) for r in read_jsonl(out / "train.jsonl")))
    assert kept[0] == kept[1] and len(kept[0]) >= 50
