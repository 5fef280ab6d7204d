"""Expectation suites: which ones run, reading their GX 1.x JSON, and checking them against the flat frame.

A suite file is exactly what GX 1.x writes (``json.dumps(suite.to_json_dict())``): ``name`` and a list of
``expectations``, each with ``type``, ``kwargs`` and an optional ``severity`` (``critical`` | ``warning`` |
``info``; GX's default is ``critical``). Everything here is plain JSON work, so it runs without importing GX;
:mod:`pipeline.validate` turns the checked expectations into GX objects.

Every problem with a suite is a :class:`SuiteError` that names the file and the expectation (``#3
expect_column_values_to_be_in_set(label)``), never a traceback.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.validate.config import ValidateConfig
from pipeline.core.errors import SuiteError
from pipeline.core.records import Task


def _shipped_suite_dir() -> Path:
    """``expectations/`` at the source checkout's root, or inside the package when installed from a wheel
    (pyproject.toml maps it there as ``pipeline/expectations``)."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "expectations"
    return installed if installed.is_dir() else package.parent / "expectations"


DEFAULT_SUITE_DIR = _shipped_suite_dir()
SEVERITIES = ("critical", "warning", "info")
COLUMN_KWARGS = ("column", "column_A", "column_B")
# Columns of the flat frame that only some runs have: an expectation on one of them is skipped, not an error.
OPTIONAL_COLUMNS = {
    "lang": "the records have no `lang` column (the clean stage adds it)",
    "n_tokens": "the records have no `n_tokens` column (the clean stage adds it)",
    "split": "the records are not split (no `split` column and no train/val/test file names)",
}
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class SuiteSpec:
    """One suite read from its file: its name, where it came from, and its expectations as plain dicts."""

    name: str
    path: str
    expectations: tuple[dict[str, Any], ...]


def default_suite_path(task: Task) -> Path:
    """The shipped suite of a task."""
    return DEFAULT_SUITE_DIR / f"{task.value}.json"


def suite_paths(cfg: ValidateConfig, task: Task) -> list[str]:
    """The suite files of a run, in order: the shipped one (unless ``replace_default``), then the user's."""
    _require_a_suite(cfg)
    return ([] if cfg.replace_default else [str(default_suite_path(task))]) + list(cfg.suites)


def check_suite_files(cfg: ValidateConfig) -> None:
    """Read the user's suite files before any data is, so that a missing or malformed one stops a run at once.

    Only the file and its shape are checked here; expectation types and columns are checked when the suite runs.
    """
    _require_a_suite(cfg)
    for path in cfg.suites:
        load_suite(path)


def _require_a_suite(cfg: ValidateConfig) -> None:
    if cfg.replace_default and not cfg.suites:
        raise SuiteError("replace_default is set but no suite was given (use --suite FILE)", path="[validate]")


def load_suite(path: str) -> SuiteSpec:
    """Read and check the shape of one GX 1.x suite file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SuiteError("suite file not found", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"cannot read suite file: {exc}", path=path) from None
    except json.JSONDecodeError as exc:
        raise SuiteError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", path=path) from None
    if not isinstance(data, dict):
        raise SuiteError("a suite must be a JSON object with 'name' and 'expectations'", path=path)
    if "expectation_suite_name" in data and "name" not in data:
        raise SuiteError("this is a GX 0.x suite; GX 1.x suites have 'name', and 'type' per expectation", path=path)
    name = data.get("name")
    expectations = data.get("expectations")
    if not isinstance(name, str) or not name:
        raise SuiteError("the suite has no 'name' (a non-empty string)", path=path)
    if not isinstance(expectations, list):
        raise SuiteError("the suite has no 'expectations' list", path=path)
    for index, expectation in enumerate(expectations, start=1):
        _check_shape(expectation, index, path)
    return SuiteSpec(name=name, path=display_path(path), expectations=tuple(expectations))


def display_path(path: str) -> str:
    """A suite's path for reports: shipped suites as ``expectations/<task>.json`` (the same on every machine)."""
    resolved = Path(path).resolve()
    if resolved.parent == DEFAULT_SUITE_DIR:
        return f"expectations/{resolved.name}"
    return path


def _check_shape(expectation: Any, index: int, path: str) -> None:
    if not isinstance(expectation, dict):
        raise SuiteError("an expectation must be a JSON object", path=path, expectation=f"#{index}")
    where = describe(expectation, index)
    if "expectation_type" in expectation and "type" not in expectation:
        raise SuiteError("GX 0.x 'expectation_type'; GX 1.x calls it 'type'", path=path, expectation=where)
    if not isinstance(expectation.get("type"), str):
        raise SuiteError("the expectation has no 'type'", path=path, expectation=where)
    if not isinstance(expectation.get("kwargs", {}), dict):
        raise SuiteError("'kwargs' must be a JSON object", path=path, expectation=where)
    severity = expectation.get("severity", "critical")
    if severity not in SEVERITIES:
        raise SuiteError(f"severity {severity!r} is not one of {', '.join(SEVERITIES)}", path=path, expectation=where)


def describe(expectation: dict[str, Any], index: int) -> str:
    """A short name for an expectation in messages: ``#3 expect_column_values_to_be_in_set(label)``."""
    kwargs = expectation.get("kwargs") or {}
    columns = [str(kwargs[k]) for k in COLUMN_KWARGS if k in kwargs]
    columns += [str(c) for c in kwargs.get("column_list") or []]
    where = f" where {condition_text(kwargs['row_condition'])}" if kwargs.get("row_condition") else ""
    return f"#{index} {expectation.get('type')}({', '.join(columns)}){where}"


def condition_text(condition: Any) -> str:
    """A GX row condition (structured dict or pass-through string) as short readable text."""
    if isinstance(condition, str):
        return condition
    if not isinstance(condition, dict):
        return repr(condition)
    kind = condition.get("type")
    if kind == "comparison":
        return f"{condition.get('column', {}).get('name')} {condition.get('operator')} {condition.get('parameter')!r}"
    if kind == "nullity":
        return f"{condition.get('column', {}).get('name')} is {'' if condition.get('is_null') else 'not '}null"
    if kind in ("and", "or"):
        return f" {kind} ".join(f"({condition_text(c)})" for c in condition.get("conditions", []))
    return str(condition.get("pass_through_filter", condition))


def referenced_columns(kwargs: dict[str, Any], known: set[str]) -> set[str]:
    """Columns an expectation reads: its column kwargs and the columns of its row condition.

    A pass-through (pandas query) condition is free text, so only the names in it that are known frame columns
    are counted; anything else is left for GX to reject.
    """
    columns = {kwargs[k] for k in COLUMN_KWARGS if isinstance(kwargs.get(k), str)}
    columns |= {c for c in kwargs.get("column_list") or [] if isinstance(c, str)}
    return columns | _condition_columns(kwargs.get("row_condition"), known)


def _condition_columns(condition: Any, known: set[str]) -> set[str]:
    if isinstance(condition, str):
        return set(_IDENTIFIER.findall(condition)) & known
    if not isinstance(condition, dict):
        return set()
    if condition.get("type") in ("and", "or"):
        return set().union(*(_condition_columns(c, known) for c in condition.get("conditions", [])))
    if condition.get("type") == "pass_through":
        return _condition_columns(condition.get("pass_through_filter", ""), known)
    name = (condition.get("column") or {}).get("name")
    return {name} if isinstance(name, str) else set()


def parameters_used(value: Any) -> set[str]:
    """Names of the GX suite parameters (``{"$PARAMETER": name}``) anywhere in an expectation's kwargs."""
    if isinstance(value, dict):
        if set(value) == {"$PARAMETER"} and isinstance(value["$PARAMETER"], str):
            return {value["$PARAMETER"]}
        return set().union(*(parameters_used(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(parameters_used(v) for v in value)) if value else set()
    return set()


def skip_reason(
    spec: SuiteSpec, index: int, frame_columns: set[str], parameters: dict[str, Any]
) -> str | None:
    """Why an expectation cannot run on this frame (None: it runs); a SuiteError if it never could.

    Missing optional columns and unset parameters skip it; an unknown column or parameter is a mistake in the
    suite.
    """
    expectation = spec.expectations[index - 1]
    kwargs = expectation.get("kwargs") or {}
    where = describe(expectation, index)
    for column in sorted(referenced_columns(kwargs, frame_columns | set(OPTIONAL_COLUMNS))):
        if column in frame_columns:
            continue
        if column in OPTIONAL_COLUMNS:
            return OPTIONAL_COLUMNS[column]
        raise SuiteError(
            f"column '{column}' is not in the flat frame (columns: {', '.join(sorted(frame_columns))}; "
            "see expectations/README.md)",
            path=spec.path,
            expectation=where,
        )
    for name in sorted(parameters_used(kwargs)):
        if name not in parameters:
            raise SuiteError(
                f"unknown suite parameter '{name}' (ftprep provides: {', '.join(sorted(parameters))})",
                path=spec.path,
                expectation=where,
            )
        if parameters[name] is None:
            return f"parameter '{name}' is not set ([validate] {name})"
    return None


# A fixed minimum share cannot hold for many labels: with 77 labels an even share is 1.3%, so a 2% floor flags every
# row of every label. Unless one is configured, the floor is 2% or, above 10 labels, 0.2 of an even share (the rule of
# readiness's label_balance).
_DEFAULT_LABEL_SHARE = 0.02
_EVEN_SHARE_FRACTION = 0.2


def label_share_floor(configured: float | None, labels: list[str] | None) -> float:
    """The ``min_label_share`` the suites get: the configured one, else min(0.02, 0.2 / number of labels)."""
    if configured is not None:
        return configured
    if not labels:
        return _DEFAULT_LABEL_SHARE
    return round(min(_DEFAULT_LABEL_SHARE, _EVEN_SHARE_FRACTION / len(labels)), 6)


def suite_parameters(cfg: ValidateConfig, observed_labels: list[str] | None) -> dict[str, Any]:
    """The values ftprep gives GX for ``{"$PARAMETER": name}``: the [validate] options, plus
    ``expected_labels`` (the configured label set, else the labels seen in the data)."""
    expected = list(cfg.labels) if cfg.labels is not None else observed_labels
    return {
        "labels": list(cfg.labels) if cfg.labels is not None else None,
        "expected_labels": expected,
        "languages": list(cfg.languages) if cfg.languages is not None else None,
        "min_chars": cfg.min_chars,
        "max_chars": cfg.max_chars,
        "min_label_share": label_share_floor(cfg.min_label_share, expected),
        "max_label_share": cfg.max_label_share,
        "min_messages": cfg.min_messages,
        "max_messages": cfg.max_messages,
    }
