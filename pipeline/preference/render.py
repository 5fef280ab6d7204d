"""The ``preference`` section of report.md: pairs per split, chosen vs rejected lengths, and the findings."""

from __future__ import annotations

from typing import Any


def preference_md(section: dict[str, Any]) -> list[str]:
    lengths = section["lengths"]
    lines = ["## Preference pairs", "", f"- Pairs: {section['pairs']} ("
             + ", ".join(f"{k} {v}" for k, v in section["by_split"].items()) + ")", "",
             "| answer | count | min | p50 | mean | p90 | p99 | max |", "|---|---|---|---|---|---|---|---|"]
    for side in ("chosen", "rejected"):
        d = lengths[side]
        lines.append(f"| {side} (characters) | {d['count']} | {d['min']} | {d['p50']} | {d['mean']} | {d['p90']} | "
                     f"{d['p99']} | {d['max']} |")
    low, high = lengths["chosen_longer_ci95"]
    lines += ["", f"- Chosen longer in {lengths['chosen_longer']} pairs, rejected longer in {lengths['rejected_longer']}, "
              f"equal in {lengths['equal']}: chosen longer in {lengths['chosen_longer_share']:.1%} of the pairs that "
              f"differ (95% interval {low:.1%}-{high:.1%}); median length ratio chosen/rejected "
              f"{lengths['median_length_ratio']}"]
    identical = section["identical"]
    lines.append(f"- Identical sides: {identical['exact']}; near-identical (similarity >= {identical['near_threshold']}): "
                 f"{identical['near']}")
    contra = section["contradictions"]
    lines.append(f"- Contradictions (A over B and B over A for one prompt): {contra['groups']} ({contra['pairs']} pairs)")
    repeated = section["repeated_prompts"]
    lines.append(f"- Prompts: {repeated['prompts']} ({repeated['pairs_per_prompt']} pairs each on average, largest "
                 f"{repeated['largest']}); {repeated['over_prompts']} prompts in more than "
                 f"{repeated['max_pairs_per_prompt']} pairs hold {repeated['over_share']:.1%} of the pairs")
    refusals = section["refusals"]
    lines.append(f"- Refusals: only the chosen side refuses in {refusals['chosen_only']} pairs "
                 f"({refusals['chosen_only_share']:.1%}), only the rejected side in {refusals['rejected_only']} "
                 f"({refusals['rejected_only_share']:.1%}), both in {refusals['both']}")
    return lines
