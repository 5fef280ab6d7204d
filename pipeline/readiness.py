"""Readiness checks and the verdict they add up to.

Each check compares one observed figure with a threshold from ``[readiness]`` and says ``pass``, ``warn``,
``fail`` or ``skip`` (does not apply), with a one-line message and, when it does not pass, what to do about it.
The verdict is derived from the checks alone: any ``fail`` makes the data ``not_ready``, any ``warn``
``ready_with_warnings``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from pipeline.config import ReadinessConfig

Status = Literal["pass", "warn", "fail", "skip"]
Verdict = Literal["ready", "ready_with_warnings", "not_ready"]


@dataclass(frozen=True)
class Check:
    """One readiness check as it appears in ``report.json``."""

    name: str
    status: Status
    observed: Any
    threshold: Any
    message: str
    recommendation: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verdict_from(checks: list[Check]) -> Verdict:
    statuses = {c.status for c in checks}
    if "fail" in statuses:
        return "not_ready"
    return "ready_with_warnings" if "warn" in statuses else "ready"


def gate_passes(verdict: Verdict, fail_on: str) -> bool:
    """Whether a CI gate lets the data through: ``fail_on = "warn"`` also stops it on warnings."""
    return verdict == "ready" or (verdict == "ready_with_warnings" and fail_on != "warn")


def basic_checks(report: dict[str, Any], cfg: ReadinessConfig) -> list[Check]:
    """The checks every run gets from the counts alone."""
    checks = [check_min_examples(report["counts"]["kept"], cfg), check_reject_rate(report["counts"], cfg)]
    if report.get("labels"):
        checks.append(check_label_coverage(report["labels"], report["split"]["ratios"]))
    return checks


def check_min_examples(kept: int, cfg: ReadinessConfig) -> Check:
    threshold = {"fail_below": cfg.min_examples, "warn_below": cfg.recommended_examples}
    if kept < cfg.min_examples:
        return Check("min_examples", "fail", kept, threshold, f"only {kept} examples kept; at least {cfg.min_examples} are needed",
                     f"add at least {cfg.min_examples - kept} examples")
    if kept < cfg.recommended_examples:
        return Check("min_examples", "warn", kept, threshold, f"{kept} examples kept; {cfg.recommended_examples} or more are recommended",
                     f"add {cfg.recommended_examples - kept} or more examples")
    return Check("min_examples", "pass", kept, threshold, f"{kept} examples kept")


def check_reject_rate(counts: dict[str, Any], cfg: ReadinessConfig) -> Check:
    rejected = sum(counts["rejected"].values())
    rate = rejected / counts["input"] if counts["input"] else 0.0
    threshold = {"warn_above": cfg.max_reject_rate, "fail_above": min(1.0, 2 * cfg.max_reject_rate)}
    top = ", ".join(f"{reason} ({n})" for reason, n in sorted(counts["rejected"].items(), key=lambda kv: (-kv[1], kv[0]))[:3])
    message = f"{rejected} of {counts['input']} input rows rejected ({rate:.1%})" + (f": {top}" if top else "")
    if rate <= cfg.max_reject_rate:
        return Check("reject_rate", "pass", round(rate, 4), threshold, message)
    status: Status = "fail" if rate > threshold["fail_above"] else "warn"
    return Check("reject_rate", status, round(rate, 4), threshold, message,
                 "look at rejected.jsonl: fix the input or the field mapping for the top reasons")


def check_label_coverage(labels: dict[str, dict[str, int]], ratios: list[float]) -> Check:
    """Every label should appear in every split that is asked for, or it cannot be learnt or measured."""
    active = [name for name, ratio in zip(("train", "val", "test"), ratios) if ratio > 0]
    all_labels = sorted({label for per_split in labels.values() for label in per_split})
    missing = {label: [s for s in active if not labels.get(s, {}).get(label)] for label in all_labels}
    missing = {label: splits for label, splits in missing.items() if splits}
    if not missing:
        return Check("label_coverage", "pass", 0, 0, f"all {len(all_labels)} labels appear in {', '.join(active)}")
    names = ", ".join(sorted(missing)[:10]) + (" ..." if len(missing) > 10 else "")
    return Check("label_coverage", "warn", len(missing), 0,
                 f"{len(missing)} of {len(all_labels)} labels are missing from some split: {names}",
                 f"add examples to {names} so each appears in {', '.join(active)}")
