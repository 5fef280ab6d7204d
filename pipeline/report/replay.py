"""A run's ``manifest.json`` as a recipe: what it records about how the run was made, and ``ftprep run --replay``.

The manifest holds the whole resolved config, every input with its sha256, and (under ``run``) the command line,
the options that shape the outputs but are not config (``--shard-outputs``, ``--data-docs``, ``--timings``),
ftprep's version and, from a git checkout, its commit. ``--replay OUT_DIR`` runs the same inputs with that config
and those options again; same inputs + config + seed give byte-identical outputs.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.core.errors import InputError

_CHECKOUT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class RunOptions:
    """The options of ``ftprep run`` that change its outputs but are not config sections."""

    shard_outputs: int = 1
    data_docs: bool = False
    timings: bool = False


_WHERE_AND_HOW = {"--out": 1, "--junit": 1, "--overwrite": 0, "--quiet": 0, "-q": 0, "--json": 0, "--debug": 0}
"""Options that only say where the outputs go or what is printed, with the number of values each takes."""


def invocation(argv: list[str], options: RunOptions) -> dict[str, Any]:
    """The manifest's ``run`` entry: the command line, the output options, ftprep's version and commit.

    ``argv`` leaves out the options of :data:`_WHERE_AND_HOW` (``--out``, ``--junit``, ``--overwrite``, ``--quiet``,
    ``--json``, ``--debug``): two identical runs into two folders write the same manifest, byte for byte.
    """
    return {"argv": _shaping_arguments(argv), "shard_outputs": options.shard_outputs, "data_docs": options.data_docs,
            "timings": options.timings, "ftprep_version": __version__, "git_commit": git_commit()}


def _shaping_arguments(argv: list[str]) -> list[str]:
    kept, skip = [], 0
    for word in argv:
        if skip:
            skip -= 1
        elif word in _WHERE_AND_HOW:
            skip = _WHERE_AND_HOW[word]
        elif not (word.startswith("--") and word.split("=", 1)[0] in _WHERE_AND_HOW and "=" in word):
            kept.append(word)
    return kept


def git_commit() -> str | None:
    """The commit of the ftprep checkout this code runs from (with ``+dirty`` when files differ from it); ``None``
    for an installed wheel or when git is not at hand. Two git calls, about 10 ms."""
    if not (_CHECKOUT / ".git").exists() or not (_CHECKOUT / "pipeline").is_dir():
        return None
    try:
        head = subprocess.run(["git", "-C", str(_CHECKOUT), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(_CHECKOUT), "diff", "--quiet", "HEAD", "--", "pipeline"],
                               capture_output=True, timeout=5).returncode != 0
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "") if head else None


@dataclass(frozen=True)
class Replay:
    """What ``--replay`` runs again: the inputs, the config (as ``load_config`` overrides) and the output options."""

    inputs: list[str]
    config: dict[str, Any]
    options: RunOptions
    hashes: dict[str, str]


def replay_of(out_dir: Path, inputs: tuple[str, ...] = ()) -> Replay:
    """The recipe of the run in ``out_dir`` (its ``manifest.json``); ``inputs`` replace its input paths (same order,
    same count), e.g. when the files moved. An InputError (exit 2) when the manifest cannot be replayed."""
    from pipeline.gate.recheck import read_json

    manifest = read_json(out_dir / "manifest.json", "not an ftprep output directory (`ftprep run` writes one)")
    recorded = manifest.get("inputs") if isinstance(manifest, dict) else None
    if not isinstance(recorded, list) or not isinstance(manifest.get("config"), dict) or not recorded:
        raise InputError("manifest.json has no inputs or config to replay", path=str(out_dir / "manifest.json"))
    if inputs and len(inputs) != len(recorded):
        raise InputError(f"the run read {len(recorded)} input(s); give as many to --replay, or none to read "
                         "the recorded ones", path=str(out_dir / "manifest.json"))
    config = manifest["config"]
    if (config.get("dedup") or {}).get("index_path"):
        raise InputError("a run that used a dedup index cannot be replayed: the index now holds that run's own "
                         "records, so every row would be a duplicate", path=str(out_dir / "manifest.json"))
    paths = list(inputs) or [entry["path"] for entry in recorded]
    run = manifest.get("run") or {}
    options = RunOptions(int(run.get("shard_outputs", 1)), bool(run.get("data_docs")), bool(run.get("timings")))
    return Replay(paths, config, options, {path: entry.get("sha256") for path, entry in zip(paths, recorded)})


def check_same_inputs(replay: Replay, input_format: str | None) -> None:
    """Refuse (exit 2) to replay with an input whose bytes differ from the run's: the outputs could not match."""
    from pipeline.ingest.readers import file_sha256, resolve_inputs

    for source in resolve_inputs(replay.inputs, input_format):
        if file_sha256(source) != replay.hashes.get(source.path):
            raise InputError("differs from the input the run read (sha256 differs from manifest.json); a replay "
                             "needs the same bytes", path=source.path)
