"""Runs the stages in order, checks that no row is lost, judges readiness and writes every output.

Every stage has the same shape (:mod:`pipeline.core.stage`), so the pipeline is the literal list below. After
every stage the runner checks ``rows in = kept + rejected``; a stage that loses a row is a bug and stops the run.

The output folder is one transaction (:mod:`pipeline.core.outdir`): checked and locked before the first stage,
written into a staging folder, swapped in whole at the end. A run that fails or is killed leaves the previous
outputs as they were.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from datasets import Dataset, concatenate_datasets

from pipeline.clean.pii import hide_secrets_in
from pipeline.clean.stage import clean
from pipeline.config import Config
from pipeline.correct.outcome import settle_label_noise, with_verdict_change
from pipeline.correct.stage import correct
from pipeline.core.errors import OutputError
from pipeline.core.memory import check_address_space, release_free_memory
from pipeline.core.outdir import OutputTransaction
from pipeline.core.parallel import default_workers, map_ordered
from pipeline.core.progress import Progress, Timings
from pipeline.core.spill import spilled, spilling
from pipeline.core.stage import RunContext, Stage, StageResult
from pipeline.core.workers import install as workers_die_with_parent
from pipeline.dedup.index import check_index_path, commit_pending, discard_pending
from pipeline.dedup.leakage import measure_split_leakage
from pipeline.dedup.stage import dedup
from pipeline.gate.baseline import check_baseline, measure_drift
from pipeline.ingest.readers import resolve_inputs
from pipeline.ingest.stage import ingest
from pipeline.readiness.check import gate_passes, verdict_from
from pipeline.readiness.checklist import readiness_checks
from pipeline.readiness.content import content
from pipeline.readiness.measure import measure
from pipeline.report.assemble import assemble_report, judged_report
from pipeline.report.write import write_outputs, write_split_files
from pipeline.split.stage import split
from pipeline.targets.stage import targets
from pipeline.validate.stage import validate
from pipeline.validate.suites import check_suite_files

if TYPE_CHECKING:
    from pipeline.engine import Engine

STAGES: list[tuple[str, Stage, str]] = [  # (name, stage, its config section)
    ("ingest", ingest, "input"),
    ("correct", correct, "corrections"),  # a reviewer's decisions (--corrections), before anything else sees the rows
    ("clean", clean, "clean"),
    ("dedup", dedup, "dedup"),
    ("split", split, "split"),
]
OBSERVERS: list[tuple[str, Stage, str]] = [
    ("validate", validate, "validate"),
    ("measure", measure, "readiness"),
    ("content", content, "readiness"),
    ("split leakage", measure_split_leakage, "dedup"),
    ("targets", targets, "target"),
    ("drift", measure_drift, "drift"),
]
"""After the split the records are final: these stages only read them (and the sections published before the
split) and add report sections. From ``_SIDE_BY_SIDE_ROWS`` records they run side by side on forked workers, one
per core, so no core idles while one of them runs; their sections are collected in this order either way."""
_SIDE_BY_SIDE_ROWS = 50_000


@dataclass
class RunResult:
    """What a run produced: the report (as written) and whether the gate lets the data through."""

    report: dict[str, Any]
    out_dir: Path
    passed: bool
    notes: list[str] = dataclasses.field(default_factory=list)


class ConservationError(AssertionError):
    """A stage lost or invented rows: a bug in ftprep, never the user's data."""


def run_pipeline(inputs: list[str], cfg: Config, out_dir: Path, *, overwrite: bool = False, progress: Progress | None = None,
                 data_docs: bool = False, verbose: bool = False, guarded: tuple[str | Path, ...] = (),
                 engine: Engine | None = None, shard_outputs: int = 1, timings: bool = False,
                 invocation: dict[str, Any] | None = None) -> RunResult:
    """Ingest ``inputs``, run every stage, judge readiness and write all outputs into ``out_dir``.

    Args:
        data_docs: also build Great Expectations Data Docs (HTML) into ``out_dir/data_docs``.
        verbose: show Great Expectations' own progress bars and log messages.
        guarded: more files the run reads (the config file), which ``out_dir`` must not hold.
        engine: where the stages run (:mod:`pipeline.engine`); None: here, the ``STAGES`` list as it is.
        shard_outputs: write each split as this many JSON Lines files (1: ``train.jsonl`` etc.).
        timings: add ``timings`` (seconds and rows/s per stage) to the report; off by default, since it makes
            the report differ from run to run.
        invocation: how the run was made (command line, version, commit), recorded in ``manifest.json``.
    """
    progress = progress or Progress(enabled=False)
    check_address_space()
    workers_die_with_parent()
    check_suite_files(cfg.validate)
    if cfg.dedup.index_path:
        check_index_path(cfg.dedup.index_path)
    check_baseline(cfg.drift, cfg.input.task)  # a baseline report may sit in --out: the old set stays readable until the swap
    read = [f.path for f in resolve_inputs(inputs, cfg.input.format)]
    read += [*cfg.dedup.decontaminate, *cfg.validate.suites, *([cfg.dedup.index_path] if cfg.dedup.index_path else []),
             *([cfg.corrections.file] if cfg.corrections.file else []), *guarded]
    with OutputTransaction(out_dir, overwrite=overwrite, guarded=read) as txn, contextlib.ExitStack() as spill:
        if engine is not None and engine.keeps_records(inputs, cfg):  # the records stay in the cluster: engine/flow.py
            run = engine.run(inputs, cfg, txn.path, progress, data_docs, verbose, shard_outputs, STAGES, OBSERVERS,
                             Timings() if timings else None)
        else:
            spill.enter_context(spilling(txn.path))  # records between stages: memory-mapped files in the staging folder
            stages = engine.stages(STAGES) if engine is not None else STAGES
            run = _run_stages(inputs, cfg, txn.path, progress, data_docs, verbose, stages, shard_outputs,
                              Timings() if timings else None)
        with progress.stage("write"):
            try:
                if isinstance(run.splits_written, OSError):
                    raise run.splits_written
                write_outputs(txn.path, cfg, run.files, run.records, run.rejected, run.report, shard_outputs,
                              run.splits_written, invocation, getattr(run, "rejected_written", None))
                spill.close()  # the records' files go before the staging folder becomes the output
                txn.commit()
            except OSError as exc:
                where = f" ({exc.filename})" if exc.filename else ""
                raise OutputError(f"{out_dir}: could not write the outputs: {exc.strerror or exc}{where}; "
                                  f"{out_dir} was left as it was") from None
    index = (run.report.get("duplicates") or {}).get("index")
    if index is not None:
        (commit_pending if run.passed else discard_pending)(index["path"])
    notes = [f"removed what an earlier, killed run into {out_dir} left: {', '.join(txn.stale)}"] if txn.stale else []
    return RunResult(report=run.report, out_dir=out_dir, passed=run.passed, notes=notes)


@dataclass
class _Run:
    """The stages' results: the judged report and what the output files are written from."""

    report: dict[str, Any]
    passed: bool
    files: list[dict[str, Any]]
    records: Dataset
    rejected: Dataset
    splits_written: dict[str, int] | OSError  # the split files' rows, or why they could not be written


def _run_stages(inputs: list[str], cfg: Config, staging: Path, progress: Progress, data_docs: bool,
                verbose: bool, stages: list[tuple[str, Stage, str]], shards: int = 1,
                timings: Timings | None = None) -> _Run:
    ctx = RunContext(inputs=tuple(inputs), out_dir=staging, seed=cfg.seed, data_docs=data_docs, verbose=verbose,
                     on_rows=progress.rows)
    records, rejected, sections = None, [], {}
    clock = timings or Timings()  # every stage is timed; the report shows it only when asked (--timings)
    for name, stage, section in stages:
        records = spilled(records) if records is not None else None  # a table in the heap is written and mapped
        rows_in = len(records) if records is not None else None
        with progress.stage(name, rows_in), clock.stage(name, rows_in):
            result = stage(records, getattr(cfg, section), dataclasses.replace(ctx, sections=MappingProxyType(sections)))
        if records is None:
            clock.set_rows(name, result.sections["input"]["rows_read"])
        _check_conserved(name, records, result)
        records = result.kept
        rejected.append(spilled(result.rejected))
        _collect(sections, result.sections)
        del result
        release_free_memory()
    # no row can be rejected from here on, and only a rejected row's original content (``raw``) is ever written:
    # without it the records take 45% less memory in the observers' workers and when written
    records = spilled(records.remove_columns("raw") if "raw" in records.column_names else records)
    release_free_memory()
    observing = [(name, stage, getattr(cfg, section)) for name, stage, section in OBSERVERS]
    frozen = dataclasses.replace(ctx, sections=MappingProxyType(dict(sections)), on_rows=None)
    with progress.stage(", ".join(name for name, _, _ in OBSERVERS), len(records)):
        observed, splits_written = _observe(records, observing, frozen, functools.partial(
            _write_splits, staging, records, shards))
    for (name, _, _), (kept, dropped, published, seconds) in zip(OBSERVERS, observed):
        clock.add(name, seconds, len(records))
        if kept != len(records) or dropped:
            raise ConservationError(f"{name}: {len(records)} rows in, {kept} passed on and {dropped} rejected by a "
                                    "stage that only reads them")
        _collect(sections, published)
    ctx.carry.clear()  # what a stage handed to a later one (dedup's spilled signatures) is not needed any more
    release_free_memory()
    settle_label_noise(sections, cfg.drift.baseline)  # reviewed records are no longer label-noise suspects
    all_rejected = concatenate_datasets(rejected)
    _check_conserved("the run", sections["input"]["rows_read"], StageResult(records, all_rejected))
    report = assemble_report(sections, records, all_rejected, timings.section() if timings else None)
    checks = readiness_checks(report, cfg.readiness, cfg.drift)
    # a run whose data fails the gate must not grow the dedup index, or its corrected re-run would be rejected
    # as duplicates of itself
    passed = gate_passes(verdict_from(checks), cfg.readiness.fail_on)
    judged = with_verdict_change(judged_report(report, checks, passed), cfg.drift.baseline)
    # the report, and the terminal and JUnit lines made from it, show no credential or IBAN (file names, labels and
    # texts of rejected rows included); the unchanged input section still names the files to hash for the manifest
    judged = hide_secrets_in(judged, cfg.clean.hidden_types())
    return _Run(judged, passed, sections["input"]["files"], records, all_rejected, splits_written)


def _observe(records: Dataset, observers: list[tuple[str, Stage, Any]], ctx: RunContext,
             write_splits: Callable[[], Any]) -> tuple[list[tuple[int, int, dict[str, Any], float]], Any]:
    """Each observer's records passed on and rejected (counts: the records stay here), sections and seconds; and,
    as one more job after them, what ``write_splits`` returns. The split files are final once the split has run,
    and a worker that is through with its observers would otherwise idle while measure runs (at 1M records
    validate and split leakage take ~27 s of measure's ~50)."""

    def run(index: int) -> Any:
        if index == len(observers):
            return write_splits()
        _, stage, cfg = observers[index]
        start = time.perf_counter()
        result = stage(records, cfg, ctx)
        return len(result.kept), len(result.rejected), result.sections, time.perf_counter() - start

    # one worker per core: more would only stack their memory peaks, not finish sooner; a worker per observer, so
    # that one's working set (Great Expectations' frame, measure's texts) is freed when it is through
    workers = default_workers() if len(records) >= _SIDE_BY_SIDE_ROWS else 1
    jobs = range(len(observers) + 1)
    *observed, written = map_ordered(run, jobs, num_proc=min(workers, len(observers)), ahead=len(jobs), fresh=True)
    return observed, written


def _write_splits(staging: Path, records: Dataset, shards: int) -> dict[str, int] | OSError:
    """The split files, into the staging folder (a failed run discards it whole); an error is returned, to be
    raised where the other outputs are written."""
    try:
        return write_split_files(staging, records, shards)
    except OSError as exc:
        return exc


def _check_conserved(stage: str, rows_in: Dataset | int | None, result: StageResult) -> None:
    """Rows in (a count; the records given; for ingest, the rows it read) = kept + rejected."""
    if rows_in is None:
        rows_in = result.sections["input"]["rows_read"]
    n_in = rows_in if isinstance(rows_in, int) else len(rows_in)
    if len(result.kept) + len(result.rejected) != n_in:
        raise ConservationError(f"{stage}: {n_in} rows in, {len(result.kept)} kept + {len(result.rejected)} rejected")


def _collect(sections: dict[str, Any], published: dict[str, Any]) -> None:
    """Add a stage's sections; a stage may add keys to an earlier stage's section (split leakage to duplicates)."""
    for key, value in published.items():
        earlier = sections.get(key)
        sections[key] = {**earlier, **value} if isinstance(earlier, dict) and isinstance(value, dict) else value
