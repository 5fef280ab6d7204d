"""The ``targets`` stage: each target's figures, measured on the records as they will be exported.

For every target in ``[target] name`` the ``targets`` section holds: the model and upload format, the limits that
apply (with their sources), examples and upload file bytes per split, the records the format cannot hold (and why),
records holding the target's forbidden strings, what the format drops (per-message weights), examples over the
token limit, and the training plan (:mod:`pipeline.targets.plan`). The checks read only this section. No row is
dropped: a record a target cannot take is left out of that target's export only.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from datasets import Dataset

from pipeline.clean.tokens import ESTIMATE, token_counter
from pipeline.core.records import SPLITS, Task, rejections_to_dataset, task_of
from pipeline.core.stage import RunContext, StageResult
from pipeline.targets.config import TargetConfig
from pipeline.targets.convert import CHAT_TARGETS
from pipeline.targets.examples import Example, examples_for
from pipeline.targets.limits import ModelLimits, TargetSpec, spec_for
from pipeline.targets.plan import training_plan

EXAMPLE_IDS = 5  # ids listed per problem in the report


def targets(records: Dataset, cfg: TargetConfig, ctx: RunContext) -> StageResult:
    """Measure every configured target; publishes ``targets`` (nothing when no target is set)."""
    if not cfg.targets or records is None:
        return StageResult(kept=records, rejected=rejections_to_dataset([]), sections={})
    task = task_of(records)
    tokenizer = (ctx.sections.get("cleaning") or {}).get("tokenizer") or ESTIMATE
    section = {name: measure_target(records, task, cfg, name, tokenizer) for name in cfg.targets}
    order = input_order_note(records, task)
    for target in section.values():
        target["notes"] += [order] if order else []
    return StageResult(kept=records, rejected=rejections_to_dataset([]), sections={"targets": section})


def measure_target(records: Dataset, task: Task, cfg: TargetConfig, name: str, tokenizer: str) -> dict[str, Any]:
    """The ``targets.<name>`` section."""
    model = cfg.model_of(name)
    spec = spec_for(name, model)
    limits = spec.models[model]
    max_tokens = cfg.max_tokens.get(name, limits.max_tokens)
    extra_tokens = _conversion_tokens(task, cfg, tokenizer) if name in CHAT_TARGETS else {}
    tally = _Tally()
    for item in examples_for(records, task, cfg, name):
        tally.add(item, _tokens(item, task, spec, extra_tokens, tokenizer))
    over = sum(t > max_tokens for t in tally.all_tokens) if max_tokens else 0
    return {
        "model": model,
        "format": spec.upload_format,
        "limits": limits_section(limits, max_tokens, spec),
        "examples": tally.examples,
        "file_bytes": tally.bytes if name != "hf" else None,
        "skipped": tally.problem(tally.skipped),
        "forbidden": {**tally.problem(tally.forbidden), "strings": dict(sorted(tally.strings.items()))},
        "dropped_weights": tally.dropped_weights,
        "over_max_tokens": over,
        "tokens": {"counted_with": tokenizer, "overhead": list(spec.message_overhead), "method": spec.token_method},
        "plan": training_plan(spec, cfg, tally.train_tokens, max_tokens),
        "notes": _system_note(tally, name) if name in CHAT_TARGETS or task is Task.CHAT else [],
        "sources": {key: {"url": s.url, "says": s.says, "confirmed": s.confirmed, "read_on": s.read_on}
                    for key, s in spec.sources.items()},
    }


class _Tally:
    def __init__(self) -> None:
        self.examples = {split: 0 for split in SPLITS}
        self.bytes = {split: 0 for split in SPLITS}
        self.skipped: dict[str, list[str]] = {}
        self.forbidden: dict[str, list[str]] = {}
        self.strings: Counter[str] = Counter()
        self.dropped_weights = 0
        self.train_tokens: list[int] = []
        self.all_tokens: list[int] = []
        self.without_system = 0

    def add(self, item: Example, tokens: int) -> None:
        if item.forbidden:
            self.forbidden.setdefault(", ".join(item.forbidden), []).append(item.id)
            self.strings.update(item.forbidden)
        if item.example is None:
            if item.skipped and not item.forbidden:
                self.skipped.setdefault(item.skipped, []).append(item.id)
            return
        self.examples[item.split] += 1
        self.bytes[item.split] += len(json.dumps(item.example, ensure_ascii=False).encode("utf-8")) + 1
        self.dropped_weights += item.dropped_weights
        self.without_system += "system" not in item.roles
        self.all_tokens.append(tokens)
        if item.split == "train":
            self.train_tokens.append(tokens)

    @staticmethod
    def problem(found: dict[str, list[str]]) -> dict[str, Any]:
        return {"records": sum(len(ids) for ids in found.values()),
                "reasons": {why: len(ids) for why, ids in sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0]))},
                "ids": {why: ids[:EXAMPLE_IDS] for why, ids in sorted(found.items())}}


def _system_note(tally: _Tally, target: str) -> list[dict[str, Any]]:
    """OpenAI's data checker counts the examples without a system message: say how many the export holds."""
    exported = sum(tally.examples.values())
    if not tally.without_system or not exported:
        return []
    share = round(tally.without_system / exported, 4)
    return [{"kind": "no_system_message", "records": tally.without_system, "share": share,
             "message": f"{tally.without_system:,} of {exported:,} examples ({share:.1%}) have no system message"
                        + (" (OpenAI's data checker counts them)" if target == "openai" else "")
                        + "; if your application sends a system prompt, train with it too ([target] system_prompt "
                        "for converted records)"}]


SORTED_RUNS_RATIO = 0.1
"""Input order counts as sorted by label when the label changes from one row to the next at most this often
relative to a random order (sorted files: 0.001-0.01 of it; shuffled ones: about 1; docs/targets.md)."""


def input_order_note(records: Dataset, task: Task) -> dict[str, Any] | None:
    """A note when the input rows come grouped by label: harmless for ftprep's splits (shuffled, stratified), but
    a tool that takes a file's first rows, or trains without shuffling, sees one label at a time."""
    if task is not Task.CLASSIFICATION or len(records) < 2:
        return None
    table = records.select_columns(["source_file", "source_row", "label"]).with_format("arrow")[:]
    rows = sorted(zip(table["source_file"].to_pylist(), table["source_row"].to_pylist(), table["label"].to_pylist()),
                  key=lambda r: (r[0] or "", r[1] or 0))
    labels = [label for _, _, label in rows]
    changes = sum(a != b for a, b in zip(labels, labels[1:]))
    counts = Counter(labels)
    expected = (len(labels) - 1) * (1 - sum((n / len(labels)) ** 2 for n in counts.values()))
    if len(counts) < 2 or expected < 20 or changes > SORTED_RUNS_RATIO * expected:
        return None
    ratio = round(changes / expected, 4)
    return {"kind": "sorted_by_label", "label_changes": changes, "expected_if_shuffled": round(expected), "ratio": ratio,
            "message": f"the input rows come grouped by label (the label changes {changes:,} times from one row to the "
                       f"next; about {round(expected):,} in a shuffled file): ftprep's splits are shuffled, but shuffle "
                       "the input before giving it to a tool that reads rows in order (or takes the first N)"}


def _tokens(item: Example, task: Task, spec: TargetSpec, extra: dict[str, int], tokenizer: str) -> int:
    """Tokens of one example: the clean stage's count of its content (and tools), plus the format's overhead and,
    for chats made from other tasks, the system prompt, the template's own text and the label; with OpenAI's
    cookbook method also each message's role (its ``num_tokens_from_messages`` encodes every value of a message)."""
    tokens = item.row.get("n_tokens") or 0
    tokens += extra.get("fixed", 0)
    count = token_counter(tokenizer)[0]
    if task is Task.CLASSIFICATION and extra:
        tokens += count(item.row["label"] or "")
    if spec.token_method == "openai_cookbook":
        tokens += sum(count(role) for role in item.roles)
    per_message, per_example = spec.message_overhead
    return tokens + per_message * item.messages + per_example


def _conversion_tokens(task: Task, cfg: TargetConfig, tokenizer: str) -> dict[str, int]:
    if task is Task.CHAT:
        return {}
    count = token_counter(tokenizer)[0]
    template = cfg.prompt_template.replace("{prompt}", "") if task is Task.COMPLETION else cfg.text_template.replace("{text}", "")
    return {"fixed": count(cfg.system_prompt or "") + count(template)}


def limits_section(limits: ModelLimits, max_tokens: int | None, spec: Any) -> dict[str, Any]:
    """The limits that apply, as ``targets.<name>.limits`` holds them (None: not published, not checked)."""
    return {
        "min_examples": limits.min_examples,
        "recommended_examples": limits.recommended_examples,
        "max_examples": limits.max_examples,
        "max_val_examples": limits.max_val_examples,
        "max_tokens": max_tokens,
        "max_file_bytes": limits.max_file_bytes,
        "tools": limits.tools,
        "roles": spec.roles,
        "forbidden": list(spec.forbidden),
        "forbidden_fails": spec.forbidden_fails,
        "forbidden_roles": list(spec.forbidden_roles) if spec.forbidden_roles else None,
        "forbidden_any_case": spec.case_insensitive,
        "weights": spec.weights,
    }
