"""The readiness checks of preference pairs, from the ``preference`` section (:mod:`pipeline.preference.measure`).

Each returns ``None`` for a report without preference pairs. Thresholds: ``[readiness]``; how they were
calibrated: docs/readiness.md.
"""

from __future__ import annotations

from typing import Any

from pipeline.readiness.check import Check, Rule
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.wording import percent


def _section(report: dict[str, Any]) -> dict[str, Any] | None:
    section = report.get("preference")
    return section if section and section.get("pairs") else None


def _quote(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def check_identical_pairs(report: dict[str, Any], cfg: ReadinessConfig) -> Check | None:
    """Pairs whose chosen and rejected answers say the same teach nothing (their DPO loss gradient is zero)."""
    if (section := _section(report)) is None:
        return None
    found = section["identical"]
    share = found["share"]
    rule = Rule("preference_identical_pairs", {"warn_above": cfg.max_identical_pair_share},
                says=f"warns when over {percent(cfg.max_identical_pair_share)} of the pairs have identical or "
                     f"near-identical sides (similarity >= {found['near_threshold']})")
    shown = [f"{e['id']}: {_quote(e['chosen'])!r} / {_quote(e['rejected'])!r}" for e in found["examples"][:3]]
    return rule.result(share, f"{found['exact']} pairs with identical sides and {found['near']} near-identical "
                       f"({share:.1%} of {section['pairs']})",
                       "drop these pairs or collect a real alternative answer for them", examples=shown)


def check_length_bias(report: dict[str, Any], cfg: ReadinessConfig) -> Check | None:
    """A chosen answer that is simply the longer one in most pairs teaches length, not quality."""
    if (section := _section(report)) is None:
        return None
    lengths = section["lengths"]
    differ = lengths["chosen_longer"] + lengths["rejected_longer"]
    share, (low, _) = lengths["chosen_longer_share"], lengths["chosen_longer_ci95"]
    rule = Rule("preference_length_bias", {"warn_above": cfg.max_chosen_longer_share,
                                           "min_pairs": cfg.min_length_bias_pairs},
                says=f"warns when the chosen answer is the longer one in over {percent(cfg.max_chosen_longer_share)} "
                     f"of at least {cfg.min_length_bias_pairs} pairs (and the 95% interval lies above one half)")
    message = (f"chosen longer in {share:.1%} of {differ} pairs that differ in length (95% interval "
               f"{low:.1%}-{lengths['chosen_longer_ci95'][1]:.1%}); median length ratio chosen/rejected "
               f"{lengths['median_length_ratio']}")
    if differ < cfg.min_length_bias_pairs:
        return rule.result(share, message + f"; too few pairs to judge", status="pass")
    status = "warn" if share > cfg.max_chosen_longer_share and low > 0.5 else "pass"
    return rule.result(share, message, "balance lengths (add pairs where the shorter answer wins, or normalise "
                       "lengths) or train with a length-normalised loss; a model trained on this learns to write more",
                       status=status)


def check_contradictions(report: dict[str, Any], cfg: ReadinessConfig) -> Check | None:
    """The same two answers preferred both ways for one prompt teach noise."""
    if (section := _section(report)) is None:
        return None
    found = section["contradictions"]
    rule = Rule("preference_contradictions", {"warn_above": cfg.max_contradiction_pairs},
                says=f"warns when more than {cfg.max_contradiction_pairs} pairs have a mirror pair (the same answers "
                     "preferred the other way for the same or a near-duplicate prompt)")
    shown = [f"{' / '.join(e['ids'])}: {_quote(e['a'], 40)!r} vs {_quote(e['b'], 40)!r}" for e in found["examples"][:3]]
    return rule.result(found["pairs"], f"{found['groups']} answer pairs preferred both ways ({found['pairs']} pairs)",
                       "resolve each: keep the judgement you trust (a majority of raters) and drop its mirror",
                       examples=shown)


def check_repeated_prompts(report: dict[str, Any], cfg: ReadinessConfig) -> Check | None:
    """A prompt in many pairs outweighs the others: the model is tuned on its answers above all."""
    if (section := _section(report)) is None:
        return None
    found = section["repeated_prompts"]
    rule = Rule("preference_repeated_prompts", {"warn_above": cfg.max_repeated_prompt_share,
                                                "max_pairs_per_prompt": cfg.preference_max_pairs_per_prompt},
                says=f"warns when prompts in more than {cfg.preference_max_pairs_per_prompt} pairs each hold over "
                     f"{percent(cfg.max_repeated_prompt_share)} of the pairs")
    shown = [f"{e['pairs']} pairs: {_quote(e['prompt'])!r}" for e in found["examples"][:3]]
    return rule.result(found["over_share"], f"{found['prompts']} prompts, {found['pairs_per_prompt']} pairs each on "
                       f"average (largest {found['largest']}); {found['over_prompts']} prompts in more than "
                       f"{found['max_pairs_per_prompt']} pairs hold {found['over_share']:.1%} of the pairs",
                       "cap the pairs per prompt (keep the most informative) or add pairs for other prompts",
                       examples=shown)


def check_refusal_asymmetry(report: dict[str, Any], cfg: ReadinessConfig) -> Check | None:
    """One side refusing where the other answers, in many pairs, teaches refusing (or answering) as such.

    A finding more than a fault (harmlessness data is built to teach refusals): ``info`` from
    ``refusal_asymmetry_info_share``, ``warn`` from ``refusal_asymmetry_warn_share``.
    """
    if (section := _section(report)) is None:
        return None
    found = section["refusals"]
    side = found["side"]
    share = found[f"{side}_only_share"]
    rule = Rule("preference_refusal_asymmetry", {"info_above": cfg.refusal_asymmetry_info_share,
                                                 "warn_above": cfg.refusal_asymmetry_warn_share},
                says=f"notes when only one side refuses in over {percent(cfg.refusal_asymmetry_info_share)} of the "
                     f"pairs, warns over {percent(cfg.refusal_asymmetry_warn_share)}")
    other = "rejected" if side == "chosen" else "chosen"
    message = (f"only the chosen answer refuses in {found['chosen_only_share']:.1%} of the pairs, only the rejected "
               f"in {found['rejected_only_share']:.1%}")
    teaches = "to refuse" if side == "chosen" else "to answer rather than refuse"
    if share > cfg.refusal_asymmetry_warn_share:
        status = "warn"
    elif share > cfg.refusal_asymmetry_info_share:
        status = "info"
        message += f": the data teaches the model {teaches} where the {other} answer did otherwise"
    else:
        status = "pass"
    shown = [f"{e['id']}: {_quote(e[side], 50)!r}" for e in found["examples"][:3]]
    return rule.result(share, message, f"make sure the model should learn {teaches} this often; read the pairs",
                       status=status, examples=shown)


PREFERENCE_CHECKS = (check_identical_pairs, check_length_bias, check_contradictions, check_repeated_prompts,
                     check_refusal_asymmetry)
