"""Bedrock's other text fine-tuning formats, chosen by [target] model: Claude 3 Haiku's messages and the
text-to-text prompt/completion of Meta Llama 3.1 (docs/targets.md), on real Alpaca and glaive records."""

from __future__ import annotations

import pytest

from pipeline.core.records import Task, task_of
from pipeline.ingest.config import InputConfig
from pipeline.ingest.stage import read_records
from pipeline.targets.config import TargetConfig
from pipeline.targets.export import write_exports
from pipeline.targets.stage import measure_target
from tests.conftest import DATA, read_jsonl


def _records(name: str):
    kept = read_records([str(DATA / name)], InputConfig()).kept
    return kept.add_column("split", [("train", "val", "test")[i % 3] for i in range(len(kept))])


def _lines(out) -> list[dict]:
    return [line for path in sorted((out / "export" / "bedrock").glob("*.jsonl")) for line in read_jsonl(path)]


def claude_errors(line: dict) -> list[str]:
    """The Claude-on-Bedrock dataset rules as Anthropic's cookbook states them: system optional (a string), at
    least two messages, the first the user's, the last the assistant's, alternating, no other keys."""
    errors = [f"key {key}" for key in set(line) - {"system", "messages"}]
    if "system" in line and not isinstance(line["system"], str):
        errors.append("system is not a string")
    roles = [m["role"] for m in line["messages"]]
    if len(roles) < 2 or roles[0] != "user" or roles[-1] != "assistant" or any(a == b for a, b in zip(roles, roles[1:])):
        errors.append(f"roles {roles}")
    errors += [f"message keys {set(m)}" for m in line["messages"] if set(m) != {"role", "content"}]
    errors += ["empty or non-text content" for m in line["messages"] if not isinstance(m["content"], str) or not m["content"]]
    return errors


def test_claude_export_follows_the_cookbook_and_ignores_nova_keywords(tmp_path):
    """claude-3-haiku: every line passes the cookbook's rules with the system prompt as a string; "the chatbot:"
    is no reserved keyword there, so no record is left out."""
    records = _records("alpaca_reserved_27.json")
    cfg = TargetConfig(name=("bedrock",), model={"bedrock": "claude-3-haiku"}, system_prompt="Answer helpfully.")
    write_exports(tmp_path, cfg, records)
    lines = _lines(tmp_path)
    assert len(lines) == len(records) and all(claude_errors(line) == [] for line in lines)
    assert {line["system"] for line in lines} == {"Answer helpfully."}
    section = measure_target(records, task_of(records), cfg, "bedrock", "o200k_base")
    assert section["format"].startswith("Amazon Bedrock Claude 3 Haiku") and section["limits"]["forbidden"] == []
    assert section["sources"]["claude_format"]["confirmed"] is False


def test_claude_leaves_tool_chats_out_and_reads_back(tmp_path):
    """glaive on claude-3-haiku: chats with tools are left out (the format holds text turns), the others are
    written and read back by ftprep as the same conversations."""
    records = _records("glaive_reserved_22.json")
    cfg = TargetConfig(name=("bedrock",), model={"bedrock": "claude-3-haiku"})
    write_exports(tmp_path, cfg, records)
    section = measure_target(records, Task.CHAT, cfg, "bedrock", "o200k_base")
    lines = _lines(tmp_path)
    with_tools = sum(1 for r in records if r["tools"] or any(m["tool_calls"] for m in r["messages"]))
    assert with_tools and len(lines) == len(records) - with_tools == sum(section["examples"].values())
    assert section["skipped"]["records"] == with_tools
    again = read_records([str(p) for p in sorted((tmp_path / "export" / "bedrock").glob("*.jsonl"))], InputConfig())
    assert len(again.rejected) == 0 and len(again.kept) == len(lines)


@pytest.mark.parametrize(("system_prompt", "written"), [(None, 27), ("Answer helpfully.", 0)])
def test_llama_prompt_completion_holds_one_turn_without_system(tmp_path, system_prompt, written):
    """llama-3.1-8b-instruct: each Alpaca record is one {prompt, completion} line; a system prompt has no place in
    that format, so with one every record is left out, saying why."""
    records = _records("alpaca_reserved_27.json")
    cfg = TargetConfig(name=("bedrock",), model={"bedrock": "llama-3.1-8b-instruct"}, system_prompt=system_prompt)
    write_exports(tmp_path, cfg, records)
    lines = _lines(tmp_path) if written else []
    assert len(lines) == written and all(set(line) == {"prompt", "completion"} for line in lines)
    section = measure_target(records, task_of(records), cfg, "bedrock", "o200k_base")
    assert section["skipped"]["records"] == len(records) - written
    if written:
        prompts = {r["prompt"] for r in records}
        assert all(line["prompt"] in prompts for line in lines)
