"""The Ray engine's run: records stay in the cluster (blocks in Ray's object store) from reading to writing.

The stages are the literal list :data:`FLOW`, each the Ray form of a local stage that takes the same decisions with
the same functions; only where the data sits differs. The driver holds what the decisions need:

- ingest: per chunk, its ids (made unique across the run) and counts;
- clean: per record its marks and figures (reject reason, cleaner bits, PII counts, tokens, characters); the
  language keys of the sampled records (of every record with a language filter);
- dedup: per record its id, cluster, label and exact key; the candidate pairs, the clusters, the records quoted;
- split: per record its content key, cluster, near-twin group and label, and the split it goes to;
- the observers (validate, measure, content, split leakage, targets, drift): a seeded sample of at most
  :data:`READINESS_SAMPLE_ROWS` kept records, the readiness analysis of a bounded sample (every record below it:
  then the report is the local engine's); the report's counts are taken over every record.

The split files and ``rejected.jsonl`` are written by the workers (:mod:`pipeline.engine.shards`) into the run's
staging folder, which the runner swaps in at the end as for the local engine.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray

from pipeline.clean.pii import hide_secrets_in
from pipeline.config import Config
from pipeline.core.memory import release_free_memory
from pipeline.core.progress import Progress, Timings
from pipeline.core.records import (REJECT_FEATURES, TASK_FIELDS, Task, _keys_of, features_for, quiet_datasets,
                                   table_content_texts)
from pipeline.core.stage import RunContext
from pipeline.correct.outcome import settle_label_noise, with_verdict_change
from pipeline.engine.blocks import Blocks, worker_errors, wrap
from pipeline.engine.clean_blocks import clean_blocks
from pipeline.engine.dedup_blocks import dedup_blocks
from pipeline.engine.raydata import RaySession
from pipeline.engine.read import read_on_ray
from pipeline.engine.shards import write_rejected, write_split_shards
from pipeline.readiness.check import gate_passes, verdict_from
from pipeline.readiness.checklist import readiness_checks
from pipeline.report.assemble import assemble_report, judged_report
from pipeline.split.stage import CONTENT_KEYS, labels_per_split, plan_split

READINESS_SAMPLE_ROWS = 50_000
"""Kept records the observers measure: all of them up to this many, else a seeded sample of this many."""

Step = Callable[[RaySession, "Blocks | None", Any, RunContext], "tuple[Blocks, Blocks, dict[str, Any]]"]


def _ingest(session: RaySession, records: None, cfg: Any, ctx: RunContext) -> tuple[Blocks, Blocks, dict[str, Any]]:
    return read_on_ray(list(ctx.inputs), cfg)


def _clean(session: RaySession, records: Blocks, cfg: Any, ctx: RunContext) -> tuple[Blocks, Blocks, dict[str, Any]]:
    return clean_blocks(records, _task(ctx), cfg, ctx.seed)


def _dedup(session: RaySession, records: Blocks, cfg: Any, ctx: RunContext) -> tuple[Blocks, Blocks, dict[str, Any]]:
    return dedup_blocks(session, records, _task(ctx), cfg)


def _split(session: RaySession, records: Blocks, cfg: Any, ctx: RunContext) -> tuple[Blocks, Blocks, dict[str, Any]]:
    """The split stage's plan (:func:`plan_split`) on the records' keys, clusters, groups and labels; the workers
    add the ``split`` column and drop ``raw`` (no row can be rejected any more)."""
    task = _task(ctx)
    keys = np.concatenate([np.zeros(0, np.uint64), *ray.get(records.map(_content_keys, task=task))]).tolist()
    who = records.gather(["cluster", "group", "label"])
    who = who.append_column(TASK_FIELDS[task][0], pa.nulls(who.num_rows, pa.string()))  # the task, for task_of
    with quiet_datasets():
        plan = plan_split(wrap(who), cfg, ctx.seed, keys)
    ctx.carry[CONTENT_KEYS] = keys
    sections: dict[str, Any] = {"split": {"ratios": list(cfg.ratios), "seed": ctx.seed, "rare_labels": plan.rare_labels,
                                          "stratification": plan.stratification}}
    assignment = pa.array(plan.assignment, pa.string())
    if "label" in who.column_names:
        sections["labels"] = labels_per_split(wrap(pa.table({"split": assignment, "label": who["label"]})))
    placed = Blocks(records.map(_with_split, assignment), list(records.sizes))
    return placed, Blocks([], []), sections


FLOW: list[tuple[str, Step, str]] = [  # (name, step, its config section): the local STAGES, on the cluster
    ("ingest", _ingest, "input"),
    ("clean", _clean, "clean"),
    ("dedup", _dedup, "dedup"),
    ("split", _split, "split"),
]


@dataclasses.dataclass
class FlowRun:
    """What the runner writes the other outputs from (the fields of ``runner._Run``)."""

    report: dict[str, Any]
    passed: bool
    files: list[dict[str, Any]]
    records: Any  # every kept record's source file and split (the report's counts), no content
    rejected: Any  # the label-conflict rejects (the review files); rejected.jsonl is written already
    splits_written: dict[str, int] | OSError
    rejected_written: int | None


def run_flow(session: RaySession, inputs: list[str], cfg: Config, staging: Path, progress: Progress,
             data_docs: bool, verbose: bool, shards: int, local: list[tuple[str, Any, str]],
             observers: list[tuple[str, Any, str]], timings: Timings | None) -> FlowRun:
    """Run :data:`FLOW`, the observers on the readiness sample, judge, and write the split files and rejects.

    Args:
        local: the local stages (``runner.STAGES``), which give the sections of a stage left without records.
        observers: the stages that only read the final records (``runner.OBSERVERS``).
    """
    ctx = RunContext(inputs=tuple(inputs), out_dir=staging, seed=cfg.seed, data_docs=data_docs, verbose=verbose)
    records, rejected, sections = None, Blocks([], []), {}
    no_records = None  # the empty records the local stages made, when none were left
    clock = timings or Timings()
    for name, step, section in FLOW:
        rows_in = len(records) if records is not None else None
        step_ctx = dataclasses.replace(ctx, sections=MappingProxyType(sections))
        with progress.stage(name, rows_in), clock.stage(name, rows_in):
            if rows_in == 0:  # nothing left: the local stage's sections of no records, and its empty records
                given = no_records if no_records is not None else _no_records(_task(step_ctx))
                empty = dict((n, stage) for n, stage, _ in local)[name](given, getattr(cfg, section), step_ctx)
                kept, dropped, published = records, Blocks([], []), empty.sections
                no_records = empty.kept
            else:
                with worker_errors():
                    kept, dropped, published = step(session, records, getattr(cfg, section), step_ctx)
        if records is None:
            rows_in = published["input"]["rows_read"]
            clock.set_rows(name, rows_in)
        _check_conserved(name, rows_in, len(kept), len(dropped))
        records, rejected = kept, rejected + dropped
        sections.update(published)
        del kept, dropped, published
        release_free_memory()  # what the step's decisions took goes back to the system, as in the local runner
    sample = _readiness_sample(records, cfg.seed) if len(records) else _Sample(_without_raw(no_records), None)
    if sample.positions is not None:  # the report says its readiness figures are a sample's, and of how many
        sections["readiness_sample"] = {"records": len(sample), "of": len(records), "seed": cfg.seed}
    with progress.stage(", ".join(name for name, _, _ in observers), len(sample)):
        _observe(sample, observers, cfg, ctx, sections, clock, len(records))
    del sample
    release_free_memory()
    settle_label_noise(sections, cfg.drift.baseline)
    _check_conserved("the run", sections["input"]["rows_read"], len(records), len(rejected))
    with quiet_datasets():
        kept_counts = wrap(records.gather(["source_file", "split"]))
        rejected_counts = wrap(rejected.gather(["reason", "source_file"]))
        report = assemble_report(sections, kept_counts, rejected_counts, timings.section() if timings else None)
    checks = readiness_checks(report, cfg.readiness, cfg.drift)
    passed = gate_passes(verdict_from(checks), cfg.readiness.fail_on)
    judged = with_verdict_change(judged_report(report, checks, passed), cfg.drift.baseline)
    judged = hide_secrets_in(judged, cfg.clean.hidden_types())
    with progress.stage("write shards"):
        splits_written, rejected_written = _write(staging, records, rejected, cfg, shards)
    conflicts = rejected.take(np.flatnonzero(pc.equal(rejected_counts.with_format("arrow")["reason"],
                                                      "label_conflict").to_numpy(zero_copy_only=False)))
    conflicts = wrap(conflicts) if conflicts.num_rows else wrap(REJECT_FEATURES.arrow_schema.empty_table())
    return FlowRun(judged, passed, sections["input"]["files"], kept_counts, conflicts, splits_written, rejected_written)


def _observe(sample: Any, observers: list[tuple[str, Any, str]], cfg: Config, ctx: RunContext,
             sections: dict[str, Any], clock: Timings, rows: int) -> None:
    """The observers, one after the other on the driver (a Ray driver is never forked), on the readiness sample."""
    frozen = dataclasses.replace(ctx, sections=MappingProxyType(dict(sections)))
    keys = frozen.carry.get(CONTENT_KEYS)
    if keys is not None and sample.positions is not None:
        frozen.carry[CONTENT_KEYS] = [keys[i] for i in sample.positions.tolist()]
    published_all = []
    for name, stage, section in observers:
        start = time.perf_counter()
        result = stage(sample.records, getattr(cfg, section), frozen)
        clock.add(name, time.perf_counter() - start, rows)
        if len(result.kept) != len(sample.records) or len(result.rejected):
            raise ConservationError(f"{name}: {len(sample.records)} rows in, {len(result.kept)} passed on and "
                                    f"{len(result.rejected)} rejected by a stage that only reads them")
        published_all.append(result.sections)
    for published in published_all:  # in the observers' order, after all of them ran (as the local runner)
        for key, value in published.items():
            earlier = sections.get(key)
            sections[key] = {**earlier, **value} if isinstance(earlier, dict) and isinstance(value, dict) else value
    frozen.carry.clear()


@dataclasses.dataclass
class _Sample:
    records: Any  # a datasets.Dataset of the sampled records, in record order
    positions: np.ndarray | None  # their positions among all kept records (None: all of them)

    def __len__(self) -> int:
        return len(self.records)


def _readiness_sample(records: Blocks, seed: int) -> _Sample:
    """Every kept record up to :data:`READINESS_SAMPLE_ROWS`, else a seeded sample of that many, in record order."""
    n = len(records)
    if n <= READINESS_SAMPLE_ROWS:
        positions = None
        table = records.take(np.arange(n))
    else:
        positions = np.sort(np.random.default_rng(seed).choice(n, READINESS_SAMPLE_ROWS, replace=False))
        table = records.take(positions)
    with quiet_datasets():
        return _Sample(wrap(table), positions)


def _write(staging: Path, records: Blocks, rejected: Blocks, cfg: Config,
           shards: int) -> tuple[dict[str, int] | OSError, int | None]:
    """The split files and rejected.jsonl, written by the workers; an error is returned, raised where the other
    outputs are written (as the local engine's ``_write_splits``)."""
    assignment = np.asarray(records.gather(["split"])["split"].to_pylist(), dtype=object)
    hidden = cfg.clean.hidden_types()
    hide = functools.partial(hide_secrets_in, types=hidden) if hidden else None
    try:
        started = write_split_shards(staging, records, assignment, shards)
        rejects = write_rejected(staging / "rejected.jsonl", rejected, hide)
        return dict(zip(started, ray.get(list(started.values())))), ray.get(rejects)
    except OSError as exc:
        return exc, None


class ConservationError(AssertionError):
    """A step lost or invented rows: a bug in ftprep (as the runner's own)."""


def _check_conserved(stage: str, rows_in: int, kept: int, rejected: int) -> None:
    if kept + rejected != rows_in:
        raise ConservationError(f"{stage}: {rows_in} rows in, {kept} kept + {rejected} rejected")


def _no_records(task: Task) -> Any:
    from datasets import Dataset

    return Dataset.from_dict({name: [] for name in features_for(task)}, features=features_for(task))


def _without_raw(records: Any) -> Any:
    return records.remove_columns("raw") if "raw" in records.column_names else records


def _task(ctx: RunContext) -> Task:
    return Task(ctx.sections["input"]["task"])


def _content_keys(block: pa.Table, shared: None, start: int, task: Task) -> np.ndarray:
    return np.array(_keys_of(table_content_texts(block, task)), dtype=np.uint64)


def _with_split(block: pa.Table, assignment: pa.Array, start: int) -> pa.Table:
    from pipeline.engine.columns import POS

    table = block.append_column("split", assignment.slice(start, block.num_rows))
    table = table.drop_columns(["raw"]) if "raw" in table.column_names else table
    names = [c for c in table.column_names if c != POS] + [POS]
    return table.select(names)
