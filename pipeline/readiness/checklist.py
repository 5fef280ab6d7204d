"""The readiness checks in the order users read them, each computed from ``report.json`` alone."""

from __future__ import annotations

from typing import Any

from pipeline.gate.config import DriftConfig
from pipeline.gate.drift import check_drift
from pipeline.ingest.checks import check_chat_fields
from pipeline.readiness.check import Check
from pipeline.readiness.config import ReadinessConfig
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
from pipeline.readiness.placeholders import check_placeholders
from pipeline.readiness.response_collapse import check_response_collapse
from pipeline.readiness.volume import (
    check_eval_power,
    check_label_balance,
    check_label_coverage,
    check_label_spelling,
    check_min_examples,
    check_min_per_label,
    check_reject_rate,
)


def readiness_checks(report: dict[str, Any], cfg: ReadinessConfig, drift: DriftConfig | None = None) -> list[Check]:
    """Every check, in a stable order: volume and balance, evaluation, data health, evidence, label spelling, and
    drift against the baseline (only when the run had one; tolerances from ``drift``)."""
    labels = report.get("labels")
    checks = [check_min_examples(report["counts"]["kept"], cfg)]
    if labels and any(labels.values()):  # no label at all when nothing was kept: min_examples already fails
        checks += [check_min_per_label(labels, cfg), check_label_balance(labels, cfg),
                   check_label_coverage(labels, report["split"]["ratios"])]
    checks += [
        check_eval_power(report, cfg),
        check_reject_rate(report["counts"], cfg),
        check_duplicate_rate(report, cfg),
        check_label_conflicts(report, cfg),
        check_split_leakage(report),
        check_contamination(report),
        check_pii(report, cfg),
        check_placeholders(report, cfg),
        check_language_mix(report, cfg),
        check_expectations(report),
        check_max_tokens(report, cfg),
        check_learning_curve(report, cfg),
        check_label_noise(report, cfg),
        check_label_leakage(report, cfg),
        check_diversity(report, cfg),
        check_response_collapse(report, cfg),
    ]
    if (report.get("ingest") or {}).get("message_fields"):  # only chat data with tool calls, weights, names
        checks.append(check_chat_fields(report))
    variants = ((report.get("cleaning") or {}).get("labels") or {}).get("case_or_space_variants")
    if variants is not None:
        checks.append(check_label_spelling(variants))
    return checks + check_drift(report, drift or DriftConfig())
