"""Tool calls that no provider takes: a function name with control characters or markup, NaN in the arguments.
Rejected with a reason at ingest; a name only some providers take is left out of the others' exports."""

from __future__ import annotations

import json
import re

import pytest

from pipeline.cli import cli
from pipeline.ingest.config import InputConfig
from pipeline.ingest.stage import read_records
from pipeline.targets.config import TargetConfig
from pipeline.targets.export import write_exports
from tests.conftest import DATA, read_jsonl

OPENAI_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")  # OpenAI's and Bedrock's published pattern, the narrowest
ROWS = [json.loads(line) for line in (DATA / "openai_toolcalls.jsonl").read_text(encoding="utf-8").splitlines()]


def _renamed(row: dict, name: str) -> dict:
    """The row with its first tool (and every call of it) renamed."""
    row = json.loads(json.dumps(row))
    old = row["tools"][0]["function"]["name"]
    row["tools"][0]["function"]["name"] = name
    for message in row["messages"]:
        for call in message.get("tool_calls") or []:
            if call["function"]["name"] == old:
                call["function"]["name"] = name
    return row


def _with_arguments(row: dict, arguments: str) -> dict:
    row = json.loads(json.dumps(row))
    for message in row["messages"]:
        for call in message.get("tool_calls") or []:
            call["function"]["arguments"] = arguments
    return row


def _read(tmp_path, rows: list[dict]):
    path = tmp_path / "chats.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return read_records([str(path)], InputConfig())


def test_every_real_function_name_is_one_all_providers_take():
    """The real tool-call slices name their functions within OpenAI's pattern, the narrowest: nothing to reject."""
    names = {tool["function"]["name"] for row in ROWS for tool in row.get("tools") or []}
    assert names and all(OPENAI_NAME.fullmatch(name) for name in names)


@pytest.mark.parametrize("name", ["get\nweather\x1b[31m", "<b>weather</b>", "get weather", "x" * 65, ""])
def test_a_function_name_no_provider_takes_is_rejected(tmp_path, name):
    """A defined function named with a newline and an escape sequence, markup, a space, 65 characters or nothing:
    the row is rejected as bad_tools with the reason; the other rows are kept."""
    result = _read(tmp_path, [_renamed(ROWS[0], name), ROWS[1]])
    assert list(result.rejected["reason"]) == ["bad_tools"] and len(result.kept) == 1
    assert "no provider takes it" in result.rejected["detail"][0] or "without a name" in result.rejected["detail"][0]


def test_a_call_of_a_badly_named_function_is_rejected(tmp_path):
    """A call naming a function no provider takes, in a row without tools: bad_tool_call."""
    row = _renamed(ROWS[0], "get\x07weather")
    del row["tools"]
    result = _read(tmp_path, [row])
    assert list(result.rejected["reason"]) == ["bad_tool_call"] and "no provider takes it" in result.rejected["detail"][0]


@pytest.mark.parametrize("arguments", ['{"ingredients": NaN}', '{"n": Infinity}', '{"n": [-Infinity]}'])
def test_non_finite_numbers_in_arguments_are_rejected(tmp_path, arguments):
    """NaN or Infinity in a call's arguments (Python reads them, JSON does not): bad_tool_call, not a crash later."""
    result = _read(tmp_path, [_with_arguments(ROWS[0], arguments), ROWS[1]])
    assert list(result.rejected["reason"]) == ["bad_tool_call"] and "NaN or Infinity" in result.rejected["detail"][0]


def test_non_finite_numbers_in_tool_definitions_given_as_text_are_rejected(tmp_path):
    """Tools as JSON text (LLaMA-Factory's column) holding Infinity: bad_tools. (In a JSON row's own values ingest
    already turns NaN and Infinity into null.)"""
    row = json.loads(json.dumps(ROWS[0]))
    row["tools"][0]["function"]["parameters"]["properties"]["limit"] = {"type": "number", "maximum": float("inf")}
    row["tools"] = json.dumps(row["tools"])  # text holding the bare Infinity Python reads
    result = _read(tmp_path, [row])
    assert list(result.rejected["reason"]) == ["bad_tools"] and "NaN or Infinity" in result.rejected["detail"][0]


def test_a_name_only_gemini_takes_is_left_out_of_openai_and_bedrock(tmp_path):
    """weather.get fits Gemini's pattern (dots allowed), not OpenAI's or Bedrock's: kept, exported for vertex, and
    left out of the openai and bedrock exports with the reason."""
    kept = _read(tmp_path, [_renamed(ROWS[0], "weather.get")]).kept
    assert len(kept) == 1
    records = kept.add_column("split", ["train"])
    write_exports(tmp_path, TargetConfig(name=("openai", "vertex", "bedrock")), records)
    assert len(read_jsonl(tmp_path / "export" / "vertex" / "train.jsonl")) == 1
    for target in ("openai", "bedrock"):
        path = tmp_path / "export" / target / "train.jsonl"
        assert not path.exists() or read_jsonl(path) == []


@pytest.mark.slow
def test_hostile_tool_rows_end_to_end(runner, tmp_path):
    """One run with every target over real tool-call rows plus NaN arguments, a name with an escape sequence, a
    dotted name and a row nested 2,500 deep: exit 0 or 1 (never 3), each hostile row rejected with its reason, the
    dotted one failing the openai and bedrock format checks, every export strict JSON."""
    rows = [_with_arguments(ROWS[0], '{"ingredients": NaN}'), _renamed(ROWS[1], "get\nweather\x1b[31m"),
            _renamed(ROWS[2], "weather.get"), *ROWS[3:]]
    lines = [json.dumps(row) for row in rows] + ['{"messages": ' + "[" * 2500 + "]" * 2500 + "}"]
    data = tmp_path / "chats.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(data), "--out", str(out), "--target", "openai", "--target", "vertex",
                                 "--target", "bedrock", "--quiet"])
    assert result.exit_code in (0, 1), result.output
    rejected = {row["source_row"]: row["reason"] for row in read_jsonl(out / "rejected.jsonl")}
    assert (rejected[1], rejected[2], rejected[len(lines)]) == ("bad_tool_call", "bad_tools", "malformed_json")
    checks = {c["name"]: c["status"] for c in json.loads((out / "report.json").read_text())["checks"]}
    assert checks["target_openai_format"] == checks["target_bedrock_format"] == "fail"
    for path in (out / "export").rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            json.loads(line, parse_constant=lambda token: pytest.fail(f"{path}: bare {token}"))
