"""The Bedrock (Nova) export passes AWS's own dataset validators, transcribed rule by rule below, on real records
that hold AWS's reserved keywords in lower case (Alpaca's "the chatbot:", glaive's "Monitor the system:").

The rules are transcribed (not copied) from AWS's two published validators:

- aws-samples/amazon-nova-samples @8c768753be0f9c9d79a762a2458c497fd47df594,
  ``customization/bedrock-finetuning/understanding/dataset_validation/nova_ft_dataset_validator.py``:
  ``INVALID_TOKENS_TEXT`` matched as substrings, as written, in the system prompt and every text block;
  ``check_roles_order``; ``ToolConfig``/``ToolSpec``/``ToolUse``/``ToolResult``;
- aws/nova-customization-sdk @6ed1f5915e3cc9e44876f299eaa84a6d86f890f2,
  ``src/amzn_nova_forge/dataset/dataset_validator/dataset_validator.py`` (``check_forbidden_keywords``: any case)
  and ``sft_dataset_validator.py`` (the same in tool results' text; ``schemaVersion`` must be
  ``bedrock-conversation-2024``; toolUse only from the assistant, toolResult only from the user).
"""

from __future__ import annotations

import json

import pytest

from pipeline.core.records import task_of
from pipeline.ingest.config import InputConfig
from pipeline.ingest.stage import read_records
from pipeline.targets.config import TargetConfig
from pipeline.targets.export import write_exports
from pipeline.targets.limits import NOVA_SDK_COMMIT, NOVA_VALIDATOR_COMMIT
from pipeline.targets.stage import measure_target
from tests.conftest import DATA, read_jsonl

SAMPLES_TOKENS = ("System:", "SYSTEM:", "User:", "USER:", "Bot:", "BOT:", "Assistant:", "ASSISTANT:", "Thought:",
                  "[EOS]", "<image>", "<video>", "<unk>")
"""nova_ft_dataset_validator.py's INVALID_TOKENS_TEXT: matched as written."""
SDK_TOKENS = ("Bot:", "<image>", "<video>", "[EOS]", "Assistant:", "User:")
"""The SDK's forbidden keywords: matched in any case."""


def _reserved(text: str, *, tool_result: bool = False) -> list[str]:
    found = [] if tool_result else [t for t in SAMPLES_TOKENS if t in text.strip()]  # samples: text blocks, system
    return found + [t for t in SDK_TOKENS if t.lower() in text.lower()]


def aws_nova_errors(line: dict) -> list[str]:
    """What AWS's validators (as transcribed above) say about one SFT line of the upload; empty: accepted."""
    errors = []
    if line.get("schemaVersion") != "bedrock-conversation-2024":
        errors.append("schemaVersion")
    if set(line) - {"schemaVersion", "system", "toolConfig", "messages"}:
        errors.append(f"unknown keys {set(line) - {'schemaVersion', 'system', 'toolConfig', 'messages'}}")
    for block in line.get("system") or []:
        errors += [f"system holds {t}" for t in _reserved(block["text"])]
    messages = line["messages"]
    if len(messages) < 2:
        errors.append("fewer than two messages")
    for i, message in enumerate(messages):
        expected = "user" if i % 2 == 0 else "assistant"
        if message["role"] != expected:
            errors.append(f"message {i}: expected {expected}, found {message['role']}")
        if not message["content"]:
            errors.append(f"message {i}: no content")
        texts = [item["text"] for item in message["content"] if "text" in item]
        if texts and len(texts) == len(message["content"]) and not sum(map(len, texts)):
            errors.append(f"message {i}: empty text content")
        for item in message["content"]:
            kinds = set(item) & {"text", "toolUse", "toolResult", "image", "video", "document", "reasoningContent"}
            if len(kinds) != 1 or set(item) - kinds:
                errors.append(f"message {i}: a content item with {sorted(item)}")
            if "text" in item:
                errors += [f"message {i} holds {t}" for t in _reserved(item["text"])]
            if "toolUse" in item and message["role"] != "assistant":
                errors.append(f"message {i}: toolUse outside an assistant message")
            if "toolResult" in item:
                if message["role"] != "user":
                    errors.append(f"message {i}: toolResult outside a user message")
                for part in item["toolResult"]["content"]:
                    if ("text" in part) == ("json" in part):
                        errors.append(f"message {i}: a tool result part needs text or json")
                    if "text" in part:
                        errors += [f"message {i} tool result holds {t}" for t in _reserved(part["text"], tool_result=True)]
    if messages and messages[-1]["role"] != "assistant":
        errors.append("the last message is not the assistant's")
    errors += _tool_errors(line)
    return errors


def _tool_errors(line: dict) -> list[str]:
    config = line.get("toolConfig")
    if config is None:
        return []
    errors = []
    specs = [tool["toolSpec"] for tool in config["tools"]]
    names = [spec["name"] for spec in specs]
    if not specs or len(names) != len(set(names)):
        errors.append("toolConfig: no tools, or two with one name")
    for spec in specs:
        if not spec["name"].strip() or not spec["description"].strip() or "type" not in spec["inputSchema"]["json"]:
            errors.append(f"toolSpec {spec['name']!r}: empty name or description, or a schema without type")
    used: set[str] = set()
    for message in line["messages"]:
        for item in message["content"]:
            if "toolUse" in item:
                use = item["toolUse"]
                if use["name"] not in names or use["toolUseId"] in used or not isinstance(use["input"], dict):
                    errors.append(f"toolUse {use['toolUseId']}: unknown tool, repeated id or input not an object")
                used.add(use["toolUseId"])
            if "toolResult" in item and item["toolResult"]["toolUseId"] not in used:
                errors.append(f"toolResult {item['toolResult']['toolUseId']}: no earlier toolUse")
    return errors


def _records(name: str):
    kept = read_records([str(DATA / name)], InputConfig()).kept
    return kept.add_column("split", [("train", "val", "test")[i % 3] for i in range(len(kept))])


def test_the_transcription_refuses_what_aws_refuses():
    """The transcribed rules catch each kind of line AWS's validators reject: a keyword in any case (SDK), System:
    as written (samples), a turn out of order, a tool result from the assistant."""
    ok = {"schemaVersion": "bedrock-conversation-2024",
          "messages": [{"role": "user", "content": [{"text": "hi"}]}, {"role": "assistant", "content": [{"text": "yo"}]}]}
    assert aws_nova_errors(ok) == []
    lower = json.loads(json.dumps(ok).replace('"yo"', '"the chatbot: yes"'))
    assert aws_nova_errors(lower) == ["message 1 holds Bot:"]
    system = {**ok, "system": [{"text": "System: be brief"}]}
    assert aws_nova_errors(system) == ["system holds System:"]
    swapped = {**ok, "messages": ok["messages"][::-1]}
    assert "message 0: expected user, found assistant" in aws_nova_errors(swapped)
    assert NOVA_VALIDATOR_COMMIT.startswith("8c768753") and NOVA_SDK_COMMIT.startswith("6ed1f591")


@pytest.mark.parametrize("name", ["alpaca_reserved_27.json", "glaive_reserved_22.json", "glaive_toolcall_30.json"])
def test_every_exported_line_passes_aws_validators(tmp_path, name):
    """Each line of the Bedrock export passes the transcribed validators; the records holding a reserved keyword in
    any case (which the upload would fail on) are left out of the export, and only those."""
    records = _records(name)
    write_exports(tmp_path, TargetConfig(name=("bedrock",)), records)
    lines = [line for path in sorted((tmp_path / "export" / "bedrock").glob("*.jsonl")) for line in read_jsonl(path)]
    assert lines and all(aws_nova_errors(line) == [] for line in lines)
    section = measure_target(records, task_of(records), TargetConfig(name=("bedrock",)), "bedrock", "o200k_base")
    assert section["examples"]["train"] + section["examples"]["val"] + section["examples"]["test"] == len(lines)
    assert len(lines) + section["forbidden"]["records"] + section["skipped"]["records"] == len(records)


@pytest.mark.parametrize(("name", "expected"), [
    ("alpaca_reserved_27.json", {"Bot:": 1, "User:": 1, "System:": 1, "Assistant:": 1}),
    ("glaive_reserved_22.json", {"System:": 2}),
])
def test_lower_case_keywords_in_any_role_are_found(name, expected):
    """"the chatbot:" in an answer, "entered by the user:" in a prompt, "Monitor the system:" in a tool chat's
    answer: each is a reserved keyword in AWS's (case-blind) matching, found in whichever role holds it."""
    records = _records(name)
    section = measure_target(records, task_of(records), TargetConfig(name=("bedrock",)), "bedrock", "o200k_base")
    assert section["forbidden"]["strings"] == expected
    assert section["forbidden"]["records"] == sum(expected.values())
