"""'What to do next': the recommendations of failed and warned checks, fails first, each ordered by cause.

An expert fixes what blocks training first (a failed check before any warning), and what is broken before growing
it: malformed rows and labels first (more data of a broken kind is more broken data), then the content, then
balance, then volume. Each check has a usual cause (``CHECK_CAUSE``; a
check may name another one for a given run, e.g. ``min_per_label`` when its small labels are text that slipped
into the label column), and advice to add data waits while a malformed or label problem is open: a learning curve
measured on 20% flipped labels 'needs ~7,800 more examples' that would not help.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

CAUSES: tuple[str, ...] = ("malformed", "labels", "content", "balance", "volume", "uncertain", "other")
"""The order an expert works in; a check missing from ``CHECK_CAUSE`` is listed as ``other``, last. ``uncertain``:
a warning whose own figure the check doubts (a label-noise estimate from an unsure baseline, near twins that do not
measurably inflate the score); it never holds back advice from confident checks."""

CHECK_CAUSE: dict[str, str] = {
    "reject_rate": "malformed",
    "expectations": "malformed",
    "label_spelling": "malformed",
    "split_leakage": "malformed",
    "placeholders": "malformed",
    "label_noise": "labels",
    "label_conflicts": "labels",
    "label_leakage": "labels",
    "label_shortcuts": "labels",
    "response_collapse": "content",
    "preference_identical_pairs": "content",
    "preference_length_bias": "content",
    "preference_contradictions": "labels",
    "preference_repeated_prompts": "balance",
    "preference_refusal_asymmetry": "content",
    "duplicate_rate": "content",
    "contamination": "content",
    "diversity": "content",
    "pii": "content",
    "language_mix": "content",
    "max_tokens": "content",
    "label_balance": "balance",
    "label_coverage": "balance",
    "min_per_label": "volume",
    "min_examples": "volume",
    "eval_power": "volume",
    "learning_curve": "volume",
    # content checks of completion and chat data
    "truncated_responses": "malformed",
    "format_artifacts": "malformed",
    "swapped_roles": "malformed",
    "prompt_leakage": "malformed",
    "conflicting_responses": "labels",
    "refusals": "content",
    "fragmentary_responses": "content",
    "scrambled_text": "content",
    "reject_reasons": "content",
}
_ADD_DATA = {"balance", "volume"}
_BLOCKING = {"malformed", "labels"}
_SEVERITY = {"fail": 0, "warn": 1}
MAX_STEPS = 5


def cause_of(check: Mapping[str, Any]) -> str:
    return check.get("cause") or CHECK_CAUSE.get(check["name"], "other")


def next_steps(checks: Sequence[Mapping[str, Any]], limit: int = MAX_STEPS) -> list[str]:
    """Numbered-list items: each failed or warned check's recommendation, the fails first, then the warnings, each
    in the order of their causes (a warning about rows never comes before a failed check: what blocks training is
    fixed first); "add data" advice waits behind a re-run while rows or labels are still to be fixed."""
    acting = [c for c in checks if c["status"] in _SEVERITY and c.get("recommendation")]
    ranked = sorted(acting, key=lambda c: (_SEVERITY[c["status"]],
                                           CAUSES.index(cause_of(c)) if cause_of(c) in CAUSES else len(CAUSES)))
    blocked = any(cause_of(c) in _BLOCKING for c in ranked)
    steps, waiting = [], []
    for check in ranked:
        if blocked and cause_of(check) in _ADD_DATA and check["name"] != "min_examples":
            waiting.append(check["name"])
        else:
            steps.append(f"{check['recommendation']} ({check['name']})")
    if waiting:
        steps.append(f"then run ftprep again before adding data: {', '.join(waiting)} will be measured on the fixed "
                     "rows and labels")
    if len(steps) > limit:
        steps = steps[:limit - 1] + [f"and {len(steps) - limit + 1} more: see the checks below"]
    return steps
