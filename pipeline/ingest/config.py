"""The ``[input]`` config section: how inputs are read and mapped onto canonical records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.core.section import Section
from pipeline.ingest.lines import DEFAULT_MAX_ROW_BYTES

TaskName = Literal["auto", "classification", "completion", "chat", "preference"]
InputFormat = Literal["jsonl", "json", "csv", "tsv", "parquet"]


@dataclass(frozen=True)
class InputConfig(Section):
    """How inputs are read and mapped onto canonical records.

    Field options name the input column for a canonical field; left unset, it is detected from common aliases.

    Args:
        max_row_bytes: the most bytes one row (a JSON Lines line, a CSV record) may hold. A longer row is rejected
            as ``too_long`` after reading at most this much of it at a time, so a gzip bomb or a file without
            newlines never fills the memory. Default 8 MiB (~2M tokens).
        num_proc: worker processes parsing a file; none = every core for a file of 32 MiB or more, one below.
    """

    name = "input"

    task: TaskName = "auto"
    format: InputFormat | None = None
    text_field: str | None = None
    label_field: str | None = None
    prompt_field: str | None = None
    completion_field: str | None = None
    messages_field: str | None = None
    chosen_field: str | None = None
    rejected_field: str | None = None
    id_field: str | None = None
    max_row_bytes: int = DEFAULT_MAX_ROW_BYTES
    num_proc: int | None = None

    def problems(self) -> list[str]:
        found = []
        if self.max_row_bytes < 1024:
            found.append(f"max_row_bytes must be at least 1024, got {self.max_row_bytes}")
        if self.num_proc is not None and self.num_proc < 1:
            found.append(f"num_proc must be at least 1, got {self.num_proc}")
        return found
