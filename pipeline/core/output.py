"""Writing outputs: atomically (temp file + rename), deterministically (fixed key order, no timestamps), as strict
JSON (no bare ``NaN``/``Infinity``, which RFC 8259 parsers such as Node's ``JSON.parse`` refuse).

Where the files go, and how a run replaces an earlier run's files all at once, is :mod:`pipeline.core.outdir`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from datasets import Dataset

from pipeline.chat.schema import written_message
from pipeline.core.parallel import can_fork, default_workers, map_ordered
from pipeline.core.records import RECORD_FIELDS, TASK_FIELDS, Task, task_of

ANALYSIS_COLUMNS = ("lang", "n_tokens")  # added by stages; written into each record's meta
_WRITE_BATCH = 10_000  # records serialised per job by write_records_jsonl
_PARALLEL_WRITE_ROWS = 50_000  # from this many records, on forked workers


@contextmanager
def atomic_open(path: Path) -> Iterator[IO[str]]:
    """Open ``path`` for writing text; it appears, complete, only when the block ends without error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    # mkstemp creates 0600 files; an output must get the user's umask like any file they write (a training job
    # running as another user has to read train.jsonl)
    os.fchmod(fd, 0o666 & ~_umask())
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it: put it straight back
    os.umask(mask)
    return mask


def write_json(path: Path, data: Any) -> None:
    """``data`` as indented JSON; a NaN or infinite figure is written as null."""
    with atomic_open(path) as fh:
        json.dump(finite_json(data)[0], fh, ensure_ascii=False, indent=2, allow_nan=False)
        fh.write("\n")


def write_text(path: Path, text: str) -> None:
    with atomic_open(path) as fh:
        fh.write(text)


def write_records_jsonl(path: Path, ds: Dataset, to_rows: Callable[[Dataset], Iterable[dict[str, Any]]]) -> int:
    """``write_jsonl(path, to_rows(ds))``, the same bytes, with the rows of a large ``ds`` serialised in batches on
    forked workers (one per core; at 1M records serialising took most of the 37 s of writing the outputs).

    Each worker writes its batch's lines to a part file beside ``path`` and the parent copies the parts in order:
    sending the text back through the pool's pipes kept the parent as busy as a worker (2.1 s of CPU for 300k
    records, against 4.8 s to do all of it alone).
    """

    def lines(start: int) -> tuple[int, bytes]:
        batch = ds.select(range(start, min(start + _WRITE_BATCH, len(ds))))
        rows = [json.dumps(row, ensure_ascii=False, allow_nan=False) for row in to_rows(batch)]
        return len(rows), "".join(row + "\n" for row in rows).encode("utf-8")

    def part_of(start: int) -> Path:
        return path.with_name(f".{path.name}.{start}.part")

    def write_part(start: int) -> int:
        count, text = lines(start)
        part_of(start).write_bytes(text)
        return count

    starts = range(0, len(ds), _WRITE_BATCH)
    count = 0
    with atomic_open(path) as fh:
        if len(ds) < _PARALLEL_WRITE_ROWS or default_workers() == 1 or not can_fork():
            for start in starts:
                n, text = lines(start)
                fh.buffer.write(text)
                count += n
            return count
        try:
            for start, n in zip(starts, map_ordered(write_part, starts, num_proc=default_workers())):
                with open(part_of(start), "rb") as part:
                    shutil.copyfileobj(part, fh.buffer, 1 << 20)
                count += n
        finally:
            for start in starts:
                part_of(start).unlink(missing_ok=True)
    return count


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write one JSON object per line; returns the number of lines."""
    count = 0
    with atomic_open(path) as fh:
        for row in rows:  # rows come from canonical records, whose non-finite numbers ingest made null
            fh.write(json.dumps(row, ensure_ascii=False, allow_nan=False))
            fh.write("\n")
            count += 1
    return count


def output_records(ds: Dataset) -> Iterator[dict[str, Any]]:
    """Canonical records as users get them: ``id``, the task's fields (and, for chat, ``tools`` and
    ``parallel_tool_calls`` when a record has them), then ``meta``."""
    task = task_of(ds)
    fields, extras = TASK_FIELDS[task], RECORD_FIELDS[task]
    analysis = [c for c in ANALYSIS_COLUMNS if c in ds.column_names]
    for batch in ds.with_format("arrow").iter(batch_size=10_000):
        for row in batch.to_pylist():
            meta = {"source_file": row["source_file"], "source_row": row["source_row"]}
            meta.update({name: row[name] for name in analysis})
            if row["extra"]:
                meta.update(json.loads(row["extra"]))
            record = {"id": row["id"], **{name: row[name] for name in fields}}
            if task is Task.CHAT:
                record["messages"] = [written_message(m) for m in row["messages"]]
                record.update({name: _record_field(name, row[name]) for name in extras if row.get(name) is not None})
            if task is Task.PREFERENCE:  # prompt, chosen, rejected: message lists, TRL's conversational form
                record.update({name: [written_message(m) for m in row[name]] for name in fields})
            yield {**record, "meta": meta}


def _record_field(name: str, value: Any) -> Any:
    return json.loads(value) if name == "tools" else value


def rejected_records(ds: Dataset, hide: Callable[[Any], Any] | None = None) -> Iterator[dict[str, Any]]:
    """Rejections as ``rejected.jsonl`` lines: reason, detail, where from, and the original row unchanged but for
    what ``hide`` replaces in every line (the clean stage's credentials and IBANs: see ``write_outputs``)."""
    for batch in ds.with_format("arrow").iter(batch_size=10_000):
        for row in batch.to_pylist():
            line = {
                "reason": row["reason"],
                "detail": row["detail"],
                "stage": row["stage"],
                "source_file": row["source_file"],
                "source_row": row["source_row"],
            }
            if row["id"] is not None:
                line["id"] = row["id"]
            if row["info"]:
                line.update(json.loads(row["info"]))
            line["raw"] = json.loads(row["raw"]) if row["raw_is_json"] else row["raw"]
            yield hide(line) if hide is not None else line


def file_digest(*paths: Path) -> str:
    """The sha256 of the files' bytes, read one after the other."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def finite_json(value: Any) -> tuple[Any, int]:
    """``value`` with every NaN or infinite float (at any depth) replaced by None, and how many were replaced."""
    if isinstance(value, float):
        return (value, 0) if math.isfinite(value) else (None, 1)
    if isinstance(value, dict):
        pairs = {key: finite_json(item) for key, item in value.items()}
        return {key: item for key, (item, _) in pairs.items()}, sum(n for _, n in pairs.values())
    if isinstance(value, (list, tuple)):
        items = [finite_json(item) for item in value]
        return [item for item, _ in items], sum(n for _, n in items)
    return value, 0
