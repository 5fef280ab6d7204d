"""What a readiness check is, the one way to build one, and the verdict the checks add up to.

A check compares an observed figure with thresholds from ``[readiness]`` and says ``pass``, ``warn``, ``fail``
or ``skip`` (does not apply, with the reason), with a one-line message and, when it does not pass, what to do
about it. Every check is built through a :class:`Rule`, so the status always follows from the thresholds the
report shows. The verdict follows from the checks alone: any ``fail`` makes the data ``not_ready``, any ``warn``
``ready_with_warnings``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

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


@dataclass(frozen=True)
class Rule:
    """How one check judges: its name and its thresholds, as ``report.json`` shows them.

    Threshold keys ``fail_above``, ``fail_below``, ``warn_above`` and ``warn_below`` give the status of a figure
    (:meth:`status`); a check whose status rests on more than one figure passes it to :meth:`result` itself.
    """

    name: str
    threshold: Any

    def status(self, value: float) -> Status:
        """``fail``, ``warn`` or ``pass`` for a figure, from the threshold keys (a bound is never crossed by equality)."""
        limits = self.threshold if isinstance(self.threshold, dict) else {}
        for status in ("fail", "warn"):
            above, below = limits.get(f"{status}_above"), limits.get(f"{status}_below")
            if (above is not None and value > above) or (below is not None and value < below):
                return status
        return "pass"

    def skip(self, why: str) -> Check:
        """The check does not apply to this run; ``why`` says which figure is missing and what would produce it."""
        return Check(self.name, "skip", None, self.threshold, why)

    def result(self, observed: Any, message: str, recommendation: str | None = None, *, status: Status | None = None,
               value: float | None = None) -> Check:
        """The check: ``status`` as given, else from ``value`` (by default ``observed``) against the thresholds.

        The recommendation is kept only when the check does not pass.
        """
        if status is None:
            status = self.status(observed if value is None else value)
        return Check(self.name, status, observed, self.threshold, message, None if status == "pass" else recommendation)


def verdict_from(checks: list[Check]) -> Verdict:
    statuses = {c.status for c in checks}
    if "fail" in statuses:
        return "not_ready"
    return "ready_with_warnings" if "warn" in statuses else "ready"


def gate_passes(verdict: Verdict, fail_on: str) -> bool:
    """Whether a CI gate lets the data through: ``fail_on = "warn"`` also stops it on warnings."""
    return verdict == "ready" or (verdict == "ready_with_warnings" and fail_on != "warn")
