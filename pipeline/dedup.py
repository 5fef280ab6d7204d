"""Dedup stage: exact and near duplicates, label conflicts, decontamination.

Placeholder until the dedup stage lands: passes every record through unchanged.
"""

from __future__ import annotations

from datasets import Dataset

from pipeline.config import DedupConfig
from pipeline.records import StageResult, rejections_to_dataset


def dedup(ds: Dataset, cfg: DedupConfig) -> StageResult:
    """Return the records unchanged (no deduplication yet)."""
    return StageResult(kept=ds, rejected=rejections_to_dataset([]), stats={})
