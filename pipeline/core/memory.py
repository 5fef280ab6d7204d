"""Memory: returning freed heap memory to the system between the steps of a large run, and refusing to start under
an address-space limit too small for a run."""

from __future__ import annotations

import ctypes

from pipeline.core.errors import ConfigError


def release_free_memory() -> None:
    """Give the heap memory freed so far back to the system (glibc only; elsewhere nothing happens).

    A stage's Python strings of more than 512 bytes (texts) live in the C heap, and so do arrays of up to 32 MB
    once glibc has raised its mmap threshold; glibc keeps what they freed unless told to return it. At 1M records
    that was GBs of RSS that the next stages' peaks were stacked on. The runner calls this after every stage, and
    a stage after a step that freed much (dedup's signing batches, ~0.4 GB).
    """
    import pyarrow as pa

    pa.default_memory_pool().release_unused()  # Arrow's own allocator (mimalloc) keeps freed pages too
    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


MIN_ADDRESS_SPACE_MIB = 2900
"""The least address space (``ulimit -v``) a run starts with: measured on a 40-row CSV, a run under 2,539 MiB
failed to map a shared library (scikit-learn, SciPy) or died inside the language detector, whose allocation
failure aborts the process with no message and no cleanup; 2,929 MiB ran it."""


def check_address_space(minimum_mib: int = MIN_ADDRESS_SPACE_MIB) -> None:
    """Refuse (exit 2) to start a run under an address-space limit (``ulimit -v``) too small for it.

    A native library that cannot allocate aborts the whole process (exit 134) without a word and leaves the
    staging folder behind; this says so before anything is written instead.
    """
    try:
        import resource
    except ImportError:  # not a Unix system: no such limit
        return
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft >= minimum_mib << 20:
        return
    raise ConfigError(f"the address-space limit (ulimit -v) is {soft >> 20:,} MiB; a run needs at least "
                      f"{minimum_mib:,} MiB (its libraries and language models map that much): raise the limit "
                      f"(ulimit -v {minimum_mib << 10}) or run without it")
