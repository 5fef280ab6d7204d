"""The second held-out half of the readiness corpus: sources the project had never used, judged blind.

Fresh public datasets (``tests/data/heldout2``, listed with commit and licence in ``readiness_sources.md``), cut
small, and the traps of the corpus built once from them with the seeded builders of ``readiness_cases.py``. Each
expectation and its ``why`` were written by reading the data (50+ rows per set: labels, answers, duplicates, small
classes, refusals), before ftprep ever ran on it and without reading ftprep's code. Nothing here may be tuned on:
a default chosen by looking at these results makes them one more spent half.

``readiness_cases.py`` registers these cases (``--half held_out`` runs exactly them); the first held-out half
(``readiness_heldout.py``) is spent.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import json
import re
import sys
from collections import Counter
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
HELDOUT2 = rc.REPO / "tests" / "data" / "heldout2"

SLICE_SOURCE = {
    "nlu_corpora_all.jsonl": "nlu_evaluation_corpora",
    "subj_2000.jsonl": "subj",
    "custrev_2000.jsonl": "customer_reviews",
    "sst2_2000.jsonl": "sst2",
    "humaneval_164.jsonl": "humaneval",
    "asdiv_all.jsonl": "asdiv",
    "toolalpaca_eval.jsonl": "toolalpaca",
    "med_2000.jsonl": "med",
    "meld_train_2000.jsonl": "meld",
    "ailuminate_demo_en.jsonl": "ailuminate",
    "pandalm_testset_999.jsonl": "pandalm",
    "esconv_failed_196.jsonl": "esconv_failed",
}
"""Slice file (tests/data/heldout2) -> its source dataset; every one is in the held_out half."""


def _rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (HELDOUT2 / name).read_text(encoding="utf-8").split("\n") if line]


def _src(name: str) -> tuple[str, ...]:
    return (f"heldout2/{name}",)


# -- readers -------------------------------------------------------------------------------------------------------

def _chatbot() -> list[tuple[str, str]]:
    return [(r["text"], r["intent"]) for r in _rows("nlu_corpora_all.jsonl") if r["corpus"] == "ChatbotCorpus"]


def _subj() -> list[tuple[str, str]]:
    return [(r["text"], r["label"]) for r in _rows("subj_2000.jsonl")]


def _custrev() -> list[tuple[str, str]]:
    return [(r["text"], r["label"]) for r in _rows("custrev_2000.jsonl")]


def _custrev_words() -> list[tuple[str, str]]:
    """The reviews with a word in them (one 'sentence' of the source is a lone '*')."""
    return [(t, l) for t, l in _custrev() if re.search(r"\w", t)]


def _sst2() -> list[tuple[str, str]]:
    return [(r["text"], r["label"]) for r in _rows("sst2_2000.jsonl")]


def _med() -> list[tuple[str, str]]:
    return [(f"Premise: {r['sentence1']}\nHypothesis: {r['sentence2']}", r["gold_label"])
            for r in _rows("med_2000.jsonl")]


def _meld() -> list[tuple[str, str]]:
    return [(r["utterance"], r["emotion"]) for r in _rows("meld_train_2000.jsonl")]


def _ailuminate() -> list[tuple[str, str]]:
    return [(r["prompt"], r["hazard"]) for r in _rows("ailuminate_demo_en.jsonl")]


def _humaneval() -> list[tuple[str, str]]:
    return [(r["prompt"], r["canonical_solution"]) for r in _rows("humaneval_164.jsonl")]


def _asdiv() -> list[tuple[str, str]]:
    return [(f"{r['body'].strip()} {r['question'].strip()}", f"{r['formula'].strip()}\nAnswer: {r['answer'].strip()}")
            for r in _rows("asdiv_all.jsonl")]


def _pandalm_votes() -> list[tuple[str, str, str, int]]:
    """PandaLM's annotated pairs as (prompt, response1, response2, majority vote: 0 tie, 1 or 2 the better)."""
    out = []
    for r in _rows("pandalm_testset_999.jsonl"):
        vote, _ = Counter([r["annotator1"], r["annotator2"], r["annotator3"]]).most_common(1)[0]
        out.append((rc._prompt(r["instruction"], r["input"].strip()), str(r["response1"]).strip(),
                    str(r["response2"]).strip(), vote))
    return out


def _pandalm_preference() -> list[dict[str, str]]:
    """Every pair with a majority winner (ties left out), as TRL's standard form."""
    return [{"prompt": p, "chosen": a if v == 1 else b, "rejected": b if v == 1 else a}
            for p, a, b, v in _pandalm_votes() if v in (1, 2)]


def _pandalm_unanimous() -> list[tuple[str, str, str]]:
    """One pair per prompt (the first whose three annotators agree and whose sides are both non-empty):
    (prompt, chosen, rejected)."""
    out, seen = [], set()
    for r in _rows("pandalm_testset_999.jsonl"):
        votes = {r["annotator1"], r["annotator2"], r["annotator3"]}
        prompt = rc._prompt(r["instruction"], r["input"].strip())
        one, two = str(r["response1"]).strip(), str(r["response2"]).strip()
        if prompt in seen or len(votes) != 1 or votes == {0} or not one or not two:
            continue
        seen.add(prompt)
        out.append((prompt, one, two) if votes == {1} else (prompt, two, one))
    return out


def _pandalm_sft() -> list[tuple[str, str]]:
    return [(p, c) for p, c, _ in _pandalm_unanimous()]


def _pandalm_chats() -> list[list[dict[str, str]]]:
    return [[{"role": "user", "content": p}, {"role": "assistant", "content": c}] for p, c in _pandalm_sft()]


_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "array": "array",
          "object": "object"}


def _tool(name: str, text: str) -> dict[str, Any]:
    """One ToolAlpaca function ('desc\\nParameters: {json}\\nOutput: ...') as an OpenAI tool."""
    description, _, rest = text.partition("\nParameters: ")
    params = json.loads(rest.split("\nOutput:")[0]) if rest else {}
    properties, required = {}, []
    for key, spec in params.items():
        words = [w.strip() for w in spec.split(".")]
        if words and words[0] == "Required":
            required.append(key)
            words = words[1:]
        properties[key] = {"type": _TYPES.get(words[0].lower() if words else "", "string"),
                           "description": spec}
    return {"type": "function", "function": {"name": name, "description": description,
                                             "parameters": {"type": "object", "properties": properties,
                                                            "required": required}}}


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _toolalpaca() -> list[dict[str, Any]]:
    """ToolAlpaca's evaluation instructions as OpenAI tool-calling chats: the request, then the assistant's calls
    of its golden answer (the API's functions as tools). Golden answers that chain calls through a placeholder
    ('${animeId from searchAnime}') need the earlier call's result, which the set does not hold: left out."""
    out = []
    for api in _rows("toolalpaca_eval.jsonl"):
        tools = [_tool(re.sub(r"[^A-Za-z0-9_.:-]", "_", n), t) for n, t in api["function_description"].items()]
        names = {t["function"]["name"] for t in tools}
        instructions = api["instructions"]
        answers = api["golden_answers"]
        instructions = ast.literal_eval(instructions) if isinstance(instructions, str) else instructions
        answers = ast.literal_eval(answers) if isinstance(answers, str) else answers
        for text, golden in zip(instructions, answers):
            calls = [{"id": f"call_{n}", "type": "function",
                      "function": {"name": re.sub(r"[^A-Za-z0-9_.:-]", "_", c["Action"]),
                                   "arguments": c["Action_Input"]}}
                     for n, c in enumerate(golden)]
            if calls and all(c["function"]["name"] in names and _is_json(c["function"]["arguments"]) for c in calls):
                out.append({"messages": [{"role": "user", "content": text},
                                         {"role": "assistant", "content": "", "tool_calls": calls}], "tools": tools})
    return out


def _esconv() -> list[list[dict[str, str]]]:
    """ESConv's failed conversations: the help-seeker as the user, the supporter as the assistant (consecutive
    turns of one side joined), each ending on the supporter's turn."""
    roles = {"speaker": "user", "listener": "assistant"}
    out = []
    for r in _rows("esconv_failed_196.jsonl"):
        messages: list[dict[str, str]] = []
        for t in r["dialog"]:
            role, text = roles[t["speaker"]], t["content"].strip()
            if not text:
                continue
            if messages and messages[-1]["role"] == role:
                messages[-1]["content"] += "\n" + text
            else:
                messages.append({"role": role, "content": text})
        while messages and messages[-1]["role"] == "user":
            messages.pop()
        if len(messages) >= 2:
            out.append(messages)
    return out


# -- builders ------------------------------------------------------------------------------------------------------

def pandalm_preference(data: Path, work: Path) -> list[str]:
    return [rc._write_jsonl(work / "input.jsonl", _pandalm_preference()), "--task", "preference"]


def pandalm_chosen_and_rejected(data: Path, work: Path) -> list[str]:
    """One unanimous pair per instruction, both sides written as SFT answers."""
    out = []
    for prompt, chosen, rejected in _pandalm_unanimous():
        out += [(prompt, chosen), (prompt, rejected)]
    return [rc._write_pairs(work, "chosen_and_rejected.jsonl", out)]


def pandalm_second_answer(share: float) -> rc.Build:
    """Each instruction with its preferred answer, plus ``share`` of them again with the other model's answer."""
    def build(data: Path, work: Path) -> list[str]:
        rows = _pandalm_unanimous()
        rng = rc.random.Random(rc.SEED)
        out = [(p, c) for p, c, _ in rows]
        out += [(p, r) for p, _, r in rng.sample(rows, round(share * len(rows)))]
        rng.shuffle(out)
        return [rc._write_pairs(work, "second_answer.jsonl", out)]
    return build


def toolalpaca_calls(data: Path, work: Path) -> list[str]:
    return [rc._write_jsonl(work / "input.jsonl", _toolalpaca())]


# -- the cases -----------------------------------------------------------------------------------------------------

NLU, SUBJ, CR, SST2 = (_src("nlu_corpora_all.jsonl"), _src("subj_2000.jsonl"), _src("custrev_2000.jsonl"),
                       _src("sst2_2000.jsonl"))
HUMANEVAL, ASDIV, TOOLALPACA, MED = (_src("humaneval_164.jsonl"), _src("asdiv_all.jsonl"),
                                     _src("toolalpaca_eval.jsonl"), _src("med_2000.jsonl"))
MELD, AILUMINATE, PANDALM, ESCONV = (_src("meld_train_2000.jsonl"), _src("ailuminate_demo_en.jsonl"),
                                     _src("pandalm_testset_999.jsonl"), _src("esconv_failed_196.jsonl"))

SMALL = "{n} records: a test split of about {t} cannot tell two models apart (true)"
MORE_DATA = {"learning_curve": "2,000 sentences of a larger set: more data helps a bag-of-words probe, true"}
SUBJ_LABELS = {**MORE_DATA,
               "label_noise": "Subj labels a sentence by where it was taken from (IMDb plot summaries are 'objective', "
                              "Rotten Tomatoes snippets 'subjective'), not by reading it: some plot sentences carry "
                              "opinion ('disturbing for its unabashed honesty ...'), so a warning is true"}
MED_PAIRS = {"split_leakage": "MED's pairs share premises (1,601 premises for 2,000 pairs), one phrase apart: "
                              "near pairs straddle the splits, true",
             "duplicate_rate": "pairs one phrase apart, as split_leakage"}
AIL_SMALL = {"min_per_label": "the four specialised-advice hazards (spc_*) have 24-26 prompts each beside 100 for the "
                              "others: true",
             "label_balance": "as min_per_label: 4:1 between the largest and smallest hazards, true"}
PANDALM_PROPS = {
    "preference_repeated_prompts": "PandaLM compares five models on each of 170 instructions: about 5 majority pairs per "
                                   "prompt by design; saying so is true",
    "preference_length_bias": "annotators preferred the fuller answer (the chosen side is longer in 67% of the "
                              "pairs): a true property a reward model would learn",
    "truncated_responses": "7B models' outputs stop at their generation limit mid-list; true",
    "reject_rate": "52 pairs have an empty side (a model that produced nothing): quarantining them is true",
    "reject_reasons": "as reject_rate"}

CASES: list[Case] = [
    # -- real sets, judged by reading them
    Case("chatbot_corpus_intents", NLU, rc.classification(_chatbot, *B20_SPLIT), "ready_with_warnings",
         {"eval_power": "warn"},
         "NLU Evaluation Corpora's Chatbot corpus: 206 Telegram questions to a Munich transport bot, two intents "
         "(FindConnection 128, DepartureTime 78); labels read right, lower-case and typo-ridden as typed. "
         "A test split of about 41 is small (true)",
         tolerated={"learning_curve": "206 questions: more data helps, true",
                    "split_leakage": "users sent the same question again ('how i can get from marienplatz to "
                                     "garching' with and without '?'): 72 of 206 questions have a near twin, so near "
                                     "duplicates across the splits are true",
                    "duplicate_rate": "as split_leakage"}),
    Case("subj_subjectivity", SUBJ, rc.classification(_subj, *B20_SPLIT), "ready", {},
         "Pang & Lee's subjectivity set, 1,000 objective and 1,000 subjective movie sentences: a standard, balanced, "
         "clean benchmark (lower-cased and tokenised as released)",
         tolerated=SUBJ_LABELS),
    Case("customer_reviews", CR, rc.classification(_custrev, *B20_SPLIT), "ready", {},
         "Hu & Liu customer reviews (cameras, MP3 players, routers), 2,000 of 3,775 sentences, 64% positive: "
         "labels read right, a few mixed sentences ('had a few problems ... finally the update fixed') as annotated "
         "and one 'sentence' that is a lone '*' (the source's)",
         tolerated=MORE_DATA),
    Case("sst2_sentences", SST2, rc.classification(_sst2, *B20_SPLIT), "ready", {},
         "SST-2 sentences, 2,000 of the training file, 52% positive: tokenised as released ('-lrb-', 'is n't'), "
         "labels read right (sarcasm and negation are the task)",
         tolerated=MORE_DATA),
    Case("med_nli", MED, rc.classification(_med, *B20_SPLIT), "ready", {},
         "MED (monotonicity entailment), 2,000 of its pairs, entailment 51% / neutral 49%: labels follow the "
         "monotonicity logic ('No delegate finished the report on time' -> '... the report': neutral); a few crowd "
         "hypotheses are ungrammatical as released; pairs one phrase apart carry different labels by design (none may "
         "be dropped as a duplicate)",
         tolerated={**MED_PAIRS, **MORE_DATA}, extra=(rc.rows_kept(0.97),)),
    Case("meld_emotion", MELD, rc.classification(_meld, *B20_SPLIT), "ready_with_warnings", {"label_balance": "warn"},
         "MELD (Friends utterances), 2,000 training lines, 7 emotions: neutral is 49%, disgust 46 lines (2.3%) and "
         "fear 62: a true imbalance worth acting on; the labels were given with the scene, so short interjections "
         "('Hey!', 'What?') carry several emotions",
         tolerated={"label_noise": "17 short lines carry two or more emotions ('hey!' as joy, surprise, anger and "
                                   "neutral): the text alone does not decide them, so a warning is true",
                    "duplicate_rate": "short interjections repeat ('Hey!' 16 times, 'Okay.' 13)",
                    "min_per_label": "disgust has 46 lines: the smallest class, true",
                    **MORE_DATA}),
    Case("ailuminate_hazards", AILUMINATE, rc.classification(_ailuminate, *B20_SPLIT), "ready", {},
         "MLCommons AILuminate demo prompts (English), 1,200 hazardous requests in 15 hazard categories, half from "
         "a 'skilled' persona (jailbreak wrappers): labels read right; a hazard classifier's training set",
         tolerated={**AIL_SMALL, "learning_curve": "1,200 prompts in 15 classes: more data helps, true"}),
    Case("humaneval_code", HUMANEVAL, rc.pairs(_humaneval), "ready_with_warnings", {"eval_power": "warn"},
         "HumanEval's 164 problems (signature and docstring) with their canonical solutions (the function body, "
         "indented; 37 are one line): clean code SFT. " + SMALL.format(n=164, t=16)),
    Case("asdiv_math", ASDIV, rc.pairs(_asdiv), "ready", {},
         "ASDiv, 2,305 primary-school word problems answered by their formula and value ('56+18=74\\nAnswer: 74 "
         "(songs)', '17/5=3 r2'): short answers are the task; 20 pairs share a problem's text and ask different "
         "questions with different answers (none may be dropped as a duplicate or called a conflict)",
         extra=(rc.rows_kept(0.97),)),
    Case("toolalpaca_calls", TOOLALPACA, toolalpaca_calls, "ready_with_warnings", {"eval_power": "warn"},
         "ToolAlpaca's evaluation requests (simulated and real APIs), the 171 of 214 whose golden calls stand alone "
         "(no '${id from an earlier call}' placeholder), as OpenAI tool-calling chats: well-formed (a typo such as "
         "'Arriivals' is the source's). " + SMALL.format(n=171, t=17)),
    Case("pandalm_preference", PANDALM, pandalm_preference, "ready_with_warnings", {"eval_power": "warn"},
         "PandaLM's human-annotated test set: 894 pairs with a majority winner (of 999; ties left out) between two "
         "7B models' answers to 170 Self-Instruct user tasks; the labels are real human preferences. Pairs are "
         "grouped by prompt, so about 17 test prompts cannot measure a reward model (true)",
         tolerated=PANDALM_PROPS),
    Case("esconv_failed_chats", ESCONV, rc.chats(_esconv), "not_ready", {},
         "ESConv's 196 conversations that FAILED its quality control (seeker as user, supporter as assistant): "
         "supporters answer 'hello', 'I AM FINE, AND YOU', leave mid-chat ('Are you there?') and some abuse the "
         "seeker ('Punch them in the face'): not data to train a supporter on"),
    # -- traps: every kind of the corpus's table once, from a source above
    Case("humaneval_truncated_25", HUMANEVAL, rc.truncated(lambda d: _humaneval(), 0.25), "not_ready", {},
         "HumanEval solutions with 25% cut mid-line",
         tolerated={"eval_power": SMALL.format(n=164, t=16)},
         caught_by=rc.CAUGHT_TRUNCATED, removable=(rc.QUARANTINE_TRUNCATED, 0.25)),
    Case("pandalm_chosen_and_rejected", PANDALM, pandalm_chosen_and_rejected, "not_ready", {},
         "150 instructions, each with both sides of a unanimous PandaLM pair (the preferred and the rejected "
         "answer) as SFT", caught_by=("conflicting_responses",)),
    Case("pandalm_second_answer_15", PANDALM, pandalm_second_answer(0.15), "ready_with_warnings",
         {"prompt_leakage": "warn", "eval_power": "warn"},
         "150 instructions with their preferred answer, plus 15% again with the rejected one: evaluation prompts are "
         "trained on; 172 records make a small test split (true)",
         tolerated={"conflicting_responses": "two models' answers to one instruction differ without contradicting",
                    "truncated_responses": "7B models' answers stop at their generation limit (see "
                                           "pandalm_preference), true"}),
    Case("asdiv_other_answer_20", ASDIV, rc.other_answers(lambda d: _asdiv(), 0.20), "not_ready", {},
         "ASDiv where 20% of the rows repeat a problem with another problem's formula and answer",
         caught_by=("conflicting_responses",)),
    Case("asdiv_refusals_30", ASDIV, rc.refusals(lambda d: _asdiv(), 0.30), "not_ready", {},
         "ASDiv with 30% of the answers an assistant's refusal of a plain word problem",
         caught_by=rc.CAUGHT_REFUSAL, removable=(rc.QUARANTINE_REFUSAL, 0.30)),
    Case("humaneval_fragments_25", HUMANEVAL, rc.fragments(lambda d: _humaneval(), 0.25), "not_ready", {},
         "HumanEval with 25% of the solutions cut to their first 2-6 words",
         tolerated={"eval_power": SMALL.format(n=164, t=16)},
         caught_by=("fragmentary_responses",)),
    Case("pandalm_scrambled_15", PANDALM, rc.scrambled(lambda d: _pandalm_sft(), 0.15), "ready_with_warnings",
         {"scrambled_text": "warn", "eval_power": "warn"},
         "PandaLM's 150 unanimously preferred answers with 15% word-shuffled: garbage targets to drop; 150 records "
         "make a small test split (true)",
         tolerated={"truncated_responses": "7B models' answers stop at their generation limit, true"}),
    Case("asdiv_runon_30", ASDIV, rc.run_on(lambda d: _asdiv(), 0.30), "not_ready", {},
         "ASDiv with 30% of the answers running on into '### Instruction: ... ### Response:'",
         caught_by=("format_artifacts",)),
    Case("esconv_swapped_roles_30", ESCONV, rc.swapped_roles(_esconv, 0.30), "not_ready", {},
         "ESConv's failed chats with seeker and supporter swapped in 30% of them (the base set is not ready either)",
         caught_by=("swapped_roles",)),
    Case("sst2_length_shortcut", SST2, rc.length_shortcut(_sst2), "ready_with_warnings", {"label_shortcuts": "warn"},
         "SST-2 where negatives keep only the shorter half of the sentences and positives the longer: length alone "
         "names the label", tolerated=rc.SMALL_SET),
    Case("customer_reviews_style_shortcut", CR, rc._with_flags(rc.style_shortcut(_custrev_words, 2), *B20_SPLIT),
         "ready_with_warnings", {"label_shortcuts": "warn"},
         "Customer reviews in two CSVs, negatives lower-case without punctuation and positives in sentence case: "
         "the style names the label", tolerated=MORE_DATA),
    Case("subj_leaked_tag", SUBJ, rc.label_prefix(_subj, "[{label}] ", *B20_SPLIT), "ready_with_warnings",
         {"label_leakage": "warn"}, "Subj with every sentence opening with its label ('[objective] the movie ...')",
         tolerated=SUBJ_LABELS),
    Case("ailuminate_flipped_20", AILUMINATE, rc.flipped_labels(_ailuminate, 0.20, *B20_SPLIT), "not_ready", {},
         "AILuminate with 20% of the hazard categories replaced by a random other one",
         caught_by=("label_noise",)),
]
CASES = [dataclasses.replace(c, half="held_out") for c in CASES]
