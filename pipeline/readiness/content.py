"""The ``content`` section (completion and chat): what is wrong inside the responses, measured on the split records.

Per record, on a seeded sample of ``max_analysis_examples`` records (regular expressions and counting, linear):
truncated responses, refusals (those of a harmful-looking request apart, :mod:`pipeline.readiness.harm`),
fragmentary answers, prompt-format artifacts, swapped roles (chat) and
word-scrambled text (:func:`fluency`). On every record (hashing, linear): responses that conflict for the same
prompt (:func:`conflicts`) and prompts found in train and in val/test (:func:`prompt_leakage`).

Each figure is ``{"records": flagged, "share": flagged / judged, "examples": [...]}`` with the record ids, so the
checks (:mod:`pipeline.readiness.content_checks`) read only ``report.json``.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from datasets import Dataset

from pipeline.chat.schema import message_text
from pipeline.clean.prose import prose
from pipeline.clean.responses import SHORT_TURN_WORDS
from pipeline.core.records import Task, column, rejections_to_dataset, task_of
from pipeline.core.stage import RunContext, StageResult
from pipeline.readiness import content_rules as rules
from pipeline.readiness.content_rules import EXAMPLE_CHARS, EXAMPLES
from pipeline.readiness.content_rules import short as _short
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.fluency import WORD, fluency
from pipeline.readiness.harm import harm_term
from pipeline.readiness.roles import role_swaps, states_need

RULES_SAMPLE = 5_000  # records the per-response rules read (a share known to about +-1.4 points at 95%)
Pair = tuple[str, str]
"""``(prompt, response)``: a completion, or a chat's assistant turn with the user turn before it."""


def pairs_of(ds: Dataset) -> tuple[list[list[Pair]], list[str]]:
    """Every record's prompt/response pairs and every record's whole prompt side (all texts it is judged on)."""
    if task_of(ds) is Task.COMPLETION:
        prompts, completions = column(ds, "prompt"), column(ds, "completion")
        return [[(p, c)] for p, c in zip(prompts, completions)], prompts
    pairs, inputs = [], []
    for messages in column(ds, "messages"):
        record, user, said = [], "", []
        for message in messages:
            text = message_text(message) if message["role"] == "assistant" else (message.get("content") or "")
            said.append(text)
            if message["role"] == "user":
                user = text
            elif message["role"] == "assistant" and message.get("content"):
                record.append((user, message["content"]))  # a function call alone is not prose
        pairs.append(record)
        inputs.append("\n".join(said))
    return pairs, inputs


def _sample(ds: Dataset, seed: int, max_examples: int) -> Dataset:
    if len(ds) <= max_examples:
        return ds
    return ds.select(np.sort(np.random.default_rng(seed).choice(len(ds), max_examples, replace=False)))


def content(records: Dataset, cfg: ReadinessConfig, ctx: RunContext) -> StageResult:
    """The content stage (completion and chat; nothing for classification): an observer of its own, apart from
    measure, so the two run side by side on two cores (reading every prompt takes ~40 s at 1M records)."""
    sections = ({} if task_of(records) in (Task.CLASSIFICATION, Task.PREFERENCE) else  # preference: its own section
                {"content": measure_content(records, seed=ctx.seed, max_examples=cfg.max_analysis_examples)})
    return StageResult(kept=records, rejected=rejections_to_dataset([]), sections=sections)


def measure_content(ds: Dataset, *, seed: int, max_examples: int) -> dict[str, Any]:
    """The ``content`` section of a completion or chat dataset."""
    sample = _sample(ds, seed, min(max_examples, RULES_SAMPLE))
    ids = column(sample, "id")
    pairs, texts = pairs_of(sample)
    chat = task_of(ds) is Task.CHAT
    flagged: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    typical = rules.typical_lengths(pair for record in pairs for pair in record)
    for index, record in enumerate(pairs):
        for name, (turn, reason) in _record_findings(record, texts[index] if chat else None, typical).items():
            flagged[name].append((index, turn, reason))
    if rules.stops_written([r for record in pairs for _, r in record]):  # a missing stop is then a sign of a cut
        judged = {index for index, _, _ in flagged["truncated_responses"]}
        for index, record in enumerate(pairs):
            if record and index not in judged and (reason := rules.unstopped(record[-1][1])):
                flagged["truncated_responses"].append((index, len(record) - 1, reason))
        flagged["truncated_responses"].sort()
    section: dict[str, Any] = {"records": len(sample), "sampled_from": len(ds)}
    harmful = [(i, turn, f"declines a harmful-looking request ('{term}')") for i, turn, _ in flagged["refusals"]
               if (term := _harm_asked(pairs[i], turn))]
    flagged["refusals"] = [f for f in flagged["refusals"] if not any(f[:2] == h[:2] for h in harmful)]
    for name in ("truncated_responses", "refusals", "fragmentary_responses", "format_artifacts"):
        section[name] = _figure(flagged[name], len(sample), ids, pairs)
    section["refusals_of_harmful_requests"] = _figure(harmful, len(sample), ids, pairs)
    if chat:
        for index, (turn, reason) in role_swaps(column(sample, "messages")).items():
            if not any(i == index for i, _, _ in flagged["swapped_roles"]):
                flagged["swapped_roles"].append((index, min(turn, max(len(pairs[index]) - 1, 0)), reason))
        flagged["swapped_roles"].sort()
        section["swapped_roles"] = _figure(flagged["swapped_roles"], len(sample), ids, pairs)
    section["scrambled_text"] = fluency([[r for _, r in record] for record in pairs], ids)
    section["open_prompts"] = sum(rules.is_open_instruction(r[0][0]) for r in pairs if r)
    splits, all_ids = column(ds, "split"), column(ds, "id")
    keys, first = _prompt_keys(ds, splits)
    section["conflicting_responses"] = conflicts(keys, first, all_ids)
    asked = _asked(ds) if chat else None
    section["prompt_leakage"] = prompt_leakage(keys, splits, all_ids, first, asked)
    return section


def _harm_asked(record: list[Pair], turn: int) -> str | None:
    """The harm term of the request a refusal answers, or of an earlier user turn of its chat ("I meant the NEW
    address" after asking for someone's home address)."""
    return next((term for prompt, _ in reversed(record[: turn + 1]) if (term := harm_term(prompt))), None)


def _record_findings(record: list[Pair], chat_text: str | None,
                     typical: dict[str, float] | None = None) -> dict[str, tuple[int, str]]:
    """Each finding of one record: the pair it was found in and why (``typical``: response lengths per instruction
    opening in the sample, :func:`content_rules.typical_lengths`)."""
    found: dict[str, tuple[int, str]] = {}
    short_turn = SHORT_TURN_WORDS if chat_text is not None else 0
    for turn, (prompt, response) in enumerate(record):
        cut = rules.truncation(response, final=turn == len(record) - 1, short_turn=short_turn)
        for name, reason in (("truncated_responses", cut), ("refusals", rules.refusal(response)),
                             ("fragmentary_responses", rules.fragment(prompt, response, typical))):
            if reason and name not in found:
                found[name] = (turn, reason)
    side = chat_text if chat_text is not None else "\n".join(t for pair in record for t in pair)
    markers = rules.format_artifacts(side)
    if markers:
        found["format_artifacts"] = (len(record) - 1, ", ".join(markers))
    if chat_text is not None and record:
        swapped = [turn for turn, (p, r) in enumerate(record) if rules.swapped_pair(p, r) and not states_need(p)]
        if swapped and 3 * len(swapped) >= 2 * len(record):  # most turns: one clarifying question is no swap
            found["swapped_roles"] = (swapped[0], f"{len(swapped)} of {len(record)} user turns read like answers")
    return found


def _figure(found: list[tuple[int, int, str]], n: int, ids: Sequence[str], pairs: list[list[Pair]]) -> dict[str, Any]:
    examples = []
    for index, turn, reason in found[:EXAMPLES]:
        prompt, response = pairs[index][turn] if pairs[index] else ("", "")
        examples.append({"id": ids[index], "why": _short(reason, 80), "prompt": _short(prompt, 60),
                         "response": _short(response[-EXAMPLE_CHARS:] if "stop" in reason else response)})
    return {"records": len(found), "share": round(len(found) / n, 4) if n else 0.0, "examples": examples}


# -- prompts: conflicting answers and leakage across splits -------------------------------------------------------------



_DROPPED = dict.fromkeys(map(ord, string.punctuation + string.whitespace + "，。？！：；、“”‘’（）《》【】…"))


def prompt_key(text: str) -> str:
    """A prompt with case, spacing and punctuation dropped: "What is 2+2?" and "what is 2 + 2" are one prompt
    (``str.translate``: a million prompts in seconds)."""
    return text.casefold().translate(_DROPPED)


class _Answered:
    """``(prompt, answer)`` of any record, the answers read only for the records asked for at construction (reading
    every completion of a million records costs more than all the rest of this section)."""

    def __init__(self, ds: Dataset, prompts: list[str], wanted: list[int]):
        self.ds, self.prompts = ds, prompts
        wanted = sorted(set(wanted))
        self.answers = dict(zip(wanted, column(ds.select(wanted), "completion"))) if wanted else {}

    def __getitem__(self, index: int) -> Pair:
        if index not in self.answers:  # a near prompt's record: a few, read one at a time
            self.answers[index] = self.ds[index]["completion"]
        return self.prompts[index], self.answers[index]


def _repeated(keys: Sequence[str], splits: Sequence[str]) -> list[int]:
    """Records whose prompt key occurs more than once: the only ones conflicts and leakage read answers of."""
    seen = Counter(keys)
    return [i for i, key in enumerate(keys) if key and seen[key] > 1]


def _prompt_keys(ds: Dataset, splits: Sequence[str]) -> tuple[list[str], Sequence[Pair]]:
    """Every record's prompt key and its prompt/response pair: a completion's, or a chat's last answer and everything
    said before it (the tools offered too: one question with other tools offered is another prompt)."""
    if task_of(ds) is Task.COMPLETION:
        prompts = column(ds, "prompt")
        keys = [prompt_key(p) for p in prompts]
        return keys, _Answered(ds, prompts, _repeated(keys, splits))
    keys, last = [], []
    tools = column(ds, "tools") if "tools" in ds.column_names else None
    for index, messages in enumerate(column(ds, "messages")):
        answered = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=len(messages))
        before = [message_text(m) for m in messages[:answered]]
        offered = str(tools[index] or "") if tools else ""
        keys.append(prompt_key("\n".join([offered, *before])))
        last.append(("\n".join(before), message_text(messages[answered]) if answered < len(messages) else ""))
    return keys, last


# Prompts that ask for something new each time: several different answers are all right.
_CREATIVE = re.compile(
    r"\b(?:invent|imagine|brainstorm|come up with|make up|creative|fictional|poem|story|stories|joke|song|lyrics|"
    r"slogan|tagline|haiku|limerick|tweet|ideas|names for|a name for|example sentence|metaphor|simile)\b|"
    r"诗|故事|笑话|歌词|口号",
    re.I,
)
_STOPWORDS = rules._DANGLING | frozenset(
    "it i you he she there here what how why yes no also just all any some is are was were be been do does did has have "
    "had can could will would should may might must this that these those in on at by about so not more most".split()
)
_FINAL_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
MAX_COMPARED = 20  # distinct answers of one prompt compared with its first
MIN_SHARED_WORDS = 0.3  # content words shared (of the smaller answer) below this: a different answer


def _content_words(text: str) -> set[str]:
    """Content words cut to 5 characters ("booking" and "book" agree), or the characters of CJK text (no spaces)."""
    found = set()
    for word in WORD.findall(text.casefold()):
        if not word.isascii() and _CJK.search(word):
            found.update(word)  # characters: paraphrases in Chinese share few character pairs but most characters
        elif word not in _STOPWORDS:
            found.add(word[:5])
    return found


_CJK = re.compile(r"[\u3040-\u9fff\uac00-\ud7af]")


def materially_different(a: str, b: str) -> bool:
    """Whether two answers to one prompt disagree: a different final number, or hardly a content word in common."""
    numbers_a, numbers_b = _FINAL_NUMBER.findall(a[-200:]), _FINAL_NUMBER.findall(b[-200:])
    if numbers_a and numbers_b and numbers_a[-1].replace(",", "") != numbers_b[-1].replace(",", ""):
        return True
    words_a, words_b = _content_words(a), _content_words(b)
    if not words_a or not words_b:
        return prompt_key(a) != prompt_key(b)
    return len(words_a & words_b) / min(len(words_a), len(words_b)) < MIN_SHARED_WORDS


def conflicts(keys: Sequence[str], first: Sequence[Pair], ids: Sequence[str]) -> dict[str, Any]:
    """Records whose prompt recurs with a materially different answer; creative prompts are counted apart."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        if key:
            groups[key].append(index)
    conflicting, creative, examples = 0, 0, []
    for key, members in groups.items():
        if len(members) < 2:
            continue
        answers = list(dict.fromkeys(first[i][1].strip() for i in members))  # identical answers agree
        if len(answers) < 2 or not any(materially_different(answers[0], other) for other in answers[1:MAX_COMPARED]):
            continue
        if _CREATIVE.search(first[members[0]][0]):
            creative += len(members)
            continue
        conflicting += len(members)
        if len(examples) < EXAMPLES:
            examples.append({"id": ids[members[0]], "prompt": _short(first[members[0]][0], 80), "records": len(members),
                             "responses": [_short(a, 60) for a in dict.fromkeys(answers)][:3]})
    n = len(keys)
    return {"records": conflicting, "share": round(conflicting / n, 4) if n else 0.0,
            "creative_records": creative, "examples": examples}


def _asked(ds: Dataset) -> list[str]:
    """What the user said in each chat (its user turns): what near prompts are compared on. The assistant's turns
    before the last answer are often one template ("Please confirm the order on the screen") that would make two
    different orders look alike."""
    return ["\n".join(m.get("content") or "" for m in messages if m["role"] == "user")
            for messages in column(ds, "messages")]


def prompt_leakage(keys: Sequence[str], splits: Sequence[str], ids: Sequence[str], first: Sequence[Pair],
                   asked: Sequence[str] | None = None) -> dict[str, Any]:
    """Val/test records whose prompt is also a train prompt, whatever their answers: the same once case, spacing and
    punctuation are folded, or a near prompt (:func:`near_prompts`: a word or two changed, the same numbers).
    ``different_answers`` counts those whose answer differs from the train record's, ``agreeing_answers`` those of
    them agreeing with it in substance (:func:`materially_different`: the same final number, most content words
    shared; a model recalling its training answer scores on them, the rest score a contradiction);
    ``near_records`` those found only as near prompts."""
    train: dict[str, int] = {}
    for index, (key, split) in enumerate(zip(keys, splits)):
        if split == "train" and key:
            train.setdefault(key, index)
    leaked = [i for i, (key, split) in enumerate(zip(keys, splits)) if split != "train" and key in train]
    source = {i: train[keys[i]] for i in leaked}
    rest = [i for i, (key, split) in enumerate(zip(keys, splits)) if split != "train" and key and key not in train]
    text = (lambda i: asked[i]) if asked is not None else (lambda i: first[i][0])
    near = near_prompts([text(i) for i in rest], [text(i) for i in train.values()])
    train_rows = list(train.values())
    source.update({rest[e]: train_rows[t] for e, t in near.items()})
    leaked = sorted(source)
    evaluated = sum(split != "train" for split in splits)
    other = [i for i in leaked if first[source[i]][1].strip() != first[i][1].strip()]
    agreeing = sum(not materially_different(first[source[i]][1], first[i][1]) for i in other)
    return {"eval_records": evaluated, "records": len(leaked),
            "share": round(len(leaked) / evaluated, 4) if evaluated else 0.0, "different_answers": len(other),
            "agreeing_answers": agreeing, "near_records": len(near),
            "examples": [{"id": ids[i], "split": splits[i], "prompt": _short(first[i][0], 80)} for i in leaked[:EXAMPLES]]}


NEAR_PROMPT_SIMILARITY = 0.8  # IDF-weighted share of the two prompts' words they share
_NEAR_PROBES = 3  # an evaluation prompt is compared with the train prompts sharing one of its 3 rarest words
_NEAR_MAX_POSTING = 200  # a word in more train prompts is a template's, no probe
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def near_prompts(eval_prompts: Sequence[str], train_prompts: Sequence[str]) -> dict[int, int]:
    """``{eval index: train index}`` for each evaluation prompt whose words nearly all recur in one train prompt.

    Words are weighted by their inverse document frequency over both sides, so a template's words ("Classify the
    sentiment of:", "Translate into French:") weigh little and two prompts sharing a template but not their
    subject stay apart; the similarity is the weight of the shared words over the weight of all their words
    (weighted Jaccard), at least :data:`NEAR_PROMPT_SIMILARITY`, as is the weight of the words they share in the
    same order (:func:`_in_order`); the numbers must be the same ("3 apples" and "5 apples" are two questions) and
    a negation held by one only ("the first non-repeated character") makes another question. Candidates share one of the evaluation prompt's rarest words (linear).
    """
    if not eval_prompts or not train_prompts:
        return {}
    eval_words = [frozenset(WORD.findall(p.casefold())) for p in eval_prompts]
    train_words = [frozenset(WORD.findall(p.casefold())) for p in train_prompts]
    df = Counter(w for words in (*eval_words, *train_words) for w in words)
    n = len(eval_words) + len(train_words)
    idf = {w: math.log(n / c) + 0.1 for w, c in df.items()}
    probes = [sorted(words, key=lambda w: (df[w], w))[:_NEAR_PROBES] for words in eval_words]
    wanted = {w for words in probes for w in words}
    posting: dict[str, list[int]] = defaultdict(list)
    for t, words in enumerate(train_words):
        for w in words & wanted:
            posting[w].append(t)
    found: dict[int, int] = {}
    for e, words in enumerate(eval_words):
        if len(words) < 4:
            continue  # "hi", "thanks": asked everywhere, no leak
        numbers = sorted(_NUMBER.findall(eval_prompts[e]))
        candidates = {t for w in probes[e] if len(posting[w]) <= _NEAR_MAX_POSTING for t in posting[w]}
        best, best_t = 0.0, -1
        for t in sorted(candidates):
            shared = sum(idf[w] for w in words & train_words[t])
            score = shared / sum(idf[w] for w in words | train_words[t])
            if score > best:
                best, best_t = score, t
        if (best >= NEAR_PROMPT_SIMILARITY and sorted(_NUMBER.findall(train_prompts[best_t])) == numbers
                and not (words ^ train_words[best_t]) & _NEGATIONS
                and _in_order(eval_prompts[e], train_prompts[best_t], idf) >= NEAR_PROMPT_SIMILARITY):
            found[e] = best_t
    return found


_NEGATIONS = frozenset({"non", "not", "no", "never", "without", "except", "nor", "cannot", "un"})
_ORDER_MAX_WORDS = 300  # longer prompts are judged on their words alone (the order test is quadratic)


def _in_order(a: str, b: str, idf: dict[str, float]) -> float:
    """The weight of the words two prompts share in the same order (longest common subsequence, IDF-weighted) over
    the weight of all their words: "convert octal to decimal" and "convert decimal to octal" share every word but
    not their order, two problems (1.0 for prompts too long to compare in order)."""
    x, y = WORD.findall(a.casefold()), WORD.findall(b.casefold())
    if max(len(x), len(y)) > _ORDER_MAX_WORDS:
        return 1.0
    row = [0.0] * (len(y) + 1)
    for word in x:
        diagonal = 0.0
        for j, other in enumerate(y):
            diagonal, row[j + 1] = row[j + 1], (diagonal + idf[word] if word == other else max(row[j + 1], row[j]))
    return row[-1] / sum(idf[w] for w in set(x) | set(y))
