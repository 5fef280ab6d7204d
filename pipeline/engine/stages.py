"""The Ray engine's stage list: the local list with clean and dedup swapped for their Ray Data versions."""

from __future__ import annotations

from typing import Any

from pipeline.engine.clean import RayClean
from pipeline.engine.dedup import RayDedup
from pipeline.engine.raydata import RaySession


class RayEngine:
    """Runs clean's marking map and dedup's signatures and LSH on Ray Data; every other stage on the driver."""

    def __init__(self, session: RaySession) -> None:
        self.session = session

    def stages(self, local: list[tuple[str, Any, str]]) -> list[tuple[str, Any, str]]:
        swap = {"clean": RayClean(self.session), "dedup": RayDedup(self.session)}
        return [(name, swap.get(name, stage), section) for name, stage, section in local]
