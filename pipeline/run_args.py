"""The arguments of ``ftprep run`` turned into what a run needs: its inputs, its config and its output options.

Everything here is checked before the stages' libraries load (datasets, Great Expectations, scikit-learn,
language models): a missing input, a pipe without ``--format`` or a bad config answers in a fraction of a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


def with_suites(cfg: Any, suites: tuple[str, ...], replace_default: bool | None) -> Any:
    """The config with ``--suite`` files appended to ``[validate] suites`` (and ``--replace-default-suite``)."""
    import dataclasses

    validate_cfg = dataclasses.replace(
        cfg.validate,
        suites=(*cfg.validate.suites, *suites),
        replace_default=cfg.validate.replace_default if replace_default is None else replace_default,
    )
    return dataclasses.replace(cfg, validate=validate_cfg)


def run_plan(inputs: tuple[str, ...], config_file: Path | None, flags: dict[str, Any]) -> tuple[list[str], Any, Any]:
    """The inputs, config and output options of a run, every argument and input path checked: a missing file or a
    bad value answers here, in a fraction of a second, before the stages' libraries load."""
    from pipeline.config import load_config
    from pipeline.engine import expand_directories
    from pipeline.ingest.readers import resolve_inputs
    from pipeline.report.replay import RunOptions, check_same_inputs, replay_of

    if flags["replay"] is not None:
        _no_config_flags(config_file, flags)
        replay = replay_of(flags["replay"], inputs)
        cfg = load_config(None, replay.config)  # the resolved config: every key given, none left to a default
        if flags["num_proc"] is not None:  # workers change the speed, never the outputs
            cfg = load_config(None, {**replay.config, "input": {**replay.config["input"], "num_proc": flags["num_proc"]},
                                     "clean": {**replay.config["clean"], "num_proc": flags["num_proc"]},
                                     "dedup": {**replay.config["dedup"], "num_proc": flags["num_proc"]}})
        check_same_inputs(replay, cfg.input.format)
        return replay.inputs, cfg, replay.options
    if not inputs:
        raise click.UsageError("missing argument INPUT... (or --replay OUT_DIR)")
    cfg = with_suites(load_config(config_file, run_overrides(flags)), flags["suites"], flags["replace_default_suite"])
    paths = expand_directories(list(inputs))
    resolve_inputs(paths, cfg.input.format)  # missing, unreadable format, a pipe without --format: exit 2 now
    return paths, cfg, RunOptions(flags["shard_outputs"], flags["data_docs"], flags["timings"])


_REPLAY_KEEPS = {"junit", "replay", "as_json", "overwrite", "engine", "ray_address", "verbose", "num_proc", "shard_outputs"}


def _no_config_flags(config_file: Path | None, flags: dict[str, Any]) -> None:
    """With --replay the config comes from the manifest: a flag that would change it is a usage error."""
    given = ["--config"] if config_file else []
    given += [f"--{name.replace('_', '-')}" for name, value in flags.items()
              if name not in _REPLAY_KEEPS and value not in (None, (), False)]
    if flags["shard_outputs"] != 1:
        given.append("--shard-outputs")
    if given:
        raise click.UsageError(f"--replay takes the config from the run's manifest.json; drop {', '.join(given)}")


def run_overrides(flags: dict[str, Any]) -> dict[str, Any]:
    """The config sections the flags of ``ftprep run`` set (``None``: not given, the config file's value holds)."""
    overrides = {
        "input": {
            "task": flags["task"],
            "format": flags["input_format"],
            **{name: flags[name] for name in ("text_field", "label_field", "prompt_field", "completion_field", "messages_field", "id_field")},
            "num_proc": flags["num_proc"],
        },
        "clean": {
            "languages": flags["languages"],
            "language_backend": flags["language_backend"],
            "pii": flags["pii"],
            "num_proc": flags["num_proc"],
        },
        "seed": flags["seed"],
        "split": {"ratios": flags["ratios"]},
        "readiness": {"fail_on": flags["fail_on"]},
        "dedup": {
            "enabled": flags["dedup_enabled"],
            "threshold": flags["dedup_threshold"],
            "keep": flags["dedup_keep"],
            "label_conflicts": flags["label_conflicts"],
            "decontaminate": list(flags["decontaminate"]) or None,
            "index_path": flags["dedup_index"],
            "num_proc": flags["num_proc"],
        },
        "drift": {"baseline": flags["baseline"]},
    }
    if flags["targets"]:
        overrides["target"] = {"name": list(flags["targets"])}
    return overrides
