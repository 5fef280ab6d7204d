"""Returning freed heap memory to the system between the steps of a large run."""

from __future__ import annotations

import ctypes


def release_free_memory() -> None:
    """Give the heap memory freed so far back to the system (glibc only; elsewhere nothing happens).

    A stage's Python strings of more than 512 bytes (texts) live in the C heap, and so do arrays of up to 32 MB
    once glibc has raised its mmap threshold; glibc keeps what they freed unless told to return it. At 1M records
    that was GBs of RSS that the next stages' peaks were stacked on. The runner calls this after every stage, and
    a stage after a step that freed much (dedup's signing batches, ~0.4 GB).
    """
    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
