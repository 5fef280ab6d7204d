"""Data-health and length checks: duplicates, conflicts, leakage, contamination, PII, languages, expectations, tokens.

Each reads one section of ``report.json``. Sections written by other stages (``duplicates`` by dedup,
``cleaning`` by clean, ``expectations`` by validate) may be missing from a run; the check is then ``skip`` and
says which stage would have produced the figure.
"""

from __future__ import annotations

from typing import Any

from pipeline.dedup.render import near_twin_rule
from pipeline.readiness.check import Check, Rule
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.measures import totals_over_splits
from pipeline.readiness.wording import name_list, percent, quote


def check_duplicate_rate(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """Records that repeat an earlier record's cluster (exact, or near after dedup) are wasted and overweighted."""
    rule = Rule("duplicate_rate", {"warn_above": cfg.max_duplicate_rate},
                says=f"warns when over {percent(cfg.max_duplicate_rate)} of kept records repeat another record")
    overlap = report.get("overlap")
    if not overlap:
        return rule.skip("no overlap section in this report (written by ftprep run)")
    remaining, records = overlap["duplicates_remaining"], overlap["records"]
    # minimal pairs of a text-pair layout share a cluster on purpose (pipeline.dedup.pairs): not repeats
    pairs = (report.get("duplicates") or {}).get("minimal_pairs") or {}
    minimal = max(0, int(pairs.get("records", 0)) - int(pairs.get("clusters", 0)))
    remaining = max(0, remaining - minimal)
    rate = round(remaining / records, 4) if records else 0.0
    removed = _removed_duplicates(report.get("duplicates"))
    message = f"{remaining} of {records} kept records ({rate:.1%}) repeat another one" + (
        f"; dedup removed {removed}" if removed is not None else "; the dedup stage did not run (exact duplicates only)")
    if minimal:
        message += (f"; {minimal} more are minimal pairs of a text-pair layout ({pairs.get('layout')}), kept on "
                    "purpose and held in one split with their partner")
    return rule.result(rate, message, f"remove {remaining} duplicates (run dedup, or a stricter dedup policy)")


def _removed_duplicates(section: dict[str, Any] | None) -> int | None:
    if not section:
        return None
    return sum(int(section.get(key) or 0) for key in ("exact", "near") if isinstance(section.get(key), (int, float)))


def check_label_conflicts(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """Identical texts with different labels teach the model contradictions."""
    rule = Rule("label_conflicts", {"warn_above": cfg.max_label_conflicts},
                says=f"warns when more than {cfg.max_label_conflicts} groups of identical texts carry different labels")
    overlap = report.get("overlap") or {}
    if "label_conflicts" not in overlap:
        return rule.skip("labels apply to classification only")
    found = overlap["label_conflicts"]
    removed = (report.get("duplicates") or {}).get("label_conflicts")
    removed_note = f"; dedup handled {_count(removed)} conflicting groups" if removed is not None else ""
    shown = [f"{quote(e['text'], 60)!r}: {' / '.join(quote(label, 30) for label in e['labels'])}"
             for e in overlap.get("label_conflict_examples", [])[:3]]
    return rule.result(found, f"{found} groups of identical texts with different labels remain{removed_note}",
                       f"relabel or drop the {found} conflicting groups (e.g. {'; '.join(shown)})", examples=shown)


def _count(value: Any) -> int:
    """A count that another stage may report as a number, or as a list/dict of the items themselves."""
    return value if isinstance(value, int) else len(value or [])


NEAR_TWIN_WARN_SHARE = 0.05  # measured residual with grouping on: 0-3% (banking77 1-3%); without: 28-45% / 4-5% (SMS)


def check_split_leakage(report: dict[str, Any]) -> Check:
    """A record with a duplicate or near twin in another split inflates the test score.

    Two levels, both re-measured on the final splits (``duplicates.split_leakage``, written by ``ftprep run``
    whether dedup ran or not), plus the texts or clusters shared by splits (``overlap``):

    - near-duplicate pairs (Jaccard >= the dedup threshold) or shared texts across splits: with dedup on a leak is
      a bug (clusters are split whole) and fails; with dedup off near duplicates only warn;
    - val/test records with a same-label near twin in train (Jaccard >= the group threshold, or the edit rule for
      short texts): dedup keeps near-twin
      groups in one split, but its cap on group size refuses some joins, so more than ``NEAR_TWIN_WARN_SHARE`` of
      an evaluation split warns (``observed`` is then that share; otherwise it is the number of pairs), when the
      twins measurably inflate the evaluation score (classification: their measured ``effect``, see
      :func:`_near_twin_result`); twins that add nothing measurable are ``info``.
    """
    overlap = report.get("overlap")
    duplicates = report.get("duplicates") or {}
    near = duplicates.get("split_leakage")
    twins = (near or {}).get("near_twins")
    threshold: dict[str, Any] = {"max_pairs": 0, "jaccard": near["threshold"]} if near else {"max_pairs": 0}
    if twins is not None:
        threshold.update(group_jaccard=near["group_threshold"], max_near_twin_share=NEAR_TWIN_WARN_SHARE)
    twin_note = (f"; warns when over {percent(NEAR_TWIN_WARN_SHARE)} of a val or test split's records have a near "
                 f"twin in train (Jaccard >= {near['group_threshold']})" if twins is not None else "")
    rule = Rule("split_leakage", threshold,
                says="fails when a text, a duplicate cluster or a near-duplicate pair spans two splits" + twin_note)
    if not overlap and near is None:
        return Rule("split_leakage", 0).skip("no overlap section in this report (written by ftprep run)")
    shared = overlap["cross_split"] if overlap else 0
    pairs = near["pairs"] if near else 0
    twin_text = ", ".join(f"{name} {f['records']} of {f['of']} ({f['share']:.1%})"
                          for name, f in (twins or {}).get("by_split", {}).items())
    if not shared and not pairs:
        measured = f"no near-duplicate pair (Jaccard >= {near['threshold']})" if near else "no text or duplicate cluster"
        message = f"{measured} spans two splits"
        if twins is None:
            return rule.result(0, message, status="pass")
        message += f"; evaluation records with a near twin in train ({near_twin_rule(near)}): {twin_text}"
        if twins["max_share"] <= NEAR_TWIN_WARN_SHARE:
            return rule.result(0, message, status="pass")
        return _near_twin_result(rule, message, twins, duplicates)
    found = []
    if pairs:
        where = ", ".join(f"{k}: {v}" for k, v in near["by_splits"].items())
        found.append(f"{pairs} near-duplicate pairs span two splits ({where})")
    if shared:
        found.append(f"{shared} texts or duplicate clusters appear in more than one split")
    observed = pairs if near else shared
    if shared or duplicates.get("enabled", True):
        return rule.result(observed, "; ".join(found),
                           "report this as a bug: ftprep keeps every duplicate cluster in one split", status="fail")
    return rule.result(observed, "; ".join(found),
                       "turn dedup on (drop --no-dedup) so that near duplicates are removed or kept in one split",
                       status="warn")


NEAR_TWIN_MIN_INFLATION = 0.01
"""Near twins warn only when they measurably inflate the evaluation score: by at least one point of accuracy."""


def _near_twin_result(rule: Rule, message: str, twins: dict[str, Any], duplicates: dict[str, Any]) -> Check:
    """Near twins over the share: judged by their measured effect on the evaluation score when there is one.

    Over ``NEAR_TWIN_MIN_INFLATION`` of inflation warns; under it at the top of its interval, the twins do not
    measurably help the baseline on their partners (short paraphrases of a common request): ``info``; in between
    the warning is ``uncertain``. The cap advice is given only when the cap refused joins.
    """
    if not duplicates.get("enabled", True):
        return rule.result(twins["max_share"], message, "turn dedup on (drop --no-dedup) so that near twins share a split",
                           status="warn")
    refused = (duplicates.get("groups") or {}).get("refused")
    effect = twins.get("effect")
    if effect:
        message += (f"; the baseline scores {effect['accuracy_with_twins']:.1%} on the {effect['twinned']} twinned "
                    f"evaluation records trained with their train twins and {effect['accuracy_without_twins']:.1%} "
                    f"without (95% interval of the gain {effect['gain_interval'][0]:+.1%} to "
                    f"{effect['gain_interval'][1]:+.1%}): the twins add about {effect['eval_inflation']:+.1%} to the "
                    "evaluation score")
    fixes = []
    if refused:
        fixes.append(f"raise [dedup] group_max_share so that the cap refuses fewer of its {refused} near-twin joins")
    fixes.append("read the example pairs: drop the evaluation records that repeat a train request, or report the "
                 "score on the records without a twin as well")
    advice = "; ".join(fixes)
    if effect is None:
        return rule.result(twins["max_share"], message, advice, status="warn")
    if effect["eval_inflation_high"] < NEAR_TWIN_MIN_INFLATION:
        return rule.result(twins["max_share"], message + f"; under {NEAR_TWIN_MIN_INFLATION:.0%} even at the top of its "
                           "interval, so they do not measurably inflate it", status="info")
    cause = None if effect["eval_inflation"] >= NEAR_TWIN_MIN_INFLATION else "uncertain"
    return rule.result(twins["max_share"], message, advice, status="warn", cause=cause)


def check_contamination(report: dict[str, Any]) -> Check:
    """Rows matching a held-out eval set were removed by dedup's decontamination (skip when none was given)."""
    rule = Rule("contamination", 0, says="reports the rows removed for matching an eval set (--decontaminate)")
    section = report.get("duplicates") or {}
    if "contaminated" not in section:
        return rule.skip("no eval set to decontaminate against (dedup --decontaminate not used)")
    removed = _count(section["contaminated"])
    return rule.result(removed, f"{removed} rows matching the eval sets were removed; none remain", status="pass")


# Kinds of the clean stage's ``secret`` group: a key or token in a dataset means its source leaks them.
SECRET_KINDS = ("private_key", "aws_access_key", "github_token", "api_key")


def check_pii(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """Personal data found by the clean stage (emails, phones, cards, keys...), redacted or rejected.

    The outputs hold none of it either way, so a few findings are ``info``: a handful of placeholders costs training
    nothing. It warns when more than ``max_pii_record_share`` of the records held PII (the placeholders then change
    what the model learns, e.g. the phone numbers that mark SMS spam, or the source needs a look) and on any secret.
    """
    rule = Rule("pii", {"warn_above": cfg.max_pii_findings, "warn_above_record_share": cfg.max_pii_record_share},
                says=f"reports PII findings; warns when over {percent(cfg.max_pii_record_share)} of records hold "
                     f"PII, or on any secret")
    cleaning = report.get("cleaning") or {}
    pii = cleaning.get("pii")
    if pii is None:
        return rule.skip("no PII scan in this report (the clean stage writes cleaning.pii)")
    by_type = pii.get("found") or {}  # cleaning.pii = {mode, records_with_pii, found: {type: n}}
    total = sum(by_type.values())
    if rule.status(total) == "pass":
        return rule.result(total, "no PII found", status="pass")
    records = pii.get("records_with_pii", 0)
    share = records / max(cleaning.get("records_in") or 1, 1)
    secrets = sum(by_type.get(kind, 0) for kind in SECRET_KINDS)
    top = ", ".join(f"{k} {n}" for k, n in sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0])) if n)
    done = {"redact": "redacted", "reject": "rejected"}.get(pii.get("mode"), "found")
    status = "warn" if secrets or share > cfg.max_pii_record_share else "info"
    return rule.result(total, f"{total} PII findings in {records} records ({percent(share)}; {top}), {done}",
                       "review the redacted placeholders, and the source of the data, before training on it; values "
                       "that are not personal (a company's own address) go in [clean] pii_allowlist", status=status)


def check_language_mix(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """Records outside the allowed languages (or outside the dominant one when none is configured).

    A language detected in under ``min_language_share`` of the measured records counts as detection noise: short and
    informal texts are misread as many languages a few records each (SMS slang as Afrikaans, Norwegian, Welsh...),
    while real off-language data concentrates in one or two.
    """
    allowed_text = "/".join(cfg.allowed_languages) or "the dominant language"
    rule = Rule("language_mix", {"allowed": list(cfg.allowed_languages) or "dominant", "warn_above": cfg.max_off_language_share,
                                 "ignore_below_share": cfg.min_language_share},
                says=f"warns when over {percent(cfg.max_off_language_share)} of records are outside {allowed_text}; "
                     f"a language seen in under {percent(cfg.min_language_share)} of records counts as detection noise")
    per_split = report.get("languages")
    if not per_split:
        return rule.skip("no language per record (the clean stage adds the lang column)")
    totals = totals_over_splits(per_split)
    judged = {lang: n for lang, n in totals.items() if lang != "und"}
    allowed = set(cfg.allowed_languages) or {max(judged, key=lambda k: (judged[k], k))} if judged else set()
    measured = sum(judged.values())
    off = {lang: n for lang, n in judged.items() if lang not in allowed and n >= cfg.min_language_share * measured}
    noise = sum(n for lang, n in judged.items() if lang not in allowed and lang not in off)
    share = round(sum(off.values()) / measured, 4) if judged else 0.0
    mix = ", ".join(f"{lang} {n}" for lang, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:6])
    message = f"{share:.1%} of records outside {'/'.join(sorted(allowed)) or 'any language'} ({mix})"
    if noise:
        message += f"; {noise} scattered detections under {percent(cfg.min_language_share)} each not counted"
    most_off = name_list(sorted(off, key=lambda k: (-off[k], k)), limit=5)
    return rule.result(share, message, f"filter languages in the clean stage or add data in {most_off} on purpose",
                       examples=[f"{lang}: {off[lang]} records" for lang in sorted(off, key=lambda k: (-off[k], k))[:5]])


def check_expectations(report: dict[str, Any]) -> Check:
    """The validate stage's suites: a failed ``critical`` expectation fails, a failed ``warning`` one warns, a failed
    ``info`` one is only reported.

    An expectation whose suite names a readiness check in ``meta.judged_by`` (the shipped classification suite's
    label shares and per-split label presence: ``label_balance``, ``label_coverage``) is judged by that calibrated
    check, not here: one property gets one verdict. It stays in the table of report.md and in Data Docs.
    """
    rule = Rule("expectations", {"fail_on": "critical", "warn_on": "warning"},
                says="fails on a failed critical expectation, warns on a failed warning one (those a readiness "
                     "check judges are left to it)")
    section = report.get("expectations")
    if section is None:
        return rule.skip("no expectations section (the validate stage writes it)")
    elsewhere = section.get("judged_elsewhere") or {}
    critical = [name for name in section["failed_critical"] if name not in elsewhere]
    warning = [name for name in section["failed_warning"] if name not in elsewhere]
    observed = {"failed_critical": len(critical), "failed_warning": len(warning)}
    left = (f"; {len(elsewhere)} failed expectation(s) left to the readiness checks that judge them "
            f"({', '.join(sorted(set(elsewhere.values())))})") if elsewhere else ""
    if critical:
        return rule.result(observed, f"{len(critical)} critical expectation(s) failed: {'; '.join(critical[:3])}{left}",
                           "see the expectations table in report.md for the unexpected values, then fix the data or the suite",
                           status="fail")
    if warning:
        return rule.result(observed, f"{len(warning)} warning expectation(s) failed: {'; '.join(warning[:3])}{left}",
                           "see the expectations table in report.md for the unexpected values", status="warn")
    passed = "every other expectation that ran passed" if elsewhere else "every expectation that ran passed"
    return rule.result(observed, f"{passed}{left}" if not elsewhere else f"{left[2:]}; {passed}", status="pass")


def check_max_tokens(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """Examples over the maximum sequence length are truncated in training; also shows the training-token cost."""
    rule = Rule("max_tokens", {"max_seq_tokens": cfg.max_seq_tokens, "warn_above_share": cfg.max_truncated_share},
                says=f"warns when over {percent(cfg.max_truncated_share)} of examples exceed {cfg.max_seq_tokens:,} tokens")
    section = report.get("lengths") or {}
    if "over_max_tokens" not in section:
        return rule.skip("no token counts (the clean stage adds n_tokens)")
    over = section["over_max_tokens"]
    total = sum(s["count"] for s in section["tokens"].values())
    share = round(over / total, 4) if total else 0.0
    cost = section["training_tokens"]
    message = (f"{over} of {total} examples exceed {cfg.max_seq_tokens} tokens; training processes "
               f"{cost['total']:,} tokens ({cost['per_epoch']:,} x {cost['epochs']} epochs)")
    return rule.result(share, message,
                       f"shorten or drop the {over} examples over {cfg.max_seq_tokens} tokens, or raise max_seq_tokens",
                       status="warn" if share > cfg.max_truncated_share else "pass")
