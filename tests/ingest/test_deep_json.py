"""Rows nested deeper than any training record: one reject each (``malformed_json``), never a RecursionError."""

from __future__ import annotations

import json

import pytest

from pipeline.core.errors import InputError
from pipeline.ingest.config import InputConfig
from pipeline.ingest.stage import read_records
from tests.conftest import DATA


def _rows() -> list[dict]:
    return [json.loads(line) for line in (DATA / "openai_toolcalls.jsonl").read_text(encoding="utf-8").splitlines()]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [2_500, 500])
def test_a_deeply_nested_line_is_one_reject(tmp_path, depth):
    """A JSON Lines row nested 2,500 deep (past Python's parser) or 500 deep (parsed, but past what the rest of the
    run can walk): rejected as malformed_json with its line; every other row read."""
    rows = _rows()
    lines = [json.dumps(row) for row in rows]
    lines.insert(3, json.dumps(rows[3])[:-1] + f', "extra": {_nested(depth)}}}')
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_records([str(path)], InputConfig())
    assert list(zip(result.rejected["source_row"], result.rejected["reason"]))[0] == (4, "malformed_json")
    assert "more than 100 levels" in result.rejected["detail"][0]
    assert len(result.kept) + len(result.rejected) == len(lines)


def test_chat_rows_of_real_data_are_not_too_deep(tmp_path):
    """The depth limit leaves real tool-call data alone: no row of the OpenAI slice is rejected for depth."""
    result = read_records([str(DATA / "openai_toolcalls.jsonl")], InputConfig())
    assert not any("levels deep" in detail for detail in result.rejected["detail"])


def test_a_json_array_nested_past_the_parser_is_an_input_error(tmp_path):
    """A whole .json file too deep to parse is exit 2 with one line naming it, not a RecursionError."""
    path = tmp_path / "deep.json"
    path.write_text(f'[{{"text": "a", "label": "b", "x": {_nested(3_000)}}}]', encoding="utf-8")
    with pytest.raises(InputError, match="levels deep"):
        read_records([str(path)], InputConfig())


def test_an_element_of_a_json_array_nested_too_deep_is_one_reject(tmp_path):
    """In a .json array, the one element nested 500 deep is rejected; the others are read."""
    rows = [{"text": f"row {i} about cards", "label": "a"} for i in range(5)]
    rows[2]["x"] = json.loads(_nested(500))
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    result = read_records([str(path)], InputConfig())
    assert list(zip(result.rejected["source_row"], result.rejected["reason"])) == [(3, "malformed_json")]
    assert len(result.kept) == 4
