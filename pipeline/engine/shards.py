"""The split files and ``rejected.jsonl``, written by Ray workers straight from the blocks in the cluster.

Each file is written by one task that fetches the blocks it needs one at a time, in record order, and serialises
them with the local engine's own row functions (:func:`pipeline.core.output.output_records`, ``rejected_records``):
a file is byte-identical to the local engine's, and no process ever holds more than one block of it. Files are
written in parallel, one task each (with ``--shard-outputs N``, N tasks per split). The folder must be one every
worker sees: the run's staging folder on a local Ray, shared storage on a cluster.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import ray

from pipeline.core.output import atomic_open, output_records, rejected_records
from pipeline.core.records import SPLITS
from pipeline.engine.blocks import Blocks, without_pos, wrap
from pipeline.report.write import shard_names


def write_split_shards(out_dir: Path, records: Blocks, assignment: np.ndarray, shards: int) -> dict[str, ray.ObjectRef]:
    """Start writing every split's file(s) (``split_parts`` and ``_shards`` of the local writer); the rows each file
    will hold, by file name, as references to wait on."""
    written: dict[str, ray.ObjectRef] = {}
    for name in SPLITS:
        in_split = assignment == name
        per_block = [int(in_split[at : at + size].sum()) for at, size in zip(records.starts(), records.sizes)]
        ends = np.cumsum(per_block)
        for file_name, (lo, hi) in shard_names(name, int(in_split.sum()), shards):
            # the blocks holding ranks lo..hi of this split, and the ranks each block starts at
            parts = [(ref, int(end - count)) for ref, count, end in zip(records.refs, per_block, ends)
                     if count and end > lo and end - count < hi]
            written[file_name] = _write_records.remote(str(out_dir / file_name), name, parts, lo, hi)
    return written


def write_rejected(path: Path, rejected: Blocks, hide: Callable[[Any], Any] | None) -> ray.ObjectRef:
    """Start writing ``rejected.jsonl`` from the rejected rows of every stage, in stage order."""
    return _write_rejected.remote(str(path), rejected.refs, hide)


@ray.remote
def _write_records(path: str, split: str, parts: list[tuple[ray.ObjectRef, int]], lo: int, hi: int) -> int:
    def rows() -> Iterable[dict[str, Any]]:
        for ref, first in parts:
            block = ray.get(ref)
            block = block.filter(pc.equal(block["split"], split))
            block = block.slice(max(0, lo - first), max(0, min(hi, first + block.num_rows) - max(lo, first)))
            yield from output_records(wrap(without_pos(block).drop_columns(["split"])))

    return _write_lines(Path(path), rows())


@ray.remote
def _write_rejected(path: str, refs: list[ray.ObjectRef], hide: Callable[[Any], Any] | None) -> int:
    def rows() -> Iterable[dict[str, Any]]:
        for ref in refs:
            yield from rejected_records(wrap(without_pos(ray.get(ref))), hide)

    return _write_lines(Path(path), rows())


def _write_lines(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """One JSON object a line, as :func:`pipeline.core.output.write_jsonl` writes them."""
    count = 0
    with atomic_open(path) as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, allow_nan=False))
            fh.write("\n")
            count += 1
    return count

