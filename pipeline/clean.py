"""Clean stage: repair and normalise text, filter unusable records, detect language and PII.

Placeholder until the clean stage lands: passes every record through unchanged.
"""

from __future__ import annotations

from datasets import Dataset

from pipeline.config import CleanConfig
from pipeline.records import StageResult, rejections_to_dataset


def clean(ds: Dataset, cfg: CleanConfig) -> StageResult:
    """Return the records unchanged (no cleaning yet)."""
    return StageResult(kept=ds, rejected=rejections_to_dataset([]), stats={})
