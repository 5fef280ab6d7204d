"""Standard input and pipes are read whole, once: their rows are all there, and the hash recorded for them is the
hash of the bytes read, never of an empty second read."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading

import pytest

from pipeline.core.errors import InputError
from pipeline.ingest.readers import file_sha256, read_rows, resolve_inputs
from tests.conftest import ROOT, SAMPLES

TICKETS = SAMPLES / "support_tickets.jsonl"


def test_a_fifo_is_read_whole_and_hashed_as_read(tmp_path):
    """A named pipe (what `<(cat f.jsonl)` gives) yields every row of the file, and its hash is the file's."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    data = TICKETS.read_bytes()

    def feed() -> None:
        with open(fifo, "wb") as fh:
            fh.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    [source] = resolve_inputs([str(fifo)], "jsonl")
    writer.join(timeout=10)
    rows = list(read_rows(source))
    assert source.path == str(fifo)  # the outputs name the input as the user gave it
    [direct] = resolve_inputs([str(TICKETS)], None)
    assert rows == list(read_rows(direct)) and len(rows) == 156
    assert resolve_inputs([str(fifo)], "jsonl") == [source]  # read once: later calls reuse the spooled bytes
    assert len(list(read_rows(source))) == 156
    assert file_sha256(source) == hashlib.sha256(data).hexdigest()


def test_a_pipe_without_format_names_the_missing_flag(tmp_path):
    """A pipe has no extension: an InputError asking for --format (exit 2), before anything is read."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is a pipe, which has no file name to tell its format from; use --format"):
        resolve_inputs([str(fifo)], None)


def test_standard_input_through_a_real_pipe():
    """`-` read from a subprocess's stdin: every row, the bytes' hash, gzip recognised by its magic bytes."""
    code = ("from pipeline.ingest.readers import resolve_inputs, read_rows, file_sha256\n"
            "[s] = resolve_inputs(['-'], 'jsonl')\n"
            "print(s.path, s.gzipped, len(list(read_rows(s))), file_sha256(s))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    data = TICKETS.read_bytes()
    for payload, gzipped in ((data, False), (__import__("gzip").compress(data, mtime=0), True)):
        done = subprocess.run([sys.executable, "-c", code], input=payload, capture_output=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.decode().split() == ["-", str(gzipped), "156", hashlib.sha256(payload).hexdigest()]
