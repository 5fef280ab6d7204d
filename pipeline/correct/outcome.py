"""What a review changed: reviewed records leave the label-noise suspects, and the report compares the label-noise
estimate and the verdict with the run the review started from.

The "before" figures come from ``--baseline`` (the earlier run, typically the one whose review.csv was edited);
without a baseline they are null. The "after" figures are this run's own.
"""

from __future__ import annotations

from typing import Any

from pipeline.correct.stage import reviewed_ids


def settle_label_noise(sections: dict[str, Any], baseline: str | None) -> None:
    """Take the records a reviewer relabelled or confirmed out of ``label_noise`` (they are decided, not suspect)
    and put the estimate before and after into ``corrections``; nothing without a corrections file."""
    corrections = sections.get("corrections")
    if not corrections:
        return
    noise = sections.get("label_noise")
    if noise:
        sections["label_noise"] = without_reviewed(noise, reviewed_ids(corrections))
    before = _baseline_report(baseline)
    sections["corrections"] = {**corrections, "label_noise": {
        "before": _noise_figures(before.get("label_noise")) if before is not None else None,
        "after": _noise_figures(sections.get("label_noise")),
    }}


def without_reviewed(noise: dict[str, Any], reviewed: set[str]) -> dict[str, Any]:
    """The label-noise section without reviewed suspects: ``flagged`` and ``estimated_rate`` count the rest, and
    ``reviewed`` says how many suspects a reviewer had already decided."""
    suspects = [s for s in noise["suspects"] if s["id"] not in reviewed]
    removed = len(noise["suspects"]) - len(suspects)
    flagged = noise["flagged"] - removed
    examined = noise["examined"]
    return {**noise, "estimated_rate": round(flagged / examined, 4) if examined else 0.0, "flagged": flagged,
            "reviewed": removed, "suspects": suspects}


def with_verdict_change(report: dict[str, Any], baseline: str | None) -> dict[str, Any]:
    """The judged report with ``corrections.verdict``: the baseline's verdict (null without one) and this run's."""
    if not report.get("corrections"):
        return report
    before = _baseline_report(baseline)
    verdict = {"before": before.get("verdict") if before is not None else None, "after": report["verdict"]}
    return {**report, "corrections": {**report["corrections"], "verdict": verdict}}


def _noise_figures(noise: dict[str, Any] | None) -> dict[str, Any] | None:
    if not noise:
        return None
    return {"estimated_rate": noise["estimated_rate"], "flagged": noise["flagged"], "examined": noise["examined"]}


def _baseline_report(baseline: str | None) -> dict[str, Any] | None:
    if baseline is None:
        return None
    from pipeline.gate.baseline import load_baseline  # checked before the first stage: it loads

    return load_baseline(baseline).report
