"""The arguments of ``ftprep run`` turned into what a run needs (its inputs, its config and its output options),
and the run itself.

Everything here is checked before the stages' libraries load (datasets, Great Expectations, scikit-learn,
language models): a missing input, a pipe without ``--format`` or a bad config answers in a fraction of a second.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click


def parse_languages(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    codes = [part.strip().lower() for part in value.split(",") if part.strip()]
    if not codes:
        raise click.BadParameter(f"expected ISO 639-1 codes such as en,de, got {value!r}")
    return codes


def parse_ratios(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[float, ...] | None:
    if value is None:
        return None
    try:
        ratios = tuple(float(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter(f"expected three numbers such as 0.8,0.1,0.1, got {value!r}") from None
    if len(ratios) != 3:
        raise click.BadParameter(f"expected three numbers (train,val,test), got {len(ratios)}")
    return ratios


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
            **{name: flags[name] for name in ("text_field", "label_field", "prompt_field", "completion_field", "messages_field", "chosen_field", "rejected_field", "id_field")},
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
        "corrections": {"file": flags["corrections"]},
    }
    if flags["targets"]:
        overrides["target"] = {"name": list(flags["targets"])}
    return overrides


def execute(inputs: list[str], cfg: Any, out_dir: Path, options: Any, quiet: bool, flags: dict[str, Any]) -> Any:
    """The run itself, once :func:`run_plan` checked everything (the heavy imports start here), with its JUnit file
    when asked."""
    from pipeline.core.progress import Progress
    from pipeline.engine import open_engine
    from pipeline.gate.junit import write_junit
    from pipeline.report.replay import invocation
    from pipeline.runner import run_pipeline

    argv = getattr(click.get_current_context().find_root().command, "argv", None) or sys.argv[1:]
    with open_engine(flags["engine"], flags["ray_address"], flags["num_proc"], flags["verbose"]) as engine:
        result = run_pipeline(inputs, cfg, out_dir, overwrite=flags["overwrite"], progress=Progress.for_terminal(quiet),
                              data_docs=options.data_docs, verbose=flags["verbose"],
                              guarded=tuple(p for p in (flags.get("config_file"),) if p), engine=engine,
                              shard_outputs=options.shard_outputs, timings=options.timings,
                              invocation=invocation(argv, options))
    if flags["junit"]:
        write_junit(flags["junit"], result.report, out_dir.resolve().name, cfg.readiness.fail_on)
    return result


def read_paths(inputs: tuple[str, ...], config_file: Path | None, flags: dict[str, Any]) -> list[str]:
    """The files a run reads, as named on the command line (globs expanded): ``--junit`` must not replace one."""
    import glob

    named = [*inputs, *flags["decontaminate"], *flags["suites"], *filter(None, (config_file, flags["baseline"]))]
    return [path for name in map(str, named) for path in (glob.glob(name) or [name])]
