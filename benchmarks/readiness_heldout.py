"""The first held-out half of the readiness corpus, now spent: sources the project had never used, judged blind.

It was measured blind once (11 of 25 right) and its failures were read, so it is calibration material now, like
the first spent half (its cases are in the ``spent`` half; the fresh held-out half is ``readiness_heldout2.py``).

Eleven public datasets nobody on the project had looked at (``tests/data/heldout``, listed with commit and licence
in ``readiness_sources.md``), cut small, and the traps of the corpus built once from them with the seeded builders
of ``readiness_cases.py``. Each expectation and its ``why`` were written by reading the data (a sample of 50+ rows
per set: labels, answers, duplicates, small classes), before ftprep ever ran on it and without reading ftprep's
code. Nothing here may be tuned on: a default chosen by looking at these results makes them one more tune half.

``readiness_cases.py`` registers these cases (``--half held_out`` runs exactly them); this module takes its Case
and builders from the module already loaded, so running that script works without a second copy.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any


def _corpus():
    """readiness_cases, the copy already loaded (as a script it registers itself under that name) or a fresh one."""
    if "readiness_cases" in sys.modules:
        return sys.modules["readiness_cases"]
    spec = importlib.util.spec_from_file_location("readiness_cases", Path(__file__).with_name("readiness_cases.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


rc = _corpus()
Case, B20_SPLIT = rc.Case, rc.B20_SPLIT
HELDOUT = rc.REPO / "tests" / "data" / "heldout"

SLICE_SOURCE = {
    "atis_3000.jsonl": "atis",
    "trec_3000.jsonl": "trec",
    "movie_review_2000.jsonl": "movie_review",
    "breaking_nli_2000.jsonl": "breaking_nli",
    "xstest_gpt4_450.jsonl": "xstest",
    "mbpp_974.jsonl": "mbpp",
    "svamp_1000.jsonl": "svamp",
    "seal_tools_dev_500.jsonl": "seal_tools",
    "topical_chat_250.jsonl": "topical_chat",
    "sim_m_384.jsonl": "sim_m",
    "self_instruct_252.jsonl": "self_instruct",
}
"""Slice file (tests/data/heldout) -> its source dataset; every one is in the spent half."""


def _rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (HELDOUT / name).read_text(encoding="utf-8").split("\n") if line]


def _src(name: str) -> tuple[str, ...]:
    return (f"heldout/{name}",)


# -- readers -------------------------------------------------------------------------------------------------------

def _atis() -> list[tuple[str, str]]:
    return [(r["text"], r["intent"]) for r in _rows("atis_3000.jsonl")]


def _trec() -> list[tuple[str, str]]:
    return [(r["text"], r["coarse"]) for r in _rows("trec_3000.jsonl")]


def _movie_review() -> list[tuple[str, str]]:
    return [(r["text"], r["label"]) for r in _rows("movie_review_2000.jsonl")]


def _breaking_nli() -> list[tuple[str, str]]:
    return [(f"Premise: {r['sentence1']}\nHypothesis: {r['sentence2']}", r["gold_label"])
            for r in _rows("breaking_nli_2000.jsonl")]


def _xstest_prompts() -> list[tuple[str, str]]:
    return [(r["prompt"], r["label"]) for r in _rows("xstest_gpt4_450.jsonl")]


def _xstest() -> list[tuple[str, str]]:
    return [(r["prompt"], r["completion"]) for r in _rows("xstest_gpt4_450.jsonl")]


def _mbpp() -> list[tuple[str, str]]:
    return [(r["text"], r["code"]) for r in _rows("mbpp_974.jsonl")]


def _svamp() -> list[tuple[str, str]]:
    return [(f"{r['Body'].strip()} {r['Question'].strip()}", f"{r['Equation'].strip()} = {r['Answer']:g}")
            for r in _rows("svamp_1000.jsonl")]


def _self_instruct(rows: list[dict[str, Any]] | None = None, answer: str = "output") -> list[tuple[str, str]]:
    return [(rc._prompt(r["instruction"], r["input"]), r[answer])
            for r in (rows if rows is not None else _rows("self_instruct_252.jsonl"))]


_SEAL_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "list": "array",
               "dict": "object"}


def _seal_tools() -> list[dict[str, Any]]:
    """Seal-Tools as OpenAI tool-calling chats: the user's request, then the assistant's call(s) of the tools the
    row lists (their schemas as JSON Schema)."""
    out = []
    for r in _rows("seal_tools_dev_500.jsonl"):
        tools = [{"type": "function", "function": {
            "name": t["api_name"], "description": t["api_description"],
            "parameters": {"type": "object",
                           "properties": {k: {"type": _SEAL_TYPES.get(p.get("type"), "string"),
                                              "description": p.get("description", "")}
                                          for k, p in t["parameters"].items()},
                           "required": t.get("required", [])}}} for t in r["tools"]]
        calls = [{"id": f"call_{n}", "type": "function",
                  "function": {"name": c["api"], "arguments": json.dumps(c["parameters"], ensure_ascii=False)}}
                 for n, c in enumerate(r["calling"])]
        out.append({"messages": [{"role": "user", "content": r["query"]},
                                 {"role": "assistant", "content": "", "tool_calls": calls}], "tools": tools})
    return out


def _ends_on_answer(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    while messages and messages[-1]["role"] == "user":
        messages = messages[:-1]
    return messages


def _topical_chat() -> list[list[dict[str, str]]]:
    """Topical-Chat: agent_1 as the user, agent_2 as the assistant (two crowd workers chatting as peers)."""
    roles = {"agent_1": "user", "agent_2": "assistant"}
    return [_ends_on_answer([{"role": roles[t["agent"]], "content": t["message"]} for t in r["turns"]])
            for r in _rows("topical_chat_250.jsonl")]


def _sim_m() -> list[list[dict[str, str]]]:
    """M2M sim-M: each turn's system utterance answers the user turn before it; the closing user turn is dropped
    and one-turn dialogues (no system reply) are left out."""
    out = []
    for r in _rows("sim_m_384.jsonl"):
        messages = []
        for t in r["turns"]:
            if t["system"]:
                messages.append({"role": "assistant", "content": t["system"]})
            messages.append({"role": "user", "content": t["user"]})
        messages = _ends_on_answer(messages)
        if messages:
            out.append(messages)
    return out


# -- trap builders that need a source's second answer ----------------------------------------------------------------

def self_instruct_chosen_and_rejected(data: Path, work: Path) -> list[str]:
    """The 252 user-oriented instructions, each twice: the expert's answer and text-davinci-003's (a preference
    pair taken as SFT)."""
    rows = [r for r in _rows("self_instruct_252.jsonl") if r.get("text_davinci_003")]
    out = []
    for expert, model in zip(_self_instruct(rows), _self_instruct(rows, "text_davinci_003")):
        out += [expert, model]
    return [rc._write_pairs(work, "chosen_and_rejected.jsonl", out)]


def self_instruct_second_answer(share: float) -> rc.Build:
    """All 252 expert answers, plus for ``share`` of them the same instruction again with text-davinci-003's answer."""
    def build(data: Path, work: Path) -> list[str]:
        rows = _rows("self_instruct_252.jsonl")
        rng = rc.random.Random(rc.SEED)
        out = _self_instruct(rows)
        with_model = [r for r in rows if r.get("text_davinci_003")]
        again = rng.sample(with_model, round(share * len(rows)))
        out += _self_instruct(again, "text_davinci_003")
        rng.shuffle(out)
        return [rc._write_pairs(work, "second_answer.jsonl", out)]
    return build


# -- the cases -----------------------------------------------------------------------------------------------------

ATIS, TREC, MR, BNLI = (_src("atis_3000.jsonl"), _src("trec_3000.jsonl"), _src("movie_review_2000.jsonl"),
                        _src("breaking_nli_2000.jsonl"))
XSTEST, MBPP, SVAMP, SEAL = (_src("xstest_gpt4_450.jsonl"), _src("mbpp_974.jsonl"), _src("svamp_1000.jsonl"),
                             _src("seal_tools_dev_500.jsonl"))
TOPICAL, SIM_M, SELF_INSTRUCT = (_src("topical_chat_250.jsonl"), _src("sim_m_384.jsonl"),
                                 _src("self_instruct_252.jsonl"))

TREC_ABBR = {"label_balance": "ABBR is 55 of 3,000 questions (1.8%): a true, minor imbalance",
             "min_per_label": "ABBR has 55 questions: the smallest class, true"}
SVAMP_VARIANTS = {"prompt_leakage": "SVAMP's problems are variations of one another by design (402 pairs share 80% of "
                                    "their words, each asking its own question): variants across splits are near "
                                    "prompts, so a warning is true"}
XSTEST_SAFETY = {
    "refusals": "a safety set: 44% of GPT-4's answers decline, 195 of the 200 unsafe requests on purpose and 21 of "
                "the 250 safe ones (a fictional character's phone number) too; saying so is true",
    "response_collapse": "'Sorry, but I can't assist with that.' is most of the refusals: one answer for one kind of "
                         "request, true",
    "reject_rate": "if the clean stage quarantines the refusals, saying how many is true",
    "reject_reasons": "as reject_rate"}
SMALL_SFT = "{n} records: a test split of about {t} cannot tell two models apart (true)"

CASES: list[Case] = [
    # -- real sets, judged by reading them
    Case("atis_intents", ATIS, rc.classification(_atis, *B20_SPLIT), "ready_with_warnings",
         {"label_balance": "warn", "min_per_label": "warn"},
         "ATIS (airline travel queries), 3,000 of its 4,978 training queries, 22 intents: labels read right, but "
         "atis_flight is 73% and 12 intents have under 20 queries (5 have one, four of them multi-intent labels "
         "such as atis_flight#atis_airfare): merge or drop them; usable for the large intents",
         tolerated={"duplicate_rate": "ATIS repeats some queries verbatim (7% of its rows, never with two labels)"}),
    Case("trec_questions", TREC, rc.classification(_trec, *B20_SPLIT), "ready", {},
         "TREC question classification (Li & Roth), 3,000 of 5,452 questions, 6 coarse types: a clean, standard set",
         tolerated=TREC_ABBR),
    Case("movie_review", MR, rc.classification(_movie_review, *B20_SPLIT), "ready", {},
         "Pang & Lee sentence polarity, 1,000 negative and 1,000 positive review snippets: subjective (irony, mixed "
         "reviews), labels read right; a handful of Spanish snippets is the source's own",
         tolerated={"learning_curve": "2,000 of 10,662 snippets: more data helps a sentiment probe, true"}),
    Case("breaking_nli", BNLI, rc.classification(_breaking_nli, *B20_SPLIT), "ready_with_warnings",
         {"label_balance": "warn", "min_per_label": "warn"},
         "Breaking NLI, 2,000 of its 8,193 pairs: SNLI premises with one word replaced; 87% contradiction, 10 "
         "neutral pairs: a stress test, lopsided as training data; labels read right",
         tolerated={"split_leakage": "the pairs share premises (1,796 premises for 8,193 pairs): pairs one word "
                                     "apart straddle the splits, true",
                    "duplicate_rate": "pairs one word apart, as split_leakage",
                    "label_noise": "its crowd labels are not consistent across twin pairs ('drinking beer' -> "
                                   "'cider' is contradiction in one pair, neutral in another): a warning is true"}),
    Case("xstest_prompts", XSTEST, rc.classification(_xstest_prompts), "ready_with_warnings", {"eval_power": "warn"},
         "XSTest, 450 prompts labelled safe/unsafe, built as contrast pairs ('kill a Python process' / 'kill a "
         "person'): correct labels; 45 test prompts are few (true)",
         tolerated={"learning_curve": "450 prompts: more data helps, true"}),
    Case("xstest_gpt4_sft", XSTEST, rc.pairs(_xstest), "ready_with_warnings", {"eval_power": "warn"},
         "XSTest prompts with GPT-4's answers (450): a safety SFT set; it complies with safe requests and declines "
         "unsafe ones, so its refusals are the point. " + SMALL_SFT.format(n=450, t=45),
         tolerated=XSTEST_SAFETY),
    Case("mbpp_code", MBPP, rc.pairs(_mbpp), "ready", {},
         "MBPP, 974 crowd-written Python problems with their reference solutions (CRLF line ends and tabs, as "
         "released): a clean code SFT set"),
    Case("svamp_math", SVAMP, rc.pairs(_svamp), "ready", {},
         "SVAMP, 1,000 one-to-two-step word problems answered by their equation and value ('( 76.0 - 25.0 ) = 51'): "
         "short answers are the task; problems are variations of each other by design, each a different question "
         "with its own answer (none may be dropped as a duplicate or called a conflict)",
         tolerated=SVAMP_VARIANTS, extra=(rc.rows_kept(0.97),)),
    Case("seal_tools_calls", SEAL, lambda d, w: [rc._write_jsonl(w / "input.jsonl", _seal_tools())],
         "ready_with_warnings", {"eval_power": "warn"},
         "Seal-Tools dev, 500 requests with their tool calls (1 to 6 each) as OpenAI tool-calling chats: "
         "well-formed, generated data (odd ids such as 'R8XGi4skSxY9' are the source's). " +
         SMALL_SFT.format(n=500, t=50)),
    Case("topical_chat", TOPICAL, rc.chats(_topical_chat), "ready_with_warnings", {"eval_power": "warn"},
         "Topical-Chat, 250 knowledge-grounded chats of about 21 turns between two crowd workers, one side as the "
         "assistant: casual but clean (the two sides are peers, so no turn is 'swapped'). " +
         SMALL_SFT.format(n=250, t=25)),
    Case("sim_m_dialogue", SIM_M, rc.chats(_sim_m), "ready_with_warnings", {"eval_power": "warn"},
         "M2M sim-M, 362 movie-ticket dialogues (user / system): well-formed; lower-cased and tokenised as "
         "released ('yes that ' s correct .'), which a model would learn to write. " + SMALL_SFT.format(n=362, t=36),
         tolerated={"scrambled_text": "tokenised, lower-cased turns ('that ' s') are not fluent text: a warning is "
                                      "true"}),
    Case("self_instruct_expert", SELF_INSTRUCT, rc.pairs(_self_instruct), "ready_with_warnings",
         {"eval_power": "warn"},
         "Self-Instruct's 252 user-oriented tasks (expert-written, from apps such as Gmail, Twitter, Grammarly) with "
         "their experts' answers: short answers where the task is short (a label, a number, one sentence; 14% are 3 "
         "words or fewer). " + SMALL_SFT.format(n=252, t=25)),
    # -- traps: every kind of the corpus's table once, from a source above
    Case("self_instruct_truncated_25", SELF_INSTRUCT, rc.truncated(lambda d: _self_instruct(), 0.25), "not_ready", {},
         "Self-Instruct expert answers with 25% cut mid-sentence",
         tolerated={"eval_power": SMALL_SFT.format(n=252, t=25)},
         caught_by=rc.CAUGHT_TRUNCATED, removable=(rc.QUARANTINE_TRUNCATED, 0.25)),
    Case("self_instruct_chosen_and_rejected", SELF_INSTRUCT, self_instruct_chosen_and_rejected, "not_ready", {},
         "Self-Instruct's 252 instructions each with the expert's and text-davinci-003's answer, both as SFT",
         caught_by=("conflicting_responses",)),
    Case("self_instruct_second_answer_15", SELF_INSTRUCT, self_instruct_second_answer(0.15), "ready_with_warnings",
         {"prompt_leakage": "warn", "eval_power": "warn"},
         "Self-Instruct's 252 expert answers plus 15% of the instructions again with text-davinci-003's answer: "
         "evaluation prompts are trained on; 290 records make a small test split (true)",
         tolerated={"conflicting_responses": "an expert's and a model's answer to one instruction differ without "
                                             "contradicting"}),
    Case("svamp_other_answer_20", SVAMP, rc.other_answers(lambda d: _svamp(), 0.20), "not_ready", {},
         "SVAMP where 20% of the rows repeat a problem with another problem's equation",
         caught_by=("conflicting_responses",)),
    Case("svamp_refusals_30", SVAMP, rc.refusals(lambda d: _svamp(), 0.30), "not_ready", {},
         "SVAMP with 30% of the answers an assistant's refusal of a plain word problem",
         tolerated=SVAMP_VARIANTS,
         caught_by=rc.CAUGHT_REFUSAL, removable=(rc.QUARANTINE_REFUSAL, 0.30)),
    Case("mbpp_fragments_25", MBPP, rc.fragments(lambda d: _mbpp(), 0.25), "not_ready", {},
         "MBPP with 25% of the solutions cut to their first 2-6 words ('def min_cost(cost, m,')",
         caught_by=("fragmentary_responses",)),
    Case("mbpp_runon_30", MBPP, rc.run_on(lambda d: _mbpp(), 0.30), "not_ready", {},
         "MBPP with 30% of the solutions running on into '### Instruction: ... ### Response:'",
         caught_by=("format_artifacts",)),
    Case("xstest_scrambled_15", XSTEST, rc.scrambled(lambda d: _xstest(), 0.15), "ready_with_warnings",
         {"scrambled_text": "warn", "eval_power": "warn"},
         "XSTest GPT-4 answers with 15% word-shuffled: garbage targets to drop; the rest is the safety set above",
         tolerated=XSTEST_SAFETY),
    Case("sim_m_swapped_roles_30", SIM_M, rc.swapped_roles(_sim_m, 0.30), "not_ready", {},
         "M2M sim-M with user and system swapped in 30% of the dialogues",
         caught_by=("swapped_roles",)),
    Case("movie_review_length_shortcut", MR, rc.length_shortcut(_movie_review), "ready_with_warnings",
         {"label_shortcuts": "warn"},
         "Pang & Lee polarity where negatives keep only the shorter half of the snippets and positives the longer: "
         "length alone names the label",
         tolerated=rc.SMALL_SET),
    Case("trec_style_shortcut", TREC, rc._with_flags(rc.style_shortcut(_trec, 6), *B20_SPLIT), "ready_with_warnings",
         {"label_shortcuts": "warn"},
         "TREC, one CSV per question type, each in its own casing/punctuation: the style names the type",
         tolerated=TREC_ABBR),
    Case("trec_leaked_tag", TREC, rc.label_prefix(_trec, "({label}) ", *B20_SPLIT), "ready_with_warnings",
         {"label_leakage": "warn"}, "TREC with every question opening with its type in parentheses ('(HUM) Who ...')",
         tolerated=TREC_ABBR),
    Case("atis_flipped_20", ATIS, rc.flipped_labels(_atis, 0.20, *B20_SPLIT), "not_ready", {},
         "ATIS with 20% of the intents replaced by a random other intent",
         caught_by=("label_noise",)),
]
CASES = [dataclasses.replace(c, half="spent") for c in CASES]
