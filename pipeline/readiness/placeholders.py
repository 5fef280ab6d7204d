"""Unfilled template placeholders: markers a template engine or a person should have replaced before training.

A model fine-tuned on "I am {{name}}, developed by {{author}}" says exactly that. Kinds of marker, from the most
to the least certain:

- ``double_brace``: ``{{name}}`` (Jinja, Mustache, Handlebars, LLaMA-Factory's identity set);
- ``single_brace``: ``{name}`` in prose (``str.format`` / f-string fields), never on a line that looks like code
  nor after a ``/`` (a URL path parameter, ``/users/{user_id}``);
- ``angle``: ``<PLACEHOLDER>``, ``<YOUR_API_KEY>``: upper-case identifiers of 4+ characters (or with ``_``) in angle
  brackets, except HTML element names and typed redaction tags (ftprep's own ``<EMAIL>``, ``<PHONE>``..., and the
  ``<DECIMAL>``, ``<TIME>``, ``<URL>`` of anonymised corpora);
- ``dollar``: ``${NAME}`` anywhere in prose, bare ``$FIRST_NAME`` only with an ``_`` (``$HOME``, ``$INDU`` and
  ``$US5`` are a shell variable, a ticker and a currency);
- ``fill_in``: ``[INSERT ...]``, ``[Your Name]``, ``[insert date]``, ``[COMPANY NAME]``: a gap left for a person.

Code is never searched: fenced blocks (```` ``` ````, ``~~~``), inline ``code`` spans and LaTeX (``$...$``,
``\\command{...}``) are masked first, so f-strings, format strings, JSON, templates in code and ``$HOME`` in a shell
snippet do not count. A field that is code without fences (a code answer: at least ``CODE_LINE_SHARE`` of its lines
read as code) is masked whole, and ``${var}`` and ``{name}`` on a line that reads as code are skipped: shell
variables, template literals and format strings are the code working, not gaps (CodeAlpaca's shell answers hold
``${file}`` and ``${dir}`` in 1.7% of records).

``fill_in`` markers in *responses* are listed but do not count towards the share that warns: a generated letter
that ends "[Your Name]" leaves the gap for its reader on purpose. In prompts, user turns and classification texts
they count like the others (an unfilled prompt template).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from datasets import Dataset

from pipeline.chat.schema import message_text
from pipeline.core.markdown import table_cell
from pipeline.core.records import Task, column, task_of
from pipeline.readiness.check import Check, Rule
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.wording import percent

_FENCE = re.compile(r"(```|~~~)[\s\S]*?(?:\1|\Z)")
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_LATEX = re.compile(r"\$\$[\s\S]*?\$\$|(?<![\w$])\$(?=\S)[^$\n]{1,200}?(?<=\S)\$(?!\w)|\\\([\s\S]*?\\\)|\\\[[\s\S]*?\\\]|\\[A-Za-z]+\s*(?:\[[^\]\n]*\])?(?:\s*\{[^{}]*\})+|\{\\displaystyle[^\n]*")
# A line with any of these is code (an f-string, a format call, an assignment...), not prose.
_CODE_LINE = re.compile(r"""\bf["']|\.format\(|\bprint|printf|console\.|\becho\b|\breturn\b|\bdef\b|=|;\s*$|\w\([^)]*\)""")

# A line of a code answer: a statement (an assignment, a call, a line ending in ; { } or :), a keyword that opens
# one, a shebang, a shell prompt, a comment or a markup tag.
_CODE_STATEMENT = re.compile(
    r"""^\s*(?:#!|\$ |//|/\*|\*|#include|<\??[A-Za-z/]|(?:for|if|fi|do|done|while|then|else|elif|esac|case|def|class|"""
    r"""import|from|return|function|const|let|var|public|private|static|package|SELECT|INSERT|UPDATE|echo|printf|"""
    r"""cd|ls|cp|mv|rm|mkdir|cat|grep|find|chmod|sudo|npm|pip|git|du|tar|sort)\b)|[;{}(\[]\s*$|^\s*[}\])]"""
    r"""|^\s*[A-Za-z_]\w*=\S|\|\s*[a-z]+\b|"\$\{\w+\}""")
CODE_LINE_SHARE = 0.5


def looks_like_code(text: str) -> bool:
    """Whether at least ``CODE_LINE_SHARE`` of the text's non-blank lines (two or more) read as code."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    if lines[0].lstrip().startswith("#!"):
        return True
    code = sum(1 for line in lines if _CODE_STATEMENT.search(line))
    return code >= CODE_LINE_SHARE * len(lines)


HTML_TAGS = frozenset(
    "html head body title meta link style script div span table thead tbody tfoot tr td th font center form input "
    "button select option textarea label img br hr p a b i u em strong small big code pre ul ol li dl dt dd nav "
    "header footer section article aside main figure caption iframe frame object embed video audio source canvas svg".upper().split()
)
# Typed redaction markers: ftprep's own PII placeholders and the anonymisation tags of public corpora (the SMS Spam
# Collection writes <DECIMAL>, <TIME>, <URL>). They replace data on purpose; nobody is meant to fill them in.
REDACTION_TAGS = frozenset({"EMAIL", "PHONE", "CREDIT_CARD", "IP_ADDRESS", "SECRET", "URL", "DECIMAL", "NUMBER", "TIME",
                            "DATE", "MONEY", "PERSON", "LOCATION", "ORGANIZATION", "USER", "MENTION", "HASHTAG"})
# "[insert date]", "[Your Name]": a fill word and what to fill; "[Name]", "[COMPANY]": a fill-in noun on its own.
_FILL_WORDS = r"insert|enter|your|fill(?:\s+in)?|add|type|recipient'?s?|customer'?s?|company'?s?"
_FILL_NOUNS = r"name|first name|last name|full name|date|company|company name|address|recipient|customer|product|amount|placeholder|todo|tbd|x{3,}"

PATTERNS: dict[str, re.Pattern] = {
    "double_brace": re.compile(r"\{\{\s*[^{}\n]{1,40}?\s*\}\}"),
    "single_brace": re.compile(r"(?<![{}\w$\\^_/])\{[A-Za-z_][A-Za-z0-9_]{0,30}\}(?!\})"),
    "angle": re.compile(r"<([A-Z][A-Z0-9_]{3,40}|[A-Z][A-Z0-9]*_[A-Z0-9_]+)>"),
    "dollar": re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]{0,40}\}|(?<![\w$])\$[A-Z][A-Z0-9]*_[A-Z0-9_]+\b"),
    "fill_in": re.compile(rf"(?i:\[(?:(?:{_FILL_WORDS})\s[^\[\]\n]{{1,50}}|(?:{_FILL_NOUNS}))\])(?!\()"),
}
KINDS = tuple(PATTERNS)
EXAMPLES = 5
CONTEXT_CHARS = 80


def prose(text: str) -> str:
    """``text`` with code blocks, inline code and LaTeX blanked out (same length, so offsets still point into it); a
    text that :func:`looks_like_code` is blanked out whole."""
    if looks_like_code(_FENCE.sub("", text)):
        return re.sub(r"[^\n]", " ", text)
    for pattern in (_FENCE, _INLINE_CODE, _LATEX):
        text = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    return text


def find_placeholders(text: str) -> list[tuple[str, str, int]]:
    """Every marker in the prose of ``text``: ``(kind, marker, offset)``, in text order."""
    masked = prose(text)
    found = []
    for kind, pattern in PATTERNS.items():
        for m in pattern.finditer(masked):
            line = _line_at(masked, m.start())
            if kind in ("single_brace", "dollar") and (_CODE_LINE.search(line) or _CODE_STATEMENT.search(line)):
                continue
            if kind == "angle" and (m.group(1) in HTML_TAGS or m.group(1) in REDACTION_TAGS):
                continue
            found.append((kind, m.group(), m.start()))
    return sorted(found, key=lambda f: f[2])


def _line_at(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    stop = text.find("\n", offset)
    return text[start : stop if stop >= 0 else len(text)]


def _context(text: str, offset: int, marker: str) -> str:
    """About ``CONTEXT_CHARS`` characters around a marker, on one line, not cutting a word (or a marker) at its end."""
    start = max(0, offset - CONTEXT_CHARS // 2)
    stop = min(len(text), offset + len(marker) + CONTEXT_CHARS // 2)
    while stop < min(len(text), offset + len(marker) + CONTEXT_CHARS) and not text[stop].isspace():
        stop += 1
    return ("…" if start else "") + " ".join(text[start:stop].split()) + ("…" if stop < len(text) else "")


def placeholder_section(records: Sequence[Sequence[tuple[str, str]]], ids: Sequence[str] | None = None) -> dict:
    """The ``placeholders`` section for records given as ``[(side, text), ...]``, side ``input`` or ``response``.

    ``records_counted`` holds records with a counted marker (any kind, but ``fill_in`` only outside responses).
    """
    by_kind: dict[str, Counter] = defaultdict(Counter)
    kind_records: dict[str, set[int]] = defaultdict(set)
    counted: set[int] = set()
    reader_fill_ins: Counter = Counter()
    reader_records: set[int] = set()
    examples: list[dict] = []
    for index, fields in enumerate(records):
        for side, text in fields:
            for kind, marker, offset in find_placeholders(text or ""):
                if kind == "fill_in" and side == "response":
                    reader_fill_ins[marker] += 1
                    reader_records.add(index)
                    continue
                by_kind[kind][marker] += 1
                kind_records[kind].add(index)
                if index not in counted and len(examples) < EXAMPLES:
                    examples.append({"id": ids[index] if ids else index, "kind": kind, "marker": marker,
                                     "context": _context(text, offset, marker)})
                counted.add(index)
    n = len(records)
    return {
        "records": n,
        "records_counted": len(counted),
        "share": round(len(counted) / n, 4) if n else 0.0,
        "by_kind": {
            kind: {"records": len(kind_records[kind]), "occurrences": sum(by_kind[kind].values()),
                   "top": [[m, c] for m, c in by_kind[kind].most_common(EXAMPLES)]}
            for kind in KINDS if by_kind[kind]
        },
        "fill_ins_in_responses": {"records": len(reader_records),
                                  "top": [[m, c] for m, c in reader_fill_ins.most_common(EXAMPLES)]},
        "examples": examples,
    }


def fields_of(ds: Dataset) -> list[list[tuple[str, str]]]:
    """Every record as ``[(side, text)]``: prompts, user/system/tool turns and classification texts are ``input``,
    completions and assistant turns ``response``."""
    task = task_of(ds)
    if task is Task.CLASSIFICATION:
        return [[("input", text)] for text in column(ds, "text")]
    if task is Task.COMPLETION:
        return [[("input", p), ("response", c)] for p, c in zip(column(ds, "prompt"), column(ds, "completion"))]
    return [[("response" if m["role"] == "assistant" else "input", message_text(m)) for m in messages]
            for messages in column(ds, "messages")]


def measure_placeholders(ds: Dataset, *, seed: int, max_examples: int) -> dict[str, Any]:
    """The ``placeholders`` section (a seeded sample of ``max_examples`` records above that)."""
    sampled_from = len(ds)
    if len(ds) > max_examples:
        ds = ds.select(np.sort(np.random.default_rng(seed).choice(len(ds), max_examples, replace=False)))
    return {**placeholder_section(fields_of(ds), column(ds, "id")), "sampled_from": sampled_from}


def check_placeholders(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """Records with unfilled template markers: warn above ``max_placeholder_share``, fail above the fail share."""
    rule = Rule("placeholders", {"warn_above": cfg.max_placeholder_share, "fail_above": cfg.fail_placeholder_share},
                says=f"warns when over {percent(cfg.max_placeholder_share)} of records hold an unfilled template "
                     f"marker, fails over {percent(cfg.fail_placeholder_share)}")
    section = report.get("placeholders")
    if not section or not section["records"]:
        return rule.skip("no records were examined for template placeholders")
    n, k, share = section["records"], section["records_counted"], section["share"]
    markers = ", ".join(f"{marker} x{count}" for v in section["by_kind"].values() for marker, count in v["top"][:2])
    message = f"{k} of {n} records ({share:.1%}) hold unfilled template markers" + (f": {markers}" if markers else "")
    readers = section["fill_ins_in_responses"]
    if readers["records"]:
        message += (f"; {readers['records']} responses leave gaps for their reader "
                    f"({', '.join(m for m, _ in readers['top'][:3])}), not counted")
    example = section["examples"][0]["context"] if section["examples"] else ""
    return rule.result(share, message + (f"; e.g. {example!r}" if example and k else ""),
                       "fill the placeholders (or drop those records) before training: the model would learn to "
                       "write the markers literally; report.md lists examples with their ids")


def placeholders_md(section: dict[str, Any]) -> list[str]:
    lines = ["## Template placeholders", "",
             f"{section['records_counted']} of {section['records']} records ({section['share']:.1%}) hold unfilled "
             "template markers (code blocks, inline code and LaTeX are not searched)."]
    for kind, figures in section["by_kind"].items():
        markers = ", ".join(f"`{table_cell(m)}` x{c}" for m, c in figures["top"])
        lines.append(f"- {kind}: {figures['records']} records, {figures['occurrences']} markers: {markers}")
    readers = section["fill_ins_in_responses"]
    if readers["records"]:
        lines.append(f"- Gaps left for the reader in {readers['records']} responses (not counted): "
                     + ", ".join(f"`{table_cell(m)}` x{c}" for m, c in readers["top"]))
    if section["examples"]:
        lines += ["", "| id | kind | marker | context |", "|---|---|---|---|"]
        lines += [f"| {table_cell(e['id'])} | {e['kind']} | `{table_cell(e['marker'])}` | {table_cell(e['context'])} |"
                  for e in section["examples"]]
    return lines
