"""Eval sets for decontamination: long shared n-grams and near duplicates of benchmark or held-out records.

A training record is contaminated when it shares a ``ngram``-word n-gram (13 by default, as in the GPT-3 paper's
overlap analysis) with an eval record, or when its shingle Jaccard with one reaches the dedup threshold. Texts
are compared in their normalised form (casefolded, punctuation-insensitive), so formatting does not hide a copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from pipeline.dedup.minhash import MinHasher
from pipeline.dedup.normalise import normalise
from pipeline.dedup.shingling import ShingleSets, Shingling


class EvalSet:
    """Normalised eval texts with where each came from, and a lookup of their word n-grams.

    Args:
        sources: ``file:row`` of each eval record, reported as the matching eval source.
        texts: the eval records' content (normalised here).
        ngram: the length in words of a shared n-gram that counts as contamination.
    """

    def __init__(self, sources: Sequence[str], texts: Sequence[str], ngram: int) -> None:
        self.sources = list(sources)
        self.texts = list(texts)
        self.ngram = ngram
        self._ngrams: dict[bytes, int] = {}
        for position, text in enumerate(self.texts):
            for key in _ngram_keys(normalise(text), ngram):
                self._ngrams.setdefault(key, position)

    def __len__(self) -> int:
        return len(self.texts)

    def ngram_match(self, normalised_text: str) -> int:
        """The position of the first eval record sharing an n-gram with this text, or -1."""
        for key in _ngram_keys(normalised_text, self.ngram):
            position = self._ngrams.get(key)
            if position is not None:
                return position
        return -1

    def signatures(self, hasher: MinHasher, shingling: Shingling) -> tuple[np.ndarray, ShingleSets]:
        """MinHash signatures and shingle sets of the eval records, shingled like the training records."""
        sets = shingling.sets(self.texts)
        return hasher.signatures(sets), sets


def _ngram_keys(normalised_text: str, n: int) -> list[bytes]:
    """8-byte keys of the text's word n-grams (none when the text is shorter than n words)."""
    words = normalised_text.split()
    return [hashlib.sha1(" ".join(words[i : i + n]).encode("utf-8")).digest()[:8] for i in range(len(words) - n + 1)]


def load_eval_set(paths: list[str], ngram: int) -> EvalSet:
    """Read eval files in any input format ftprep reads (through the ingest stage) into an :class:`EvalSet`."""
    from pipeline.ingest.config import InputConfig  # the ingest reader maps whatever columns the eval file has
    from pipeline.ingest.stage import read_records
    from pipeline.core.records import column, content_texts

    ds = read_records(paths, InputConfig()).kept
    sources = [f"{f}:{r}" for f, r in zip(column(ds, "source_file"), column(ds, "source_row"))]
    return EvalSet(sources, content_texts(ds), ngram)
