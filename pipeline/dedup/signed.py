"""Signatures and shingle sets of the kept records: computed once by dedup, reused by the split-leakage measure.

Split leakage compares the kept records across the final splits with the same shingling, signatures and banding
as dedup. It used to prepare, shingle and sign every kept record again, holding every text and prepared text as a
Python string on the way (1M records: ~2.5 GB more at its peak, and 20-30 s). Dedup has already computed all of
it for the exact-key leaders, and a kept record's content is its leader's up to what the exact key ignores, which is
what shingling ignores too: the same prepared text, so the same shingle set and signature. Dedup hands them over in
:attr:`pipeline.core.stage.RunContext.carry` (never in the report); split leakage takes them when they were made with
its own settings for the records it is given, and otherwise signs the records itself, batch by batch.

In between (split, validate, measure) they wait in an unnamed temporary file (:class:`Spilled`), not in memory:
~0.9 KB a record, 0.9 GB at 1M records, on top of every stage's own peak otherwise. The file has no name, so it
goes when it is closed or the process ends, whatever happens; if it cannot be written they stay in memory. Split
leakage maps the file rather than reading it back: only the pages it touches enter its memory (every signature,
the shingle sets of the candidate pairs only), and those are page cache, which the kernel can take back.
"""

from __future__ import annotations

import dataclasses
import mmap
import tempfile
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pyarrow as pa
from datasets import Dataset

from pipeline.dedup.near import NearDuplicates
from pipeline.dedup.shingling import ShingleSets

CARRY_KEY = "dedup.signed"
"""Where dedup leaves its :class:`Signed` in ``RunContext.carry`` (split leakage takes it out)."""


@dataclass(frozen=True)
class Signed:
    """MinHash signatures and shingle sets of records, held by *row*: record ``k``'s are row ``row[k]``.

    Args:
        signatures: ``(rows, num_perm)`` uint32.
        sets: the shingle set of every row.
        row: per record, its row (dedup: the record's exact-key leader; several records may share one).
        short_rows: the rows (ascending) whose prepared text the edit rule applies to; ``short_texts``, those texts.
        ids: the records' ids, in order, as made (None: made for the records at hand).
        settings: what the rows were made with (:func:`settings_of`).
    """

    signatures: np.ndarray
    sets: ShingleSets
    row: np.ndarray
    short_rows: np.ndarray
    short_texts: list[str]
    ids: pa.ChunkedArray | None = None
    settings: tuple[Any, ...] = ()

    def fits(self, records: Dataset, near: NearDuplicates) -> bool:
        """Made with ``near``'s settings for exactly these records, in this order."""
        if self.settings != settings_of(near) or self.ids is None or len(self.ids) != len(records):
            return False
        return len(records) == 0 or self.ids.equals(records.with_format("arrow")["id"])

    def load(self) -> Signed:
        return self

    def spill(self) -> Signed | Spilled:
        """Its arrays in an unnamed temporary file until :meth:`Spilled.load` (itself if the file cannot be written)."""
        try:
            disk = OnDisk({"signatures": self.signatures, "values": self.sets.values, "offsets": self.sets.offsets})
        except OSError:
            return self
        empty = ShingleSets(np.zeros(0, np.uint32), np.zeros(1, np.int64))
        return Spilled(disk, dataclasses.replace(self, signatures=np.zeros((0, 0), np.uint32), sets=empty))

    def with_ids(self, ids: pa.ChunkedArray) -> Signed:
        return dataclasses.replace(self, ids=ids)

    def short_at(self, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """The positions in ``rows`` whose row has a short prepared text (ascending), and those texts."""
        if not len(self.short_rows):
            return np.zeros(0, dtype=np.int64), []
        positions = np.flatnonzero(np.isin(rows, self.short_rows))
        found = np.searchsorted(self.short_rows, rows[positions])
        return positions.astype(np.int64), [self.short_texts[k] for k in found.tolist()]


def settings_of(near: NearDuplicates) -> tuple[Any, ...]:
    """What signatures, sets and short texts depend on: shingling, permutations, seed, the edit rule's length."""
    return (near.shingling, near.num_perm, near.hash_seed, near.edits.max_chars if near.edits.enabled else 0)


@dataclass(frozen=True)
class Spilled:
    """A :class:`Signed` whose signatures and shingle sets wait on disk; ``rest`` holds everything else."""

    disk: OnDisk
    rest: Signed

    def fits(self, records: Dataset, near: NearDuplicates) -> bool:
        return self.rest.fits(records, near)

    def with_ids(self, ids: pa.ChunkedArray) -> Spilled:
        return Spilled(self.disk, self.rest.with_ids(ids))

    def load(self) -> Signed:
        """The :class:`Signed`, read back (once: the file is closed, and so removed)."""
        arrays = self.disk.read()
        return dataclasses.replace(self.rest, signatures=arrays["signatures"],
                                   sets=ShingleSets(arrays["values"], arrays["offsets"]))


class OnDisk:
    """NumPy arrays in an unnamed temporary file (gone when closed and unmapped, or when the process ends), read
    back once, as memory-mapped views."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="ftprep-")
        self._layout: list[tuple[str, np.dtype, tuple[int, ...]]] = []
        try:
            for name, array in arrays.items():
                self._layout.append((name, array.dtype, array.shape))
                written = self._file.write(np.ascontiguousarray(array).reshape(-1).view(np.uint8))
                self._file.write(bytes(_aligned(written) - written))
            self._file.flush()
        except OSError:
            self._file.close()
            raise

    def read(self) -> dict[str, np.ndarray]:
        """The arrays, read-only and memory-mapped from the file, not copied into the heap: a reader's memory holds
        only the pages it touches (split leakage: every signature, but of the shingle sets only the candidates').
        The mapping outlives the file object, closed here; the file goes with the last array using it."""
        size = self._file.seek(0, 2)
        mapped = mmap.mmap(self._file.fileno(), size, access=mmap.ACCESS_READ) if size else b""
        self._file.close()
        arrays, offset = {}, 0
        for name, dtype, shape in self._layout:
            count = int(np.prod(shape))
            arrays[name] = np.frombuffer(mapped, dtype=dtype, count=count, offset=offset).reshape(shape)
            offset = _aligned(offset + count * dtype.itemsize)
        return arrays


def _aligned(offset: int) -> int:
    """The next multiple of ``_ALIGN`` (each array starts on one: no unaligned int64 or uint32 reads)."""
    return -(-offset // _ALIGN) * _ALIGN


_ALIGN = 64
