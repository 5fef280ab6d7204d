"""Drift against an accepted baseline run: the figures compared, every change between two runs, and the checks.

Everything here reads ``report.json`` alone: the baseline's figures are stored in the report's ``drift`` section by
the drift stage (:mod:`pipeline.gate.baseline`), this run's come from the report itself, so ``ftprep check`` and
``ftprep report`` re-judge and re-render the comparison without the data.

Shares are compared as differences in points (a label going from 1.3% to 0.0% changes by 1.3 points); counts and
token percentiles relatively (9,000 to 10,000 rows is +11%), because their scale differs from dataset to dataset.
A label's share is also judged relative to its size: a small label losing most of its records moves by less than a
point, so a label that lost more than ``max_label_share_drop`` of its share, by more than sampling explains (a
two-proportion z of at least ``SHARE_DROP_Z``), is beyond tolerance too.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pipeline.core.records import SPLITS
from pipeline.gate.config import DRIFT_CHECKS, DriftConfig
from pipeline.readiness.check import Check, Rule

PERCENTILES = ("p50", "p90", "p95", "p99")
COUNTS = ("input", "kept", *SPLITS)
DUPLICATE_REASONS = ("duplicate_exact", "duplicate_near")

TOLERANCE_KEY = {
    "drift_counts": "max_count_change", "drift_label_set": "max_labels_changed",
    "drift_label_shares": "max_label_share_change", "drift_reject_reasons": "max_reject_share_change",
    "drift_duplicate_rate": "max_duplicate_rate_change", "drift_token_percentiles": "max_token_change",
    "drift_languages": "max_language_share_change", "drift_eval_overlap": "max_eval_overlap",
}
"""The ``[drift]`` key holding each check's tolerance."""

SHARE_DROP_Z = 4.0
"""How far beyond sampling noise a label's relative loss must be (two-proportion z): at 3.0, 2 of 100 random halves
of banking77 flagged a label; at 4.0, 1 of 300 (docs/gating.md)."""

# how each check's change is measured: relative to the baseline, a difference of shares, or a number of records
KIND = {"drift_counts": "relative", "drift_token_percentiles": "relative", "drift_label_set": "number",
        "drift_eval_overlap": "number"}


@dataclass(frozen=True)
class Change:
    """One compared figure: ``change`` is relative, a share difference or a count (see ``KIND``); ``None``: from 0."""

    check: str
    what: str
    before: float | None
    after: float | None
    change: float | None
    detail: str = ""
    lost: float | None = None
    z: float | None = None

    @property
    def size(self) -> float:
        """How far the figure moved (a change from nothing to something is infinitely far)."""
        return math.inf if self.change is None else abs(self.change)

    def beyond(self, tolerance: float, share_drop: float | None = None) -> bool:
        """Whether the figure moved beyond ``tolerance``, or (label shares, ``share_drop`` given) lost more than that
        fraction of its share by more than sampling explains."""
        if self.size > tolerance:
            return True
        return (share_drop is not None and self.lost is not None and self.lost > share_drop
                and (self.z or 0.0) >= SHARE_DROP_Z)


def figures(report: dict[str, Any]) -> dict[str, Any]:
    """The figures of a run that drift is measured on, from its ``report.json`` (``None``: the run has no such figure).

    ``labels`` and ``languages`` are shares of the kept (language: measured) records; ``rejects`` and
    ``duplicate_rate`` shares of the input rows; ``tokens`` the train split's token percentiles.
    """
    counts = report.get("counts") or {}
    n_input = counts.get("input") or 0
    rejected = counts.get("rejected") or {}
    return {
        "counts": {"input": n_input, "kept": counts.get("kept", 0), **(counts.get("splits") or {})},
        "labels": _shares(report.get("labels")),
        "rejects": {reason: _ratio(n, n_input) for reason, n in sorted(rejected.items())},
        "duplicate_rate": _duplicate_rate(report, n_input),
        "tokens": _token_percentiles(report),
        "languages": _shares(report.get("languages")),
    }


def changes(before: dict[str, Any], after: dict[str, Any], overlap: dict[str, Any] | None) -> dict[str, list[Change] | str]:
    """Every compared figure, by drift check; a string instead of a list says why that comparison cannot be made."""
    found: dict[str, list[Change] | str] = {"drift_counts": [
        Change("drift_counts", f"{name} records", before["counts"].get(name, 0), after["counts"].get(name, 0),
               _relative(before["counts"].get(name, 0), after["counts"].get(name, 0)))
        for name in COUNTS]}
    found["drift_label_set"] = _compare(before, after, "labels", "labels (classification)", _label_set)
    found["drift_label_shares"] = _compare(before, after, "labels", "labels (classification)", lambda b, a: list(
        _label_share_changes(b, a, before["counts"].get("kept", 0), after["counts"].get("kept", 0))))
    found["drift_reject_reasons"] = list(_share_changes("drift_reject_reasons", "rejected as", before["rejects"], after["rejects"]))
    found["drift_duplicate_rate"] = _compare(before, after, "duplicate_rate", "a duplicate count", lambda b, a: [
        Change("drift_duplicate_rate", "duplicate share of input", b, a, round(a - b, 4))])
    found["drift_token_percentiles"] = _compare(before, after, "tokens", "token counts of the train split", lambda b, a: [
        Change("drift_token_percentiles", f"train tokens {p}", b[p], a[p], _relative(b[p], a[p])) for p in PERCENTILES])
    found["drift_languages"] = _compare(before, after, "languages", "a language mix (the clean stage detects it)",
                                        lambda b, a: list(_share_changes("drift_languages", "language", b, a)))
    if overlap is None or "skipped" in overlap:
        found["drift_eval_overlap"] = (overlap or {}).get("skipped", "no eval overlap measured (the drift stage writes it)")
    else:
        found["drift_eval_overlap"] = [Change("drift_eval_overlap", "val/test records in the baseline's train", 0,
                                              overlap["records"], overlap["records"],
                                              f"val {overlap['val']}, test {overlap['test']}; by id {overlap['by_id']}, "
                                              f"by content {overlap['by_content']}")]
    return found


def drift_changes(report: dict[str, Any]) -> dict[str, list[Change] | str]:
    """:func:`changes` between the baseline stored in ``report['drift']`` and the run of ``report``."""
    section = report["drift"]
    return changes(section["before"], figures(report), section.get("eval_overlap"))


def check_drift(report: dict[str, Any], cfg: DriftConfig) -> list[Check]:
    """One ``drift_<what>`` check per compared figure group; none when the run had no baseline."""
    if not report.get("drift"):
        return []
    found = drift_changes(report)
    return [_judge(name, found[name], cfg) for name in DRIFT_CHECKS]


def tolerances(checks: list[dict[str, Any]]) -> dict[str, float]:
    """Each drift check's tolerance, read back from the thresholds the report's checks show."""
    found = {}
    for check in checks:
        threshold = check.get("threshold")
        if check["name"] in TOLERANCE_KEY and isinstance(threshold, dict):
            limit = threshold.get("warn_above", threshold.get("fail_above"))
            if limit is not None:
                found[check["name"]] = limit
    return found


def _judge(name: str, found: list[Change] | str, cfg: DriftConfig) -> Check:
    tolerance = getattr(cfg, TOLERANCE_KEY[name])
    share_drop = cfg.max_label_share_drop if name == "drift_label_shares" else None
    threshold = {f"{cfg.status(name)}_above": tolerance}
    if share_drop is not None:
        threshold["share_drop_above"] = share_drop
    rule = Rule(name, threshold)
    if isinstance(found, str):
        return rule.skip(found)
    worst = max(found, key=lambda c: c.size, default=None)
    if worst is None:  # no reject reason in either run
        return rule.result(0, "nothing to compare: no row rejected in either run")
    over = [c for c in found if c.beyond(tolerance, share_drop)]
    lost = [c for c in over if c.size <= tolerance]  # beyond only by the share it lost
    if lost and len(lost) == len(over):
        worst = max(lost, key=lambda c: (c.lost or 0.0, c.size))
    observed = {"what": worst.what, "before": worst.before, "after": worst.after, "change": worst.change,
                "over_tolerance": len(over)}
    message = _headline(name, over, tolerance, share_drop)
    if worst.size and name not in ("drift_label_set", "drift_eval_overlap"):
        message += f"; largest: {describe(worst)}"
    if name == "drift_label_shares" and lost:
        message += f"; lost most of their share: {_names([c.what.removeprefix('label ') for c in lost])}"
    status = cfg.status(name) if over else "pass"
    return rule.result(observed, message, _RECOMMENDATION[name], value=worst.size, status=status)


def _headline(name: str, over: list[Change], tolerance: float, share_drop: float | None = None) -> str:
    if name == "drift_eval_overlap":
        return (f"{over[0].after} val/test records were in the baseline's train split ({over[0].detail})" if over
                else "no val/test record was in the baseline's train split")
    if name == "drift_label_set":
        return f"labels {over[0].before} -> {over[0].after}: {over[0].detail}" if over else "the same labels as the baseline"
    limit = format_tolerance(name, tolerance)
    if share_drop is None:
        return f"{len(over)} figure(s) moved more than {limit}" if over else f"every figure within {limit} of the baseline"
    if over:
        return f"{len(over)} label(s) moved more than {limit} or lost more than {share_drop:.0%} of their share"
    return f"every label within {limit} of the baseline, none lost more than {share_drop:.0%} of its share"


_ACCEPT = "if the change is intended, accept this run as the new baseline; otherwise find what changed upstream"
_RECOMMENDATION = {
    **{name: _ACCEPT for name in DRIFT_CHECKS},
    "drift_label_set": "a model trained on this data predicts a different set of labels: " + _ACCEPT,
    "drift_eval_overlap": "the new model would be evaluated on examples the baseline model trained on, so the two "
                          "cannot be compared: drop those records from val/test, or keep the baseline's split",
}


def describe(change: Change) -> str:
    """``what before -> after (change)``, each number in its unit."""
    detail = f" ({change.detail})" if change.detail else ""
    if change.check == "drift_label_set":
        return f"{change.what} {change.before} -> {change.after}{detail}"
    return (f"{change.what} {format_value(change.check, change.before)} -> {format_value(change.check, change.after)} "
            f"({format_change(change.check, change.change)}){detail}")


def format_value(check: str, value: float | None) -> str:
    if value is None:
        return "-"
    if KIND.get(check) in ("relative", "number"):
        return f"{value:,}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{100 * value:.1f}%"


def format_tolerance(check: str, tolerance: float) -> str:
    return format_change(check, tolerance).lstrip("+")


def format_change(check: str, change: float | None) -> str:
    if change is None:
        return "new"
    kind = KIND.get(check)
    if kind == "relative":
        return f"{100 * change:+.1f}%"
    if kind == "number":
        return f"{change:,g}"
    return f"{100 * change:+.1f} pt"


def _compare(before: dict[str, Any], after: dict[str, Any], key: str, what: str, compare) -> list[Change] | str:
    missing = [side for side, figs in (("baseline", before), ("this run", after)) if figs.get(key) is None]
    if missing:
        return f"{' and '.join(missing)} {'have' if len(missing) > 1 else 'has'} no {what}"
    return compare(before[key], after[key])


def _label_set(before: dict[str, float], after: dict[str, float]) -> list[Change]:
    removed, added = sorted(set(before) - set(after)), sorted(set(after) - set(before))
    detail = f"removed: {_names(removed) or 'none'}; added: {_names(added) or 'none'}"
    return [Change("drift_label_set", "labels", len(before), len(after), len(removed) + len(added), detail)]


def _names(names: list[str], most: int = 5, chars: int = 40) -> str:
    shown = [name if len(name) <= chars else name[:chars] + "..." for name in names[:most]]
    return ", ".join(shown) + (f" and {len(names) - most} more" if len(names) > most else "")


def _share_changes(check: str, what: str, before: dict[str, float], after: dict[str, float]) -> Iterator[Change]:
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key, 0.0), after.get(key, 0.0)
        yield Change(check, f"{what} {key}", b, a, round(a - b, 4))


def _label_share_changes(before: dict[str, float], after: dict[str, float], n_before: int,
                         n_after: int) -> Iterator[Change]:
    """Each label's share change in points, with the fraction of its share it lost and how far that loss is beyond
    sampling noise (a two-proportion z on the counts, recovered from the shares and the kept counts)."""
    for change in _share_changes("drift_label_shares", "label", before, after):
        b, a = change.before or 0.0, change.after or 0.0
        if not (b and a and n_before and n_after) or a >= b:
            yield change  # a label that vanished is drift_label_set's; a label that grew lost nothing
            continue
        lost = round(1 - a / b, 4)
        pooled = (b * n_before + a * n_after) / (n_before + n_after)
        noise = math.sqrt(pooled * (1 - pooled) * (1 / n_before + 1 / n_after))
        z = round((b - a) / noise, 2) if noise else 0.0
        detail = f"{lost:.0%} of its share lost, z {z:.1f}" if z >= SHARE_DROP_Z else ""
        yield Change(change.check, change.what, b, a, change.change, detail, lost, z)


def _relative(before: float, after: float) -> float | None:
    if before == after:
        return 0.0
    return round((after - before) / before, 4) if before else None


def _ratio(n: float, total: float) -> float:
    return round(n / total, 6) if total else 0.0


def _shares(per_split: dict[str, dict[str, int]] | None) -> dict[str, float] | None:
    """Shares of each key summed over the splits (``None`` when the report has no such section)."""
    if not per_split:
        return None
    totals: dict[str, int] = {}
    for counts in per_split.values():
        for key, n in counts.items():
            totals[key] = totals.get(key, 0) + n
    total = sum(totals.values())
    return {key: _ratio(n, total) for key, n in sorted(totals.items()) if n}


def _duplicate_rate(report: dict[str, Any], n_input: int) -> float | None:
    """Input rows that were duplicates: removed by dedup plus those still repeating a kept record's cluster."""
    overlap = report.get("overlap")
    if overlap is None or not n_input:
        return None
    removed = sum((report.get("counts") or {}).get("rejected", {}).get(r, 0) for r in DUPLICATE_REASONS)
    return _ratio(removed + overlap.get("duplicates_remaining", 0), n_input)


def _token_percentiles(report: dict[str, Any]) -> dict[str, float] | None:
    train = ((report.get("lengths") or {}).get("tokens") or {}).get("train") or {}
    if not train.get("count"):
        return None
    return {p: train[p] for p in PERCENTILES}
