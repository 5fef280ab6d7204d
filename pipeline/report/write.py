"""Writing a run's files: the splits, the rejects, the report in three forms, the suspects and the manifest."""

from __future__ import annotations

import functools
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from datasets import Dataset

from pipeline import __version__
from pipeline.clean.pii import hide_secrets_in
from pipeline.config import Config
from pipeline.correct.review import conflict_lines, review_rows, write_review_files
from pipeline.core.output import (file_digest, output_records, rejected_records, write_json, write_jsonl,
                                  write_records_jsonl, write_text)
from pipeline.ingest.readers import InputFile, file_sha256
from pipeline.report.html import render_html
from pipeline.report.markdown import render_markdown
from pipeline.split.stage import split_parts
from pipeline.targets.export import write_exports

LIBRARIES = ("datasets", "datasketch", "ftfy", "langdetect", "great-expectations", "click", "pyarrow", "numpy")


def write_outputs(out_dir: Path, cfg: Config, files: list[dict[str, Any]], records: Dataset, rejected: Dataset,
                  report: dict[str, Any], shards: int = 1, splits_written: dict[str, int] | None = None,
                  invocation: dict[str, Any] | None = None, rejected_written: int | None = None) -> None:
    """Every output file of a run, into ``out_dir`` (the run's staging folder); ``files`` are the inputs ingest read.

    The report is rendered before any other file is written: a report that cannot be rendered writes nothing more.
    ``splits_written``: the split files' rows by file name, when :func:`write_split_files` has written them already
    (the runner does, beside the observers); they are written here otherwise. ``invocation``: how the run was
    made (:func:`pipeline.report.replay.invocation`), the manifest's ``run`` entry. ``rejected_written``: the rows of
    ``rejected.jsonl`` when it is written already (by the Ray engine's workers; ``rejected`` then holds the
    label-conflict rejects only, for the review files).
    """
    markdown, html = render_markdown(report), render_html(report)
    outputs: dict[str, int | None] = {}
    outputs.update(splits_written if splits_written is not None else write_split_files(out_dir, records, shards))
    hidden = cfg.clean.hidden_types()  # a rejected row keeps its content, not its credentials or IBANs
    if rejected_written is None:
        outputs["rejected.jsonl"] = write_records_jsonl(out_dir / "rejected.jsonl", rejected, functools.partial(
            rejected_records, hide=functools.partial(hide_secrets_in, types=hidden) if hidden else None))
    else:
        outputs["rejected.jsonl"] = rejected_written
    write_json(out_dir / "report.json", report)
    write_text(out_dir / "report.md", markdown)
    write_text(out_dir / "report.html", html)
    outputs["report.json"] = outputs["report.md"] = outputs["report.html"] = None
    if report.get("label_noise"):
        outputs["suspect_labels.jsonl"] = write_jsonl(out_dir / "suspect_labels.jsonl", report["label_noise"]["suspects"])
    outputs.update(write_exports(out_dir, cfg.target, records, report))  # export/<target>/..., only with targets
    # the review lists label-conflict rejects with their raw content: hidden as in rejected.jsonl
    outputs.update(write_review_files(out_dir, review_rows(report, hide_secrets_in(conflict_lines(rejected), hidden))))
    manifest = {
        "ftprep_version": __version__,
        "seed": cfg.seed,
        # which seed each stage's random choices used (all the run seed), and the dedup hash parameter
        "seeds": {"clean": cfg.seed, "split": cfg.seed, "measure": cfg.seed, "dedup_hash_seed": cfg.dedup.hash_seed},
        "config": cfg.to_dict(),
        "inputs": [  # the files ingest read, not the globs expanded again (files may appear meanwhile)
            {"path": f["path"], "format": f["format"], "sha256": file_sha256(InputFile(f["path"], f["format"], f["gzip"])),
             "rows": f["rows"]}
            for f in files
        ],
        "outputs": {name: {"sha256": file_digest(out_dir / name), "rows": n} for name, n in outputs.items()},
        # the reviewer's decisions this run applied (--corrections): a changed file is a different run
        **({"corrections": {"path": cfg.corrections.file, "sha256": file_digest(Path(cfg.corrections.file))}}
           if cfg.corrections.file else {}),
        "libraries": {"python": platform.python_version(), **{lib: _version(lib) for lib in LIBRARIES}},
    }
    if invocation is not None:
        manifest["run"] = invocation
    write_json(out_dir / "manifest.json", hide_secrets_in(manifest, hidden))  # input file names, the config, argv


def write_split_files(out_dir: Path, records: Dataset, shards: int = 1) -> dict[str, int]:
    """``train.jsonl``, ``val.jsonl`` and ``test.jsonl`` (with ``shards`` > 1 each as that many files
    ``NAME-00000-of-0000N.jsonl``, record order kept) into ``out_dir``; their rows by file name."""
    written = {}
    for name, part in split_parts(records).items():
        for file_name, rows in _shards(name, part.remove_columns("split"), shards):
            written[file_name] = write_records_jsonl(out_dir / file_name, rows, output_records)
    return written


def _shards(name: str, part: Dataset, shards: int) -> list[tuple[str, Dataset]]:
    """A split's file name(s) and records: one ``NAME.jsonl``, or ``shards`` contiguous slices of near-equal size."""
    named = shard_names(name, len(part), shards)
    return [(file_name, part if shards <= 1 else part.select(range(lo, hi))) for file_name, (lo, hi) in named]


def shard_names(name: str, rows: int, shards: int) -> list[tuple[str, tuple[int, int]]]:
    """The file name(s) of a split of ``rows`` records and the records each holds, as ``(first, end)``."""
    if shards <= 1:
        return [(f"{name}.jsonl", (0, rows))]
    bounds = [rows * k // shards for k in range(shards + 1)]
    return [(f"{name}-{k:05d}-of-{shards:05d}.jsonl", (bounds[k], bounds[k + 1])) for k in range(shards)]


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None
