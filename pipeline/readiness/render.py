"""Markdown for the readiness sections of the report: lengths, languages, overlap, learning curve, label noise,
diversity. Each renderer takes its section of ``report.json`` and returns lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.core.records import SPLITS
from pipeline.preference.render import preference_md
from pipeline.core.markdown import table_cell
from pipeline.readiness.content_checks import content_md
from pipeline.readiness.label_leakage import label_leakage_md
from pipeline.readiness.label_noise import label_noise_md
from pipeline.readiness.label_shortcuts import label_shortcuts_md
from pipeline.readiness.measures import totals_over_splits
from pipeline.readiness.placeholders import placeholders_md
from pipeline.readiness.response_collapse import response_collapse_md


def lengths_md(section: dict[str, Any]) -> list[str]:
    figures = ("count", "total", "mean", "p50", "p90", "p95", "p99", "max")
    lines = ["## Lengths", "", "| split | unit | " + " | ".join(figures) + " |", "|---" * (len(figures) + 2) + "|"]
    for unit in ("chars", "tokens"):
        for split in SPLITS:
            if unit in section:
                s = section[unit][split]
                lines.append(f"| {split} | {unit} | " + " | ".join(str(s.get(f, "")) for f in figures) + " |")
    if "training_tokens" in section:
        cost = section["training_tokens"]
        lines += ["", f"Training tokens: {cost['per_epoch']:,} per epoch x {cost['epochs']} epochs = **{cost['total']:,}**; "
                  f"{section['over_max_tokens']} examples over {section['max_seq_tokens']} tokens."]
    return lines


def languages_md(section: dict[str, dict[str, int]]) -> list[str]:
    totals = totals_over_splits(section)
    langs = sorted(totals, key=lambda k: (-totals[k], k))
    lines = ["## Languages", "", "| language | train | val | test |", "|---|---|---|---|"]
    lines += [f"| {lang} | " + " | ".join(str(section.get(s, {}).get(lang, 0)) for s in SPLITS) + " |" for lang in langs]
    return lines


def overlap_md(section: dict[str, Any]) -> list[str]:
    lines = [
        "## Duplicates and leakage in the kept records",
        "",
        f"- Records repeating another record's cluster: {section['duplicates_remaining']} of {section['records']} "
        f"(largest cluster: {section['largest_cluster']})",
        f"- Texts or clusters found in more than one split: {section['cross_split']}",
    ]
    if "label_conflicts" in section:
        lines.append(f"- Identical texts with different labels: {section['label_conflicts']}")
        lines += [f"  - {table_cell(e['text'][:80])}: {', '.join(e['labels'])}" for e in section.get("label_conflict_examples", [])]
    return lines


def learning_curve_md(section: dict[str, Any]) -> list[str]:
    lines = ["## Learning curve (TF-IDF + logistic regression baseline)", "",
             f"| training examples | {section['metric']} |", "|---|---|"]
    lines += [f"| {n} | {score:.4f} |" for n, score in zip(section["sizes"], section["scores"])]
    fit = section.get("fit")
    shape = f"fitted score(n) = {fit['a']} - {fit['b']} n^-{fit['c']}" if fit else "too few points to fit a curve"
    interval = section.get("expected_gain_2x_interval")
    span = (f", {interval['level']:.0%} interval {interval['low']:+.4f} to {interval['high']:+.4f} over "
            f"{interval['resamples']} bootstrap resamples of the scored rows" if interval else "")
    lines += ["", f"Scored on: {section.get('evaluation', 'val')}.",
              f"Expected gain from doubling the data: **{section['expected_gain_2x']:+.4f}**{span} ({shape})."]
    if section.get("left_out_labels"):
        lines.append(f"Labels with a single example, not cross-validated: {', '.join(map(table_cell, section['left_out_labels']))}.")
    if section["sampled_from"] > section["sizes"][-1]:
        lines.append(f"Sampled {section['sizes'][-1]} of {section['sampled_from']} training examples.")
    weakest = list(section.get("per_label_f1", {}).items())[:10]
    if weakest:
        lines += ["", "Weakest labels (F1 on val): " + ", ".join(f"{table_cell(label)} {f1:.2f}" for label, f1 in weakest)]
    return lines


def diversity_md(section: dict[str, Any]) -> list[str]:
    lines = [
        "## Diversity",
        "",
        f"- Examined {section['examined']} of {section['sampled_from']} records",
        f"- Near-duplicate cluster share: {section['near_duplicate_cluster_share']:.1%}",
        f"- Distinct-1 / distinct-2 of responses: {section['distinct_1']:.3f} / {section['distinct_2']:.3f}",
        f"- Good-Turing novelty: {section['novelty_ngrams']:.3f} of response {section['ngram']}-grams and "
        f"{section['novelty_clusters']:.3f} of clusters are seen once (the chance the next example brings something new)",
    ]
    for side in ("prefix", "suffix"):
        t = section["templates"][side]
        lines.append(f"- Prompts sharing a {side} template: {t['share']:.1%}")
        lines += [f"  - `{table_cell(e['template'])}` x{e['count']}" for e in t["top"]]
    return lines


READINESS_SECTIONS: dict[str, Callable[[Any], list[str]]] = {
    "lengths": lengths_md,
    "languages": languages_md,
    "overlap": overlap_md,
    "learning_curve": learning_curve_md,
    "label_noise": label_noise_md,
    "label_leakage": label_leakage_md,
    "label_shortcuts": label_shortcuts_md,
    "diversity": diversity_md,
    "response_collapse": response_collapse_md,
    "placeholders": placeholders_md,
    "content": content_md,
    "preference": preference_md,
}
