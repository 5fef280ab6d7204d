"""Row-wise work over an Arrow table on several processes, results in input order.

Batched work (clean's marking today) has one shape: a pure function from a slice of the records to a few new
columns. :func:`map_slices` runs such a
function over ``num_proc`` forked workers. The table is *inherited*, not sent: a worker reads its rows from the
parent's Arrow buffers (copy-on-write pages, never written), so only the slice offsets go to a worker and only
its result comes back. ``datasets.Dataset.map(num_proc=N)`` instead pickles the in-memory table into each worker
and re-encodes every result row through its writer.

Batches are fixed by ``batch_size`` alone, so results do not depend on ``num_proc``. A batch function takes a
``pa.Table`` and returns one, and nothing in it knows how it was called.

Underneath is :func:`map_ordered`, for any work as a function of picklable jobs (batches of lines at ingest, of
texts at dedup, of records when writing): the one place that forks workers and keeps results in input order.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import pyarrow as pa

Job = TypeVar("Job")
Result = TypeVar("Result")
BatchFn = Callable[[pa.Table], Any]

_SHARED: dict[int, Callable[[Any], Any]] = {}
"""What forked workers inherit: the function of each running map (with the table it reads), by call number."""
_calls = iter(range(1 << 62))


def default_workers() -> int:
    """Worker processes when ``--num-proc`` is not given: every core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    """Whether this process may start workers: a pool's worker (the runner's observers run in them) is daemonic
    and may not, so there the work runs in the process itself."""
    return not multiprocessing.current_process().daemon


def slices(rows: int, batch_size: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of consecutive batches covering ``rows`` rows."""
    return [(start, min(start + batch_size, rows)) for start in range(0, rows, batch_size)]


def batched(items: Iterable[Job], size: int) -> Iterator[list[Job]]:
    """Consecutive lists of ``size`` items (the last one shorter), read lazily."""
    batch: list[Job] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def map_slices(table: pa.Table, fn: BatchFn, *, num_proc: int = 1, batch_size: int = 5_000,
               on_rows: Callable[[int], None] | None = None, min_rows: int = 20_000) -> Iterator[Any]:
    """``fn(table.slice(start, stop - start))`` for consecutive batches, yielded in input order.

    With ``num_proc > 1`` and at least ``min_rows`` rows, batches run in forked worker processes (``fn`` and the
    table are inherited, so neither needs to pickle; results do). ``on_rows`` is called with the number of rows
    done so far after each batch.
    """
    ranges = slices(table.num_rows, batch_size)
    workers = min(num_proc, len(ranges)) if table.num_rows >= min_rows and len(ranges) >= 2 else 1

    def run(bounds: tuple[int, int]) -> tuple[int, Any]:
        start, stop = bounds
        return stop - start, fn(table.slice(start, stop - start))

    yield from _tracked(map_ordered(run, ranges, num_proc=workers), on_rows)


def map_ordered(fn: Callable[[Job], Result], jobs: Iterable[Job], *, num_proc: int = 1,
                ahead: int | None = None, fresh: bool = False) -> Iterator[Result]:
    """``fn(job)`` for each job, yielded in input order, on ``num_proc`` forked workers (``fn`` is inherited, so it
    may hold state that does not pickle; jobs and results do pickle).

    Unlike ``Pool.imap``, whose feeder thread drains ``jobs`` as fast as it can, at most ``ahead`` (by default
    ``2 * num_proc``) jobs are taken ahead of the results: a lazy ``jobs`` (batches of a file being read) is never
    held whole in memory. A few jobs of very unequal length (the runner's observers) need them all submitted at
    once, or a short job waits for a long one before it is handed out.

    ``fresh``: each job runs in a worker forked for it alone (from this thread, as :mod:`pipeline.core.workers`
    needs), which exits with it: what a job of a large working set (an observer) leaves in the heap is returned to
    the system, not kept while the next job runs on that core.
    """
    if num_proc <= 1 or not can_fork():
        yield from map(fn, jobs)
        return
    call = next(_calls)
    _SHARED[call] = fn
    try:
        if fresh:
            yield from _one_worker_each(call, list(jobs), num_proc)
            return
        with multiprocessing.get_context("fork").Pool(num_proc) as pool:
            pending: deque[Any] = deque()
            for job in jobs:
                pending.append(pool.apply_async(_call, (call, job)))
                if len(pending) >= (ahead or 2 * num_proc):
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        del _SHARED[call]


def _call(call: int, job: Any) -> Any:
    return _SHARED[call](job)


def _one_worker_each(call: int, jobs: list[Any], num_proc: int) -> Iterator[Any]:
    """``_call(call, job)`` for each job in a process of its own, at most ``num_proc`` at once; results in order."""
    context = multiprocessing.get_context("fork")
    running: dict[int, tuple[Any, Any]] = {}
    finished: dict[int, tuple[bool, Any]] = {}
    started = done = 0
    try:
        while done < len(jobs):
            while started < len(jobs) and len(running) < num_proc:
                reader, writer = context.Pipe(duplex=False)
                worker = context.Process(target=_send_result, args=(call, jobs[started], writer), daemon=True)
                worker.start()
                writer.close()
                running[started], started = (worker, reader), started + 1
            ready = multiprocessing.connection.wait([reader for _, reader in running.values()])
            for index, (worker, reader) in list(running.items()):
                if reader in ready:
                    try:
                        finished[index] = reader.recv()
                    except EOFError:
                        finished[index] = (False, RuntimeError(f"a worker process died (exit code {worker.exitcode})"))
                    worker.join()
                    reader.close()
                    del running[index]
            while done in finished:
                ok, value = finished.pop(done)
                if not ok:
                    raise value
                yield value
                done += 1
    finally:
        for worker, reader in running.values():
            worker.terminate()
            worker.join()
            reader.close()


def _send_result(call: int, job: Any, writer: Any) -> None:
    try:
        result = (True, _SHARED[call](job))
    except BaseException as exc:  # noqa: BLE001 - raised again in the parent, as a Pool does
        result = (False, exc)
    writer.send(result)
    writer.close()


def _tracked(results: Iterable[tuple[int, Any]], on_rows: Callable[[int], None] | None) -> Iterator[Any]:
    done = 0
    for rows, result in results:
        done += rows
        if on_rows is not None:
            on_rows(done)
        yield result


def concat_columns(table: pa.Table, results: Iterable[pa.Table]) -> pa.Table:
    """``table`` with the columns of ``results`` (batches in row order) set: replaced where the name exists,
    appended otherwise. The result's columns are chunked arrays of the batches; nothing is copied."""
    batches = list(results)
    if not batches:
        return table
    for name in batches[0].column_names:
        chunks = [chunk for batch in batches for chunk in batch.column(name).chunks]
        column = pa.chunked_array(chunks, type=batches[0].schema.field(name).type)
        if name in table.column_names:
            table = table.set_column(table.column_names.index(name), name, column)
        else:
            table = table.append_column(name, column)
    return table
