"""Evaluation checks: can the test split measure what the task produces?

Classification produces labels, so the test split measures an accuracy. Completion and chat produce text: what a
test split can measure is a pass rate (any yes/no rubric) or a win rate against another model, judged as such
(how large a win rate it can tell from a coin flip), not as an accuracy. How precisely each label's recall can be
measured is worth reading but is no problem to fix (with 77 labels even 3,000 test rows leave ±15 points per
label), so it is its own check with status ``info``.
"""

from __future__ import annotations

from typing import Any

from pipeline.readiness.check import Check, Rule
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.measures import accuracy_half_width, examples_for_half_width
from pipeline.readiness.wording import name_list, plural


def check_eval_power(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """Is the test split big enough to measure an accuracy (or a pass/win rate) within the tolerance?"""
    generative = report["task"] != "classification"
    limit = cfg.max_rate_eval_half_width if generative else cfg.max_eval_half_width
    need = examples_for_half_width(limit)
    measured = "a pass rate or win rate" if generative else "accuracy"
    rule = Rule("eval_power", {"warn_above": limit},
                says=f"warns when {measured} on the test split is known only to within more than ±{limit:.0%} "
                     f"(95% CI; under {need} test examples)")
    if report["split"]["ratios"][2] <= 0:
        return rule.skip("no test split was asked for (test ratio 0)")
    n_test = report["counts"]["splits"].get("test", 0)
    exact = accuracy_half_width(n_test)  # compared unrounded: 384 examples give 0.05001, which must warn
    observed = {"test_examples": n_test, "half_width": round(exact, 4)}
    message = f"{measured} on {n_test} test examples is known to within ±{exact:.1%} (95% CI)"
    if generative:
        message += (f": a model must win {min(1.0, 0.5 + exact):.0%} of comparisons with another to be told apart "
                    "from a coin flip")
    return rule.result(observed, message, f"grow the test split to at least {need} examples (add data or raise the "
                       "test ratio)", value=exact)


def check_label_eval_power(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """How precisely the test split measures each label's recall: a figure to read (``info``), never a warning."""
    rule = Rule("label_eval_power", {"info_above": cfg.max_label_eval_half_width},
                says=f"information only: names the labels whose recall is known only to within more than "
                     f"±{cfg.max_label_eval_half_width:.0%}")
    test = (report.get("labels") or {}).get("test")
    if report["task"] != "classification" or not test:
        return rule.skip("per-label recall applies to classification with a test split")
    if report["split"]["ratios"][2] <= 0:
        return rule.skip("no test split was asked for (test ratio 0)")
    widths = {label: accuracy_half_width(n) for label, n in test.items()}
    coarse = sorted((label for label, w in widths.items() if w > cfg.max_label_eval_half_width),
                    key=lambda label: (-widths[label], label))
    counts = sorted(test.values())
    observed = {"labels": len(test), "min_test_examples": counts[0],
                "worst_label_half_width": round(max(widths.values()), 4)}
    if counts[0] == counts[-1]:
        message = (f"each label's recall is measured on {counts[0]} test {plural(counts[0], 'example')}: known to "
                   f"within ±{max(widths.values()):.0%} (95% CI)")
    else:
        message = (f"each label's recall is measured on {counts[0]}-{counts[-1]} test examples: known to within "
                   f"±{min(widths.values()):.0%} to ±{max(widths.values()):.0%} (95% CI)")
    if coarse:
        message += (f"; {len(coarse)} labels only within more than ±{cfg.max_label_eval_half_width:.0%} "
                    f"({name_list(coarse)}): read their per-label scores with care")
    return rule.result(observed, message, status="info")
