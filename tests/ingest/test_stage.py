"""Ingest: canonical records, reject reasons, ids, extras, chat dialects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.ingest.config import InputConfig
from pipeline.core.errors import InputError
from pipeline.ingest.stage import read_records, map_row, RowRejected
from pipeline.ingest.mapping import FieldMapping
from pipeline.core.records import Task

CHAT = FieldMapping(Task.CHAT, {"messages": "messages"}, detected=True)


def reasons(result) -> list[tuple[int, str]]:
    return sorted(zip(result.rejected["source_row"], result.rejected["reason"]))


def test_classification_rows_and_rejects(write_jsonl):
    """Good rows become records; missing, empty and wrongly typed fields are rejected with their row."""
    path = write_jsonl([
        {"text": "hello there", "label": "greet", "channel": "web"},
        {"text": "   ", "label": "greet"},
        {"text": "no label"},
        {"text": {"nested": 1}, "label": "x"},
        {"text": 42, "label": 1},
    ])
    result = read_records([str(path)], InputConfig())
    assert reasons(result) == [(2, "empty_text"), (3, "missing_field"), (4, "bad_type")]
    rows = result.kept.to_list()
    assert [(r["text"], r["label"], r["source_row"]) for r in rows] == [("hello there", "greet", 1), ("42", "1", 5)]
    assert json.loads(rows[0]["extra"]) == {"channel": "web"}
    assert json.loads(result.rejected["raw"][0]) == {"text": "   ", "label": "greet"}


def test_ids_are_kept_or_hashed_and_made_unique(write_jsonl):
    """Input ids are kept; missing ids are a content hash; repeats get -2, -3 in input order."""
    path = write_jsonl([
        {"id": "a", "text": "one", "label": "x"},
        {"id": "a", "text": "two", "label": "x"},
        {"text": "three", "label": "x"},
        {"text": "three", "label": "x"},
    ])
    ids = read_records([str(path)], InputConfig()).kept["id"]
    assert ids[:2] == ["a", "a-2"]
    assert len(ids[2]) == 16 and ids[3] == ids[2] + "-2"


def test_exact_duplicates_share_a_cluster(write_jsonl):
    """Texts equal up to case and whitespace share a cluster so that the split keeps them together."""
    path = write_jsonl([{"text": "Hello  World", "label": "x"}, {"text": "hello world", "label": "y"}, {"text": "other", "label": "x"}])
    clusters = read_records([str(path)], InputConfig()).kept["cluster"]
    assert clusters[0] == clusters[1] != clusters[2]


def test_alpaca_prompt_joins_input(tmp_path):
    """Alpaca's instruction and non-empty input form the prompt; empty outputs are rejected."""
    path = tmp_path / "a.json"
    path.write_text(json.dumps([
        {"instruction": "Translate", "input": "bonjour", "output": "hello"},
        {"instruction": "Say hi", "input": "", "output": "hi"},
        {"instruction": "Nothing", "input": "", "output": ""},
    ]))
    result = read_records([str(path)], InputConfig())
    assert result.kept["prompt"] == ["Translate\n\nbonjour", "Say hi"]
    assert reasons(result) == [(3, "empty_text")]
    assert result.sections["input"]["field_mapping"]["context"] == "input"


@pytest.mark.parametrize(
    ("messages", "reason"),
    [
        ([], "bad_messages"),
        ("not json", "bad_messages"),
        ([{"role": "narrator", "content": "x"}, {"role": "assistant", "content": "y"}], "bad_role"),
        ([{"role": "user", "content": "hi"}], "no_assistant"),
        ([{"role": "user", "content": "  "}, {"role": "assistant", "content": "y"}], "empty_content"),
        ([{"role": "user", "content": 5}, {"role": "assistant", "content": "y"}], "bad_content"),
        ([{"role": "user", "content": [{"type": "image_url", "url": "x"}]}, {"role": "assistant", "content": "y"}], "bad_content"),
        (["hi", {"role": "assistant", "content": "y"}], "bad_messages"),
    ],
)
def test_chat_checks(messages, reason):
    """Chat rows are checked as fine-tuning APIs check them, each failure with its own reason."""
    with pytest.raises(RowRejected) as rejected:
        map_row({"messages": messages}, CHAT)
    assert rejected.value.reason == reason


def test_sharegpt_and_typed_parts_are_normalised():
    """ShareGPT from/value turns and typed text parts become role/content strings."""
    call = '{"name": "f", "arguments": {}}'
    sharegpt = {"messages": [{"from": "human", "value": "hi"}, {"from": "function_call", "value": call},
                             {"from": "observation", "value": "42"}, {"from": "gpt", "value": "done"}]}
    assert [m["role"] for m in map_row(sharegpt, CHAT)["messages"]] == ["user", "assistant", "tool", "assistant"]
    parts = {"messages": [{"role": "user", "content": [{"type": "text", "value": "a"}, {"type": "text", "text": "b"}]},
                          {"role": "assistant", "content": "c"}]}
    assert map_row(parts, CHAT)["messages"][0] == {"role": "user", "content": "ab"}


def test_several_inputs_are_concatenated_and_remember_their_source(write_jsonl):
    """Each record knows its file and row; stats give rows read per file."""
    a = write_jsonl([{"text": "a1", "label": "x"}], "a.jsonl")
    b = write_jsonl([{"text": "b1", "label": "x"}, {"text": "b2", "label": "y"}], "b.jsonl")
    result = read_records([str(a), str(b)], InputConfig())
    assert list(zip(result.kept["source_file"], result.kept["source_row"])) == [(str(a), 1), (str(b), 1), (str(b), 2)]
    assert [f["rows"] for f in result.sections["input"]["files"]] == [1, 2]


def test_input_without_any_readable_row_says_why(tmp_path):
    """A file whose every row is bad names the first bad row and its reason (with a hint for encodings); an
    empty file says it has no rows, instead of "the columns (none) match no task"."""
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("text,label\n".encode() + "café crème,a\n".encode("latin-1") * 3)
    with pytest.raises(InputError, match=r"latin1.csv:2: no row could be read; .*invalid_utf8: column 'text'.*iconv"):
        read_records([str(latin1)], InputConfig())
    header_only = tmp_path / "header.csv"
    header_only.write_text("text,label\n")
    with pytest.raises(InputError, match="header.csv: has no data rows"):
        read_records([str(header_only)], InputConfig())


# -- issue 13 ----------------------------------------------------------------------------------------------------------


def test_ids_never_collide_with_their_own_suffixes(write_jsonl):
    """Input ids a, a, a-2 become a, a-2, a-2-2: unique whatever the given ids look like."""
    rows = [{"id": i, "text": f"text {n}", "label": "x"} for n, i in enumerate(["a", "a", "a-2", "a", "b"])]
    kept = read_records([str(write_jsonl(rows))], InputConfig()).kept
    assert kept["id"] == ["a", "a-2", "a-2-2", "a-3", "b"]


def test_chat_message_fields_are_carried_or_kept_in_meta_and_counted(write_jsonl):
    """tool_calls, tool_call_id and weight are carried in the messages; a field the canonical message does not carry
    (a user's ``name``) stays with the record in meta.message_fields; all are counted in `ingest`."""
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}
    messages = [{"role": "user", "content": "hi", "name": "alice"},
                {"role": "assistant", "content": "calling", "tool_calls": [call]},
                {"role": "tool", "content": "{}", "tool_call_id": "c1"},
                {"role": "assistant", "content": "draft", "weight": 0},
                {"role": "assistant", "content": "done", "weight": 1}]
    result = read_records([str(write_jsonl([{"messages": messages}]))], InputConfig())
    kept = result.kept["messages"][0]
    assert kept[1]["tool_calls"] == [call] and kept[2]["tool_call_id"] == "c1"
    assert [m["weight"] for m in kept] == [None, None, None, 0, 1]
    assert json.loads(result.kept["extra"][0])["message_fields"] == {"1": {"name": "alice"}}
    assert result.sections["ingest"] == {
        "non_finite_numbers": 0, "weight_zero_messages": 1, "message_fields": {"name": 1},
        "tool_calls": {"records": 1, "with_tools": 0, "calls": 1, "results": 1, "generated_ids": 0}}


def test_nan_and_infinity_become_null_and_are_counted(tmp_path):
    """NaN/Infinity in the input (JSON Lines extensions, Parquet floats) are written as null and counted; a NaN
    label is a missing label, not the label 'nan'."""
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "a", "label": "x", "score": NaN}\n{"text": "b", "label": "x", "s": [1.5, -Infinity]}\n'
                    '{"text": "c", "label": NaN}\n')
    result = read_records([str(path)], InputConfig())
    assert [json.loads(e) for e in result.kept["extra"]] == [{"score": None}, {"s": [1.5, None]}]
    assert result.sections["ingest"]["non_finite_numbers"] == 3
    assert result.rejected["reason"] == ["missing_field"] and json.loads(result.rejected["raw"][0])["label"] is None


# -- issue 14: parsing on worker processes ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["samples/support_tickets.jsonl", "samples/conversations.jsonl", "tests/data/sms_spam_300.tsv",
                                  "tests/data/openai_toolcalls.jsonl"])
def test_parsing_on_two_processes_gives_the_same_records_rejects_and_counts(path, monkeypatch, tmp_path):
    """Small batches on two forked workers: the records (ids made unique across batches), the rejects and the
    ``ingest`` counts are those of one process, in input order."""
    import shutil

    import pipeline.ingest.stage as ingest_stage

    monkeypatch.setattr(ingest_stage, "_CHUNK_ROWS", 7)
    copy = shutil.copy(path, tmp_path / Path(path).name)  # a second input: every id repeats, in later batches
    one = read_records([path, str(copy)], InputConfig(num_proc=1))
    two = read_records([path, str(copy)], InputConfig(num_proc=2))
    assert len(one.kept) > 14 and two.kept.to_list() == one.kept.to_list()
    assert two.rejected.to_list() == one.rejected.to_list()
    assert two.sections == one.sections
    ids = two.kept["id"]
    assert len(set(ids)) == len(ids) and any(i.endswith("-2") for i in ids)
