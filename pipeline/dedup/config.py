"""The ``[dedup]`` config section: exact and near duplicates, label conflicts, decontamination, the index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.core.section import Section, seed_problems

MAX_ROWS = 64  # rows per LSH band: band keys mix at most this many signature values
MAX_EDITS = 8  # edit twins: a text makes ~(k+1)^2 (k/2+1) probes, 405 at 8
MIN_EDIT_SIMILARITY = 0.7  # from 0.7 up every length can be cut into enough segments (EditRule.exact)


@dataclass(frozen=True)
class DedupConfig(Section):
    """Options of the dedup stage (exact and near duplicates, label conflicts, decontamination).

    Usage::

        [dedup]
        threshold = 0.8          # Jaccard of shingle sets at or above which two records are near duplicates
        keep = "longest"
        label_conflicts = "majority"
        decontaminate = ["eval/test.jsonl"]

    Args:
        enabled: False turns the whole stage off (records pass through; leakage is then not guaranteed).
        near: False keeps exact deduplication only.
        num_perm: MinHash permutations (signature length).
        threshold: Jaccard similarity of shingle sets at or above which two records are near duplicates; every
            LSH candidate is verified against it exactly.
        shingle: ``word`` n-grams, ``char`` n-grams, or ``auto``: char n-grams when the dataset's median record
            has fewer than ``auto_min_words`` words or is written without spaces, word n-grams otherwise.
        lsh_recall: LSH banding is chosen so that a pair exactly at ``threshold`` becomes a candidate with at
            least this probability (banding below the threshold; candidates are then verified).
        bands, rows: explicit LSH banding (both set) instead of the one derived from ``lsh_recall``.
        keep: which record of a cluster is kept: the ``first`` in input order or the ``longest``.
        label_conflicts: a cluster whose records carry different labels: ``drop`` rejects all of them,
            ``majority`` keeps the majority label (a tie drops), ``keep`` keeps one record per label.
        minimal_pairs: in a recognised text-pair layout (NLI, paraphrase: :mod:`pipeline.dedup.pairs`) near
            duplicates are minimal pairs built on purpose: every one is kept (different labels included), in one
            cluster; exact duplicates are still removed and an exact pair with two labels is still a conflict.
        decontaminate: eval files; training records sharing a ``contamination_ngram``-word n-gram with, or near
            duplicating, one of their records are rejected as ``contaminated``.
        index_path: a directory holding kept signatures across runs (incremental dedup); created if missing and
            updated with this run's kept records.
        num_proc: processes computing signatures (used from ``parallel_min_rows`` rows); none = every core.
        examples: how many example clusters the report shows.
        group_threshold: Jaccard at or above which two records are near twins: not removed, but kept in one split
            (same label for classification); ``threshold`` turns grouping off.
        group_recall: LSH banding also makes a pair exactly at ``group_threshold`` a candidate with this probability.
        group_max_share: a near-twin group never grows past this share of its label's kept records (of all kept
            records without labels), or 3: joins that would are refused, so chains of weak pairs stop.
        edit_max_chars: the edit-twin rule (near twins of short texts that Jaccard misses, see
            :mod:`pipeline.dedup.edits`) applies to prepared texts of at most this many characters; 0 turns it off.
        edit_max_edits: two such texts (same label for classification) are near twins when at most this many edits
            apart (insert, delete, substitute, swap neighbours: optimal string alignment distance) ...
        edit_similarity: ... and ``1 - edits / length of the longer text`` is at least this.
        edit_max_candidates: the most candidate pairs the edit pass verifies; when a sample predicts more (short
            texts of one label in the hundreds of thousands), it runs with fewer edits and the report says so.
        label_shift: a label of at least 20 records whose share of the records dedup moves by this fraction of
            itself is listed in the report (0.15: a label at 13.4% that ends below 11.4% or above 15.4%).
        strip_accents: also drop Latin, Greek and Cyrillic accents before keying and shingling ("café" = "cafe");
            texts are always casefolded with punctuation and symbols turned into spaces.
    """

    name = "dedup"

    enabled: bool = True
    near: bool = True
    num_perm: int = 128
    threshold: float = 0.8
    shingle: Literal["auto", "word", "char"] = "auto"
    word_ngram: int = 5
    char_ngram: int = 5
    auto_min_words: int = 30
    lsh_recall: float = 0.998
    bands: int | None = None
    rows: int | None = None
    hash_seed: int = 1
    keep: Literal["first", "longest"] = "first"
    label_conflicts: Literal["drop", "majority", "keep"] = "drop"
    minimal_pairs: bool = True
    decontaminate: tuple[str, ...] = ()
    contamination_ngram: int = 13
    index_path: str | None = None
    num_proc: int | None = None
    parallel_min_rows: int = 20_000
    batch_size: int = 1000
    examples: int = 5
    strip_accents: bool = False
    group_threshold: float = 0.5
    group_recall: float = 0.99
    group_max_share: float = 0.1
    edit_max_chars: int = 80
    edit_max_edits: int = 4
    edit_similarity: float = 0.8
    edit_max_candidates: int = 10_000_000
    label_shift: float = 0.15

    def problems(self) -> list[str]:
        found = seed_problems("hash_seed", self.hash_seed)
        if not 0.0 < self.threshold <= 1.0:
            found.append(f"threshold must be in (0, 1], got {self.threshold}")
        if not 0.0 < self.group_threshold <= self.threshold:
            found.append(f"group_threshold must be in (0, threshold], got {self.group_threshold}")
        if not 0.0 < self.group_recall < 1.0 or not 0.0 < self.lsh_recall < 1.0:
            found.append(f"lsh_recall and group_recall must be in (0, 1), got {self.lsh_recall}, {self.group_recall}")
        if not 0.0 < self.group_max_share <= 1.0:
            found.append(f"group_max_share must be in (0, 1], got {self.group_max_share}")
        if self.edit_max_chars < 0 or not 1 <= self.edit_max_edits <= MAX_EDITS or self.edit_max_candidates < 1:
            found.append(f"edit_max_chars must be at least 0, edit_max_edits in 1..{MAX_EDITS} and edit_max_candidates "
                         f"at least 1, got {self.edit_max_chars}, {self.edit_max_edits}, {self.edit_max_candidates}")
        if not MIN_EDIT_SIMILARITY <= self.edit_similarity < 1.0:
            found.append(f"edit_similarity must be in [{MIN_EDIT_SIMILARITY}, 1), got {self.edit_similarity} (below it a "
                         "short text's edits could touch every segment the exact candidate search cuts it into)")
        if self.label_shift <= 0:
            found.append(f"label_shift must be above 0, got {self.label_shift}")
        if self.num_perm < 2:
            found.append(f"num_perm must be at least 2, got {self.num_perm}")
        if (self.bands is None) != (self.rows is None):
            found.append("bands and rows must be set together (or neither)")
        elif self.bands is not None and (self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm):
            found.append(f"bands x rows must be positive and at most num_perm ({self.num_perm})")
        elif self.rows is not None and self.rows > MAX_ROWS:
            found.append(f"rows must be at most {MAX_ROWS} (a band of more rows almost never matches), got {self.rows}")
        if min(self.word_ngram, self.char_ngram, self.contamination_ngram, self.num_proc or 1, self.batch_size) < 1:
            found.append("n-gram sizes, num_proc and batch_size must be at least 1")
        if not self.enabled and (self.decontaminate or self.index_path):
            found.append("decontaminate and index_path (--decontaminate, --dedup-index) work in the dedup stage: "
                         "with enabled = false (--no-dedup) they would silently do nothing")
        return found
