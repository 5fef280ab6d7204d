"""Checks on the evidence a baseline gives: learning curve (classification), diversity (generative).

The label-noise check lives with its measurement in :mod:`pipeline.readiness.label_noise`.
"""

from __future__ import annotations

from typing import Any

from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.check import Check, Rule


def check_learning_curve(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """A large expected gain from doubling the data means the model is still data-starved: more data will help."""
    rule = Rule("learning_curve", {"warn_above": cfg.max_expected_gain_2x})
    if report["task"] != "classification":
        return rule.skip("learning curves are measured for classification only")
    curve = report.get("learning_curve")
    if not curve:
        return rule.skip("too little data to train the baseline (needs 2 labels in train and a val split)")
    gain, scores = curve["expected_gain_2x"], curve["scores"]
    weakest = list(curve.get("per_label_f1", {}).items())[:3]
    weak_note = ", ".join(f"{label} ({f1:.2f})" for label, f1 in weakest)
    message = (f"baseline macro-F1 {scores[0]:.3f} -> {scores[-1]:.3f} from {curve['sizes'][0]} to {curve['sizes'][-1]} "
               f"examples; doubling the data would add about {gain:+.3f}")
    if rule.status(gain) == "warn":
        return rule.result(gain, message, f"more data will likely help: about {curve['sizes'][-1]} more training "
                           f"examples, first for the weakest labels {weak_note}")
    return rule.result(gain, message + (f"; weakest labels {weak_note}" if weak_note else ""))


def check_diversity(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """Generative data should not be one template or a few repeated answers; novelty says if more would add anything."""
    rule = Rule("diversity", {
        "max_cluster_share": cfg.max_cluster_share,
        "min_distinct_2": cfg.min_distinct_2,
        "max_template_share": cfg.max_template_share,
        "min_novelty": cfg.min_novelty,
    })
    section = report.get("diversity")
    if report["task"] == "classification" or not section:
        return rule.skip("diversity is measured for completion and chat data")
    template_share = max(section["templates"]["prefix"]["share"], section["templates"]["suffix"]["share"])
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
