"""Chat dialects read into canonical messages with their tool calls: glaive (ShareGPT), OpenAI, Gemini, Bedrock."""

from __future__ import annotations

import json

import pytest

from pipeline.chat.dialects import read_conversation
from pipeline.chat.errors import ChatRejected
from tests.conftest import DATA

GLAIVE = json.loads((DATA / "glaive_toolcall_30.json").read_text(encoding="utf-8"))
OPENAI = [json.loads(line) for line in (DATA / "openai_toolcalls.jsonl").read_text(encoding="utf-8").splitlines()]
WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}


def _openai(call_args: str = '{"city": "Oslo"}', name: str = "get_weather", answer_id: str = "c1") -> dict:
    return {"messages": [{"role": "user", "content": "Weather in Oslo?"},
                         {"role": "assistant", "content": None, "tool_calls": [
                             {"id": "c1", "type": "function", "function": {"name": name, "arguments": call_args}}]},
                         {"role": "tool", "tool_call_id": answer_id, "content": '{"temp": 3}'},
                         {"role": "assistant", "content": "It is 3 degrees."}], "tools": [WEATHER]}


def test_every_glaive_conversation_keeps_its_calls_results_and_tools():
    """Each glaive function_call turn becomes an assistant tool call with the turn's name and arguments, each
    observation a tool message answering it, and the tools column OpenAI's tools; nothing is rejected."""
    calls = 0
    for row in GLAIVE:
        found = read_conversation(row["conversations"], "conversations", tools=row["tools"])
        turns, in_row = row["conversations"], 0
        assert len(found.messages) == len(turns)
        for turn, message in zip(turns, found.messages):
            if turn["from"] == "function_call":
                source = json.loads(turn["value"])
                (call,) = message["tool_calls"]
                assert call["function"]["name"] == source["name"] and message["content"] == ""
                assert json.loads(call["function"]["arguments"]) == source["arguments"]
                calls, in_row = calls + 1, in_row + 1
            elif turn["from"] == "observation":
                assert message["role"] == "tool" and message["content"] == turn["value"]
                assert message["tool_call_id"] == f"call_{in_row}"
            else:
                assert message["content"] == turn["value"] and "tool_calls" not in message
        defined = [t["name"] for t in json.loads(row["tools"])] if row["tools"] else []
        assert [t["function"]["name"] for t in json.loads(found.tools or "[]")] == defined
    assert calls == 22


def test_generated_call_ids_are_stable():
    """Calls without an id get call_<n> in conversation order: the same row always reads the same."""
    row = next(r for r in GLAIVE if sum(t["from"] == "function_call" for t in r["conversations"]) > 1)
    first = read_conversation(row["conversations"], "conversations", tools=row["tools"])
    again = read_conversation(row["conversations"], "conversations", tools=row["tools"])
    assert first.messages == again.messages and first.generated_ids > 1
    ids = [c["id"] for m in first.messages for c in m.get("tool_calls") or []]
    assert ids == [f"call_{n}" for n in range(1, len(ids) + 1)]


def test_openai_call_without_content_is_kept():
    """An assistant turn with content null and tool_calls (the issue's empty_content bug) is a call, not empty."""
    found = read_conversation(_openai()["messages"], "messages", tools=[WEATHER])
    assert found.messages[1]["content"] == "" and found.messages[1]["tool_calls"][0]["id"] == "c1"
    assert found.messages[2] == {"role": "tool", "content": '{"temp": 3}', "tool_call_id": "c1"}
    assert found.generated_ids == 0


def test_openai_rows_of_the_test_file_read_with_weights_and_parallel_calls():
    """The OpenAI tool-call file's good rows read; weight and parallel calls are kept."""
    parallel = next(r for r in OPENAI if r.get("parallel_tool_calls"))
    found = read_conversation(parallel["messages"], "messages", tools=parallel["tools"], parallel_tool_calls=True)
    assert [len(m.get("tool_calls") or []) for m in found.messages] == [0, 2, 0, 0, 0]
    assert found.parallel_tool_calls is True and found.messages[-1]["weight"] == 1
    weights = next(r for r in OPENAI if any(m.get("weight") == 0 for m in r["messages"]))
    assert [m.get("weight") for m in read_conversation(weights["messages"], "messages").messages] == [None, None, 0, None, 1]


@pytest.mark.parametrize(("change", "reason"), [
    (lambda r: r["messages"][1]["tool_calls"][0]["function"].update(arguments='{"city": "Os'), "bad_tool_call"),
    (lambda r: r["messages"][1]["tool_calls"][0]["function"].update(arguments='["Oslo"]'), "bad_tool_call"),
    (lambda r: r["messages"][1]["tool_calls"][0]["function"].update(name=""), "bad_tool_call"),
    (lambda r: r["messages"][1]["tool_calls"][0].update(type="retrieval"), "bad_tool_call"),
    (lambda r: r["messages"][1]["tool_calls"].append(r["messages"][1]["tool_calls"][0]), "bad_tool_call"),
    (lambda r: r["messages"][0].update(tool_calls=r["messages"][1]["tool_calls"]), "bad_tool_call"),
    (lambda r: r["messages"][1]["tool_calls"][0]["function"].update(name="get_time"), "unknown_tool"),
    (lambda r: r["messages"].pop(2), "unanswered_tool_call"),
    (lambda r: r["messages"][2].update(tool_call_id="c9"), "orphan_tool_message"),
    (lambda r: r["messages"][2].pop("tool_call_id") and r["messages"].insert(0, r["messages"][2]), "orphan_tool_message"),
    (lambda r: r.update(tools="[{not json"), "bad_tools"),
    (lambda r: r.update(tools=[WEATHER, WEATHER]), "bad_tools"),
    (lambda r: r["messages"][3].update(weight=2), "bad_weight"),
    (lambda r: r["messages"][0].update(weight=0), "bad_weight"),
    (lambda r: r["messages"][1].update(tool_calls=None), "empty_content"),
])
def test_openai_rows_breaking_a_rule_are_rejected_with_its_reason(change, reason):
    """Each rule the fine-tuning APIs check has its reject reason (OpenAI dialect)."""
    row = _openai()
    change(row)
    with pytest.raises(ChatRejected) as rejected:
        read_conversation(row["messages"], "messages", tools=row["tools"])
    assert rejected.value.reason == reason


@pytest.mark.parametrize(("call", "reason"), [
    ('{"name": "search_recipes", "arguments": {"ingredients": ["rice"]', "bad_tool_call"),
    ('{"name": "search_recipes"}', "bad_tool_call"),
    ('{"name": "order_groceries", "arguments": {}}', "unknown_tool"),
])
def test_sharegpt_rows_breaking_a_rule_are_rejected_with_its_reason(call, reason):
    """The same rules on the ShareGPT side: a glaive row with its function_call turn broken."""
    row = next(r for r in GLAIVE if any(t["from"] == "function_call" for t in r["conversations"]))
    turns = [dict(t, value=call) if t["from"] == "function_call" else t for t in row["conversations"]]
    with pytest.raises(ChatRejected) as rejected:
        read_conversation(turns, "conversations", tools=row["tools"])
    assert rejected.value.reason == reason


def test_an_unanswered_call_may_end_the_conversation():
    """OpenAI's own example ends on a call (teaching when to call): not an unanswered call."""
    row = OPENAI[-7]  # the documented weather example
    assert row["messages"][-1].get("tool_calls") and len(row["messages"]) == 2
    assert read_conversation(row["messages"], "messages", tools=row["tools"]).messages[-1]["tool_calls"]


def test_gemini_and_bedrock_turns_read_to_the_same_conversation_as_openai():
    """Gemini parts and Bedrock content blocks holding the same call and result give the canonical OpenAI reading
    (Gemini has no call ids: the generated one stands in)."""
    openai = read_conversation(_openai()["messages"], "messages", tools=[WEATHER])
    gemini = [{"role": "user", "parts": [{"text": "Weather in Oslo?"}]},
              {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}}]},
              {"parts": [{"functionResponse": {"name": "get_weather", "response": {"temp": 3}}}]},
              {"role": "model", "parts": [{"text": "It is 3 degrees."}]}]
    tools = [{"functionDeclarations": [{**WEATHER["function"], "parameters": {"type": "OBJECT", "properties": {
        "city": {"type": "STRING"}}}}]}]
    found = read_conversation(gemini, "contents", tools=tools)
    assert found.tools == openai.tools
    assert found.messages == json.loads(json.dumps(openai.messages).replace('"c1"', '"call_1"'))
    bedrock = [{"role": "user", "content": [{"text": "Weather in Oslo?"}]},
               {"role": "assistant", "content": [{"toolUse": {"toolUseId": "c1", "name": "get_weather", "input": {"city": "Oslo"}}}]},
               {"role": "user", "content": [{"toolResult": {"toolUseId": "c1", "content": [{"json": {"temp": 3}}]}}]},
               {"role": "assistant", "content": [{"text": "It is 3 degrees."}]}]
    spec = {"tools": [{"toolSpec": {"name": "get_weather", "description": "Weather of a city",
                                    "inputSchema": {"json": WEATHER["function"]["parameters"]}}}]}
    assert read_conversation(bedrock, "messages", tools=spec).messages == openai.messages


def test_results_without_call_ids_answer_the_call_they_name():
    """A result without a call id answers the waiting call with its function name (legacy OpenAI function role)."""
    messages = [{"role": "user", "content": "a and b?"},
                {"role": "assistant", "content": None, "tool_calls": [
                    {"type": "function", "function": {"name": "a", "arguments": "{}"}},
                    {"type": "function", "function": {"name": "b", "arguments": "{}"}}]},
                {"role": "function", "name": "b", "content": "B"}, {"role": "function", "name": "a", "content": "A"},
                {"role": "assistant", "content": "A and B"}]
    found = read_conversation(messages, "messages")
    assert [m.get("tool_call_id") for m in found.messages] == [None, None, "call_2", "call_1", None]
    assert found.kept_apart == {} and found.generated_ids == 2
