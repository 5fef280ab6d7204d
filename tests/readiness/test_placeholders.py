"""Template placeholders on the real identity set and Alpaca answers, and code that must never count."""

from __future__ import annotations

import json

import pytest
from datasets import Dataset

from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.placeholders import check_placeholders, fields_of, find_placeholders, placeholder_section
from tests.conftest import DATA

CFG = ReadinessConfig()


def _alpaca_fields(name: str) -> list[list[tuple[str, str]]]:
    rows = json.loads((DATA / name).read_text(encoding="utf-8"))
    return [[("input", r["instruction"] + "\n" + r["input"]), ("response", r["output"])] for r in rows]


def _check(records):
    return check_placeholders({"task": "completion", "placeholders": placeholder_section(records)}, CFG)


def _kinds(text: str) -> list[str]:
    return [kind for kind, _, _ in find_placeholders(text)]


def test_identity_set_fails_on_its_double_braces():
    """LLaMA-Factory's identity.json: {{name}}/{{author}} in 85 of 91 records fails, naming the markers."""
    section = placeholder_section(_alpaca_fields("identity.json"))
    assert (section["records_counted"], section["by_kind"]["double_brace"]["top"][0]) == (85, ["{{name}}", 77])
    check = _check(_alpaca_fields("identity.json"))
    assert check.status == "fail" and check.message.startswith("85 of 91 records (93.4%)")
    assert "{{name}} x77, {{author}} x60" in check.message and "e.g. '" in check.message


def test_real_alpaca_code_and_letters_count_nothing():
    """Real Alpaca answers with f-strings in code fences and letters signed [Your Name] pass."""
    section = placeholder_section(_alpaca_fields("alpaca_en_demo_code_letters.json"))
    assert section["records_counted"] == 0 and section["fill_ins_in_responses"]["records"] >= 5
    assert _check(_alpaca_fields("alpaca_en_demo_code_letters.json")).status == "pass"


@pytest.mark.parametrize(("templated", "status"), [(1, "pass"), (3, "warn"), (20, "warn"), (26, "fail")])
def test_share_of_records_on_both_sides_of_the_lines(templated, status):
    """Over 1% of records with a marker warns, over 20% fails (of 100 records: 1 passes, 3 and 20 warn, 26 fail)."""
    clean = [[("input", "What is the capital of France?"), ("response", "Paris.")]]
    marked = [[("input", "Who are you?"), ("response", "I am {{name}}, made by {{author}}.")]]
    assert _check(clean * (100 - templated) + marked * templated).status == status


@pytest.mark.parametrize("text", [
    "```python\nprint(f'Mean absolute error: {mae}')\n```",
    "def greet(name):\n    return f'Hello {name}!'",
    "msg = 'Dear {customer}'.format(customer=c)",
    "Use `{{ user.name }}` in the Jinja template.",
    '{"name": "calculate_tip", "arguments": {"bill_amount": 100}}',
    "The identity is $e^{i\\pi} + 1 = 0$ and \\frac{a}{b} with \\mathrm {burger}.",
    "```bash\necho $HOME && export MY_VAR=1 && echo ${MY_VAR}\n```",
    "Shares of $INDU rose; the deal was worth $US51 million.",
    "Your account <#> was charged <UKP>2000; write to <EMAIL> or call <PHONE>.",
    "Refilled by INR <DECIMAL> at <TIME>, see <URL>.",
    "Add a line break with <BR> or wrap it in <SPAN>.",
    "Wikipedia footnotes [1], [citation needed] and editorial [They] insertions.",
    "See [the docs](https://example.org) and press the [Insert] key.",
    "Here:\n```python\nprint(f'{x}')\nname = '{{name}}'",
])
def test_code_latex_and_lookalikes_do_not_count(text):
    """f-strings, format calls, Jinja in code, JSON, LaTeX, shell variables, tickers, HTML, links, unclosed fences."""
    assert _kinds(text) == []


@pytest.mark.parametrize(("text", "kind"), [
    ("Hello {{ first_name }}, welcome!", "double_brace"),
    ("Hello {first_name}, your order has shipped.", "single_brace"),
    ("Set the key to <YOUR_API_KEY> and retry.", "angle"),
    ("Reply to <PLACEHOLDER> today.", "angle"),
    ("Dear ${CUSTOMER_NAME}, thanks.", "dollar"),
    ("Dear $CUSTOMER_NAME, thanks.", "dollar"),
    ("Bio: [INSERT BIO HERE]", "fill_in"),
    ("Signed, [Your Name]", "fill_in"),
    ("Contact: [COMPANY NAME]", "fill_in"),
])
def test_each_kind_of_marker_is_found_in_prose(text, kind):
    """Every kind of marker is found outside code."""
    assert _kinds(text) == [kind]


def test_fill_ins_count_in_prompts_but_not_in_answers():
    """'[Your Name]' closing a generated letter is a gap for its reader; in a prompt it is an unfilled template."""
    answer = [[("input", "Write a thank-you note."), ("response", "Thanks again! [Your Name]")]]
    prompt = [[("input", "Reply to this: Dear [Company], my refund..."), ("response", "Sorry to hear that.")]]
    assert placeholder_section(answer)["records_counted"] == 0
    assert placeholder_section(prompt)["records_counted"] == 1


def test_chat_roles_decide_the_side():
    """Assistant turns are responses, user and system turns inputs; the record id is kept for examples."""
    ds = Dataset.from_dict({"id": ["r1"], "messages": [[{"role": "system", "content": "You are {{name}}."},
                                                          {"role": "user", "content": "Sign it [Your Name]"},
                                                          {"role": "assistant", "content": "Done. [Your Name]"}]]})
    fields = fields_of(ds)
    assert [side for side, _ in fields[0]] == ["input", "input", "response"]
    section = placeholder_section(fields, ["r1"])
    assert section["examples"][0]["id"] == "r1" and section["fill_ins_in_responses"]["records"] == 1


def test_shell_variables_in_real_code_answers_are_spared():
    """186 real CodeAlpaca answers using ${file}, ${dir}... (shell, template literals) and 100 others: the code is
    the code working, not a gap. One instruction quoting 'sleep ${random_time}s' in prose still counts (in the whole
    set of 4,535 records: 0.29% flagged, under the 1% warn line)."""
    records = _alpaca_fields("codealpaca_shell_vars.json")
    section = placeholder_section(records)
    assert section["by_kind"]["dollar"]["records"] == 1 and section["records_counted"] <= 3
    assert [e["marker"] for e in section["examples"] if e["kind"] == "dollar"] == ["${random_time}"]


def test_a_code_answer_without_fences_is_masked_but_a_prose_template_is_not():
    """A shell answer holding ${file} is code; 'Dear ${first_name},' in a letter is an unfilled template."""
    shell = 'for file in *.txt; do\n  mv "${file}" "${file%.txt}.md"\ndone\necho "renamed ${count} files"'
    assert _kinds(shell) == []
    assert _kinds("const greeting = `Hello ${name}`;\nconsole.log(greeting);") == []
    assert _kinds("Dear ${first_name},\nThank you for your order.") == ["dollar"]
    assert _kinds("Hello! I am {{name}}, an AI assistant developed by {{author}}.") == ["double_brace", "double_brace"]
