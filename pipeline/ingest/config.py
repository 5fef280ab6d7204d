"""The ``[input]`` config section: how inputs are read and mapped onto canonical records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.core.section import Section
from pipeline.ingest.lines import DEFAULT_MAX_ROW_BYTES

TaskName = Literal["auto", "classification", "completion", "chat"]
InputFormat = Literal["jsonl", "json", "csv", "tsv", "parquet"]


@dataclass(frozen=True)
class InputConfig(Section):
    """How inputs are read and mapped onto canonical records.

    Field options name the input column for a canonical field; left unset, it is detected from common aliases.

    Args:
        max_row_bytes: the most bytes one row (a JSON Lines line, a CSV record) may hold. A longer row is rejected
            as ``too_long`` after reading at most this much of it at a time, so a gzip bomb or a file without
            newlines never fills the memory. Default 8 MiB (~2M tokens).
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
    max_row_bytes: int = DEFAULT_MAX_ROW_BYTES

    def problems(self) -> list[str]:
        if self.max_row_bytes < 1024:
            return [f"max_row_bytes must be at least 1024, got {self.max_row_bytes}"]
        return []
