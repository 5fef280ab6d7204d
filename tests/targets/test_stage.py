"""The targets stage and config: completion and classification records as chats, reserved strings, token figures."""

from __future__ import annotations

import pytest

from pipeline.core.errors import ConfigError
from pipeline.config import load_config
from pipeline.core.records import Task
from pipeline.ingest.config import InputConfig
from pipeline.ingest.stage import read_records
from pipeline.targets.config import TargetConfig
from pipeline.targets.examples import examples_for
from pipeline.targets.stage import measure_target
from tests.conftest import DATA


def _records(rows_or_file, write_jsonl=None):
    path = write_jsonl(rows_or_file) if write_jsonl else DATA / rows_or_file
    kept = read_records([str(path)], InputConfig()).kept
    return kept.add_column("split", ["train"] * len(kept)).add_column("n_tokens", [10] * len(kept))


def test_completion_and_classification_records_become_chats_through_the_templates(write_jsonl):
    """The system prompt, the template around the prompt or text, and the completion or label as the answer."""
    cfg = TargetConfig(name="openai", system_prompt="Classify.", text_template="Text: {text}", prompt_template="Q: {prompt}")
    cls = _records([{"text": "card never came", "label": "card_arrival"}], write_jsonl)
    (item,) = examples_for(cls, Task.CLASSIFICATION, cfg, "openai")
    assert item.example == {"messages": [{"role": "system", "content": "Classify."},
                                         {"role": "user", "content": "Text: card never came"},
                                         {"role": "assistant", "content": "card_arrival"}]}
    comp = _records([{"prompt": "2+2?", "completion": "4"}], write_jsonl)
    (item,) = examples_for(comp, Task.COMPLETION, cfg, "bedrock")
    assert item.example["system"] == [{"text": "Classify."}]
    assert [m["content"] for m in item.example["messages"]] == [[{"text": "Q: 2+2?"}], [{"text": "4"}]]
    (item,) = examples_for(comp, Task.COMPLETION, cfg, "generic")
    assert item.example == {"prompt": "2+2?", "completion": "4"}


def test_reserved_strings_leave_a_record_out_of_bedrock_only(write_jsonl):
    """Bedrock's reserved keywords in any message and in any case keep a record out of its export (AWS's validators
    read every text block; the SDK's matching ignores case); OpenAI keeps the records and counts its special token."""
    rows = [{"messages": [{"role": "user", "content": "Reply to User: a greeting"}, {"role": "assistant", "content": "Hi"}]},
            {"messages": [{"role": "user", "content": "Steps?"}, {"role": "assistant", "content": "1. Ask the chatbot: daily"}]},
            {"messages": [{"role": "user", "content": "What is <|endoftext|>?"}, {"role": "assistant", "content": "A token."}]}]
    records = _records(rows, write_jsonl)
    cfg = TargetConfig(name=("bedrock", "openai"))
    bedrock = measure_target(records, Task.CHAT, cfg, "bedrock", "o200k_base")
    openai = measure_target(records, Task.CHAT, cfg, "openai", "o200k_base")
    assert bedrock["examples"]["train"] == 1 and bedrock["forbidden"]["strings"] == {"Bot:": 1, "User:": 1}
    assert bedrock["forbidden"]["ids"] == {"User:": [records["id"][0]], "Bot:": [records["id"][1]]}
    assert openai["examples"]["train"] == 3 and openai["forbidden"]["strings"] == {"<|endoftext|>": 1}


def test_a_target_measures_tokens_with_the_format_overhead():
    """OpenAI's cookbook count: the counted tokens plus, per message, 3 and its role (one token each in o200k_base),
    and 3 per example, summed over train."""
    records = _records("glaive_toolcall_30.json")
    section = measure_target(records, Task.CHAT, TargetConfig(name="openai"), "openai", "o200k_base")
    messages = sum(len(m) for m in records["messages"])
    assert section["plan"]["billed_tokens_per_epoch"] == 10 * len(records) + (3 + 1) * messages + 3 * len(records)
    assert section["plan"]["epochs"] == 3 and section["over_max_tokens"] == 0  # 30 examples: 100 // 30


@pytest.mark.parametrize(("section", "message"), [
    ({"name": "azure"}, "name: expected one of .*got 'azure'"),
    ({"name": "openai", "model": {"openai": "gpt-9"}}, "openai has no model 'gpt-9'"),
    ({"name": "openai", "prompt_template": "Q:"}, "prompt_template must hold {prompt}"),
    ({"name": "openai", "price_per_million": {"openai": -1}}, "must not be negative"),
    ({"name": "openai", "epochs": {"vertexx": 2}}, "epochs: unknown target 'vertexx'"),
])
def test_config_mistakes_are_named(tmp_path, section, message):
    """Each [target] mistake is a config error naming the key."""
    path = tmp_path / "c.toml"
    lines = ["[target]"] + [f"{k} = {_toml(v)}" for k, v in section.items()]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def _toml(value):
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return f'"{value}"' if isinstance(value, str) else str(value)


def test_no_price_ships_and_the_manifest_omits_target_without_one():
    """The default config has no price for any target, and no [target] section in the manifest."""
    cfg = load_config(None)
    assert cfg.target.price_per_million == {} and "target" not in cfg.to_dict()
    assert load_config(None, {"target": {"name": ["openai"]}}).to_dict()["target"]["name"] == ["openai"]
