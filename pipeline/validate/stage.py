"""The validate stage: run Great Expectations 1.x suites on a flat frame of the records.

GX works on tables, and canonical records hold nested chat messages, so the records are first flattened into one
row per record (:func:`pipeline.validate.frame.to_frame`; columns documented in ``expectations/README.md``). Each suite
then runs in ONE GX validation call over the whole frame, in a fresh in-memory (ephemeral) context: setting one up
costs about 16 ms, and a context per call keeps runs independent (no state shared between runs).

Great Expectations is imported only inside :func:`_run_suites` because importing it costs seconds, which
``ftprep --help`` and the other stages should not pay.
"""

from __future__ import annotations

import contextlib
import logging
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from datasets import Dataset

from pipeline.validate.config import ValidateConfig
from pipeline.validate.docs import build_data_docs, gx_suite_name
from pipeline.core.errors import SuiteError
from pipeline.validate.frame import observed_labels, to_frame
from pipeline.core.records import Task, rejections_to_dataset, task_of
from pipeline.core.stage import RunContext, StageResult
from pipeline.validate.suites import SuiteSpec, describe, load_suite, skip_reason, suite_parameters, suite_paths

if TYPE_CHECKING:
    import pandas as pd

Status = Literal["pass", "fail", "skipped"]
# A derived column's examples also show the column it was derived from, so that a reader sees which label.
_EXAMPLE_CONTEXT = {"label_share": "label"}
_MAX_EXAMPLE_CHARS = 200


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation.

    Args:
        name: short readable name, e.g. ``#3 expect_column_values_to_be_in_set(label)``.
        kwargs: the expectation's kwargs as written in the suite (parameters unresolved).
        observed: GX's observed value, unexpected count/percent and a few examples ``{id, value}``.
        note: why the expectation was skipped, when it was.
        judged_by: the readiness check that judges the same property (``meta.judged_by`` in the suite), whose
            calibrated verdict stands for this expectation's in the ``expectations`` check.
    """

    type: str
    name: str
    kwargs: dict[str, Any]
    severity: str
    status: Status
    observed: dict[str, Any] = field(default_factory=dict)
    description: str | None = None
    note: str | None = None
    judged_by: str | None = None

    @property
    def success(self) -> bool | None:
        return None if self.status == "skipped" else self.status == "pass"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "kwargs": self.kwargs,
            "severity": self.severity,
            "status": self.status,
            "success": self.success,
            "observed": self.observed,
            "description": self.description,
            "note": self.note,
            **({"judged_by": self.judged_by} if self.judged_by else {}),
        }


@dataclass(frozen=True)
class SuiteOutcome:
    """All expectation results of one suite; ``success`` means every expectation that ran passed."""

    name: str
    path: str
    expectations: tuple[ExpectationOutcome, ...]

    @property
    def success(self) -> bool:
        return all(e.status != "fail" for e in self.expectations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.path,
            "success": self.success,
            "expectations": [e.to_dict() for e in self.expectations],
        }


@dataclass(frozen=True)
class ValidationOutcome:
    """What the validate stage found; the gate passes when no ``critical`` expectation failed."""

    suites: tuple[SuiteOutcome, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    data_docs: dict[str, Any] | None = None  # with --data-docs: the index page and the suites that got no page

    def failed(self, severity: str) -> list[str]:
        """``suite: expectation`` names of the failed expectations of one severity."""
        return [f"{s.name}: {e.name}" for s in self.suites for e in s.expectations
                if e.status == "fail" and e.severity == severity]

    def judged_elsewhere(self) -> dict[str, str]:
        """``suite: expectation`` -> readiness check, for failed expectations that a readiness check judges."""
        return {f"{s.name}: {e.name}": e.judged_by for s in self.suites for e in s.expectations
                if e.status == "fail" and e.judged_by}

    @property
    def success(self) -> bool:
        return not self.failed("critical")

    def to_dict(self) -> dict[str, Any]:
        """The ``expectations`` section of report.json."""
        return {
            "success": self.success,
            "failed_critical": self.failed("critical"),
            "failed_warning": self.failed("warning"),
            "failed_info": self.failed("info"),
            "judged_elsewhere": self.judged_elsewhere(),
            "parameters": self.parameters,
            "suites": [s.to_dict() for s in self.suites],
            **({"data_docs": self.data_docs} if self.data_docs is not None else {}),
        }


# -- the stage --------------------------------------------------------------------------------------------------------


def validate(records: Dataset, cfg: ValidateConfig, ctx: RunContext) -> StageResult:
    """The validate stage: the suites' outcome as the ``expectations`` section; records pass through unchanged."""
    data_docs_dir = ctx.out_dir / "data_docs" if ctx.data_docs and ctx.out_dir else None
    outcome = validate_records(records, cfg, task_of(records), data_docs_dir=data_docs_dir, verbose=ctx.verbose)
    return StageResult(kept=records, rejected=rejections_to_dataset([]), sections={"expectations": outcome.to_dict()})


def validate_records(
    ds: Dataset, cfg: ValidateConfig, task: Task, *, data_docs_dir: Path | None = None, verbose: bool = False
) -> ValidationOutcome:
    """Run the configured suites on the records; a suite that cannot be loaded or run is a SuiteError.

    Args:
        data_docs_dir: when given, GX Data Docs (HTML) of this validation are built there.
        verbose: show GX's progress bars and log messages.
    """
    specs = [load_suite(path) for path in suite_paths(cfg, task)]
    frame = to_frame(ds, task)
    parameters = suite_parameters(cfg, observed_labels(frame))
    columns = set(frame.columns)
    skips = [{i: skip_reason(spec, i, columns, parameters) or _selects_nothing(spec.expectations[i - 1], frame)
              for i in range(1, len(spec.expectations) + 1)} for spec in specs]
    results, docs = _run_suites(specs, skips, frame, parameters, cfg.max_examples, data_docs_dir, verbose)
    suites = tuple(
        SuiteOutcome(spec.name, spec.path, tuple(_outcomes(spec, skip, result, frame)))
        for spec, skip, result in zip(specs, skips, results)
    )
    return ValidationOutcome(suites=suites, parameters=parameters, data_docs=docs)


def _selects_nothing(expectation: dict[str, Any], frame: pd.DataFrame) -> str | None:
    """Why a ``column == value`` row condition selects no record (an empty val split, say): then it is skipped,
    since GX would judge an expectation on zero rows."""
    condition = (expectation.get("kwargs") or {}).get("row_condition")
    if not isinstance(condition, dict) or condition.get("type") != "comparison" or condition.get("operator") != "==":
        return None
    column, value = (condition.get("column") or {}).get("name"), condition.get("parameter")
    if column in frame.columns and not (frame[column] == value).any():
        return f"no record has {column} == {value!r}"
    return None


def _outcomes(
    spec: SuiteSpec, skips: dict[int, str | None], results: dict[int, dict[str, Any]], frame: pd.DataFrame
) -> Iterator[ExpectationOutcome]:
    for index, expectation in enumerate(spec.expectations, start=1):
        common = {
            "type": expectation["type"],
            "name": describe(expectation, index),
            "kwargs": expectation.get("kwargs") or {},
            "severity": expectation.get("severity", "critical"),
            "description": expectation.get("description"),
            "judged_by": _judged_by(expectation),
        }
        if skips[index] is not None:
            yield ExpectationOutcome(**common, status="skipped", note=skips[index])
            continue
        result = results[index]
        column = common["kwargs"].get("column")
        yield ExpectationOutcome(
            **common, status="pass" if result["success"] else "fail", observed=_observed(result, frame, column)
        )


def _judged_by(expectation: dict[str, Any]) -> str | None:
    meta = expectation.get("meta")
    judged_by = meta.get("judged_by") if isinstance(meta, dict) else None
    return judged_by if isinstance(judged_by, str) and judged_by else None


# -- running GX -----------------------------------------------------------------------------------------------------


def _run_suites(
    specs: list[SuiteSpec],
    skips: list[dict[int, str | None]],
    frame: pd.DataFrame,
    parameters: dict[str, Any],
    max_examples: int,
    data_docs_dir: Path | None,
    verbose: bool,
) -> tuple[list[dict[int, dict[str, Any]]], dict[str, Any] | None]:
    """Run each suite in one GX validation call: per suite, the results keyed by expectation number; and the Data
    Docs built (or None)."""
    import great_expectations as gx  # lazy: see the module docstring

    with _quiet(verbose), _unfingerprinted(data_docs_dir is None):
        context = _ephemeral_context(gx, verbose, data_docs_dir)
        batch = context.data_sources.add_pandas("ftprep").add_dataframe_asset("records")
        batch_definition = batch.add_batch_definition_whole_dataframe("all_records")
        result_format = {"result_format": "SUMMARY", "partial_unexpected_count": max_examples}
        all_results, gx_names = [], []
        for number, (spec, skip) in enumerate(zip(specs, skips), start=1):
            runnable = [i for i in range(1, len(spec.expectations) + 1) if skip[i] is None]
            name = gx_suite_name(number, spec.name)
            gx_names.append((spec.name, name))
            suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=[_build(spec, i) for i in runnable]))
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
            )
            run = definition.run(
                batch_parameters={"dataframe": frame}, expectation_parameters=parameters, result_format=result_format
            )
            all_results.append(_results_by_number(spec, runnable, suite, run))
        docs = build_data_docs(context, data_docs_dir, gx_names) if data_docs_dir is not None else None
    return all_results, docs


def _ephemeral_context(gx: Any, verbose: bool, data_docs_dir: Path | None) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=verbose)
    if data_docs_dir is not None:
        store = {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(Path(data_docs_dir).resolve())}
        site = {"class_name": "SiteBuilder", "store_backend": store,
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}}
        context.add_data_docs_site(site_name="ftprep", site_config=site)
    return context


def _build(spec: SuiteSpec, index: int) -> Any:
    """One expectation of a suite as a GX Expectation object; a SuiteError names it if GX refuses it."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    expectation = spec.expectations[index - 1]
    # GX binds ids when a suite is added to a context; ids written in the file would clash with that.
    config = {k: v for k, v in expectation.items() if k not in ("id", "rendered_content")}
    try:
        return ExpectationConfiguration(**config).to_domain_obj()
    except Exception as exc:  # noqa: BLE001 - GX raises pydantic, TypeError and its own errors for bad configs
        raise SuiteError(_one_line(exc), path=spec.path, expectation=describe(expectation, index)) from None


def _results_by_number(spec: SuiteSpec, runnable: list[int], suite: Any, run: Any) -> dict[int, dict[str, Any]]:
    number_of = {expectation.id: index for expectation, index in zip(suite.expectations, runnable)}
    results = {}
    for result in run.results:
        index = number_of[result.expectation_config.id]
        error = _gx_error(result.exception_info or {})
        if error is not None:
            raise SuiteError(f"GX could not run it: {_one_line(error)}", path=spec.path,
                             expectation=describe(spec.expectations[index - 1], index))
        results[index] = {"success": bool(result.success), **(result.result or {})}
    return results


def _gx_error(info: dict[str, Any]) -> str | None:
    """The message of an exception GX caught while running an expectation, if it caught one.

    GX reports it either at the top level or per metric (a dict keyed by metric id).
    """
    candidates = [info, *(v for v in info.values() if isinstance(v, dict))]
    for candidate in candidates:
        if candidate.get("raised_exception"):
            return str(candidate.get("exception_message") or "unknown error")
    return None


@contextlib.contextmanager
def _unfingerprinted(unhashed: bool) -> Iterator[None]:
    """Without Data Docs, GX does not fingerprint the frame: it hashes every value of a batch under 1 GB
    (``pd.util.hash_pandas_object``) only to label the batch in its Data Docs, never in a result. On 171k records
    that took +490 MiB and most of the stage's time for a frame of 120 MiB (the texts): at 1M records the
    largest working set of the run's observers. The verdicts and every result are the same either way."""
    from great_expectations.execution_engine import pandas_execution_engine as engine

    threshold = getattr(engine, "HASH_THRESHOLD", None)
    if not unhashed or threshold is None:
        yield
        return
    engine.HASH_THRESHOLD = 0  # a frame of at least this many bytes is not hashed
    try:
        yield
    finally:
        engine.HASH_THRESHOLD = threshold


@contextlib.contextmanager
def _quiet(verbose: bool) -> Iterator[None]:
    """Silence GX's log messages and warnings unless verbose (restored afterwards)."""
    if verbose:
        yield
        return
    logger = logging.getLogger("great_expectations")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


# -- observed values --------------------------------------------------------------------------------------------------


def _observed(result: dict[str, Any], frame: pd.DataFrame, column: str | None) -> dict[str, Any]:
    observed = {k: _plain(result[k]) for k in
                ("observed_value", "element_count", "unexpected_count", "unexpected_percent", "missing_count")
                if result.get(k) is not None}
    if result.get("partial_missing_list"):
        # GX builds this list from a set: sorted, so that report.json is the same on every run.
        observed["missing"] = sorted(_plain(result["partial_missing_list"]), key=str)
    values = result.get("partial_unexpected_list") or []
    rows = result.get("partial_unexpected_index_list") or [None] * len(values)
    if values:
        observed["examples"] = [_example(frame, row, value, column) for row, value in zip(rows, values)]
    return observed


def _example(frame: pd.DataFrame, row: Any, value: Any, column: str | None) -> dict[str, Any]:
    example: dict[str, Any] = {"value": _plain(value)}
    if isinstance(row, int) and row in frame.index:
        example = {"id": _plain(frame.at[row, "id"]), **example}
        context = _EXAMPLE_CONTEXT.get(column or "")
        if context in frame.columns:
            example[context] = _plain(frame.at[row, context])
    return example


def _plain(value: Any) -> Any:
    """A JSON-safe copy of a GX value: numpy scalars to Python, NaN to None, long text cut."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and len(value) > _MAX_EXAMPLE_CHARS:
        return value[:_MAX_EXAMPLE_CHARS] + "…"
    return value


def _one_line(message: Any) -> str:
    return "; ".join(line.strip() for line in str(message).splitlines() if line.strip())
