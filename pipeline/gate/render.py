"""The before/after table of a run with a baseline, for report.md and report.html (from ``report.json`` alone)."""

from __future__ import annotations

from typing import Any

from pipeline.core.markdown import table_cell
from pipeline.gate.config import DRIFT_CHECKS, DriftConfig
from pipeline.gate.drift import TOLERANCE_KEY, drift_changes, format_change, format_tolerance, format_value, tolerances

MOST_ROWS_PER_CHECK = 12  # label and language shares can have hundreds of rows: show those that moved most


def drift_rows(report: dict[str, Any]) -> list[dict[str, str]]:
    """The table's rows as text: check, figure, before, after, change, tolerance, status (``ok``, or the check's
    status for a figure beyond its tolerance; ``skip`` with the reason when a figure could not be compared)."""
    if not report.get("drift"):
        return []
    checks = {c["name"]: c for c in report.get("checks") or []}
    limits = {**{name: getattr(DriftConfig(), TOLERANCE_KEY[name]) for name in DRIFT_CHECKS}, **tolerances(list(checks.values()))}
    rows = []
    for name, found in drift_changes(report).items():
        tolerance = limits[name]
        if isinstance(found, str):
            rows.append({"check": name, "figure": found, "before": "", "after": "", "change": "", "tolerance": "",
                         "status": "skip"})
            continue
        if not found:
            rows.append({"check": name, "figure": "nothing to compare (no row rejected in either run)", "before": "",
                         "after": "", "change": "", "tolerance": "", "status": "ok"})
            continue
        status = (checks.get(name) or {}).get("status", "over")
        share_drop = _share_drop(name, checks.get(name))
        ranked = sorted(found, key=lambda c: (not c.beyond(tolerance, share_drop), -c.size, c.what))
        over = [c for c in ranked if c.beyond(tolerance, share_drop)]
        shown = over[:MOST_ROWS_PER_CHECK] if over else ranked[:3] if len(ranked) > MOST_ROWS_PER_CHECK else ranked
        if name in ("drift_counts", "drift_token_percentiles"):
            shown = [c for c in found if c in shown]  # in their natural order
        for change in shown:
            rows.append({"check": name, "figure": change.what + (f" ({change.detail})" if change.detail else ""),
                         "before": format_value(name, change.before), "after": format_value(name, change.after),
                         "change": format_change(name, change.change), "tolerance": format_tolerance(name, tolerance),
                         "status": status if change.beyond(tolerance, share_drop) else "ok"})
        if len(shown) < len(found):
            hidden = len(found) - len(shown)
            rows.append({"check": name, "figure": f"... {hidden} more, each within tolerance" if not over[len(shown):]
                         else f"... {hidden} more ({len(over) - len(shown)} beyond tolerance)",
                         "before": "", "after": "", "change": "", "tolerance": "", "status": ""})
    return rows


def _share_drop(name: str, check: dict[str, Any] | None) -> float | None:
    """The label share-loss limit the check was judged with (the default for a report written before it existed)."""
    if name != "drift_label_shares":
        return None
    threshold = (check or {}).get("threshold")
    return threshold.get("share_drop_above", DriftConfig().max_label_share_drop) if isinstance(threshold, dict) else \
        DriftConfig().max_label_share_drop


def drift_markdown(report: dict[str, Any]) -> list[str]:
    """The ``## Drift against the baseline`` section of report.md (nothing when the run had no baseline)."""
    rows = drift_rows(report)
    if not rows:
        return []
    baseline = report["drift"]["baseline"]
    lines = ["", "## Drift against the baseline", "",
             f"Baseline: `{baseline['path']}` (verdict {baseline.get('verdict')}, ftprep {baseline.get('ftprep_version')}).",
             "", "| check | figure | before | after | change | tolerance | status |", "|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(table_cell(row[key]) for key in ("check", "figure", "before", "after", "change",
                                                                  "tolerance", "status")) + " |" for row in rows]
    return lines
