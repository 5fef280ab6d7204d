"""Label leakage (classification): can a label be read off its texts without understanding them?

A leak is something an export or an annotation step left in the text that gives the label away and that real
inputs will not have: a "[card_arrival] ..." prefix, the label's own name pasted into the text, a fixed tag at the
start or end of every text of one class. A model learns the shortcut, scores perfectly, and learns nothing.

A giveaway of label L must sit in (almost) all of L's texts and (almost) none of the others:

- ``coverage`` = share of L's texts holding it >= ``min_coverage`` (0.85), and
- ``precision`` = share of the texts holding it that are labelled L >= ``min_precision`` (0.98),

and it must be one of two things honest text does not produce:

- ``label_name``: L's own name, as written (``card_arrival``) or as words (``card arrival``, ``spam``);
- ``first_token`` / ``last_token``: the same token opening (closing) the texts, a tag or signature.

The label's name is also how people ask for it: "set an alarm" is an ``alarm`` request, "what is the APR on my
card" an ``apr`` one. A name is a *pasted tag* only when it looks pasted: written with its separators
(``card_arrival``), in tag formatting (``[spam]``, ``(spam)``, ``<spam>``, ``spam:``, ``spam |``,
``__label__spam``), or a name of two or more words at a fixed position (the first or last words of at least
``min_coverage`` of the label's texts). Otherwise it is a natural ``keyword``: listed in the section under
``keyword_labels`` and reported as ``info``, never as a leak. A fixed first or last token is a tag by its position
(an export prefix or signature), unless it is a word of the label's own name: "add this song to my playlist" closes
most ``update_playlist`` requests in CLINC150, as people ask.

Why not any precise and covering n-gram: in a set of intents, the intent's keyword is both. On random 5-, 10-
and 20-label subsets of real banking77, 18, 25 and 32 of 40 subsets had such a keyword ("virtual" in 99% of
getting_virtual_card, "pin" in 90% of pin_blocked), which real inputs will contain too. Strong but partial
signal ("free", "txt" in SMS spam, in 10-30% of spam) never reaches the coverage bound either way.

Labels with fewer than ``min_label_texts`` texts are not judged (a 3-text label shares words by chance).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from pipeline.core.markdown import name_list, table_cell
from pipeline.readiness.check import Check, Rule
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.wording import percent

MIN_COVERAGE = 0.85
MIN_PRECISION = 0.98
MIN_LABEL_TEXTS = 10


def tokens(text: str) -> list[str]:
    """Whitespace-separated words, casefolded, punctuation and symbols stripped from their ends.

    Not ``\\w+``: it splits Indic words at their vowel signs (combining marks), which turns a script's letters into
    "tokens" present in every text of that language. Inner punctuation stays ("can't", "card_arrival").
    """
    out = []
    for word in text.casefold().split():
        start, stop = 0, len(word)
        while start < stop and unicodedata.category(word[start])[0] in "PS":
            start += 1
        while stop > start and unicodedata.category(word[stop - 1])[0] in "PS":
            stop -= 1
        if start < stop:
            out.append(word[start:stop])
    return out


def name_forms(label: str) -> set[str]:
    """The label's name as it could appear in a text: as written and as words (``_``, ``-``, ``.`` -> space)."""
    written = " ".join(tokens(label))
    spaced = " ".join(tokens(label.replace("_", " ").replace("-", " ").replace(".", " ")))
    return {form for form in (written, spaced) if form}


def _holding(forms: set[str], padded: Sequence[str], index: dict[str, list[int]]) -> list[int]:
    """Indices of the texts holding any form as whole tokens (candidates from the first token's index)."""
    found: set[int] = set()
    for form in forms:
        first = form.split(" ", 1)[0]
        found.update(i for i in index.get(first, ()) if f" {form} " in padded[i])
    return sorted(found)


_TAG_BEFORE = r"(?:[\[(<{|]\s*|__label__)"
_TAG_AFTER = r"(?:\s*[\])>}|:=])"


def _tag_pattern(label: str) -> re.Pattern:
    """The label in tag formatting, or written with its underscores (``card_arrival``), anywhere in a raw text."""
    words = tokens(label.replace("_", " ").replace("-", " ").replace(".", " "))
    spelled = r"[\s_.-]*".join(re.escape(w) for w in words) if words else re.escape(label.casefold())
    tagged = rf"{_TAG_BEFORE}{spelled}|(?<!\w){spelled}{_TAG_AFTER}"
    if "_" in label or len(re.findall(r"[-.]", label)) >= 2:
        tagged += rf"|(?<!\w){re.escape(label.casefold())}(?!\w)"
    return re.compile(tagged)


def _name_form(label: str, own: Sequence[int], texts: Sequence[str], token_lists: Sequence[list[str]], n: int,
               min_coverage: float) -> str:
    """``tag`` when the label's name looks pasted into its texts (see the module docstring), else ``keyword``."""
    pattern = _tag_pattern(label)
    tagged = sum(1 for i in own if pattern.search(texts[i].casefold()))
    # one natural word opening or closing a request is how people ask ("set an alarm", "add it to my playlist");
    # a name of two or more words at a fixed place is an export prefix or signature
    forms = [f.split() for f in name_forms(label) if len(f.split()) >= 2]
    first = sum(1 for i in own if any(token_lists[i][: len(f)] == f for f in forms))
    last = sum(1 for i in own if any(token_lists[i][-len(f):] == f for f in forms))
    pasted = tagged >= 0.5 * len(own) or max(first, last) >= min_coverage * n
    return "tag" if pasted else "keyword"


def label_leakage(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    min_coverage: float = MIN_COVERAGE,
    min_precision: float = MIN_PRECISION,
    min_label_texts: int = MIN_LABEL_TEXTS,
) -> dict:
    """The ``label_leakage`` section: every leaking label with its giveaways (``kind``, ``token``, figures)."""
    labels = [str(label) for label in labels]
    sizes = Counter(labels)
    judged = sorted(label for label, n in sizes.items() if n >= min_label_texts) if len(sizes) >= 2 else []
    token_lists = [tokens(t) for t in texts]
    padded = [" " + " ".join(ts) + " " for ts in token_lists]
    index: dict[str, list[int]] = defaultdict(list)
    for i, ts in enumerate(token_lists):
        for token in set(ts):
            index[token].append(i)
    ends = {"first_token": [ts[0] if ts else "" for ts in token_lists], "last_token": [ts[-1] if ts else "" for ts in token_lists]}
    end_counts = {kind: Counter(values) for kind, values in ends.items()}
    end_by_label = {kind: defaultdict(Counter) for kind in ends}
    for kind, values in ends.items():
        for value, label in zip(values, labels):
            end_by_label[kind][label][value] += 1
    leaks, keywords = {}, {}
    for label in judged:
        n = sizes[label]
        found = []
        forms = name_forms(label)
        holding = _holding(forms, padded, index)
        own = sum(1 for i in holding if labels[i] == label)
        if holding:
            found.append(_giveaway("label_name", " / ".join(sorted(forms)), own / n, own / len(holding)))
            found[-1]["form"] = _name_form(label, [i for i in holding if labels[i] == label], texts, token_lists, n,
                                           min_coverage)
        name_words = set(tokens(label.replace("_", " ").replace("-", " ").replace(".", " ")))  # natural words only
        for kind in ends:
            value, hits = end_by_label[kind][label].most_common(1)[0]
            if value:
                found.append(_giveaway(kind, value, hits / n, hits / end_counts[kind][value]))
                if value in name_words:  # a word of the label's own name where the request puts it: "...my playlist"
                    found[-1]["form"] = "keyword"
        found = [f for f in found if f["coverage"] >= min_coverage and f["precision"] >= min_precision]
        natural = [f for f in found if f.get("form") == "keyword"]
        found = [f for f in found if f.get("form") != "keyword"]
        if found:
            leaks[label] = {"texts": n, "giveaways": sorted(found, key=lambda f: (-f["coverage"], f["kind"]))}
        elif natural:
            keywords[label] = {"texts": n, "giveaways": natural}
    return {
        "labels_examined": len(judged),
        "texts_examined": sum(sizes[label] for label in judged),
        "leaking_labels": leaks,
        "keyword_labels": keywords,
        "leaking_share": round(sum(v["texts"] for v in leaks.values()) / max(1, sum(sizes[l] for l in judged)), 4),
        "min_coverage": min_coverage,
        "min_precision": min_precision,
    }


def measure_label_leakage(texts: Sequence[str], labels: Sequence[str], cfg: ReadinessConfig, seed: int) -> dict[str, Any]:
    """The ``label_leakage`` section over the kept records (a stratified seeded sample above ``max_analysis_examples``)."""
    keep = range(len(texts))
    if len(texts) > cfg.max_analysis_examples:
        from pipeline.readiness.learning import stratified_order  # the learning curve's sampler (scikit-learn loaded)

        keep = sorted(stratified_order(labels, seed)[: cfg.max_analysis_examples].tolist())
    section = label_leakage([texts[i] for i in keep], [labels[i] for i in keep],
                            min_coverage=cfg.min_leak_coverage, min_precision=cfg.min_leak_precision)
    return {**section, "sampled_from": len(texts)}


def _giveaway(kind: str, token: str, coverage: float, precision: float) -> dict:
    return {"kind": kind, "token": token, "coverage": round(coverage, 4), "precision": round(precision, 4)}


def check_label_leakage(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """Warn when a label can be read off its texts (its name, or a fixed first/last token), naming each one."""
    rule = Rule("label_leakage", {"min_coverage": cfg.min_leak_coverage, "min_precision": cfg.min_leak_precision},
                says=f"warns when a label's name as a pasted tag (written with its separators, in brackets, before a colon, "
                     "or at a fixed position), or one first or last token, is in at least "
                     f"{percent(cfg.min_leak_coverage)} of its texts and at least {percent(cfg.min_leak_precision)} of "
                     "the texts holding it carry the label; the name as a natural word is info")
    if report["task"] != "classification":
        return rule.skip("label leakage is measured for classification only")
    section = report.get("label_leakage")
    if not section or not section["labels_examined"]:
        return rule.skip(f"needs 2 labels with {MIN_LABEL_TEXTS} or more texts each")
    leaks = section["leaking_labels"]
    keywords = section.get("keyword_labels") or {}
    if not leaks and keywords:
        shown = "; ".join(f"{_short(label)}: {_giveaway_text(v['giveaways'][0])}" for label, v in list(keywords.items())[:5])
        return rule.result(0, f"{len(keywords)} of {section['labels_examined']} labels are named in their own texts as a "
                           f"natural word, not a pasted tag ({shown}): real inputs ask for them the same way",
                           status="info")
    if not leaks:
        return rule.result(0, f"no label of {section['labels_examined']} can be read off its name or a fixed first or "
                           "last token of its texts", status="pass")
    shown = "; ".join(f"{_short(label)}: {_giveaway_text(v['giveaways'][0])}" for label, v in list(leaks.items())[:5])
    more = f" and {len(leaks) - 5} more" if len(leaks) > 5 else ""
    message = (f"{len(leaks)} of {section['labels_examined']} labels can be read off their texts "
               f"({section['leaking_share']:.0%} of the examples): {shown}{more}")
    return rule.result(len(leaks), message,
                       f"remove the giveaway from the texts of {name_list([_short(l) for l in leaks])} (a label "
                       "pasted into the text, or an export tag): real inputs will not carry it", status="warn")


def _giveaway_text(giveaway: dict[str, Any]) -> str:
    where = {"label_name": "its name", "first_token": "first token", "last_token": "last token"}[giveaway["kind"]]
    return f"{_short(giveaway['token'])!r} ({where}) in {giveaway['coverage']:.0%} of its texts"


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def label_leakage_md(section: dict[str, Any]) -> list[str]:
    lines = ["## Label leakage", "",
             f"{len(section['leaking_labels'])} of {section['labels_examined']} labels can be read off their texts: "
             f"their name, or the same first or last token, in at least {section['min_coverage']:.0%} of their texts "
             f"and in almost no other (precision at least {section['min_precision']:.0%})."]
    if section["leaking_labels"]:
        lines += ["", "| label | giveaway | kind | coverage | precision |", "|---|---|---|---|---|"]
        lines += [f"| {table_cell(_short(label))} | {table_cell(_short(g['token']))} | {g['kind']} | {g['coverage']:.0%} | "
                  f"{g['precision']:.0%} |" for label, v in section["leaking_labels"].items() for g in v["giveaways"]]
    return lines
