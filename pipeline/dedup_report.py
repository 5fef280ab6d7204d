"""How the dedup stage shows up in the report: the ``split_leakage`` check and the ``duplicates`` Markdown section."""

from __future__ import annotations

from typing import Any

from datasets import Dataset

from pipeline.config import DedupConfig
from pipeline.leakage import measure_leakage
from pipeline.shingling import Shingling
from pipeline.readiness import Check
from pipeline.records import column

SPLIT_NAMES = ("train", "val", "test")


def split_leakage_check(records: Dataset, cfg: DedupConfig, report: dict[str, Any]) -> Check:
    """Re-measure near-duplicate pairs across splits; any pair fails when dedup was on, warns when it was off.

    The figures are also stored under ``report["duplicates"]["split_leakage"]``.
    """
    names = column(records, "split")
    splits = {s: records.select([i for i, n in enumerate(names) if n == s]) for s in SPLIT_NAMES}
    params = report.get("duplicates", {}).get("parameters", {})
    shingling = Shingling(params["shingle"], params["ngram"]) if "shingle" in params else None
    leakage = measure_leakage(splits, threshold=cfg.threshold, num_perm=cfg.num_perm, shingling=shingling)
    report.setdefault("duplicates", {})["split_leakage"] = leakage
    threshold = {"max_pairs": 0, "jaccard": cfg.threshold}
    pairs = leakage["pairs"]
    if pairs == 0:
        message = f"no near-duplicate pair (Jaccard >= {cfg.threshold}) spans two splits"
        return Check("split_leakage", "pass", 0, threshold, message)
    where = ", ".join(f"{k}: {v}" for k, v in leakage["by_splits"].items())
    message = f"{pairs} near-duplicate pairs span two splits ({where})"
    if cfg.enabled:
        return Check("split_leakage", "fail", pairs, threshold, message,
                     "report this as a bug: with dedup on, clusters should never be split")
    return Check("split_leakage", "warn", pairs, threshold, message,
                 "turn dedup on (drop --no-dedup) so that near duplicates are removed or kept in one split")


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
