"""Each target's export follows its upload format's rules and reads back to the same records (glaive and OpenAI
tool-call chats): ingest -> export -> ingest again."""

from __future__ import annotations

import json

import pytest
from datasets import load_from_disk

from pipeline.ingest.config import InputConfig
from pipeline.ingest.stage import read_records
from pipeline.targets.config import TargetConfig
from pipeline.targets.export import write_exports
from pipeline.targets.formats import BEDROCK_SCHEMA
from pipeline.targets.limits import NOVA_RESERVED
from tests.conftest import DATA, read_jsonl

TARGETS = ("openai", "vertex", "bedrock", "generic", "hf")
LOST = {"vertex": {"ids", "weight", "parallel"}, "bedrock": {"weight", "parallel"}}
"""What a format cannot hold (docs/targets.md): Gemini has no call ids, neither Gemini nor Bedrock per-turn weights
or parallel_tool_calls."""


def _records(name: str):
    kept = read_records([str(DATA / name)], InputConfig()).kept
    return kept.add_column("split", [("train", "val", "test")[i % 3] for i in range(len(kept))])


@pytest.fixture(scope="module", params=["glaive_toolcall_30.json", "openai_toolcalls.jsonl"])
def exported(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    records = _records(request.param)
    written = write_exports(out, TargetConfig(name=TARGETS), records)
    return records, out, written


def _lines(out, target):
    return [row for split in ("train", "val", "test") for row in read_jsonl(out / "export" / target / f"{split}.jsonl")]


def _check_openai(example: dict) -> None:
    assert set(example) <= {"messages", "tools", "parallel_tool_calls"}
    calls: set[str] = set()
    for message in example["messages"]:
        role = message["role"]
        assert role in {"system", "user", "assistant", "tool"} and set(message) <= {
            "role", "content", "tool_calls", "tool_call_id", "weight"}
        assert "weight" not in message or (role == "assistant" and message["weight"] in (0, 1))
        if message.get("tool_calls"):
            assert role == "assistant" and isinstance(message.get("content") or "", str)
            for call in message["tool_calls"]:
                assert call["type"] == "function" and isinstance(json.loads(call["function"]["arguments"]), dict)
                calls.add(call["id"])
        else:
            assert isinstance(message["content"], str) and message["content"]
        if role == "tool":
            assert message["tool_call_id"] in calls
    assert example["messages"][-1]["role"] == "assistant"
    for tool in example.get("tools", []):
        assert tool["type"] == "function" and tool["function"]["name"]


def _check_vertex(example: dict) -> None:
    assert set(example) <= {"systemInstruction", "contents", "tools"}
    roles = [turn["role"] for turn in example["contents"]]
    assert roles == ["user", "model"] * (len(roles) // 2)  # alternate, open with the user, end with the model
    for turn in example["contents"]:
        for part in turn["parts"]:
            (kind,) = part
            assert kind in ({"text", "functionCall"} if turn["role"] == "model" else {"text", "functionResponse"})
            if kind != "text":
                assert part[kind]["name"] and isinstance(part[kind]["args" if kind == "functionCall" else "response"], dict)
    for text in example.get("systemInstruction", {}).get("parts", []):
        assert set(text) == {"text"}
    for tool in example.get("tools", []):
        for declaration in tool["functionDeclarations"]:
            assert declaration["parameters"]["type"] == "OBJECT"


def _check_bedrock(example: dict) -> None:
    assert example["schemaVersion"] == BEDROCK_SCHEMA and set(example) <= {"schemaVersion", "system", "messages", "toolConfig"}
    roles = [m["role"] for m in example["messages"]]
    assert roles == ["user", "assistant"] * (len(roles) // 2)
    uses: set[str] = set()
    for message in example["messages"]:
        for block in message["content"]:
            (kind,) = block
            assert kind in ({"text", "toolUse"} if message["role"] == "assistant" else {"text", "toolResult"})
            if kind == "toolUse":
                assert block[kind]["name"] and isinstance(block[kind]["input"], dict)
                uses.add(block[kind]["toolUseId"])
            if kind == "toolResult":
                assert block[kind]["toolUseId"] in uses and all(set(c) in ({"text"}, {"json"}) for c in block[kind]["content"])
    for tool in example.get("toolConfig", {}).get("tools", []):
        spec = tool["toolSpec"]
        assert spec["name"] and spec["description"] and spec["inputSchema"]["json"]["type"] == "object"
    prompts = [b["text"] for m in example["messages"] if m["role"] == "user" for b in m["content"] if "text" in b]
    prompts += [b["text"] for b in example.get("system", [])]
    assert not any(word in text for text in prompts for word in NOVA_RESERVED)


CHECKS = {"openai": _check_openai, "generic": _check_openai, "vertex": _check_vertex, "bedrock": _check_bedrock}


@pytest.mark.parametrize("target", ["openai", "generic", "vertex", "bedrock"])
def test_every_exported_line_follows_its_format(exported, target):
    """Each line of each split file passes the format's rules; every record is in the export."""
    records, out, _ = exported
    lines = _lines(out, target)
    for example in lines:
        CHECKS[target](example)
    assert len(lines) == len(records)


def _normal(chat: dict, lost: set[str]) -> dict:
    chat = json.loads(json.dumps(chat))
    if "parallel" in lost:
        chat["parallel_tool_calls"] = None
    ids = {}
    for message in chat["messages"]:
        if "weight" in lost:
            message["weight"] = None
        for call in message["tool_calls"] or []:
            if "ids" in lost:
                call["id"] = ids.setdefault(call["id"], f"n{len(ids)}")
        if "ids" in lost and message["tool_call_id"]:
            message["tool_call_id"] = ids.get(message["tool_call_id"], message["tool_call_id"])
    return chat


def _chats(ds, lost=frozenset()) -> list[dict]:
    return [_normal({k: row[k] for k in ("messages", "tools", "parallel_tool_calls")}, set(lost)) for row in ds]


@pytest.mark.parametrize("target", TARGETS)
def test_each_export_reads_back_to_the_same_records(exported, target):
    """Ingesting a target's export gives the same conversations, calls, results and tools, in split order, apart
    from what the format cannot hold; nothing is rejected."""
    records, out, _ = exported
    folder = out / "export" / target
    inputs = [str(folder / "dataset")] if target == "hf" else [str(folder / f"{s}.jsonl") for s in ("train", "val", "test")]
    again = read_records(inputs, InputConfig())
    by_split = [r for split in ("train", "val", "test") for r in records if r["split"] == split]
    lost = LOST.get(target, set())
    assert len(again.rejected) == 0
    assert _chats(again.kept, lost) == _chats(by_split, lost)


def test_hf_export_is_a_dataset_dict_and_parquet_with_ids(exported):
    """The hf export loads with datasets (train/validation/test) and its Parquet files hold the same rows."""
    records, out, written = exported
    loaded = load_from_disk(str(out / "export" / "hf" / "dataset"))
    assert set(loaded) == {"train", "validation", "test"} and sum(len(s) for s in loaded.values()) == len(records)
    assert loaded["train"]["id"] == [r["id"] for r in records if r["split"] == "train"]
    assert written["export/hf/train.parquet"] == len(loaded["train"])
