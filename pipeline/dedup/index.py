"""The persistent dedup index (``--dedup-index PATH``): records kept by earlier runs, for incremental datasets.

datasketch's own storage backends are an in-memory dict or Redis/Cassandra servers, none of which is a file, and
its pickled ``MinHashLSH`` would cost ~7 KB per record; so the index keeps what LSH is rebuilt from, in a
directory of plain files:

- ``index.json``: ``{"format": 3, "num_perm", "seed", "shingle", "ngram", "accents", "count"}``
- ``signatures.npy``: ``(count, num_perm)`` uint32 MinHash values (datasketch ``affine32`` hash values of the
  :func:`pipeline.shingling.shingle_hash32` shingle hashes; a row is
  ``LeanMinHash(seed=seed, hashvalues=row, scheme="affine32")``)
- ``shingles.npy`` / ``offsets.npy``: each record's sorted unique shingle hashes, for exact Jaccard verification
- ``records.jsonl``: one ``{"id", "key", "label"}`` line per record (``key``: 16 hex digits, the first 8 bytes
  of the SHA-1 of the normalised content, little-endian; the label for classification, else null)

The stage writes the updated index next to the old one, as ``PATH.pending``; the run then commits it (renames it
into place) only if its data passes the gate, so records of a rejected run never enter the index and the corrected
re-run is not deduplicated against them. A crashed run leaves the old index.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.dedup.config import DedupConfig
from pipeline.core.errors import ConfigError
from pipeline.dedup.shingling import ShingleSets, Shingling

# 3: char shingles of normalised text (punctuation dropped, as word shingles and keys always had it), "accents"
# 2: char shingles kept punctuation; a format-2 index of word shingles is still comparable and is read as is
# 1: SHA-1 per shingle; its hashes cannot be converted
FORMAT = 3


class DedupIndex:
    """Signatures, shingle sets and ``(id, key, label)`` of every record kept by earlier runs."""

    def __init__(self, path: Path, cfg: DedupConfig) -> None:
        self.path = path
        self.cfg = cfg
        self.shingling: Shingling | None = None
        self.signatures = np.zeros((0, cfg.num_perm), dtype=np.uint32)
        self.sets = ShingleSets(np.zeros(0, np.uint32), np.zeros(1, np.int64))
        self.records: list[tuple[str, int, str | None]] = []

    @classmethod
    def open(cls, path: str, cfg: DedupConfig) -> DedupIndex:
        """Load the index at ``path``, or start an empty one if the directory does not exist yet."""
        check_index_path(path)
        index = cls(Path(path), cfg)
        meta_path = index.path / "index.json"
        if not meta_path.exists():
            return index
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{meta_path}: not a readable dedup index: {exc}") from None
        if meta.get("format") == 2 and meta.get("shingle") == "char":
            raise ConfigError(
                f"{path}: dedup index format 2 holds character shingles taken with punctuation, which this ftprep "
                "drops before shingling (format 3); start a new index with another --dedup-index path"
            )
        if meta.get("format") not in (2, FORMAT):
            raise ConfigError(
                f"{path}: dedup index format {meta.get('format')} cannot be read by this ftprep (format {FORMAT}: "
                "shingles are hashed differently); start a new index with another --dedup-index path"
            )
        if meta.get("num_perm") != cfg.num_perm or meta.get("seed") != cfg.hash_seed:
            raise ConfigError(
                f"{path}: dedup index was built with num_perm={meta.get('num_perm')}, hash_seed={meta.get('seed')}; "
                f"this run uses num_perm={cfg.num_perm}, hash_seed={cfg.hash_seed}"
            )
        index.shingling = Shingling(meta["shingle"], int(meta["ngram"]), accents=meta.get("accents", True))
        index.signatures = np.load(index.path / "signatures.npy")
        index.sets = ShingleSets(np.load(index.path / "shingles.npy"), np.load(index.path / "offsets.npy"))
        with open(index.path / "records.jsonl", encoding="utf-8") as fh:
            index.records = [(r["id"], int(r["key"], 16), r["label"]) for r in map(json.loads, fh)]
        return index

    def __len__(self) -> int:
        return len(self.records)

    def update(
        self, kept: list[tuple[int, str, int, str | None]], sigs: np.ndarray, sets: ShingleSets, shingling: Shingling
    ) -> dict[str, Any]:
        """Add this run's kept records (``(leader, id, key, label)``) and write the index to ``PATH.pending``, for
        :func:`commit_pending` to put in place; returns its figures."""
        prior = len(self)
        leaders = np.array([k[0] for k in kept], dtype=np.int64)
        self.signatures = np.concatenate([self.signatures, sigs[leaders]])
        self.sets = ShingleSets.concat([self.sets, sets.select(leaders)])
        self.records += [(record_id, key, label) for _, record_id, key, label in kept]
        self.shingling = shingling
        self._write_pending()
        return {"path": str(self.path), "prior_records": prior, "added": len(kept), "total": len(self)}

    def _write_pending(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        np.save(tmp / "signatures.npy", self.signatures)
        np.save(tmp / "shingles.npy", self.sets.values)
        np.save(tmp / "offsets.npy", self.sets.offsets)
        with open(tmp / "records.jsonl", "w", encoding="utf-8") as fh:
            for record_id, key, label in self.records:
                record = {"id": record_id, "key": f"{key:016x}", "label": label}
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        meta = {
            "format": FORMAT,
            "num_perm": self.cfg.num_perm,
            "seed": self.cfg.hash_seed,
            "shingle": self.shingling.mode,
            "ngram": self.shingling.n,
            "accents": self.shingling.accents,
            "count": len(self),
        }
        (tmp / "index.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        pending = _pending(self.path)
        shutil.rmtree(pending, ignore_errors=True)
        os.replace(tmp, pending)


def check_index_path(path: str) -> None:
    """Refuse an index path that is a file or a non-empty directory without ``index.json``: committing the index
    replaces whatever is at the path, so it must never be the user's own data."""
    target = Path(path)
    if target.is_file():
        raise ConfigError(f"{path}: --dedup-index is a file; give a directory (new, empty or an index)")
    if target.is_dir() and not (target / "index.json").exists() and any(target.iterdir()):
        raise ConfigError(f"{path}: --dedup-index is a directory that is not a dedup index (no index.json) and not "
                          "empty; give a new or empty directory, or an index an earlier run wrote")


def commit_pending(path: str) -> None:
    """Put the index written by the last :meth:`DedupIndex.update` at ``path`` in place of the old one."""
    target = Path(path)
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(_pending(target), target)
    shutil.rmtree(old, ignore_errors=True)


def discard_pending(path: str) -> None:
    """Drop the index written by the last :meth:`DedupIndex.update`: the index at ``path`` stays as it was."""
    shutil.rmtree(_pending(Path(path)), ignore_errors=True)


def _pending(path: Path) -> Path:
    return path.with_name(path.name + ".pending")
