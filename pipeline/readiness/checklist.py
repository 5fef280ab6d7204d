"""The readiness checks in the order users read them, each computed from ``report.json`` alone.

``READINESS_CHECKS`` is THE ordered list: every entry takes ``(report, cfg)`` and returns a :class:`Check`, or
``None`` when the check does not exist for this report (the label checks of a report without labels). The drift
checks against an accepted baseline (:mod:`pipeline.gate.drift`) follow them when the run has a baseline. To add a
check, write ``check_x(report, cfg) -> Check`` and put it in its place here; give it a cause in
:data:`pipeline.readiness.next_steps.CHECK_CAUSE`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.gate.config import DriftConfig
from pipeline.gate.drift import check_drift
from pipeline.ingest.checks import check_chat_fields
from pipeline.readiness.check import Check
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.content_checks import (
    check_conflicting_responses,
    check_format_artifacts,
    check_fragmentary_responses,
    check_prompt_leakage,
    check_refusals,
    check_reject_reasons,
    check_scrambled_text,
    check_swapped_roles,
    check_truncated_responses,
)
from pipeline.readiness.evaluation import check_eval_power, check_label_eval_power
from pipeline.readiness.evidence import check_diversity, check_learning_curve
from pipeline.readiness.health import (
    check_contamination,
    check_duplicate_rate,
    check_expectations,
    check_label_conflicts,
    check_language_mix,
    check_max_tokens,
    check_pii,
    check_split_leakage,
)
from pipeline.readiness.label_leakage import check_label_leakage
from pipeline.readiness.label_noise import check_label_noise
from pipeline.readiness.label_shortcuts import check_label_shortcuts
from pipeline.readiness.placeholders import check_placeholders
from pipeline.readiness.preference import PREFERENCE_CHECKS
from pipeline.readiness.response_collapse import check_response_collapse
from pipeline.targets.checks import target_checks
from pipeline.readiness.volume import (
    check_label_balance,
    check_label_coverage,
    check_label_spelling,
    check_min_examples,
    check_min_per_label,
    check_reject_rate,
)

CheckFn = Callable[[dict[str, Any], ReadinessConfig], Check | None]


def _labels(report: dict[str, Any]) -> dict[str, dict[str, int]] | None:
    """Labels per split, or ``None`` without any (nothing kept: min_examples already fails)."""
    labels = report.get("labels")
    return labels if labels and any(labels.values()) else None


def _min_per_label(report: dict[str, Any], cfg: ReadinessConfig) -> Check | None:
    labels = _labels(report)
    per_label_f1 = (report.get("learning_curve") or {}).get("per_label_f1")
    return check_min_per_label(labels, cfg, per_label_f1) if labels else None


def _label_balance(report: dict[str, Any], cfg: ReadinessConfig) -> Check | None:
    return check_label_balance(labels, cfg) if (labels := _labels(report)) else None


def _label_coverage(report: dict[str, Any], cfg: ReadinessConfig) -> Check | None:
    labels = _labels(report)
    return check_label_coverage(labels, report["split"]["ratios"], cfg.min_per_label) if labels else None


def _chat_fields(report: dict[str, Any], cfg: ReadinessConfig) -> Check | None:
    """Only chat data with tool calls, weights or names in its messages has fields to report."""
    return check_chat_fields(report) if (report.get("ingest") or {}).get("message_fields") else None


def _label_spelling(report: dict[str, Any], cfg: ReadinessConfig) -> Check | None:
    variants = ((report.get("cleaning") or {}).get("labels") or {}).get("case_or_space_variants")
    return check_label_spelling(variants) if variants is not None else None


def _content(judge: CheckFn) -> CheckFn:
    """A content check exists for completion and chat reports only (older reports without the section skip it)."""
    return lambda report, cfg: judge(report, cfg) if report.get("task") in ("completion", "chat") else None


READINESS_CHECKS: tuple[CheckFn, ...] = (
    # volume and balance
    lambda report, cfg: check_min_examples(report["counts"]["kept"], cfg),
    _min_per_label,
    _label_balance,
    _label_coverage,
    # evaluation
    check_eval_power,
    check_label_eval_power,
    # data health
    lambda report, cfg: check_reject_rate(report["counts"], cfg),
    lambda report, cfg: None if report.get("preference") else check_duplicate_rate(report, cfg),  # pairs share prompts
    check_label_conflicts,
    lambda report, cfg: check_split_leakage(report),
    lambda report, cfg: check_contamination(report),
    check_pii,
    check_placeholders,
    check_language_mix,
    lambda report, cfg: check_expectations(report),
    check_max_tokens,
    # evidence from the baseline and the text
    check_learning_curve,
    check_label_noise,
    check_label_leakage,
    check_label_shortcuts,
    check_diversity,
    check_response_collapse,
    # content of completion and chat data (the reasons rows were rejected: any data)
    check_reject_reasons,
    _content(check_truncated_responses),
    _content(check_format_artifacts),
    _content(check_swapped_roles),
    _content(check_prompt_leakage),
    _content(check_conflicting_responses),
    _content(check_refusals),
    _content(check_fragmentary_responses),
    _content(check_scrambled_text),
    # preference pairs (pipeline.readiness.preference): None for other tasks
    *PREFERENCE_CHECKS,
    # chat message fields (from ingest), label spelling (from the clean stage)
    _chat_fields,
    _label_spelling,
)


def readiness_checks(report: dict[str, Any], cfg: ReadinessConfig, drift: DriftConfig | None = None) -> list[Check]:
    """Every check that applies to the report, in the order of :data:`READINESS_CHECKS`, then each target's
    checks (only with ``--target``), then drift against the baseline (only when the run had one; tolerances from ``drift``)."""
    checks = [check for judge in READINESS_CHECKS if (check := judge(report, cfg)) is not None]
    checks += target_checks(report)  # only with [target] name / --target
    return checks + check_drift(report, drift or DriftConfig())
