"""Runs the stages in order, checks that no row is lost, and writes every output.

The filtering stages are a literal list, so the whole pipeline reads in one place; ingest, split and the report sit
around it because their inputs and outputs have other shapes. After every stage the runner checks
``rows in = kept + rejected``; a stage that loses a row is a bug and stops the run.
"""

from __future__ import annotations

import platform
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from datasets import Dataset, concatenate_datasets

from pipeline import __version__
from pipeline.readiness.measure import analyse
from pipeline.clean.stage import clean
from pipeline.config import Config
from pipeline.dedup.stage import dedup
from pipeline.dedup.index import check_index_path, commit_pending, discard_pending
from pipeline.dedup.render import measure_split_leakage
from pipeline.ingest.stage import ingest
from pipeline.core.output import file_digest, output_records, prepare_out_dir, rejected_records, write_json, write_jsonl, write_text
from pipeline.ingest.readers import InputFile, file_sha256
from pipeline.readiness.checks import gate_passes, readiness_checks
from pipeline.core.records import Stage, StageResult, task_of
from pipeline.report.html import render_html
from pipeline.report.markdown import add_checks, build_report, render_markdown
from pipeline.split.stage import split, split_parts
from pipeline.validate.suites import check_suite_files
from pipeline.validate.stage import validate

STAGES: list[tuple[str, Stage]] = [("clean", clean), ("dedup", dedup)]
REPORT_SECTIONS = {"clean": "cleaning", "dedup": "duplicates"}
LIBRARIES = ("datasets", "datasketch", "ftfy", "langdetect", "great-expectations", "click", "pyarrow", "numpy")


class Progress:
    """Stage-by-stage progress on stderr, shown only on a terminal and never with ``--quiet``."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @classmethod
    def for_terminal(cls, quiet: bool) -> Progress:
        return cls(enabled=not quiet and sys.stderr.isatty())

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        self._write(f"  {name} ...")
        yield
        self._write(f"  {name} done in {time.perf_counter() - start:.1f}s\n")

    def rows(self, count: int) -> None:
        self._write(f"  ingest ... {count:,} rows")

    def _write(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K" + text)
            sys.stderr.flush()


@dataclass
class RunResult:
    """What a run produced: the report (as written) and whether the gate lets the data through."""

    report: dict[str, Any]
    out_dir: Path
    passed: bool


class ConservationError(AssertionError):
    """A stage lost or invented rows: a bug in ftprep, never the user's data."""


def run_pipeline(inputs: list[str], cfg: Config, out_dir: Path, *, overwrite: bool = False, progress: Progress | None = None,
                 data_docs: bool = False, verbose: bool = False) -> RunResult:
    """Ingest ``inputs``, run every stage, split, judge readiness and write all outputs into ``out_dir``.

    Args:
        data_docs: also build Great Expectations Data Docs (HTML) into ``out_dir/data_docs``.
        verbose: show Great Expectations' own progress bars and log messages.
    """
    progress = progress or Progress(enabled=False)
    check_suite_files(cfg.validate)
    if cfg.dedup.index_path:
        check_index_path(cfg.dedup.index_path)
    prepare_out_dir(out_dir, overwrite)
    with progress.stage("ingest"):
        ingested = ingest(inputs, cfg.input, on_row=progress.rows)
    _check_conserved("ingest", ingested.stats["rows_read"], ingested)
    records, rejected, sections = ingested.kept, [ingested.rejected], {}
    for name, stage in STAGES:
        with progress.stage(name):
            result = stage(records, getattr(cfg, name))
        _check_conserved(name, len(records), result)
        records = result.kept
        rejected.append(result.rejected)
        if result.stats:
            sections[REPORT_SECTIONS[name]] = result.stats
    with progress.stage("split"):
        records, plan = split(records, cfg.split)
    with progress.stage("validate"):
        outcome = validate(records, cfg.validate, task_of(records), data_docs_dir=out_dir / "data_docs" if data_docs else None,
                           verbose=verbose)
    sections["expectations"] = outcome.to_dict()
    all_rejected = concatenate_datasets(rejected)
    if len(records) + len(all_rejected) != ingested.stats["rows_read"]:
        raise ConservationError(f"{ingested.stats['rows_read']} rows read but {len(records)} kept + {len(all_rejected)} rejected")
    report = build_report(
        ingest_stats=ingested.stats,
        records=records,
        rejected=all_rejected,
        plan=plan,
        ratios=cfg.split.ratios,
        seed=cfg.split.seed,
        sections=sections,
    )
    with progress.stage("analyse"):
        report.update(analyse(records, cfg.readiness, cfg.split.seed))
    with progress.stage("split leakage"):
        measure_split_leakage(records, cfg.dedup, report)
    add_checks(report, readiness_checks(report, cfg.readiness))
    passed = gate_passes(report["verdict"], cfg.readiness.fail_on)
    # a run whose data fails the gate must not grow the dedup index, or its corrected re-run would be rejected
    # as duplicates of itself
    index = report.get("duplicates", {}).get("index")
    if index is not None:
        index["committed"] = passed
    with progress.stage("write"):
        _write_outputs(out_dir, inputs, cfg, ingested.stats, records, all_rejected, report)
    if index is not None:
        (commit_pending if passed else discard_pending)(index["path"])
    return RunResult(report=report, out_dir=out_dir, passed=passed)


def _check_conserved(stage: str, rows_in: int, result: StageResult) -> None:
    if len(result.kept) + len(result.rejected) != rows_in:
        raise ConservationError(f"stage {stage}: {rows_in} rows in, {len(result.kept)} kept + {len(result.rejected)} rejected")


def _write_outputs(out_dir: Path, inputs: list[str], cfg: Config, ingest_stats: dict[str, Any], records: Dataset,
                   rejected: Dataset, report: dict[str, Any]) -> None:
    outputs: dict[str, int] = {}
    for name, part in split_parts(records).items():
        outputs[f"{name}.jsonl"] = write_jsonl(out_dir / f"{name}.jsonl", output_records(part.remove_columns("split")))
    outputs["rejected.jsonl"] = write_jsonl(out_dir / "rejected.jsonl", rejected_records(rejected))
    write_json(out_dir / "report.json", report)
    write_text(out_dir / "report.md", render_markdown(report))
    write_text(out_dir / "report.html", render_html(report))
    outputs["report.json"] = outputs["report.md"] = outputs["report.html"] = None
    if report.get("label_noise"):
        outputs["suspect_labels.jsonl"] = write_jsonl(out_dir / "suspect_labels.jsonl", report["label_noise"]["suspects"])
    manifest = {
        "ftprep_version": __version__,
        "seed": cfg.split.seed,
        "config": cfg.to_dict(),
        "inputs": [  # the files ingest read, not the globs expanded again (files may appear meanwhile)
            {"path": f["path"], "format": f["format"], "sha256": file_sha256(InputFile(f["path"], f["format"], f["gzip"])),
             "rows": f["rows"]}
            for f in ingest_stats["files"]
        ],
        "outputs": {name: {"sha256": file_digest(out_dir / name), "rows": n} for name, n in outputs.items()},
        "libraries": {"python": platform.python_version(), **{lib: _version(lib) for lib in LIBRARIES}},
    }
    write_json(out_dir / "manifest.json", manifest)


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None
