"""Stage-by-stage progress on stderr, and the time every stage took.

:class:`Progress` draws one line per stage, rewritten in place: the rows done, rows/s and the time left when the
stage knows how many rows it works through. It draws only on a terminal and never with ``--quiet`` (results go to
files and the summary to stdout). :class:`Timings` records each stage's seconds and rows for ``report.json``'s
``timings`` section (``ftprep run --timings``); it is kept apart from the drawing, so a quiet run is timed too.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

_REDRAW_EVERY = 0.25  # seconds between two redraws of a stage's line: a redraw per batch would flood a slow terminal


class Progress:
    """One status line per stage on ``stream``: ``clean  120,000/1,000,000 rows  3,100 rows/s  ETA 4m43s``."""

    def __init__(self, enabled: bool, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = enabled
        self._stream = stream
        self._clock = clock
        self._name = ""
        self._total: int | None = None
        self._start = 0.0
        self._drawn = float("-inf")

    @classmethod
    def for_terminal(cls, quiet: bool) -> Progress:
        return cls(enabled=not quiet and sys.stderr.isatty())

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[None]:
        """Show ``name`` while the block runs; ``total``: the rows the stage works through, when known (for ETA)."""
        self._name, self._total, self._start, self._drawn = name, total, self._clock(), float("-inf")
        self._write(f"  {name} ...")
        yield
        took = self._clock() - self._start
        self._write(f"  {name} done in {took:.1f}s{_rate(total, took)}\n")

    def rows(self, done: int) -> None:
        """The current stage has worked through ``done`` rows (called now and then by the stage)."""
        now = self._clock()
        if not self.enabled or now - self._drawn < _REDRAW_EVERY:
            return
        self._drawn = now
        self._write(f"  {self._name}  {status_line(done, self._total, now - self._start)}")

    def _write(self, text: str) -> None:
        if self.enabled:
            stream = self._stream or sys.stderr
            stream.write("\r\033[K" + text)
            stream.flush()


def status_line(done: int, total: int | None, elapsed: float) -> str:
    """``120,000/1,000,000 rows  3,100 rows/s  ETA 4m43s`` (without total or rate: what is known)."""
    rate = done / elapsed if elapsed > 0 else 0.0
    line = f"{done:,}/{total:,} rows" if total else f"{done:,} rows"
    if rate > 0:
        line += f"  {rate:,.0f} rows/s"
        if total and total > done:
            line += f"  ETA {_duration((total - done) / rate)}"
    return line


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _rate(rows: int | None, seconds: float) -> str:
    return f" ({rows / seconds:,.0f} rows/s)" if rows and seconds > 0 else ""


class Timings:
    """Seconds and rows per stage, in the order the stages ran, for ``report.json``'s ``timings``."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._begin = clock()
        self._stages: dict[str, dict[str, Any]] = {}

    @contextmanager
    def stage(self, name: str, rows: int | None = None) -> Iterator[None]:
        """Time the block as stage ``name``; ``rows``: the rows it works through (``None``: set later by :meth:`rows`)."""
        start = self._clock()
        try:
            yield
        finally:
            self._stages[name] = {"seconds": self._clock() - start, "rows": rows}

    def add(self, name: str, seconds: float, rows: int | None) -> None:
        """A stage timed elsewhere (in a worker process)."""
        self._stages[name] = {"seconds": seconds, "rows": rows}

    def set_rows(self, name: str, rows: int) -> None:
        """The rows stage ``name`` worked through, when only known after it ran (ingest: the rows it read)."""
        self._stages[name]["rows"] = rows

    def section(self) -> dict[str, Any]:
        """``{"stages": {name: {seconds, rows, rows_per_s}}, "total_seconds"}``; seconds rounded to ms."""
        stages = {name: {"seconds": round(t["seconds"], 3), "rows": t["rows"],
                         "rows_per_s": round(t["rows"] / t["seconds"], 1) if t["rows"] and t["seconds"] > 0 else None}
                  for name, t in self._stages.items()}
        return {"stages": stages, "total_seconds": round(self._clock() - self._begin, 3)}
