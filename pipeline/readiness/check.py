"""What a readiness check is, the one way to build one, and the verdict the checks add up to.

A check compares an observed figure with thresholds from ``[readiness]`` and says ``pass``, ``warn``, ``fail``,
``skip`` (does not apply, with the reason) or ``info`` (a figure worth reading that is not a problem: shown, never
changes the verdict), with a one-line message and, when it does not pass, what to do about it. Every check is built
through a :class:`Rule`, so the status always follows from the thresholds the report shows, and the rule reads as a
sentence ("warns above 5%") for people. The verdict follows from the checks alone: any ``fail`` makes the data
``not_ready``, any ``warn`` ``ready_with_warnings``; ``pass``, ``info`` and ``skip`` leave it ``ready``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from pipeline.readiness.wording import threshold_sentence

Status = Literal["pass", "info", "warn", "fail", "skip"]
Verdict = Literal["ready", "ready_with_warnings", "not_ready"]


@dataclass(frozen=True)
class Check:
    """One readiness check as it appears in ``report.json``.

    Args:
        threshold: the limits, as data (for CI scripts); ``rule`` says the same as a sentence (for people).
        examples: a few rows or values that show the problem (quoted short), for failed and warned checks.
        cause: what kind of problem a failed or warned check points at, when it differs from the check's usual
            one (see :mod:`pipeline.readiness.next_steps`); ``None``: the usual one.
    """

    name: str
    status: Status
    observed: Any
    threshold: Any
    message: str
    recommendation: str | None = None
    rule: str | None = None
    examples: tuple[str, ...] = ()
    cause: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "examples": list(self.examples)}


@dataclass(frozen=True)
class Rule:
    """How one check judges: its name and its thresholds, as ``report.json`` shows them.

    Threshold keys ``fail_above``, ``fail_below``, ``warn_above`` and ``warn_below`` give the status of a figure
    (:meth:`status`); a check whose status rests on more than one figure passes it to :meth:`result` itself.
    ``says`` is the threshold as a sentence ("fails under 10 examples, warns under 100"); every check made by the
    rule carries it (without one, the threshold keys read out: "warns above 0.05").
    """

    name: str
    threshold: Any
    says: str | None = None

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
        return Check(self.name, "skip", None, self.threshold, why, rule=self.sentence)

    @property
    def sentence(self) -> str:
        return self.says or threshold_sentence(self.threshold)

    def result(self, observed: Any, message: str, recommendation: str | None = None, *, status: Status | None = None,
               value: float | None = None, examples: tuple[str, ...] | list[str] = (), cause: str | None = None) -> Check:
        """The check: ``status`` as given, else from ``value`` (by default ``observed``) against the thresholds.

        The recommendation, examples and cause are kept only when the check warns or fails.
        """
        if status is None:
            status = self.status(observed if value is None else value)
        acts = status in ("warn", "fail")
        return Check(self.name, status, observed, self.threshold, message, recommendation if acts else None,
                     rule=self.sentence, examples=tuple(examples) if acts else (), cause=cause if acts else None)


def verdict_from(checks: list[Check]) -> Verdict:
    """``not_ready`` on any fail, ``ready_with_warnings`` on any warn, else ``ready`` (``info`` never counts)."""
    statuses = {c.status for c in checks}
    if "fail" in statuses:
        return "not_ready"
    return "ready_with_warnings" if "warn" in statuses else "ready"


def gate_passes(verdict: Verdict, fail_on: str) -> bool:
    """Whether a CI gate lets the data through: ``fail_on = "warn"`` also stops it on warnings."""
    return verdict == "ready" or (verdict == "ready_with_warnings" and fail_on != "warn")
