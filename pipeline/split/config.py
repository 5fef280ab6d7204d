"""The ``[split]`` config section: train/val/test ratios (the assignment is seeded with the run seed)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pipeline.core.section import Section


@dataclass(frozen=True)
class SplitConfig(Section):
    """Train/val/test ratios; ``[split] seed`` in a config file is the run seed (see :mod:`pipeline.config`)."""

    name = "split"

    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)

    def problems(self) -> list[str]:
        ratios = self.ratios
        if len(ratios) != 3 or not all(math.isfinite(r) and r >= 0 for r in ratios):
            return [f"ratios must be three non-negative numbers (train,val,test), got {ratios}"]
        found = []
        if abs(sum(ratios) - 1.0) > 1e-6:
            found.append(f"ratios must add up to 1, got {ratios} (sum {sum(ratios):g})")
        if ratios[0] <= 0:
            found.append("the train ratio must be above 0")
        return found
