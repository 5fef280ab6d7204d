"""The Ray engine: a whole run with the records in the cluster (:mod:`pipeline.engine.flow`) where it can, else the
local stage list with clean and dedup swapped for their Ray Data versions (the driver then holds the records)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.engine.clean import RayClean
from pipeline.engine.dedup import RayDedup
from pipeline.engine.raydata import RaySession


class RayEngine:
    """Runs the stages on Ray Data: records in the cluster from reading to writing, or (see :meth:`keeps_records`)
    clean's marking map and dedup's signatures and LSH on Ray and every other stage on the driver."""

    def __init__(self, session: RaySession) -> None:
        self.session = session

    def keeps_records(self, inputs: list[str], cfg: Any) -> bool:
        """Whether the run can keep its records in the cluster: not with what lives in files on the driver (a
        corrections file, a persistent dedup index, eval sets to decontaminate against, standard input, a saved
        dataset) nor yet for preference pairs or target exports."""
        from pipeline.core.records import Task
        from pipeline.ingest.mapping import resolve_mapping
        from pipeline.ingest.readers import HF_DATASET, resolve_inputs
        from pipeline.ingest.stage import _sample_columns

        if cfg.corrections.file or cfg.dedup.index_path or cfg.dedup.decontaminate or cfg.target.targets or "-" in inputs:
            return False
        files = resolve_inputs(inputs, cfg.input.format)
        if any(f.path == "-" or f.format == HF_DATASET for f in files):
            return False
        columns = _sample_columns(files, cfg.input.max_row_bytes)
        where = files[0].path if len(files) == 1 else f"{len(files)} inputs"
        return resolve_mapping(columns, cfg.input, where).task is not Task.PREFERENCE

    def run(self, inputs: list[str], cfg: Any, staging: Path, progress: Any, data_docs: bool, verbose: bool,
            shards: int, local: list[tuple[str, Any, str]], observers: list[tuple[str, Any, str]], timings: Any) -> Any:
        from pipeline.engine.flow import run_flow

        return run_flow(self.session, inputs, cfg, staging, progress, data_docs, verbose, shards, local, observers,
                        timings)

    def stages(self, local: list[tuple[str, Any, str]]) -> list[tuple[str, Any, str]]:
        swap = {"clean": RayClean(self.session), "dedup": RayDedup(self.session)}
        return [(name, swap.get(name, stage), section) for name, stage, section in local]
