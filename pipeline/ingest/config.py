"""The ``[input]`` config section: how inputs are read and mapped onto canonical records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.core.section import Section

TaskName = Literal["auto", "classification", "completion", "chat"]
InputFormat = Literal["jsonl", "json", "csv", "tsv", "parquet"]


@dataclass(frozen=True)
class InputConfig(Section):
    """How inputs are read and mapped onto canonical records.

    Field options name the input column for a canonical field; left unset, it is detected from common aliases.
    """

    name = "input"

    task: TaskName = "auto"
    format: InputFormat | None = None
    text_field: str | None = None
    label_field: str | None = None
    prompt_field: str | None = None
    completion_field: str | None = None
    messages_field: str | None = None
    id_field: str | None = None
