"""The whole configuration of a run: one section per stage, loaded once from TOML and command-line overrides.

Each section is a frozen dataclass that lives with its stage (``pipeline/<stage>/config.py``) and has defaults
that work without any config; a stage receives only its own section::

    seed = 42                # the run seed: every random choice of every stage is made with it

    [input]
    task = "classification"
    text_field = "utterance"

    [split]
    ratios = [0.8, 0.1, 0.1]

An invalid config is one :class:`ConfigError` that lists every problem: unknown sections and keys (with the valid
ones and a "did you mean"), values of the wrong type and values out of range.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.clean.config import CleanConfig
from pipeline.correct.config import CorrectionsConfig
from pipeline.core.errors import ConfigError
from pipeline.core.section import SectionError, seed_problems
from pipeline.dedup.config import DedupConfig
from pipeline.gate.config import DriftConfig
from pipeline.ingest.config import InputConfig
from pipeline.readiness.config import ReadinessConfig
from pipeline.split.config import SplitConfig
from pipeline.targets.config import TargetConfig
from pipeline.validate.config import ValidateConfig


# Keys that changed meaning: a config file using one gets a problem that says what to write instead.
_MOVED_KEYS = {
    ("clean", "seed"): "[clean] seed is gone: the language sample now follows the run seed (top-level seed = N, or --seed)",
    ("dedup", "seed"): "[dedup] seed is now [dedup] hash_seed (a MinHash hash parameter, not a random choice: "
                       "a dedup index only matches runs with the same one)",
}


@dataclass(frozen=True)
class Config:
    """The whole resolved configuration of one run.

    Args:
        seed: the run seed (``--seed``, top-level ``seed``, or ``[split] seed`` as older configs write it):
            the language sample, langdetect, the split, the learning curve, cleanlab's folds and the diversity
            sample all use it. The MinHash permutations use ``[dedup] hash_seed`` instead, a fixed hash parameter.
    """

    seed: int = 42
    input: InputConfig = field(default_factory=InputConfig)
    clean: CleanConfig = field(default_factory=CleanConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    validate: ValidateConfig = field(default_factory=ValidateConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    readiness: ReadinessConfig = field(default_factory=ReadinessConfig)
    drift: DriftConfig = field(default_factory=DriftConfig)
    target: TargetConfig = field(default_factory=TargetConfig)
    corrections: CorrectionsConfig = field(default_factory=CorrectionsConfig)

    def to_dict(self) -> dict[str, Any]:
        """The resolved config as plain data (for the manifest); ``[target]`` only when a target is set, so a run
        without targets writes the manifest it wrote before targets existed."""
        plain = _plain(dataclasses.asdict(self))
        if not self.target.targets:
            del plain["target"]
        if self.corrections.file is None:  # likewise a run without corrections
            del plain["corrections"]
        return plain


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Read a TOML config (optional), apply command-line overrides on top, and check every key and value.

    Args:
        overrides: ``{section: {key: value}}`` and top-level ``{key: value}`` (``seed``); ``None`` values are unset.
    """
    data = _read_toml(path) if path is not None else {}
    where = str(path) if path else "config"
    problems = _resolve_seed(data)
    for name, values in (overrides or {}).items():
        if not isinstance(values, dict):
            if values is not None:
                data[name] = values
            continue
        given = {k: v for k, v in values.items() if v is not None}
        if given and not isinstance(data.get(name, {}), dict):
            continue  # the file's own value is reported below as a section given as a value
        if given:
            data.setdefault(name, {}).update(given)
    sections = {f.name: f.default_factory for f in dataclasses.fields(Config) if f.name != "seed"}
    built: dict[str, Any] = {}
    for name, values in data.items():
        if name == "seed":
            seed, found = _run_seed(values)
            problems += found
            built["seed"] = seed
        elif name not in sections:
            kind = "section" if isinstance(values, dict) else "key"
            shown = f"[{name}]" if kind == "section" else f"'{name}'"
            problems.append(f"unknown {kind} {shown}{_did_you_mean(name, sections)} (valid sections: {', '.join(sections)})")
        elif not isinstance(values, dict):
            problems.append(f"[{name}] is a section: write its options under a [{name}] header, got {name} = {values!r}")
        else:
            section, found = _build_section(sections[name], name, values)
            problems += found
            built[name] = section
    if not problems:
        problems += _system_prompt_problems(built.get("target"), built.get("clean") or CleanConfig())
    if problems:
        count = f"{len(problems)} problems: " if len(problems) > 1 else ""
        raise ConfigError(f"{where}: {count}" + "; ".join(problems))
    return Config(**built)


def _system_prompt_problems(target: TargetConfig | None, clean: CleanConfig) -> list[str]:
    """A credential or IBAN in ``[target] system_prompt`` is refused, naming its kind (never its value): the prompt
    is copied into every exported example and the manifest, and it is the user's own text to fix, not data to
    redact. Personal data such as a support address is allowed (it is the user's choice to put it there)."""
    if target is None or not target.system_prompt or not clean.hidden_types():
        return []
    from pipeline.clean.pii import scan_pii

    kinds = sorted(scan_pii(target.system_prompt, clean.hidden_types()).found)
    if not kinds:
        return []
    return [f"[target] system_prompt holds {', '.join(kinds)}: it would be copied into every exported example; "
            "remove it from the prompt"]


def _resolve_seed(data: dict[str, Any]) -> list[str]:
    """Take ``[split] seed`` (how configs wrote the run seed before it had its own key) as the top-level ``seed``."""
    split = data.get("split")
    if not isinstance(split, dict) or "seed" not in split:
        return []
    seed = split.pop("seed")
    if "seed" in data and data["seed"] != seed:
        return [f"the run seed is given twice: seed = {data['seed']!r} and [split] seed = {seed!r}; keep one"]
    data["seed"] = seed
    return []


def _run_seed(value: Any) -> tuple[int, list[str]]:
    try:
        seed = _coerce(value, int, "seed")
    except ConfigError as exc:
        return 42, [str(exc)]
    return seed, seed_problems("seed", seed)


def _read_toml(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a config file") from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8 by definition
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.start}); TOML files are UTF-8: convert it, e.g. "
                          f"iconv -f latin1 -t utf-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _build_section(cls: type, name: str, values: dict[str, Any]) -> tuple[Any, list[str]]:
    """The section built from ``values`` (None if it is invalid) and every problem found in them."""
    hints = typing.get_type_hints(cls)
    valid = [f.name for f in dataclasses.fields(cls)]
    kwargs, problems = {}, []
    for key, value in values.items():
        if (name, key) in _MOVED_KEYS:
            problems.append(_MOVED_KEYS[name, key])
            continue
        if key not in valid:
            problems.append(f"[{name}] unknown key '{key}'{_did_you_mean(key, valid)} (valid: {', '.join(valid)})")
            continue
        try:
            kwargs[key] = _coerce(value, hints[key], f"[{name}] {key}")
        except ConfigError as exc:
            problems.append(str(exc))
    try:
        section = cls(**kwargs)  # built even after a bad key, so its values are checked in the same go
    except SectionError as exc:
        return None, problems + exc.problems
    return (None if problems else section), problems


def _did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Check ``value`` against a type hint, converting lists to tuples where the hint asks for a tuple."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return _coerce(value, arg, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0])
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{where}: expected one of {', '.join(map(repr, args))}, got {value!r}")
        return value
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        item_hints = args if origin is tuple and Ellipsis not in args else (args[0],) * len(value) if args else ()
        if origin is tuple and Ellipsis not in args and len(value) != len(args):
            raise ConfigError(f"{where}: expected {len(args)} values, got {len(value)}")
        items = [_coerce(v, h, where) for v, h in zip(value, item_hints)] if item_hints else list(value)
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        key_hint, value_hint = args or (Any, Any)
        return {_coerce(k, key_hint, where): _coerce(v, value_hint, where) for k, v in value.items()}
    if hint is Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is float and isinstance(value, float) and math.isnan(value):  # TOML and --split accept nan
        raise ConfigError(f"{where}: expected a number, got nan")
    if hint is int and isinstance(value, bool) or not isinstance(value, hint):
        raise ConfigError(f"{where}: expected {hint.__name__}, got {value!r}")
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
