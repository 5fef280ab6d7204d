"""Checks on the evidence a baseline gives: learning curve (classification), diversity (generative).

The label-noise check lives with its measurement in :mod:`pipeline.readiness.label_noise`.
"""

from __future__ import annotations

from typing import Any

from pipeline.readiness.check import Check, Rule
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.wording import quote


def check_learning_curve(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """More data will likely help when the expected gain from doubling it is clearly above the threshold.

    Clearly: the lower end of its 95% bootstrap interval (over the evaluation rows) is above
    ``max_expected_gain_2x``. When only the estimate is above it, the gain may be noise: ``info``. A report
    without the interval (written before it existed) is judged on the estimate.
    """
    limit = cfg.max_expected_gain_2x
    rule = Rule("learning_curve", {"warn_above": limit, "judged_on": "interval_low"},
                says=f"warns when the lower end of the 95% interval of the macro-F1 gain from doubling the data is "
                     f"above {limit:+.3f} (info when only the estimate is)")
    if report["task"] != "classification":
        return rule.skip("learning curves are measured for classification only")
    curve = report.get("learning_curve")
    if not curve:
        why = (report.get("skipped_analyses") or {}).get("learning_curve") or "needs two labels in train"
        return rule.skip(f"no learning curve: {why}")
    gain, scores = curve["expected_gain_2x"], curve["scores"]
    interval = curve.get("expected_gain_2x_interval") or {"low": gain, "high": gain}
    weakest = list(curve.get("per_label_f1", {}).items())[:3]
    weak_note = ", ".join(f"{quote(label, 40)} ({f1:.2f})" for label, f1 in weakest)
    span = f" (95% interval {interval['low']:+.3f} to {interval['high']:+.3f})" if "level" in interval else ""
    message = (f"baseline macro-F1 {scores[0]:.3f} -> {scores[-1]:.3f} from {curve['sizes'][0]} to {curve['sizes'][-1]} "
               f"examples; doubling the data would add about {gain:+.3f}{span}")
    observed = gain  # the interval is in the learning_curve section (expected_gain_2x_interval) and the message
    if interval["low"] > limit:
        return rule.result(observed, message, f"more data will likely help: about {curve['sizes'][-1]} more training "
                           f"examples, first for the weakest labels {weak_note}", status="warn",
                           examples=[f"{quote(label, 60)}: F1 {f1:.2f}" for label, f1 in weakest])
    if gain > limit:
        return rule.result(observed, message + f"; the gain may be above {limit:+.3f} but the data cannot tell it "
                           "from noise", status="info")
    return rule.result(observed, message + (f"; weakest labels {weak_note}" if weak_note else ""), status="pass")


def check_diversity(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """Generative data should not be one template or a few repeated answers; novelty says if more would add anything."""
    rule = Rule("diversity", {
        "max_cluster_share": cfg.max_cluster_share,
        "min_distinct_2": cfg.min_distinct_2,
        "max_template_share": cfg.max_template_share,
        "min_novelty": cfg.min_novelty,
    }, says=f"warns when near-duplicate clusters hold over {cfg.max_cluster_share:.0%} of records, distinct-2 of "
            f"responses is under {cfg.min_distinct_2:g}, over {cfg.max_template_share:.0%} of prompts share one template, "
            f"or novelty is under {cfg.min_novelty:g}")
    section = report.get("diversity")
    if report["task"] == "classification" or not section:
        return rule.skip("diversity is measured for completion and chat data")
    template_share = max(section["templates"][side].get("largest_share", section["templates"][side]["share"])
                         for side in ("prefix", "suffix"))  # one template (reports before it: any shared opening)
    observed = {
        "cluster_share": section["near_duplicate_cluster_share"],
        "distinct_2": section["distinct_2"],
        "template_share": template_share,
        "novelty": section["novelty_ngrams"],
    }
    problems = _diversity_problems(observed, cfg)
    message = (f"distinct-2 {observed['distinct_2']:.2f}, novelty {observed['novelty']:.2f}, duplicate-cluster share "
               f"{observed['cluster_share']:.1%}, templated prompts {template_share:.0%}")
    if problems:
        return rule.result(observed, message + ": " + "; ".join(problems),
                           "add examples of new tasks and phrasings rather than more of the same (vary prompts and answers)",
                           status="warn")
    return rule.result(observed, message, status="pass")


def _diversity_problems(observed: dict[str, float], cfg: ReadinessConfig) -> list[str]:
    problems = []
    if observed["cluster_share"] > cfg.max_cluster_share:
        problems.append("many near-duplicates")
    if observed["distinct_2"] < cfg.min_distinct_2:
        problems.append("repetitive responses")
    if observed["template_share"] > cfg.max_template_share:
        problems.append("most prompts follow one template")
    if observed["novelty"] < cfg.min_novelty:
        problems.append("more data like this would add little new")
    return problems
