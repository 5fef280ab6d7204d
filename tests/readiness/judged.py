"""A judged report.json without the ingest, clean, dedup and validate stages: the real split plan, measure stage
and checks on given rows (fast enough to run over a grid of small datasets)."""

from __future__ import annotations

from datasets import Dataset

from pipeline.readiness.check import verdict_from
from pipeline.readiness.checklist import readiness_checks
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.content import measure_content
from pipeline.readiness.measure import analyse
from pipeline.readiness.next_steps import next_steps
from pipeline.split.config import SplitConfig
from pipeline.split.stage import labels_per_split, plan_split


def judged(rows: list[dict[str, str]]) -> dict:
    """The measure stage, every check and the report, on split records (no clean/dedup/validate: fast)."""
    ds = Dataset.from_list([{"id": f"r{i}", **row, "cluster": f"r{i}", "source_file": "grid"} for i, row in enumerate(rows)])
    plan = plan_split(ds, SplitConfig(), seed=42)
    records = ds.add_column("split", plan.assignment)
    report = {"task": "classification", "field_mapping": {}, "checks": [], "verdict": None,
              "counts": {"input": len(rows), "kept": len(rows), "rejected": {}, "splits": plan.sizes(),
                         "per_file": {"grid": {"input": len(rows), **plan.sizes(), "rejected": 0}}},
              "split": {"ratios": [0.8, 0.1, 0.1], "seed": 42, "rare_labels": plan.rare_labels},
              "labels": labels_per_split(records)}
    report.update(analyse(records, ReadinessConfig(), seed=42))
    if report["task"] != "classification":
        report["content"] = measure_content(records, seed=42, max_examples=ReadinessConfig().max_analysis_examples)
    checks = readiness_checks(report, ReadinessConfig())
    report["checks"], report["verdict"] = [c.as_dict() for c in checks], verdict_from(checks)
    report["next_steps"] = next_steps(report["checks"])
    return report


