"""The content checks on real completion and chat slices: quiet on the real data, warning on seeded traps built from it."""

from __future__ import annotations

import json
import random
import re

import pytest

from benchmarks.content_traps import damage, load, measure
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.content import near_prompts
from pipeline.readiness.content_rules import stops_written, unstopped
from pipeline.readiness.roles import role_swaps
from pipeline.readiness.content_checks import (
    check_conflicting_responses,
    check_format_artifacts,
    check_fragmentary_responses,
    check_prompt_leakage,
    check_refusals,
    check_reject_reasons,
    check_scrambled_text,
    check_swapped_roles,
    check_truncated_responses,
    content_md,
)
from tests.conftest import DATA

CFG = ReadinessConfig()
SLICES = {"alpaca": "content/alpaca_en_300.json", "sft_chat": "content/v1_sft_300.jsonl",
          "gsm8k": "content/gsm8k_300.jsonl", "lima_multiturn": "content/lima_multiturn.jsonl"}
CHECKS = {"truncated_responses": check_truncated_responses, "refusals": check_refusals,
          "fragmentary_responses": check_fragmentary_responses, "scrambled_text": check_scrambled_text,
          "format_artifacts": check_format_artifacts, "swapped_roles": check_swapped_roles,
          "conflicting_responses": check_conflicting_responses, "prompt_leakage": check_prompt_leakage}


def _report(rows: list[dict], dropped_by_check: dict[str, int] | None = None) -> dict:
    task = "chat" if "messages" in rows[0] else "completion"
    section = measure(rows)
    return {"task": task, "content": section, "cleaning": {"dropped_by_check": dropped_by_check or {}},
            "counts": {"input": len(rows), "rejected": {}}}


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict]]:
    return {name: load(str(DATA / path)) for name, path in SLICES.items()}


@pytest.mark.parametrize("name", list(SLICES))
def test_real_slices_are_quiet(rows, name):
    """Every content check passes (or skips) on real, untouched completion and chat data."""
    report = _report(rows[name])
    for check_name, judge in CHECKS.items():
        check = judge(report, CFG)
        if check is not None:
            assert check.status in ("pass", "skip"), (name, check_name, check.message, check.examples)


@pytest.mark.parametrize(("slice_name", "trap", "check_name"), [
    ("alpaca", "truncate", "truncated_responses"),
    ("alpaca", "runon", "format_artifacts"),
    ("alpaca", "refuse", "refusals"),
    ("alpaca", "fragment", "fragmentary_responses"),
    ("alpaca", "scramble", "scrambled_text"),
    ("alpaca", "leak", "prompt_leakage"),
    ("gsm8k", "conflict", "conflicting_responses"),
    ("sft_chat", "swap", "swapped_roles"),
    ("sft_chat", "truncate", "truncated_responses"),
    ("sft_chat", "runon", "format_artifacts"),
])
def test_traps_warn_or_fail(rows, slice_name, trap, check_name):
    """Each trap built from a real slice (seeded) makes its check warn or fail, with examples from the data."""
    check = CHECKS[check_name](_report(damage(rows[slice_name], trap)), CFG)
    assert check.status in ("warn", "fail"), (check.message,)
    assert check.examples and check.recommendation


def test_fragments_fail_on_a_tenth_of_the_records(rows):
    """Alpaca with 30% of its answers cut to their first 2-6 words: over 10% of the records are found, a fail, with
    the fragments quoted; the real slice passes."""
    check = check_fragmentary_responses(_report(damage(rows["alpaca"], "fragment")), CFG)
    assert check.status == "fail", check.message
    assert check_fragmentary_responses(_report(rows["alpaca"]), CFG).status == "pass"


def test_refusals_of_a_safety_set_are_found_but_pass():
    """HH-RLHF harmless chats decline harmful requests with apologies ('I'm sorry, I can't help you with this'):
    found and counted, a share under the warning line; those declining a harmful-looking request are an info line:
    refusing those is what a safety set teaches."""
    check = check_refusals(_report(load(str(DATA / "readiness/hh_harmless_450.jsonl"))), CFG)
    assert check.status == "info" and 0 < check.observed < CFG.max_refusal_share, check.message
    assert "decline a harmful-looking request" in check.message and check.examples

def _whole_scramble(rows: list[dict], share: float, seed: int = 3) -> list[dict]:
    """``share`` of the completions with their words shuffled across the whole answer (lines run into one)."""
    rng = random.Random(seed)
    out = [dict(r) for r in rows]
    for i in rng.sample(range(len(out)), int(share * len(out))):
        words = out[i]["completion"].split()
        rng.shuffle(words)
        out[i]["completion"] = " ".join(words)
    return out


def test_scrambled_text_catches_whole_math_answers(rows):
    """GSM8K rationales shuffled across the whole answer (numbers, <<48/2=24>> annotations and '#### 72' mixed
    in) are judged as prose and flagged; the real rationales are not."""
    assert check_scrambled_text(_report(rows["gsm8k"]), CFG).status == "pass"
    check = check_scrambled_text(_report(_whole_scramble(rows["gsm8k"], 0.15)), CFG)
    assert check.status == "warn", check.message
    assert check.examples


def _roles_exchanged(rows: list[dict], share: float, seed: int = 3) -> list[dict]:
    """``share`` of the chats with the user's and the assistant's words exchanged on every turn."""
    rng = random.Random(seed)
    out = [json.loads(json.dumps(r)) for r in rows]
    for i in rng.sample(range(len(out)), int(share * len(out))):
        messages = out[i]["messages"]
        for a, b in zip(messages, messages[1:]):
            if a["role"] == "user" and b["role"] == "assistant":
                a["content"], b["content"] = b["content"], a["content"]
    return out


def test_swapped_roles_found_by_the_data_own_role_profiles(rows):
    """Chats whose roles are exchanged read better the other way round against the data's own user and assistant
    turns, even when no turn is phrased as a request; the real chats do not."""
    chats = rows["sft_chat"]
    assert len(role_swaps([r["messages"] for r in chats])) <= 0.01 * len(chats)  # a long pasted text, a terse answer
    swapped = _roles_exchanged(chats, 0.2)
    found = role_swaps([r["messages"] for r in swapped])
    exchanged = {i for i, (a, b) in enumerate(zip(chats, swapped)) if a != b}
    assert len(found) >= 0.6 * len(exchanged) and len(set(found) - exchanged) <= 0.02 * len(chats)
    assert check_swapped_roles(_report(swapped), CFG).status in ("warn", "fail")


def test_refusals_count_what_clean_rejected(rows):
    """Refusals the clean stage rejected count towards the share: 15% kept plus 15% rejected is a 30% finding."""
    real = _report(rows["alpaca"])
    assert check_refusals(real, CFG).status == "pass"
    dropped = _report(rows["alpaca"], dropped_by_check={"refusal": 45})
    check = check_refusals(dropped, CFG)
    assert check.status == "warn" and "45 rejected by the clean stage" in check.message


def test_scrambled_text_is_quiet_on_chinese():
    """Word order is not judged on text without spaces between words: Chinese answers never count."""
    zh = load(str(DATA / "alpaca_zh_quality.json"))
    section = measure(zh)
    assert section["scrambled_text"]["records"] == 0


def test_reject_reasons_names_the_reason():
    """A single clean rule dropping a large share of the input warns in its own words, under the pooled rate;
    duplicates dedup removed do not (reject_rate and duplicate_rate speak for them)."""
    report = {"counts": {"input": 1000, "rejected": {"low_quality": 160, "duplicate_exact": 20}},
              "cleaning": {"dropped_by_check": {"refusal": 150, "truncated": 10}}}
    check = check_reject_reasons(report, CFG)
    assert check.status == "warn"
    assert check.message.startswith("15% of input rows were AI-disclaimer refusals (150)")
    quiet = {"counts": {"input": 1000, "rejected": {"duplicate_exact": 140, "low_quality": 9}},
             "cleaning": {"dropped_by_check": {"refusal": 3, "truncated": 6}}}
    assert check_reject_reasons(quiet, CFG).status == "pass"


def test_content_section_renders(rows):
    """report.md gets a 'Response content' section listing every figure measured."""
    lines = content_md(measure(damage(rows["alpaca"], "runon")))
    text = "\n".join(lines)
    assert lines[0] == "## Response content"
    assert "| format_artifacts (prompt-format markers) |" in text and "### Instruction/Response" in text


def _coffee_chats() -> list[dict]:
    lines = (DATA / "content" / "taskmaster4_coffee_600.jsonl").read_text(encoding="utf-8").splitlines()
    return [{"messages": [{"role": t["speaker"], "content": t["text"]} for t in json.loads(line)["turns"]]}
            for line in lines]


def test_dialogue_without_stops_is_not_truncated():
    """Taskmaster-4's coffee-ordering dialogues: assistant turns that omit their stop are not cut off (the check
    passes), and their writers are seen to omit stops, so a 12-word line without one is no sign of a cut there."""
    chats = _coffee_chats()
    assert not stops_written([m["content"] for c in chats for m in c["messages"] if m["role"] == "assistant"])
    check = check_truncated_responses(_report(chats), CFG)
    assert check.status == "pass", check.message


def test_middle_dialogue_turns_without_a_stop_are_not_truncated():
    """Schema-Guided Dialogue: system turns the user then answered often trail off after a finished sentence ('I
    found 1 flight on Delta Airlines. It has 0 stops and departs at 2:30 pm for $109 per passenger'); they were
    said in full. None of 400 dialogues is flagged (29 were, each middle turn read as if it were the last)."""
    roles = {"USER": "user", "SYSTEM": "assistant"}
    lines = (DATA / "readiness" / "sgd_dev_400.jsonl").read_text(encoding="utf-8").splitlines()
    chats = [{"messages": [{"role": roles[t["speaker"]], "content": t["utterance"]} for t in json.loads(line)["turns"]]}
             for line in lines]
    report = _report(chats)
    assert report["content"]["truncated_responses"]["records"] == 0
    assert check_truncated_responses(report, CFG).status == "pass"


def test_unstopped_lines_count_where_writers_close_sentences(rows):
    """Alpaca's writers close their short answers with a stop (40 of 42): a long last line without one counts as cut
    there."""
    short = json.loads((DATA / "content" / "alpaca_en_short_answers.json").read_text(encoding="utf-8"))
    assert stops_written([r["output"] for r in short])
    assert not stops_written([r["output"] for r in short[:25]])  # too few to tell
    assert unstopped("The future of education will be personalized, flexible and inclusive, with a focus on every")
    assert unstopped("Sure. What time would you like your table to be ready for the party of") is None


def test_near_prompts_find_edited_questions_not_shared_templates(rows):
    """A GSM8K question with a word added or dropped is the same question; different questions under one template
    ('Classify the sentiment of this review: ...') and questions with other numbers are not."""
    questions = [r["prompt"] for r in rows["gsm8k"]]
    train, evaluation = questions[:200], questions[200:]
    edited = [q.replace(" the ", " the very ", 1) for q in evaluation[:40]]
    assert len(near_prompts(edited, train + evaluation[:40])) >= 36
    assert near_prompts(evaluation, train) == {}
    renumbered = [re.sub(r"\d+", lambda m: str(int(m.group()) + 1), q) for q in evaluation[:40]]
    assert near_prompts(renumbered, evaluation[:40]) == {}
    answers = [r["completion"].split("\n", 1)[0] for r in rows["alpaca"]]
    template = [f"Classify the sentiment of this review as positive, negative or neutral: {a}" for a in answers]
    assert len(near_prompts(template[:100], template[100:])) <= 1


def test_near_prompts_keep_word_order_and_negation():
    """MBPP (974 problems, the rest as train): the inverse problem (the same words in another order) and the
    negated one are other questions; the same problem with a word or two changed is still a near prompt."""
    prompts = [json.loads(line)["text"] for line in (DATA / "heldout" / "mbpp_974.jsonl").read_text(
        encoding="utf-8").splitlines()]
    asked = ["Write a python function to convert octal number to decimal number.",
             "Write a python function to find the first non-repeated character in a given string.",
             "Write a python function to count the occurrence of a given character in a string."]
    train = [p for p in prompts if p not in asked]
    found = near_prompts(asked, train)
    assert list(found) == [2] and train[found[2]] == "Write a function to count occurrence of a character in a string."


def _gsm8k_asked_twice(share: float | None) -> list[dict]:
    """GSM8K questions, ``share`` of them asked again with their Socratic solution (another text, the same answer);
    ``None``: only the questions that have one, each asked twice."""
    rows = [json.loads(line) for line in (DATA / "readiness" / "gsm8k_test.jsonl").read_text(encoding="utf-8").splitlines()]
    if share is None:
        rows = [r for r in rows if "socratic" in r]
    again = [r for r in rows if "socratic" in r][: int((share or 1) * len(rows))]
    return ([{"prompt": r["question"], "completion": r["answer"]} for r in rows]
            + [{"prompt": r["question"], "completion": r["socratic"]} for r in again])


def test_prompt_leakage_warns_on_a_fifth_and_fails_on_most_of_the_evaluation():
    """A question asked twice lands in train and in val/test by chance: 15% of GSM8K's questions asked again with
    another solution leak about a fifth of val/test, a warning that counts the records whose train answer agrees
    (the same final number: recalling it scores); every question asked twice leaks most of val/test: a fail, the
    evaluation then measures recall more than anything."""
    report = _report(_gsm8k_asked_twice(0.15))
    figure = report["content"]["prompt_leakage"]
    assert 0.1 < figure["share"] < CFG.fail_prompt_leakage_share
    assert figure["agreeing_answers"] == figure["different_answers"] == figure["records"]
    check = check_prompt_leakage(report, CFG)
    assert check.status == "warn" and "the train answer agrees with theirs" in check.message, check.message
    assert check_prompt_leakage(_report(_gsm8k_asked_twice(None)), CFG).status == "fail"
