"""Where the stages run: ``local`` (this process and its worker processes) or ``ray`` (a Ray cluster).

The local engine is the runner's own ``STAGES`` list. The Ray engine (:mod:`pipeline.engine.stages`) runs a whole
run with the records in the cluster (:mod:`pipeline.engine.flow`: workers read, clean, sign, partition and write;
the driver holds per-record keys and marks and takes the decisions). A run that needs files only the driver has
(a corrections file, a dedup index, eval sets), preference pairs and target exports keep the local stage list with
clean's marking map and dedup's signatures, band buckets and verified pairs on Ray Data. Either way the same row
functions and the same decisions run, so they write the same answer for the same input, config and seed.

Ray is an optional extra (``pip install -e ".[ray]"``): nothing here imports it until ``--engine ray`` is asked for.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from pipeline.core.errors import ConfigError

ENGINES = ("local", "ray")
INSTALL_RAY = 'pip install -e ".[ray]"'
_DATA_SUFFIXES = (".parquet", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
_SAVED_DATASET_FILES = ("dataset_info.json", "state.json", "dataset_dict.json")


class Engine(Protocol):
    """Runs a whole run where the records stay (:meth:`run`, when :meth:`keeps_records` says it can), or gives the
    runner the stage list to run: ``(name, stage, config section)`` like ``runner.STAGES``."""

    def keeps_records(self, inputs: list[str], cfg: Any) -> bool: ...

    def run(self, inputs: list[str], cfg: Any, staging: Path, progress: Any, data_docs: bool, verbose: bool,
            shards: int, local: list[tuple[str, Any, str]], observers: list[tuple[str, Any, str]],
            timings: Any) -> Any: ...

    def stages(self, local: list[tuple[str, Any, str]]) -> list[tuple[str, Any, str]]: ...


@contextmanager
def open_engine(name: str, address: str | None = None, num_cpus: int | None = None,
                verbose: bool = False) -> Iterator[Engine | None]:
    """The engine ``name`` for one run (``None`` for local); a Ray engine is connected here and shut down after.

    Args:
        address: an existing Ray cluster (``ray://host:10001`` or ``auto``); without it a local Ray instance starts
            with ``num_cpus`` CPUs (default: all cores).
    """
    if name == "local":
        if address:
            raise ConfigError("--ray-address needs --engine ray")
        yield None
        return
    if name != "ray":
        raise ConfigError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
    if importlib.util.find_spec("ray") is None or importlib.util.find_spec("ray.data") is None:
        raise ConfigError(f"--engine ray needs Ray Data, which is not installed: {INSTALL_RAY} (or pip install 'ftprep[ray]')")
    from pipeline.engine.raydata import RaySession
    from pipeline.engine.stages import RayEngine

    with RaySession.connect(address, num_cpus, verbose) as session:
        yield RayEngine(session)


def expand_directories(inputs: list[str]) -> list[str]:
    """A directory of Parquet/JSON Lines files (not a ``save_to_disk`` dataset) becomes its files, sorted by name."""
    expanded: list[str] = []
    for given in inputs:
        path = Path(given)
        if not path.is_dir() or any((path / name).exists() for name in _SAVED_DATASET_FILES):
            expanded.append(given)
            continue
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(_DATA_SUFFIXES))
        if not files:
            raise ConfigError(f"{given}: a directory without Parquet or JSON Lines files (and not a saved dataset)")
        expanded += [str(p) for p in files]
    return expanded
