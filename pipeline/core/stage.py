"""The one contract every stage follows, and the run context it is given.

A stage is a function ``stage(records, cfg, ctx) -> StageResult``: the records from the stage before it (``None``
for ingest, which reads ``ctx.inputs``), its own config section, and the frozen :class:`RunContext`. It returns
the records it kept, the rows it rejected (see :func:`pipeline.core.records.partition`), and the report sections
it owns. Stages never write files or the report; the runner collects their sections and ``pipeline.report``
assembles report.json in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from datasets import Dataset


@dataclass(frozen=True)
class RunContext:
    """What a stage may know about the run besides its records and its config section.

    Args:
        inputs: the input paths or globs, as given.
        out_dir: the output directory (stages do not write there; validate's Data Docs are the exception).
        seed: the run seed: every random choice of every stage is made with it.
        data_docs: build Great Expectations Data Docs into ``out_dir/data_docs``.
        verbose: show the libraries' own progress bars and log messages.
        on_rows: called now and then with the number of rows read so far (progress display).
        sections: the report sections published by the stages that ran before this one (read-only).
        carry: what a stage hands to a later one besides records and report sections, by key; never written
            (dedup leaves its MinHash signatures there for split leakage: :mod:`pipeline.dedup.signed`; split its
            records' content keys for measure's overlap). A stage that takes something out removes it, so that it
            is freed; the runner empties it after the observers.
    """

    inputs: tuple[str, ...] = ()
    out_dir: Path | None = None
    seed: int = 42
    data_docs: bool = False
    verbose: bool = False
    on_rows: Callable[[int], None] | None = None
    sections: Mapping[str, Any] = field(default_factory=dict)
    carry: dict[str, Any] = field(default_factory=dict)


@dataclass
class StageResult:
    """What a stage returns: the records it kept, the ones it rejected, and its report sections by report key."""

    kept: Dataset
    rejected: Dataset
    sections: dict[str, Any] = field(default_factory=dict)


class Stage(Protocol):
    """``(records, its config section, run context) -> StageResult``; no global state, no file written."""

    def __call__(self, records: Dataset | None, cfg: Any, ctx: RunContext, /) -> StageResult: ...
