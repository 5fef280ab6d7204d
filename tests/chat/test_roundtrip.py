"""Tool-calling chats survive ingest -> the canonical split files -> ingest again unchanged (glaive and OpenAI rows)."""

from __future__ import annotations

import json

from pipeline.core.output import output_records, write_jsonl
from pipeline.ingest.config import InputConfig
from pipeline.ingest.stage import read_records
from tests.conftest import DATA, read_jsonl

GLAIVE = DATA / "glaive_toolcall_30.json"
OPENAI = DATA / "openai_toolcalls.jsonl"


def _chats(ds) -> list[dict]:
    return [{name: row[name] for name in ("messages", "tools", "parallel_tool_calls")} for row in ds]


def _written_and_read_again(path, tmp_path):
    first = read_records([str(path)], InputConfig())
    out = tmp_path / f"{path.stem}.canonical.jsonl"
    write_jsonl(out, output_records(first.kept))
    return first, out, read_records([str(out)], InputConfig())


def test_glaive_and_openai_tool_calls_survive_a_round_trip_through_the_split_files(tmp_path):
    """Every kept record reads back from train.jsonl's format to the same messages, calls, ids, tools and flags."""
    for path, kept, rejected in ((GLAIVE, 30, 0), (OPENAI, 18, 4)):
        first, _, again = _written_and_read_again(path, tmp_path)
        assert (len(first.kept), len(first.rejected)) == (kept, rejected)
        assert _chats(again.kept) == _chats(first.kept) and len(again.rejected) == 0
        assert again.sections["ingest"]["tool_calls"] == {**first.sections["ingest"]["tool_calls"], "generated_ids": 0}


def test_the_split_files_write_calls_in_openai_form(tmp_path):
    """A call-only turn is written with content null and its calls; tools as OpenAI tool objects; a plain message
    exactly {role, content}."""
    _, out, _ = _written_and_read_again(OPENAI, tmp_path)
    rows = read_jsonl(out)
    call_turn = next(m for m in rows[0]["messages"] if m.get("tool_calls"))
    assert call_turn["content"] is None and set(call_turn) == {"role", "content", "tool_calls"}
    assert set(rows[0]["messages"][0]) == {"role", "content"}
    assert rows[0]["tools"][0]["type"] == "function" and "parallel_tool_calls" not in rows[0]
    source = [json.loads(line) for line in OPENAI.read_text(encoding="utf-8").splitlines()]
    for written, given in zip(rows, source):  # arguments are rewritten in one canonical form, equal as JSON
        for w, g in zip(written["messages"], given["messages"]):
            for wc, gc in zip(w.get("tool_calls") or [], g.get("tool_calls") or []):
                assert json.loads(wc["function"]["arguments"]) == json.loads(gc["function"]["arguments"])
                assert wc["id"] == gc["id"]


def test_glaive_reads_the_same_as_its_independent_openai_conversion(tmp_path):
    """The OpenAI file's first rows are glaive's tool-call rows converted by a script of its own: both dialects
    give the same canonical conversations, call ids aside."""
    glaive = [c for c in _chats(read_records([str(GLAIVE)], InputConfig()).kept)
              if any(m["tool_calls"] for m in c["messages"])]
    openai = _chats(read_records([str(OPENAI)], InputConfig()).kept)[:len(glaive)]

    def without_ids(chat):
        text = json.dumps(chat)
        for n, call_id in enumerate(c["id"] for m in chat["messages"] for c in m["tool_calls"] or []):
            text = text.replace(json.dumps(call_id), f'"id{n}"')
        return json.loads(text)

    assert len(glaive) == 15 and [without_ids(c) for c in glaive] == [without_ids(c) for c in openai]
