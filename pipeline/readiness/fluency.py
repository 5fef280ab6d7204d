"""Word-scrambled text: word-pair statistics fit on the data itself, a response's word order against its own
shuffles (the ``scrambled_text`` figure of the content section)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.clean.prose import CODE_LINE, prose
from pipeline.readiness import content_rules as rules
from pipeline.readiness.content_rules import EXAMPLES, short


# -- word order: bigram statistics fit on the data itself -------------------------------------------------------------

FLUENCY_SCORED = 2_000  # records whose word order is scored against word-pair counts fit on the whole sample
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
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
        words = len(WORD.findall(line))
        if not words:
            continue
        code_chars = len(rules._CODE_CHARS.findall(_ARITHMETIC.sub(" ", line)))
        if code_chars >= 3 and code_chars * 6 >= words:
            continue  # code without a fence: "for i in range(n): print(i)"
        if words < _LONG_LINE and (rules._LIST_OR_HEADING.match(line) or CODE_LINE.search(line)):
            continue  # a list item, a heading, a line of code
        lines.append(line)
    return WORD.findall(" ".join(lines).casefold())[:FLUENCY_MAX_WORDS]


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
                 "response": short(next((r for r in responses[i] if r), ""))} for i, gain in found[:EXAMPLES]]
    n = scored
    return {"records": len(found), "share": round(len(found) / n, 4) if n else 0.0, "responses_judged": judged,
            "records_scored": n,
            "min_gain": FLUENCY_MIN_GAIN, "examples": examples}
