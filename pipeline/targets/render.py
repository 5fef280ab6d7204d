"""The ``targets`` section of report.md: per target, what its export holds, what it left out and the training plan."""

from __future__ import annotations

from typing import Any

from pipeline.core.markdown import table_cell


def render_targets(section: dict[str, Any]) -> list[str]:
    lines = ["## Targets", "", "| target | model | train / val / test | left out | over token limit | epochs | "
             "billed tokens per epoch | billed tokens in total | cost |", "|---|---|---|---|---|---|---|---|---|"]
    for name, target in section.items():
        plan, examples = target["plan"], target["examples"]
        cost = "set a price" if plan["cost"] is None else f"{plan['cost']:,.2f}" + (
            f" (price of {plan['price_date']})" if plan.get("price_date") else "")
        left_out = target["skipped"]["records"] + (target["forbidden"]["records"] if target["limits"]["forbidden_fails"] else 0)
        lines.append(f"| {name} | {table_cell(target['model'])} | {examples['train']} / {examples['val']} / "
                     f"{examples['test']} | {left_out} | {target['over_max_tokens']} | {plan['epochs']} "
                     f"({table_cell(plan['epochs_basis'])}) | {plan['billed_tokens_per_epoch']:,} | "
                     f"{plan['billed_tokens_total']:,} | {cost} |")
    notes = [f"- {name}: {table_cell(warning)}" for name, target in section.items() for warning in target["plan"]["warnings"]]
    notes += [f"- {name} left out: {table_cell(why)} ({n})" for name, target in section.items()
              for why, n in target["skipped"]["reasons"].items()]
    seen: set[str] = set()
    for name, target in section.items():
        for note in target.get("notes") or []:
            said = note["message"] if note["kind"] == "sorted_by_label" else f"{name}: {note['message']}"
            if said not in seen:
                seen.add(said)
                notes.append(f"- note, {table_cell(said)}")
    if notes:
        lines += ["", *notes]
    lines += ["", "Exports are in `export/<target>/`; each limit's public source is in report.json "
              "(`targets.<name>.sources`) and docs/targets.md. Billed tokens are counted with "
              f"{next(iter(section.values()))['tokens']['counted_with']} (an estimate for non-OpenAI tokenizers)."]
    return lines
