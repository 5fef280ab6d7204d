"""Every record as one example of a target's upload format, or why it cannot be one: the one walk over the records
that both the ``targets`` stage (measuring) and the export (writing) use, so what is measured is what is written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from datasets import Dataset

from pipeline.core.records import RECORD_FIELDS, TASK_FIELDS, Task
from pipeline.targets.config import TargetConfig
from pipeline.targets.convert import CHAT_TARGETS, Chat, NotExportable, chat_of, forbidden_found
from pipeline.targets.formats import (bedrock_example, claude_example, generic_chat, openai_example,
                                      prompt_completion_example, vertex_example)
from pipeline.targets.limits import spec_for
from pipeline.targets.preference import PAIR_FIELDS, preference_example

BUILDERS = {"openai": openai_example, "vertex": vertex_example, "bedrock": bedrock_example}
BEDROCK_BUILDERS = {"claude": claude_example, "prompt_completion": prompt_completion_example}
"""Bedrock's formats besides Nova's conversation schema, by the model's ``upload``."""
_BATCH = 2_000


@dataclass
class Example:
    """One record for one target: its split, id, the example (None when left out) and what the checks count."""

    split: str
    id: str
    row: dict[str, Any]
    example: dict[str, Any] | None
    skipped: str | None = None
    forbidden: list[str] = field(default_factory=list)
    dropped_weights: bool = False
    messages: int = 0
    roles: tuple[str, ...] = ()


def examples_for(ds: Dataset, task: Task, cfg: TargetConfig, target: str) -> Iterator[Example]:
    """Each record of ``ds`` (with its ``split``) as an example of ``target``, in record order."""
    spec = spec_for(target, cfg.model_of(target))
    limits = spec.models[cfg.model_of(target)]
    for batch in ds.with_format("arrow").iter(batch_size=_BATCH):
        for row in batch.to_pylist():
            yield _example(row, task, cfg, target, spec, limits)


def _example(row: dict[str, Any], task: Task, cfg: TargetConfig, target: str, spec: Any, limits: Any) -> Example:
    if task is Task.PREFERENCE:  # pipeline.targets.preference
        item = Example(row["split"], row["id"], row, None, forbidden=_forbidden_in_fields(row, task, spec),
                       messages=sum(len(row[name]) for name in PAIR_FIELDS))
        if item.forbidden and spec.forbidden_fails:
            item.skipped = f"holds reserved text ({', '.join(item.forbidden)})"
            return item
        try:
            item.example = preference_example(row, target)
        except NotExportable as why:
            item.skipped = str(why)
        return item
    chat = chat_of(row, task, cfg) if target in CHAT_TARGETS or task is Task.CHAT else None
    forbidden = forbidden_found(chat, spec) if chat else _forbidden_in_fields(row, task, spec)
    item = Example(row["split"], row["id"], row, None, forbidden=forbidden,
                   messages=len(chat.messages) if chat else 0,
                   roles=tuple(m["role"] for m in chat.messages) if chat else (),
                   dropped_weights=bool(chat and not spec.weights and chat.has_weight_zero()))
    if forbidden and spec.forbidden_fails:
        item.skipped = f"holds reserved text ({', '.join(forbidden)})"
        return item
    if chat and chat.uses_tools() and not limits.tools:
        item.skipped = f"uses tools, which {cfg.model_of(target)} cannot be tuned on"
        return item
    try:
        item.example = _build(target, row, task, chat, limits.upload)
    except NotExportable as why:
        item.skipped = str(why)
    return item


def _build(target: str, row: dict[str, Any], task: Task, chat: Chat | None, upload: str) -> dict[str, Any]:
    if target == "bedrock" and upload in BEDROCK_BUILDERS:
        return BEDROCK_BUILDERS[upload](chat)
    if target in BUILDERS:
        return BUILDERS[target](chat)
    if task is Task.CHAT:
        return generic_chat(chat)
    return {name: row[name] for name in TASK_FIELDS[task]}


def _forbidden_in_fields(row: dict[str, Any], task: Task, spec: Any) -> list[str]:
    text = "\n".join(str(row[name]) for name in TASK_FIELDS[task] if row.get(name) is not None)
    return [s for s in spec.forbidden if s in text]


def hf_columns(task: Task) -> list[str]:
    """The columns of the ``hf`` export: id, the task fields and (chat) the record fields."""
    return ["id", *TASK_FIELDS[task], *RECORD_FIELDS[task]]
