"""OpenAI's billed tokens are counted as the OpenAI cookbook counts them (Chat_finetuning_data_prep,
``num_tokens_from_messages``), checked on the very lines ftprep uploads, from real slices."""

from __future__ import annotations

import json

import bpe_openai
import pytest

from pipeline.cli import cli
from tests.conftest import DATA, read_jsonl

ENCODING = bpe_openai.get_encoding("o200k_base")


def cookbook_tokens(messages: list[dict], tokens_per_message: int = 3, tokens_per_name: int = 1) -> int:
    """The cookbook's ``num_tokens_from_messages``, transcribed: 3 per message, every value of a message encoded
    (role and content), 1 more for a name, and 3 for the priming of the reply."""
    n = 0
    for message in messages:
        n += tokens_per_message
        for key, value in message.items():
            n += len(ENCODING.encode_ordinary(value))
            if key == "name":
                n += tokens_per_name
    return n + 3


@pytest.mark.parametrize(("name", "config"), [
    ("sms_spam_300.tsv", '[target]\nsystem_prompt = "Is this text message spam or ham? Answer with one word."\n'),
    ("alpaca_en_demo_slice.json", ""),
])
def test_openai_billed_tokens_follow_the_cookbook(runner, tmp_path, name, config):
    """The plan's billed tokens per epoch equal the cookbook's count of every line of export/openai/train.jsonl."""
    cfg = tmp_path / "ftprep.toml"
    cfg.write_text(config, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(DATA / name), "--out", str(out), "--quiet", "--target", "openai",
                                 "--config", str(cfg)])
    assert result.exit_code in (0, 1), result.output
    plan = json.loads((out / "report.json").read_text())["targets"]["openai"]["plan"]
    lines = read_jsonl(out / "export" / "openai" / "train.jsonl")
    assert plan["billed_tokens_per_epoch"] == sum(cookbook_tokens(line["messages"]) for line in lines)
