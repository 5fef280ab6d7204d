"""Volume, balance and evaluation checks: enough examples, enough per label, balanced labels in every split, a test
split that can measure something, and few rejected rows."""

from __future__ import annotations

import math
from typing import Any

from pipeline.core.markdown import name_list
from pipeline.core.records import SPLITS
from pipeline.readiness.check import Check, Rule
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.measures import (
    accuracy_half_width,
    examples_for_half_width,
    imbalance_ratio,
    rare_labels,
    shortfall,
    totals_over_splits,
)


def check_min_examples(kept: int, cfg: ReadinessConfig) -> Check:
    rule = Rule("min_examples", {"fail_below": cfg.min_examples, "warn_below": cfg.recommended_examples})
    status = rule.status(kept)
    if status == "fail":
        return rule.result(kept, f"only {kept} examples kept; at least {cfg.min_examples} are needed",
                           f"add at least {cfg.min_examples - kept} examples", status=status)
    if status == "warn":
        return rule.result(kept, f"{kept} examples kept; {cfg.recommended_examples} or more are recommended",
                           f"add {cfg.recommended_examples - kept} or more examples", status=status)
    return rule.result(kept, f"{kept} examples kept", status=status)


def label_variants(totals: dict[str, int]) -> dict[str, str]:
    """Labels that differ from a bigger label only by case, spaces, ``_`` or ``-`` (``Billing`` -> ``billing``).

    They are spelling slips the clean stage normalises, not classes of their own, so the volume and balance
    checks count them with the label they vary.
    """
    def key(label: str) -> str:
        return "".join(ch for ch in label.casefold() if ch not in " _-")

    canonical: dict[str, str] = {}
    for label in sorted(totals, key=lambda k: (-totals[k], k)):
        canonical.setdefault(key(label), label)
    return {label: canonical[key(label)] for label in sorted(totals) if canonical[key(label)] != label}


def _merged_totals(labels: dict[str, dict[str, int]]) -> tuple[dict[str, int], dict[str, str]]:
    totals = totals_over_splits(labels)
    variants = label_variants(totals)
    merged: dict[str, int] = {}
    for label, n in totals.items():
        target = variants.get(label, label)
        merged[target] = merged.get(target, 0) + n
    return merged, variants


def _variants_note(variants: dict[str, str]) -> str:
    return "; " + ", ".join(f"{v} looks like {c}" for v, c in variants.items()) + " (counted with it)" if variants else ""


def check_min_per_label(labels: dict[str, dict[str, int]], cfg: ReadinessConfig) -> Check:
    """Every label needs enough examples to be learnt: fail below ``min_per_label``, warn below the recommendation.

    Spelling variants of a label are counted with it, and make the check warn so that they get normalised.
    """
    rule = Rule("min_per_label", {"fail_below": cfg.min_per_label, "warn_below": cfg.recommended_per_label})
    totals, variants = _merged_totals(labels)
    smallest = min(totals.values())
    note = _variants_note(variants)
    fix_variants = f"; normalise the label spellings {name_list(variants)}" if variants else ""
    status = rule.status(smallest)
    if status == "fail":
        failing = shortfall(totals, cfg.min_per_label)
        return rule.result(smallest, f"{len(failing)} labels have fewer than {cfg.min_per_label} examples (smallest: {smallest}){note}",
                           f"add at least {max(failing.values())} examples to labels {name_list(failing)}{fix_variants}",
                           status=status)
    if status == "warn":
        warning = shortfall(totals, cfg.recommended_per_label)
        return rule.result(smallest, f"{len(warning)} labels have fewer than {cfg.recommended_per_label} examples (smallest: {smallest}){note}",
                           f"add up to {max(warning.values())} examples to labels {name_list(warning)}{fix_variants}",
                           status=status)
    message = f"every label has {smallest} or more examples"
    if variants:
        return rule.result(smallest, message + note, fix_variants[2:], status="warn")
    return rule.result(smallest, message)


def check_label_balance(labels: dict[str, dict[str, int]], cfg: ReadinessConfig) -> Check:
    """Fail with a single label (nothing to tell apart); warn when the largest label outnumbers the smallest too
    much, or a label is a sliver of the data."""
    totals, _ = _merged_totals(labels)
    min_share = cfg.min_share_of_even / len(totals)
    rule = Rule("label_balance", {"warn_above_ratio": cfg.max_imbalance_ratio, "warn_below_share": round(min_share, 6)})
    if len(totals) == 1:
        (only,) = totals
        return rule.result(1.0, f"every kept example has the label {only!r}: a classifier has nothing to tell apart",
                           "add examples of the other classes (or check --label-field: is this the label column?)",
                           status="fail")
    ratio = imbalance_ratio(totals)
    slivers = rare_labels(totals, min_share)
    observed = round(ratio, 2) if ratio != float("inf") else None
    largest, smallest = max(totals, key=lambda k: (totals[k], k)), min(totals, key=lambda k: (totals[k], k))
    message = f"largest/smallest label ratio {ratio:.1f} ({largest} {totals[largest]} vs {smallest} {totals[smallest]})"
    if ratio > cfg.max_imbalance_ratio or slivers:
        extra = f"; {len(slivers)} labels under {min_share:.2%} of the data ({name_list(slivers)})" if slivers else ""
        target = max(1, math.ceil(totals[largest] / cfg.max_imbalance_ratio), math.ceil(min_share * sum(totals.values())))
        return rule.result(observed, message + extra,
                           f"add examples to the rare labels {name_list(shortfall(totals, target))} (to at least {target} each) "
                           "or use class weights / resampling in training", status="warn")
    return rule.result(observed, message, status="pass")


def check_eval_power(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """Is the test split big enough to measure accuracy (and each label's recall) within the tolerance?"""
    rule = Rule("eval_power", {"warn_above": cfg.max_eval_half_width, "per_label_warn_above": cfg.max_label_eval_half_width})
    n_test = report["counts"]["splits"].get("test", 0)
    if report["split"]["ratios"][2] <= 0:
        return rule.skip("no test split was asked for (test ratio 0)")
    exact = accuracy_half_width(n_test)  # compared unrounded: 384 examples give 0.05001, which must warn
    half = round(exact, 4)
    per_label = {label: round(accuracy_half_width(n), 4) for label, n in (report.get("labels") or {}).get("test", {}).items()}
    weak = {label: h for label, h in sorted(per_label.items(), key=lambda kv: (-kv[1], kv[0])) if h > cfg.max_label_eval_half_width}
    observed = {"test_examples": n_test, "half_width": half, "worst_label_half_width": max(per_label.values(), default=None)}
    measured = "accuracy" if report["task"] == "classification" else "a pass rate (any yes/no metric)"
    message = f"{measured} on {n_test} test examples is known to within ±{half:.1%} (95% CI)"
    if rule.status(exact) == "warn":
        need = examples_for_half_width(cfg.max_eval_half_width)
        return rule.result(observed, message, f"grow the test split to at least {need} examples (add data or raise the test ratio)",
                           status="warn")
    if weak:
        need = examples_for_half_width(cfg.max_label_eval_half_width)
        return rule.result(observed, message + f"; {len(weak)} labels' recall only within ±{max(weak.values()):.0%}",
                           f"give labels {name_list(weak)} at least {need} test examples each", status="warn")
    return rule.result(observed, message, status="pass")


def check_label_spelling(variants: list[dict[str, Any]]) -> Check:
    """Labels that differ only by case or whitespace split one class in two: warn, and say how to merge them."""
    rule = Rule("label_spelling", 0)
    if not variants:
        return rule.result(0, "no labels differ only by case or whitespace", status="pass")
    groups = "; ".join(" / ".join(v["labels"]) for v in variants[:5])
    return rule.result(len(variants), f"{len(variants)} label(s) spelled more than one way: {groups}",
                       "merge them with [clean] label_map or label_casefold = true", status="warn")


def check_reject_rate(counts: dict[str, Any], cfg: ReadinessConfig) -> Check:
    rule = Rule("reject_rate", {"warn_above": cfg.max_reject_rate, "fail_above": min(1.0, 2 * cfg.max_reject_rate)})
    rejected = sum(counts["rejected"].values())
    rate = rejected / counts["input"] if counts["input"] else 0.0
    top = ", ".join(f"{reason} ({n})" for reason, n in sorted(counts["rejected"].items(), key=lambda kv: (-kv[1], kv[0]))[:3])
    message = f"{rejected} of {counts['input']} input rows rejected ({rate:.1%})" + (f": {top}" if top else "")
    return rule.result(round(rate, 4), message, "look at rejected.jsonl: fix the input or the field mapping for the top reasons",
                       value=rate)


def check_label_coverage(labels: dict[str, dict[str, int]], ratios: list[float]) -> Check:
    """Every label should appear in every split that is asked for, or it cannot be learnt or measured."""
    rule = Rule("label_coverage", 0)
    active = [name for name, ratio in zip(SPLITS, ratios) if ratio > 0]
    all_labels = sorted({label for per_split in labels.values() for label in per_split})
    missing = {label: [s for s in active if not labels.get(s, {}).get(label)] for label in all_labels}
    missing = {label: splits for label, splits in missing.items() if splits}
    if not missing:
        return rule.result(0, f"all {len(all_labels)} labels appear in {', '.join(active)}", status="pass")
    names = ", ".join(sorted(missing)[:10]) + (" ..." if len(missing) > 10 else "")
    return rule.result(len(missing), f"{len(missing)} of {len(all_labels)} labels are missing from some split: {names}",
                       f"add examples to {names} so each appears in {', '.join(active)}", status="warn")
