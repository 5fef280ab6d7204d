"""Inputs that can be read only once: standard input (``-``) and pipes (``<(zcat data.jsonl.gz)``, ``/dev/fd/N``).

ftprep reads an input more than once (its size decides on parallel parsing, the manifest hashes it after the
run), and a pipe read a second time is empty: without care it becomes 0 rows and the hash of nothing. So a stream
is read whole, once, into a private spool file the first time ftprep meets it; every later read (the rows, the
hash in ``manifest.json``) reads those same bytes, while every output still names the input as the user gave it
(``-``, ``/dev/fd/63``). A stream has no file name to tell its format from, so it needs ``--format``.

The spool files live in one temporary folder, removed when the process exits; worker processes forked later
inherit the table and read the same files.
"""

from __future__ import annotations

import atexit
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path

from pipeline.core.errors import InputError

STDIN = "-"
_GZIP_MAGIC = b"\x1f\x8b"
_spooled: dict[str, tuple[str, bool]] = {}  # the input as given -> (its spool file, gzip-compressed?)
_folder: list[str] = []


def is_stream(path: str) -> bool:
    """Whether ``path`` is standard input or a pipe, socket or character device (not a file or folder)."""
    if path == STDIN or path in _spooled:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def spool(path: str, forced_format: str | None) -> tuple[str, bool]:
    """The spool file holding every byte of the stream ``path`` (read now if it was not yet) and whether those bytes
    are gzip-compressed; an InputError (exit 2) without ``--format``."""
    if path in _spooled:
        return _spooled[path]
    if not forced_format:
        shown = "standard input" if path == STDIN else "a pipe"
        raise InputError(f"is {shown}, which has no file name to tell its format from; use --format with one of "
                         "jsonl, json, csv, tsv, parquet", path=path)
    target = Path(_spool_folder()) / f"input-{len(_spooled):03d}"
    try:
        with (sys.stdin.buffer if path == STDIN else open(path, "rb")) as source, open(target, "wb") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror or exc}", path=path) from None
    with open(target, "rb") as fh:
        gzipped = fh.read(2) == _GZIP_MAGIC
    _spooled[path] = (str(target), gzipped)
    return _spooled[path]


def readable_path(path: str) -> str:
    """Where the bytes of ``path`` are read from: its spool file for a stream already read, else ``path`` itself."""
    entry = _spooled.get(path)
    return entry[0] if entry else path


def _spool_folder() -> str:
    if not _folder:
        _folder.append(tempfile.mkdtemp(prefix="ftprep-stdin-"))
        atexit.register(shutil.rmtree, _folder[0], True)
    return _folder[0]
