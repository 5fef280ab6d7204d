"""The ``content`` section (completion and chat): what is wrong inside the responses, measured on the split records.

Per record, on a seeded sample of ``max_analysis_examples`` records (regular expressions and counting, linear):
truncated responses, refusals, fragmentary answers, prompt-format artifacts, swapped roles (chat) and
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
from pipeline.clean.prose import CODE_LINE, prose
from pipeline.core.records import Task, column, rejections_to_dataset, task_of
from pipeline.core.stage import RunContext, StageResult
from pipeline.readiness import content_rules as rules
from pipeline.readiness.config import ReadinessConfig

EXAMPLES = 5
RULES_SAMPLE = 5_000  # records the per-response rules read (a share known to about +-1.4 points at 95%)
FLUENCY_SCORED = 2_000  # records whose word order is scored against word-pair counts fit on the whole sample
EXAMPLE_CHARS = 120
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
    section: dict[str, Any] = {"records": len(sample), "sampled_from": len(ds)}
    for name in ("truncated_responses", "refusals", "fragmentary_responses", "format_artifacts"):
        section[name] = _figure(flagged[name], len(sample), ids, pairs)
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
    section["prompt_leakage"] = prompt_leakage(keys, splits, all_ids, first)
    return section


def _record_findings(record: list[Pair], chat_text: str | None,
                     typical: dict[str, float] | None = None) -> dict[str, tuple[int, str]]:
    """Each finding of one record: the pair it was found in and why (``typical``: response lengths per instruction
    opening in the sample, :func:`content_rules.typical_lengths`)."""
    found: dict[str, tuple[int, str]] = {}
    for turn, (prompt, response) in enumerate(record):
        for name, reason in (("truncated_responses", rules.truncation(response)), ("refusals", rules.refusal(response)),
                             ("fragmentary_responses", rules.fragment(prompt, response, typical))):
            if reason and name not in found:
                found[name] = (turn, reason)
    side = chat_text if chat_text is not None else "\n".join(t for pair in record for t in pair)
    markers = rules.format_artifacts(side)
    if markers:
        found["format_artifacts"] = (len(record) - 1, ", ".join(markers))
    if chat_text is not None and record:
        swapped = [turn for turn, (p, r) in enumerate(record) if rules.swapped_pair(p, r)]
        if swapped and 3 * len(swapped) >= 2 * len(record):  # most turns: one clarifying question is no swap
            found["swapped_roles"] = (swapped[0], f"{len(swapped)} of {len(record)} user turns read like answers")
    return found


def _short(text: str, limit: int = EXAMPLE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _figure(found: list[tuple[int, int, str]], n: int, ids: Sequence[str], pairs: list[list[Pair]]) -> dict[str, Any]:
    examples = []
    for index, turn, reason in found[:EXAMPLES]:
        prompt, response = pairs[index][turn] if pairs[index] else ("", "")
        examples.append({"id": ids[index], "why": _short(reason, 80), "prompt": _short(prompt, 60),
                         "response": _short(response[-EXAMPLE_CHARS:] if "stop" in reason else response)})
    return {"records": len(found), "share": round(len(found) / n, 4) if n else 0.0, "examples": examples}


# -- word order: bigram statistics fit on the data itself -------------------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
FLUENCY_MIN_WORDS = 12
FLUENCY_MAX_WORDS = 60  # the first 60 prose words say enough, and keep the cost linear and small
FLUENCY_MIN_KNOWN = 0.8  # most of the words seen elsewhere in the data (another language, jargon: not judged)
FLUENCY_MIN_GAIN = 0.2  # mean log-likelihood gain per bigram of the original order over shuffled orders
FLUENCY_MIN_RESPONSES = 50  # bigram statistics of fewer responses are too thin to judge word order on
_SHUFFLES = 6
FLUENCY_SPREAD_WORDS = 25
FLUENCY_MIN_SPREADS = 1.0  # ...or under one standard deviation of the shuffles' gains above them


_CALCULATION = re.compile(r"<<[^<>\n]*>>")  # GSM8K's calculator annotations: "<<16-3-4=9>>"


# Arithmetic of a worked answer: numbers, amounts and the operators between them ("16 - 3 - 4 = 9", "$18", "####").
_ARITHMETIC = re.compile(r"(?<!\S)(?:[^\sA-Za-z]*\d[^\sA-Za-z]*|[-+*/×÷=#]+)(?!\S)")
_LONG_LINE = 20  # words: a line this long is prose whatever it opens or ends with (a whole answer run into one line)


def _prose_words(text: str) -> list[str]:
    lines = []
    for line in _CALCULATION.sub(" ", prose(text)).split("\n"):
        words = len(_TOKEN.findall(line))
        if not words:
            continue
        code_chars = len(rules._CODE_CHARS.findall(_ARITHMETIC.sub(" ", line)))
        if code_chars >= 3 and code_chars * 6 >= words:
            continue  # code without a fence: "for i in range(n): print(i)"
        if words < _LONG_LINE and (rules._LIST_OR_HEADING.match(line) or CODE_LINE.search(line)):
            continue  # a list item, a heading, a line of code
        lines.append(line)
    return _TOKEN.findall(" ".join(lines).casefold())[:FLUENCY_MAX_WORDS]


class _Bigrams:
    """Word and word-bigram counts of the responses, each response's own counts left out when it is scored."""

    def __init__(self, texts: list[list[str]]):
        self.unigrams, self.bigrams = Counter(), Counter()
        for tokens in texts:
            self.unigrams.update(tokens)
            self.bigrams.update(zip(tokens, tokens[1:]))
        self.total, self.vocabulary = sum(self.unigrams.values()), len(self.unigrams)

    def log_likelihood_gain(self, tokens: list[str], rng: np.random.Generator) -> float | None:
        """Mean per-bigram log-likelihood of ``tokens`` minus that of its shuffles, or ``None`` (not judged)."""
        own_unigrams = Counter(tokens)
        known = sum(self.unigrams[t] > own_unigrams[t] for t in tokens)
        if len(tokens) < FLUENCY_MIN_WORDS or known < FLUENCY_MIN_KNOWN * len(tokens):
            return None
        own_bigrams = Counter(zip(tokens, tokens[1:]))
        original = self._score(tokens, own_unigrams, own_bigrams)
        shuffled = np.array([self._score(list(rng.permutation(tokens)), own_unigrams, own_bigrams)
                             for _ in range(_SHUFFLES)])
        gain = original - float(shuffled.mean())
        # a scrambled text is one more shuffle: its gain sits within the shuffles' spread, a fluent text's far above
        # (25+ words: the shuffles of a short sentence spread too widely to tell)
        if len(tokens) < FLUENCY_SPREAD_WORDS:
            return gain
        return min(gain, FLUENCY_MIN_GAIN * gain / (float(shuffled.std()) * FLUENCY_MIN_SPREADS + 1e-9))

    def _score(self, tokens: list[str], own_unigrams: Counter, own_bigrams: Counter) -> float:
        # log P(b | a) / P(b), P(b | a) smoothed towards P(b) (Dirichlet prior of weight 2): pointwise mutual
        # information, 0 for a pair never seen together more often than chance
        total = 0.0
        for a, b in zip(tokens, tokens[1:]):
            p_b = (self.unigrams[b] - own_unigrams[b] + 0.5) / (self.total + 0.5 * self.vocabulary)
            pair = self.bigrams[(a, b)] - own_bigrams[(a, b)]
            total += math.log((pair + 2 * p_b) / (self.unigrams[a] - own_unigrams[a] + 2)) - math.log(p_b)
        return total / (len(tokens) - 1)


def fluency(responses: list[list[str]], ids: Sequence[str], *, seed: int = 0) -> dict[str, Any]:
    """Records whose prose responses read as shuffled words.

    A response's word bigrams are scored by how much more often they occur together elsewhere in the data than
    chance (pointwise mutual information, smoothed, its own occurrences left out), and compared with the same score
    of its words in seeded shuffled orders: fluent text gains over 1 nat per bigram on its shuffled self, scrambled
    text about nothing. Responses under 12 prose words, or with under 80% of their words seen elsewhere in the data
    (another language, jargon), are not judged; code, lists and tables are not prose.
    """
    words = [[_prose_words(r) for r in record] for record in responses]
    counts = _Bigrams([tokens for record in words for tokens in record])
    rng = np.random.default_rng(seed)
    judged, found = 0, []
    scored = min(len(words), FLUENCY_SCORED)
    picked = range(len(words)) if scored == len(words) else np.sort(rng.choice(len(words), scored, replace=False))
    for index in picked:
        record = words[index]
        gains = [g for tokens in record if (g := counts.log_likelihood_gain(tokens, rng)) is not None]
        judged += len(gains)
        if gains and min(gains) < FLUENCY_MIN_GAIN:
            found.append((index, min(gains)))
    if judged < FLUENCY_MIN_RESPONSES:
        found = []
    examples = [{"id": ids[i], "why": f"word order gains {gain:.2f} nats per word pair over shuffled",
                 "response": _short(next((r for r in responses[i] if r), ""))} for i, gain in found[:EXAMPLES]]
    n = scored
    return {"records": len(found), "share": round(len(found) / n, 4) if n else 0.0, "responses_judged": judged,
            "records_scored": n,
            "min_gain": FLUENCY_MIN_GAIN, "examples": examples}


# -- roles: each role's own profile in the data ------------------------------------------------------------------

ROLE_MIN_CHATS = 50  # fewer chats give no role profile to compare a chat with
ROLE_MIN_MARGIN = 0.5  # nats per turn the exchanged roles must read better by (and most turns must agree)
_ROLE_WORDS = 40  # the opening words of a turn carry its role: a request or an answer
_ROLES = ("user", "assistant")


def _turn_features(text: str, first: bool) -> set[str]:
    """A turn's cheap features: its opening words, a question mark, its length (log2 of its words), first turn."""
    words = _TOKEN.findall(text[:600].casefold())[:_ROLE_WORDS]  # the opening is enough, and keeps it linear
    stripped = text.rstrip()
    features = set(words) | {f"<open:{w}>" for w in words[:2]}
    features.add(f"<len:{min(int(math.log2(len(text.split()) + 1)), 10)}>")
    features.add("<ends?>" if stripped.endswith(("?", "？")) else "<ends.>")
    if "?" in text or "？" in text:
        features.add("<asks>")
    if first:
        features.add("<first>")
    return features


def role_swaps(chats: Sequence[Sequence[dict[str, Any]]]) -> dict[int, tuple[int, str]]:
    """Chats whose user and assistant turns read better exchanged, against the roles' profiles in the data itself.

    A Bernoulli naive Bayes on each turn's opening words, question mark, length and position learns what the
    data's user turns and assistant turns look like (the chat scored left out); a chat counts when exchanging its
    roles makes two thirds of its turns (2 or more) read better and the whole chat better by 2 nats per turn. The
    profiles are fit twice, the second time with the chats found exchanged back, so a large share of swapped chats
    does not blur them.
    """
    turns = []
    for messages in chats:
        said = [(m["role"], m.get("content") or "") for m in messages if m["role"] in _ROLES]
        said = [(role, text) for role, text in said if text.strip()]
        turns.append([(role, _turn_features(text, i == 0)) for i, (role, text) in enumerate(said)])
    if sum(len(t) >= 2 for t in turns) < ROLE_MIN_CHATS:
        return {}
    found: dict[int, tuple[int, str]] = {}
    for _ in range(2):
        counts = {role: Counter() for role in _ROLES}
        n = Counter()
        for index, chat in enumerate(turns):
            for role, features in chat:
                role = _other(role) if index in found else role
                counts[role].update(features)
                n[role] += 1
        found = {index: hit for index, chat in enumerate(turns)
                 if len(chat) >= 2 and (hit := _exchanged(chat, counts, n, own_flipped=index in found)) is not None}
    return found


def _other(role: str) -> str:
    return "assistant" if role == "user" else "user"


def _exchanged(chat: list[tuple[str, set[str]]], counts: dict[str, Counter], n: Counter,
               own_flipped: bool) -> tuple[int, str] | None:
    """Whether ``chat`` reads better with its roles exchanged: the first turn that does, and why."""
    own = {role: Counter() for role in _ROLES}
    own_n = Counter()
    for role, features in chat:
        role = _other(role) if own_flipped else role
        own[role].update(features)
        own_n[role] += 1
    better, total, first = 0, 0.0, None
    for turn, (role, features) in enumerate(chat):
        gain = 0.0
        for feature in features:
            for sign, r in ((1, _other(role)), (-1, role)):
                k = counts[r][feature] - own[r][feature]
                gain += sign * math.log((k + 0.5) / (n[r] - own_n[r] + 1))
        total += gain
        if gain > 0:
            better += 1
            first = turn if first is None else first
    if better < 2 or 2 * better < len(chat) or total < ROLE_MIN_MARGIN * len(chat):
        return None
    return first, f"{better} of {len(chat)} turns read like the other role's ({total / len(chat):.1f} nats a turn)"


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
        self.prompts = prompts
        wanted = sorted(set(wanted))
        self.answers = dict(zip(wanted, column(ds.select(wanted), "completion"))) if wanted else {}

    def __getitem__(self, index: int) -> Pair:
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
    for word in _TOKEN.findall(text.casefold()):
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


def prompt_leakage(keys: Sequence[str], splits: Sequence[str], ids: Sequence[str], first: Sequence[Pair]) -> dict[str, Any]:
    """Val/test records whose (normalised) prompt is also a train prompt, whatever their answers; ``different_answers``
    counts those whose answer differs from the train record's (the test then scores a contradiction)."""
    train: dict[str, int] = {}
    for index, (key, split) in enumerate(zip(keys, splits)):
        if split == "train" and key:
            train.setdefault(key, index)
    leaked = [i for i, (key, split) in enumerate(zip(keys, splits)) if split != "train" and key in train]
    evaluated = sum(split != "train" for split in splits)
    different = sum(first[train[keys[i]]][1].strip() != first[i][1].strip() for i in leaked)
    return {"eval_records": evaluated, "records": len(leaked),
            "share": round(len(leaked) / evaluated, 4) if evaluated else 0.0, "different_answers": different,
            "examples": [{"id": ids[i], "split": splits[i], "prompt": _short(first[i][0], 80)} for i in leaked[:EXAMPLES]]}
