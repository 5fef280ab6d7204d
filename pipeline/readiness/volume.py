"""Volume and balance checks: enough examples, enough per label, labels that are class names, balanced labels in
every split, and few rejected rows."""

from __future__ import annotations

import math
from typing import Any

from pipeline.core.records import SPLITS
from pipeline.readiness.check import Check, Rule
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.measures import imbalance_ratio, rare_labels, shortfall, totals_over_splits
from pipeline.readiness.wording import name_list, parsing_accidents, percent, plural, quote


def check_min_examples(kept: int, cfg: ReadinessConfig) -> Check:
    rule = Rule("min_examples", {"fail_below": cfg.min_examples, "warn_below": cfg.recommended_examples},
                says=f"fails under {cfg.min_examples} kept examples, warns under {cfg.recommended_examples}")
    status = rule.status(kept)
    if status == "fail":
        return rule.result(kept, f"only {kept} examples kept; at least {cfg.min_examples} are needed",
                           f"add at least {cfg.min_examples - kept} examples", status=status)
    if status == "warn":
        return rule.result(kept, f"{kept} examples kept; {cfg.recommended_examples} or more are recommended",
                           f"add {cfg.recommended_examples - kept} or more examples", status=status)
    return rule.result(kept, f"{kept} examples kept", status=status)


def label_variants(totals: dict[str, int]) -> dict[str, str]:
    """Labels that differ from a bigger label only by case, spaces, ``_``, ``-`` or stray quotes (``Billing`` ->
    ``billing``; ``refund"`` -> ``refund``, what a broken CSV quote leaves behind).

    They are spelling slips (the clean stage normalises case and spaces), not classes of their own, so the volume
    and balance checks count them with the label they vary.
    """
    def key(label: str) -> str:
        return "".join(ch for ch in label.casefold() if ch not in " _-\"'`")

    canonical: dict[str, str] = {}
    for label in sorted(totals, key=lambda k: (-totals[k], k)):
        canonical.setdefault(key(label), label)
    return {label: canonical[key(label)] for label in sorted(totals) if canonical[key(label)] != label}


def _merged_totals(labels: dict[str, dict[str, int]]) -> tuple[dict[str, int], dict[str, str]]:
    totals = totals_over_splits(labels)
    variants = label_variants(totals)
    merged: dict[str, int] = {}
    for label, n in totals.items():
        target = variants.get(label, label)
        merged[target] = merged.get(target, 0) + n
    return merged, variants


def _variants_note(variants: dict[str, str]) -> str:
    return "; " + ", ".join(f"{quote(v, 40)} looks like {quote(c, 40)}" for v, c in variants.items()) + " (counted with it)" if variants else ""


def check_min_per_label(labels: dict[str, dict[str, int]], cfg: ReadinessConfig,
                        per_label_f1: dict[str, float] | None = None) -> Check:
    """Every label needs enough examples to be learnt.

    Labels under ``min_per_label`` fail when they are the task, and warn as a thin tail (see :func:`_rare_labels`);
    a label that is text fails (a parsing accident: fix the row, never add examples to it). Labels under ``recommended_per_label`` warn only when the baseline learns them clearly
    worse than the rest (``per_label_f1`` from the learning curve), since small labels are often distinctive ones
    that need nothing (banking77's 35-98-example intents score as well as its big ones); otherwise they are
    ``info``. Spelling variants of a label are counted with it, and make the check warn so that they get normalised.
    """
    rule = Rule("min_per_label", {"fail_below": cfg.min_per_label, "fail_rare_label_share": cfg.fail_rare_label_share,
                                  "fail_rare_example_share": cfg.fail_rare_example_share,
                                  "warn_below": cfg.recommended_per_label,
                                  "warn_f1_gap_above": cfg.small_label_f1_gap},
                says=f"fails when labels under {cfg.min_per_label} examples are over "
                     f"{percent(cfg.fail_rare_label_share)} of the labels or {percent(cfg.fail_rare_example_share)} of "
                     f"the examples (or leave under two labels), warns on a thinner tail of them; fails on a label that "
                     f"is text rather than a class name; "
                     f"labels under {cfg.recommended_per_label} warn when the baseline learns them more than "
                     f"{cfg.small_label_f1_gap:.2f} F1 worse than the others (else info)")
    totals, variants = _merged_totals(labels)
    accidents = parsing_accidents(totals)
    if accidents:
        return _text_labels(rule, totals, accidents, cfg)
    smallest = min(totals.values())
    note = _variants_note(variants)
    fix_variants = f"; normalise the label spellings {name_list(variants)}" if variants else ""
    failing = shortfall(totals, cfg.min_per_label)
    if failing:
        return _rare_labels(rule, totals, failing, cfg, note, fix_variants)
    small = shortfall(totals, cfg.recommended_per_label)
    if small:
        message = f"{len(small)} labels have fewer than {cfg.recommended_per_label} examples (smallest: {smallest}){note}"
        gap = _f1_gap(small, totals, per_label_f1)
        if gap is not None and gap[0] - gap[1] <= cfg.small_label_f1_gap and not variants:
            return rule.result(smallest, message + f"; the baseline learns them about as well as the others (mean F1 "
                               f"{gap[1]:.2f} vs {gap[0]:.2f}), so more of them is not a priority", status="info")
        why = (f"; the baseline learns them worse than the others (mean F1 {gap[1]:.2f} vs {gap[0]:.2f})"
               if gap is not None else "")
        return rule.result(smallest, message + why,
                           f"add up to {max(small.values())} examples to labels {name_list(small)}{fix_variants}",
                           status="warn", examples=_counted(small, totals))
    message = f"every label has {smallest} or more examples"
    if variants:
        return rule.result(smallest, message + note, fix_variants[2:], status="warn", cause="malformed")
    return rule.result(smallest, message, status="pass")


def _rare_labels(rule: Rule, totals: dict[str, int], failing: dict[str, int], cfg: ReadinessConfig, note: str,
                 fix_variants: str) -> Check:
    """Labels under ``min_per_label`` fail when they are the task: more than ``fail_rare_label_share`` of the labels,
    more than ``fail_rare_example_share`` of the examples, or fewer than two labels left without them (every label
    of a tiny set; a binary set with 5 positives). A thin tail of them (ATIS's multi-intent combinations, 1.3% of
    its queries; Breaking NLI's 5 neutral pairs) only warns: merge or drop them, and the rest is usable."""
    smallest = min(totals.values())
    rows, total = sum(totals[label] for label in failing), sum(totals.values())
    example_share, label_share = rows / total, len(failing) / len(totals)
    message = (f"{len(failing)} of {len(totals)} labels have fewer than {cfg.min_per_label} examples (smallest: "
               f"{smallest}; {rows} {plural(rows, 'example')}, {percent(example_share)} of the data){note}")
    grow = f"add at least {max(failing.values())} examples to labels {name_list(failing)}{fix_variants}"
    if (example_share > cfg.fail_rare_example_share or label_share > cfg.fail_rare_label_share
            or len(totals) - len(failing) < 2):
        return rule.result(smallest, message, grow, status="fail", examples=_counted(failing, totals))
    return rule.result(smallest, message + ": a thin tail, too few to learn or measure",
                       f"merge the rare labels {name_list(failing)} into related ones or drop them (the other "
                       f"{len(totals) - len(failing)} labels are usable), or {grow}",
                       status="warn", examples=_counted(failing, totals))


def _text_labels(rule: Rule, totals: dict[str, int], accidents: list[str], cfg: ReadinessConfig) -> Check:
    """Labels that are text fail: the rows that carry them are malformed, and more examples would not help."""
    real = {label: n for label, n in totals.items() if label not in accidents}
    failing = shortfall(real, cfg.min_per_label)
    also = f"; {len(failing)} other labels have fewer than {cfg.min_per_label} examples ({name_list(failing)})" if failing else ""
    n, rows = len(accidents), sum(totals[a] for a in accidents)
    verb = "looks" if n == 1 else "look"
    return rule.result(min(totals.values()),
                       f"{n} {plural(n, 'label')} {verb} like text in the label column, not class names (a quote or "
                       f"delimiter problem in the source file): {name_list(accidents, limit=3)}{also}",
                       f"fix the rows whose label is text ({n} {plural(n, 'label')}, {rows} {plural(rows, 'row')}: find "
                       "them by label in the splits, or by their source row) and re-run; do not add examples to them",
                       status="fail", examples=[quote(a) for a in accidents[:3]], cause="malformed")


def _counted(needs: dict[str, int], totals: dict[str, int], limit: int = 5) -> list[str]:
    return [f"{quote(label, 60)}: {totals[label]} examples" for label in list(needs)[:limit]]


def _f1_gap(small: dict[str, int], totals: dict[str, int],
            per_label_f1: dict[str, float] | None) -> tuple[float, float] | None:
    """Mean F1 of the other labels and of the small ones, when the learning curve measured both groups."""
    if not per_label_f1:
        return None
    small_f1 = [per_label_f1[label] for label in small if label in per_label_f1]
    other_f1 = [f1 for label, f1 in per_label_f1.items() if label in totals and label not in small]
    if not small_f1 or not other_f1:
        return None
    return sum(other_f1) / len(other_f1), sum(small_f1) / len(small_f1)


def check_label_balance(labels: dict[str, dict[str, int]], cfg: ReadinessConfig) -> Check:
    """Fail with a single label (nothing to tell apart); warn when the largest label outnumbers the smallest too
    much, or a label is a sliver of the data. Labels that are text (see ``min_per_label``) are left out."""
    merged, _ = _merged_totals(labels)
    accidents = parsing_accidents(merged)
    totals = {label: n for label, n in merged.items() if label not in accidents} or merged
    min_share = cfg.min_share_of_even / len(totals)
    rule = Rule("label_balance", {"warn_above_ratio": cfg.max_imbalance_ratio, "warn_below_share": round(min_share, 6)},
                says=f"fails when every example has one label; warns when the largest label outnumbers the smallest "
                     f"more than {cfg.max_imbalance_ratio:g} to 1, or a label holds under {percent(min_share)} of the "
                     f"data ({cfg.min_share_of_even:g} of an even share)")
    if len(totals) == 1:
        (only,) = totals
        return rule.result(1.0, f"every kept example has the label {quote(only, 60)!r}: a classifier has nothing to tell apart",
                           "add examples of the other classes (or check --label-field: is this the label column?)",
                           status="fail", cause="malformed")
    ratio = imbalance_ratio(totals)
    slivers = rare_labels(totals, min_share)
    observed = round(ratio, 2) if ratio != float("inf") else None
    largest, smallest = max(totals, key=lambda k: (totals[k], k)), min(totals, key=lambda k: (totals[k], k))
    message = (f"largest/smallest label ratio {ratio:.1f} ({quote(largest, 40)} {totals[largest]} vs "
               f"{quote(smallest, 40)} {totals[smallest]})")
    if accidents:
        message += f"; {len(accidents)} labels that are text left out (see min_per_label)"
    if ratio > cfg.max_imbalance_ratio or slivers:
        extra = f"; {len(slivers)} labels under {percent(min_share)} of the data ({name_list(slivers)})" if slivers else ""
        target = max(1, math.ceil(totals[largest] / cfg.max_imbalance_ratio), math.ceil(min_share * sum(totals.values())))
        rare = shortfall(totals, target)
        return rule.result(observed, message + extra,
                           f"add examples to the rare labels {name_list(rare)} (to at least {target} each) "
                           "or use class weights / resampling in training", status="warn",
                           examples=[f"{quote(label, 60)}: {totals[label]} of {sum(totals.values())}" for label in list(rare)[:5]])
    return rule.result(observed, message, status="pass")


def check_label_spelling(variants: list[dict[str, Any]]) -> Check:
    """Labels that differ only by case or whitespace split one class in two: warn, and say how to merge them."""
    rule = Rule("label_spelling", 0, says="warns when labels differ only by case or whitespace")
    if not variants:
        return rule.result(0, "no labels differ only by case or whitespace", status="pass")
    groups = "; ".join(" / ".join(quote(label, 40) for label in v["labels"]) for v in variants[:5])
    return rule.result(len(variants), f"{len(variants)} label(s) spelled more than one way: {groups}",
                       "merge them with [clean] label_map or label_casefold = true", status="warn", cause="malformed")


# Reject reasons by what fixes them: malformed input is fixed in the source; filtered and duplicate rows were
# removed on purpose, and only need a look when good rows went with them.
_DUPLICATE_REASONS = {"duplicate_exact", "duplicate_near", "label_conflict", "contaminated"}
_FILTER_REASONS = {"too_short", "too_long", "wrong_language", "low_quality", "pii", "pii_unredactable"}


def check_reject_rate(counts: dict[str, Any], cfg: ReadinessConfig) -> Check:
    rule = Rule("reject_rate", {"warn_above": cfg.max_reject_rate, "fail_above": min(1.0, 2 * cfg.max_reject_rate)},
                says=f"warns when over {percent(cfg.max_reject_rate)} of input rows are rejected, fails over "
                     f"{percent(min(1.0, 2 * cfg.max_reject_rate))}")
    rejected = sum(counts["rejected"].values())
    rate = rejected / counts["input"] if counts["input"] else 0.0
    ranked = sorted(counts["rejected"].items(), key=lambda kv: (-kv[1], kv[0]))
    top = ", ".join(f"{reason} ({n})" for reason, n in ranked[:3])
    message = f"{rejected} of {counts['input']} input rows rejected ({rate:.1%})" + (f": {top}" if top else "")
    kinds = {"duplicates": sum(n for r, n in ranked if r in _DUPLICATE_REASONS),
             "filters": sum(n for r, n in ranked if r in _FILTER_REASONS)}
    kinds["malformed"] = rejected - kinds["duplicates"] - kinds["filters"]
    main = max(kinds, key=lambda k: (kinds[k], k == "malformed"))
    advice = {
        "malformed": ("look at rejected.jsonl: fix the input or the field mapping for the top reasons", "malformed"),
        "duplicates": ("most rejected rows are duplicates dedup removed: the kept data is fine; find out why the "
                       "source repeats rows", "content"),
        "filters": ("look at rejected.jsonl: if good rows were filtered out, loosen the [clean] settings for the top "
                    "reasons", "content"),
    }[main]
    return rule.result(round(rate, 4), message, advice[0], value=rate, cause=advice[1])


def check_label_coverage(labels: dict[str, dict[str, int]], ratios: list[float], min_per_label: int = 0) -> Check:
    """Every label should appear in every split that is asked for, or it cannot be learnt or measured.

    A label with fewer than ``min_per_label`` examples in all cannot fill three splits; ``min_per_label`` already
    judges it (merge, drop or grow it), so when only such labels are missing the figure is ``info``."""
    rule = Rule("label_coverage", 0, says="warns when a label is missing from a split that was asked for (info when "
                                          "each missing label has too few examples to fill the splits: min_per_label "
                                          "judges those)")
    active = [name for name, ratio in zip(SPLITS, ratios) if ratio > 0]
    all_labels = sorted({label for per_split in labels.values() for label in per_split})
    missing = {label: [s for s in active if not labels.get(s, {}).get(label)] for label in all_labels}
    variants = label_variants(totals_over_splits(labels))  # spelling slips: counted with their label, not a class
    missing = {label: splits for label, splits in missing.items() if splits and label not in variants}
    if not missing:
        return rule.result(0, f"all {len(all_labels)} labels appear in {', '.join(active)}", status="pass")
    accidents = parsing_accidents(missing)
    real = [label for label in missing if label not in accidents]
    if not real:  # only labels that are text are missing: min_per_label already fails on them
        return rule.result(0, f"all {len(all_labels) - len(accidents)} class labels appear in {', '.join(active)} "
                           f"({len(accidents)} {plural(len(accidents), 'label')} that are text left out: see min_per_label)",
                           status="pass")
    message = f"{len(real)} of {len(all_labels)} labels are missing from some split: {name_list(real, limit=10)}"
    totals = totals_over_splits(labels)
    if all(totals[label] < min_per_label for label in real):
        return rule.result(len(real), message + f" (each has under {min_per_label} examples: see min_per_label)",
                           status="info")
    return rule.result(len(real), message, f"add examples to {name_list(real, limit=10)} so each appears in "
                       f"{', '.join(active)}", status="warn",
                       examples=[f"{quote(label, 60)}: missing from {', '.join(missing[label])}" for label in real[:5]])
