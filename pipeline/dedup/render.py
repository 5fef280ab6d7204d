"""The ``duplicates`` section of report.md."""

from __future__ import annotations

from typing import Any


def render_duplicates(section: dict[str, Any]) -> list[str]:
    """The ``duplicates`` section of report.md: counts, parameters and a few example clusters."""
    lines = ["## Duplicates", ""]
    if "exact" not in section:
        return lines + ["Deduplication was off."]
    lines += [
        f"- Exact duplicates rejected: {section['exact']}; near duplicates rejected: {section['near']}",
        f"- Clusters with more than one record: {section['clusters']} (largest: {section['largest_cluster']})",
        f"- Label conflicts: {section['label_conflicts']} clusters ({section['label_conflict_records']} records rejected)",
        f"- Contaminated (eval overlap): {section['contaminated']}",
    ]
    params = section.get("parameters", {})
    lines.append("- Parameters: " + ", ".join(f"{k} {v}" for k, v in params.items()))
    if "index" in section:
        index = section["index"]
        outcome = {True: "added to the index", False: "not added: the data did not pass the gate"}
        lines.append(f"- Dedup index {index['path']}: {index['prior_records']} records before this run; "
                     f"{index['added']} kept records {outcome.get(index.get('committed'), 'pending')}")
    if "split_leakage" in section:
        lines.append(f"- Near-duplicate pairs across splits (re-measured): {section['split_leakage']['pairs']}")
    for number, example in enumerate(section.get("examples", []), 1):
        lines += ["", f"Cluster {number} ({example['size']} records):", "", "| id | status | similarity | text |",
                  "|---|---|---|---|"]
        for m in example["members"]:
            text = m["snippet"].replace("|", "\\|")
            lines.append(f"| {m['id']} | {m['status']} | {m.get('similarity', '')} | {text} |")
    for conflict in section.get("conflict_examples", []):
        labels = ", ".join(f"{k} x{v}" for k, v in conflict["labels"].items())
        lines.append(f"- Label conflict: {', '.join(conflict['ids'])} ({labels})")
    return lines
