"""Build tests/data/openai_toolcalls.jsonl: real glaive conversations re-expressed in OpenAI's fine-tuning format
(written independently of ftprep), OpenAI's documented examples, and rows broken on purpose."""
import hashlib, json, sys
src = json.load(open(sys.argv[1]))
out = []
for n, row in enumerate(src):
    tools = json.loads(row["tools"]) if row["tools"] else []
    msgs, pending = [], []
    for turn in row["conversations"]:
        kind, value = turn["from"], turn["value"]
        if kind == "human":
            msgs.append({"role": "user", "content": value})
        elif kind == "gpt":
            msgs.append({"role": "assistant", "content": value})
        elif kind == "function_call":
            call = json.loads(value)
            cid = "call_" + hashlib.sha1(f"{n}:{len(msgs)}".encode()).hexdigest()[:24]
            pending.append(cid)
            # compact separators on purpose: ftprep must accept any valid JSON text as arguments
            msgs.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": cid, "type": "function", "function": {"name": call["name"],
                 "arguments": json.dumps(call["arguments"], separators=(",", ":"))}}]})
        elif kind == "observation":
            msgs.append({"role": "tool", "tool_call_id": pending.pop(0), "content": value})
    example = {"messages": msgs}
    if tools:
        example["tools"] = [{"type": "function", "function": t} for t in tools]
    if any(m.get("tool_calls") for m in msgs):
        out.append(example)
weather = {"type": "function", "function": {"name": "get_current_weather", "description": "Get the current weather",
           "parameters": {"type": "object", "properties": {"location": {"type": "string", "description": "The city and country, eg. San Francisco, USA"}, "format": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location", "format"]}}}
# OpenAI's documented tool-calling example (ends on the call), and a parallel call answered by two tool messages
out.append({"messages": [{"role": "user", "content": "What is the weather in San Francisco?"}, {"role": "assistant", "tool_calls": [{"id": "call_id", "type": "function", "function": {"name": "get_current_weather", "arguments": "{\"location\": \"San Francisco, USA\", \"format\": \"celsius\"}"}}]}], "tools": [weather]})
out.append({"messages": [{"role": "user", "content": "Weather in Paris and in Oslo, in celsius?"}, {"role": "assistant", "content": None, "tool_calls": [{"id": "call_p1", "type": "function", "function": {"name": "get_current_weather", "arguments": "{\"location\": \"Paris, France\", \"format\": \"celsius\"}"}}, {"id": "call_p2", "type": "function", "function": {"name": "get_current_weather", "arguments": "{\"location\": \"Oslo, Norway\", \"format\": \"celsius\"}"}}]}, {"role": "tool", "tool_call_id": "call_p1", "content": "{\"temperature\": 18}"}, {"role": "tool", "tool_call_id": "call_p2", "content": "{\"temperature\": 9}"}, {"role": "assistant", "content": "Paris is at 18 °C and Oslo at 9 °C.", "weight": 1}], "tools": [weather], "parallel_tool_calls": True})
# OpenAI's multi-turn weight example
out.append({"messages": [{"role": "system", "content": "Marv is a factual chatbot that is also sarcastic."}, {"role": "user", "content": "What's the capital of France?"}, {"role": "assistant", "content": "Paris", "weight": 0}, {"role": "user", "content": "Can you be more sarcastic?"}, {"role": "assistant", "content": "Paris, as if everyone doesn't know that already.", "weight": 1}]})
base = out[0]
at = next(i for i, m in enumerate(base["messages"]) if m.get("tool_calls"))
def broken(change):
    row = json.loads(json.dumps(base)); change(row["messages"]); out.append(row)
broken(lambda m: m[at]["tool_calls"][0]["function"].update(arguments="{\"ingredients\": [\"chicken\""))  # bad JSON
broken(lambda m: m[at]["tool_calls"][0]["function"].update(name="order_groceries"))  # not in tools
broken(lambda m: m.pop(at + 1))  # the tool result is missing
broken(lambda m: m[at + 1].update(tool_call_id="call_nobody"))  # answers no call
json.dump  # noqa
with open(sys.argv[2], "w") as fh:
    for row in out:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
print(len(out), "rows")
