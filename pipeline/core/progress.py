"""Stage-by-stage progress on stderr, shown only on a terminal and never with ``--quiet``."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Progress:
    """One status line per stage, rewritten in place (results go to files and the summary to stdout)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @classmethod
    def for_terminal(cls, quiet: bool) -> Progress:
        return cls(enabled=not quiet and sys.stderr.isatty())

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
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
