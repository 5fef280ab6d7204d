"""``ftprep check``: re-judge a finished run from its ``report.json``, after proving its files are the ones it wrote.

A later CI step (or a stricter config) can gate on a run without recomputing any stage: the checks read only
``report.json``. Before that, every output file the run's ``manifest.json`` lists is hashed again; a file that was
changed or removed since the run makes the directory untrustworthy and is refused (exit 2). ``manifest.json``
itself is not signed: it proves the files were not changed by accident or by a later step, not against someone
who rewrites the manifest too.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import load_config
from pipeline.core.errors import InputError
from pipeline.core.output import file_digest, write_json
from pipeline.gate.config import DriftConfig
from pipeline.readiness.check import gate_passes, verdict_from
from pipeline.readiness.checklist import readiness_checks
from pipeline.readiness.config import ReadinessConfig
from pipeline.report.assemble import judged_report

RENDERINGS = ("report.md", "report.html")
"""Outputs rendered from ``report.json``: ``ftprep report`` rewrites them and records their new hashes."""


def read_json(path: Path, what: str) -> Any:
    """A JSON file of a run, or an :class:`InputError` saying what is missing or broken."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no {path.name} here: {what}", path=str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", path=str(path)) from None


def changed_outputs(out_dir: Path, manifest: dict[str, Any], names: tuple[str, ...] | None = None) -> list[str]:
    """Each output the manifest lists (or only ``names``) that is missing or whose sha256 differs, as ``name: why``."""
    listed = manifest.get("outputs") or {}
    problems = []
    for name in names if names is not None else tuple(listed):
        entry = listed.get(name)
        if not isinstance(entry, dict):
            problems.append(f"{name}: not listed in manifest.json")
            continue
        path = out_dir / name
        if (why := _outside(out_dir, name)) is not None:
            problems.append(f"{name[:200]!r}: {why}")
        elif not path.is_file():
            problems.append(f"{name}: missing")
        elif file_digest(path) != entry.get("sha256"):
            problems.append(f"{name}: changed since the run (sha256 differs from manifest.json)")
    return problems


def _outside(out_dir: Path, name: str) -> str | None:
    """Why a name the manifest lists is not a file of ``out_dir`` itself (absolute, ``..``, a symlink on the way),
    or None. A run writes only plain files below its folder; a manifest naming anything else was not its own."""
    parts = Path(name).parts
    if not name or Path(name).is_absolute() or ".." in parts:
        return "not a path inside the output folder"
    path = out_dir
    for part in parts:
        path = path / part
        if path.is_symlink():
            return "a symbolic link (a run writes plain files only)"
    return None


def verified_manifest(out_dir: Path, names: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The run's manifest, once every output it lists (or ``names``) hashes as it did; else an InputError (exit 2)."""
    manifest = read_json(out_dir / "manifest.json", "not an ftprep output directory (`ftprep run` writes one)")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("outputs"), dict) or not manifest["outputs"]:
        raise InputError("not a manifest ftprep wrote (no outputs listed)", path=str(out_dir / "manifest.json"))
    problems = changed_outputs(out_dir, manifest, names)
    if problems:
        raise InputError(f"refusing to judge a run whose files changed after it was written: {'; '.join(problems)}",
                         path=str(out_dir))
    return manifest


@dataclass(frozen=True)
class Recheck:
    """A run judged again: the report with the new checks and verdict, and whether the gate lets it through."""

    report: dict[str, Any]
    passed: bool
    verdict_before: str
    fail_on: str


def recheck(out_dir: Path, config_file: Path | None = None, fail_on: str | None = None) -> Recheck:
    """Verify ``out_dir`` against its manifest, then judge its ``report.json`` again.

    Args:
        config_file: the thresholds to judge with (its ``[readiness]`` and ``[drift]``; keys it leaves out take their
            defaults); ``None``: the thresholds the run was made with, from its manifest.
        fail_on: ``warn`` or ``fail`` over the config's ``[readiness] fail_on``; ``None``: the run's own (or
            ``config_file``'s) ``fail_on``.
    """
    manifest = verified_manifest(out_dir)
    report = read_json(out_dir / "report.json", "run `ftprep run` first")
    overrides = {} if config_file else run_thresholds(manifest)
    if fail_on is not None:  # else the run's own fail_on (or the --config file's) decides, as it did at the run
        overrides["readiness"] = {**overrides.get("readiness", {}), "fail_on": fail_on}
    cfg = load_config(config_file, overrides)
    try:
        if not isinstance(report, dict) or not isinstance(report.get("counts"), dict):
            raise TypeError("no counts")
        checks = readiness_checks(report, cfg.readiness, cfg.drift)
        passed = gate_passes(verdict_from(checks), cfg.readiness.fail_on)
        # the dedup index was committed (or not) by the run itself; re-judging does not change that
        index = (report.get("duplicates") or {}).get("index") or {}
        judged = judged_report(report, checks, index.get("committed", passed))
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
        found = (report.get("ftprep_version") if isinstance(report, dict) else None) or "unknown"
        raise InputError(f"not a report this ftprep can judge ({type(exc).__name__}: {str(exc)[:200]}; written by "
                         f"ftprep {found}); re-run `ftprep run` to write a new one",
                         path=str(out_dir / "report.json")) from None
    return Recheck(judged, passed, report.get("verdict"), cfg.readiness.fail_on)


def run_thresholds(manifest: dict[str, Any]) -> dict[str, Any]:
    """The ``[readiness]`` and ``[drift]`` sections the run was made with (from its manifest), as config overrides;
    keys this version of ftprep does not know are left out (the manifest may come from another version)."""
    config = manifest.get("config") or {}
    known = {name: {f.name for f in dataclasses.fields(section)}
             for name, section in (("readiness", ReadinessConfig), ("drift", DriftConfig))}
    return {name: {k: v for k, v in config[name].items() if k in known[name]}
            for name in known if isinstance(config.get(name), dict)}


def check_report_unchanged(out_dir: Path) -> None:
    """Before ``ftprep report`` renders: refuse (exit 2) a ``report.json`` whose hash no longer matches the
    manifest's (edited by hand, say with its verdict set to ``ready``), as ``ftprep check`` would. A folder
    without a manifest (a bare report) has nothing to match and is rendered as it is."""
    if (out_dir / "manifest.json").is_file():
        verified_manifest(out_dir, ("report.json",))


def record_renderings(out_dir: Path) -> None:
    """After ``ftprep report`` re-rendered report.md/html: put their new hashes in the manifest (if there is one)."""
    path = out_dir / "manifest.json"
    if not path.is_file():
        return
    manifest = read_json(path, "")
    outputs = manifest.get("outputs") or {}
    for name in RENDERINGS:
        if name in outputs and (out_dir / name).is_file():
            outputs[name] = {**outputs[name], "sha256": file_digest(out_dir / name)}
    write_json(path, manifest)
