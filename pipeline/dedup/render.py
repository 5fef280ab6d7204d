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
    ]
    if "label_conflicts" in section:  # not for preference pairs (grouped by prompt: pipeline.preference.dedup)
        lines += [f"- Label conflicts: {section['label_conflicts']} clusters ({section['label_conflict_records']} records rejected)",
                  f"- Contaminated (eval overlap): {section['contaminated']}"]
    params = section.get("parameters", {})
    lines.append("- Parameters: " + ", ".join(f"{k} {v}" for k, v in params.items() if not isinstance(v, dict)))
    if params.get("edit_rule"):
        lines.append(f"- Edit rule for near twins of short texts: {params['edit_rule']['rule']}")
    if "index" in section:
        index = section["index"]
        outcome = {True: "added to the index", False: "not added: the data did not pass the gate"}
        lines.append(f"- Dedup index {index['path']}: {index['prior_records']} records before this run; "
                     f"{index['added']} kept records {outcome.get(index.get('committed'), 'pending')}")
    lines += _groups(section.get("groups") or {})
    for shift in section.get("label_shift", []):
        lines.append(f"- Dedup moved label {shift['label']} from {shift['before']:.1%} to {shift['after']:.1%} of the "
                     f"records ({shift['removed']} of its {shift['records']} removed)")
    if "split_leakage" in section:
        lines += _leakage(section["split_leakage"])
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


def _groups(groups: dict[str, Any]) -> list[str]:
    if not groups:
        return []
    largest = f"largest {groups['largest']} records ({groups['largest_share']:.2%} of those kept"
    if "largest_label" in groups:
        largest += f", {groups['largest_label_share']:.1%} of label {groups['largest_label']}"
    lines = [f"- Near twins kept together (Jaccard >= {groups['threshold']}, not removed): {groups['groups']} groups of "
             f"{groups['records']} records; {largest}); {groups['refused']} joins refused by the cap of "
             f"{groups['max_share']:.0%} of a label"]
    edits = groups.get("edit_rule")
    if edits:
        fewer = f" (fewer than configured: {edits['candidates']:,} candidates hit the budget)" if edits.get("reduced") else ""
        lines.append(f"- Edit twins (short texts at most {edits['max_edits']} edits apart{fewer}): "
                     f"{groups.get('edit_pairs', 0)} pairs that Jaccard missed, among {edits['texts']:,} short texts")
    return lines


def near_twin_rule(leakage: dict[str, Any]) -> str:
    """What counts as a near twin in a ``split_leakage`` section: Jaccard, and the edit rule when it ran."""
    rule = f"Jaccard >= {leakage['group_threshold']}"
    edits = leakage.get("edit_rule")
    if edits:
        rule += f" or at most {edits['max_edits']} edits apart, texts up to {edits['max_chars']} characters"
    return rule


def _leakage(leakage: dict[str, Any]) -> list[str]:
    lines = [f"- Near-duplicate pairs across splits (re-measured): {leakage['pairs']}"]
    twins = leakage.get("near_twins")
    if twins:
        shares = ", ".join(f"{name} {f['records']} of {f['of']} ({f['share']:.1%})" for name, f in twins["by_split"].items())
        lines.append(f"- Evaluation records with a near twin in train ({near_twin_rule(leakage)}): {shares}")
        for example in twins.get("examples", [])[:3]:
            a, b = (text.replace("|", "\\|") for text in example["texts"])
            how = f"{example['edits']} edits" if "edits" in example else example["similarity"]
            lines.append(f"  - {example['splits'][0]} \"{a}\" / {example['splits'][1]} \"{b}\" ({how})")
    return lines
