"""The content checks of completion and chat data, judged on the ``content`` section and the clean stage's counts.

Each warns (or fails) when the share of records with one kind of broken response passes its ``[readiness]``
threshold, quotes a few of them, and says what the share does to training. Refusals and truncated answers count
what the clean stage rejected too (``cleaning.dropped_by_check``): its rules drop only the plainest cases, and a
third of the data refusing is worth saying even when half of it was dropped. ``reject_reasons`` names any single
reason the clean, dedup or ingest stages rejected a large share of the input for.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pipeline.readiness.check import Check, Rule
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.fluency import FLUENCY_MIN_RESPONSES
from pipeline.readiness.wording import percent, quote

CONTENT_CHECKS = ("truncated_responses", "conflicting_responses", "prompt_leakage", "refusals",
                  "fragmentary_responses", "scrambled_text", "format_artifacts", "swapped_roles")
MIN_RECORDS = 20  # fewer records say nothing about a share
MIN_FLAGGED = 3  # one or two odd records in a small set are no share worth a warning (1 of 29 is 3.4%)


def _section(report: dict[str, Any]) -> dict[str, Any] | None:
    return report.get("content") if report.get("task") in ("completion", "chat") else None


def _rule(name: str, warn: float, fail: float | None, what: str) -> Rule:
    limits = {"warn_above": warn} if fail is None else {"warn_above": warn, "fail_above": fail}
    says = f"warns when over {percent(warn)} of {what}" + (f", fails over {percent(fail)}" if fail is not None else "")
    return Rule(name, limits, says=says)


def _status(rule: Rule, share: float, flagged: int) -> str:
    return rule.status(share) if flagged >= MIN_FLAGGED else "pass"


def _examples(figure: dict[str, Any], *keys: str) -> list[str]:
    shown = []
    for e in figure.get("examples", [])[:3]:
        parts = [quote(e[k], 90) for k in keys if e.get(k)]
        shown.append(f"{e['id']}: " + " | ".join(parts))  # the reason, the prompt, the response: one cell each
    return shown


def _by_share(rule: Rule, figure: dict[str, Any], message: str, *, recommendation: str,
              examples: list[str]) -> Check:
    """A check judged on its figure's share of records (and the least number flagged that may warn)."""
    return rule.result(figure["share"], message, status=_status(rule, figure["share"], figure["records"]),
                       recommendation=recommendation, examples=examples)


def _skip(rule: Rule, section: dict[str, Any] | None, figure: str) -> Check | None:
    if section is None or figure not in section:
        return rule.skip("measured for completion and chat data")
    if section["records"] < MIN_RECORDS:
        return rule.skip(f"only {section['records']} records: too few to judge a share (needs {MIN_RECORDS})")
    return None


def _with_rejected(report: dict[str, Any], figure: dict[str, Any], check: str) -> tuple[float, int, int, int]:
    """The share of responses with the problem, kept (estimated from the sample) and rejected by the clean stage."""
    section = report["content"]
    kept_records = section["sampled_from"]
    kept = round(figure["share"] * kept_records)
    rejected = ((report.get("cleaning") or {}).get("dropped_by_check") or {}).get(check, 0)
    total = kept_records + rejected
    return ((kept + rejected) / total if total else 0.0), kept, rejected, total


def _kept_and_rejected(report: dict[str, Any], rule: Rule, name: str, rejected_as: str, what: str,
                       recommendation: str, example: str) -> Check:
    """A check on responses the clean stage may have rejected already: kept (from the sample) plus rejected."""
    section = _section(report)
    if (skipped := _skip(rule, section, name)) is not None:
        return skipped
    figure = section[name]
    share, kept, rejected, _ = _with_rejected(report, figure, rejected_as)
    message = (f"{share:.1%} of responses {what}: {kept} kept in the splits ({figure['share']:.1%}), {rejected} "
               "rejected by the clean stage")
    return rule.result(round(share, 4), message, status=_status(rule, share, kept + rejected),
                       recommendation=recommendation, examples=_examples(figure, "why", example))


def check_truncated_responses(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    rule = _rule("truncated_responses", cfg.max_truncated_response_share, cfg.fail_truncated_response_share,
                 "responses stop mid-sentence or leave a code block or bracket open (kept and rejected)")
    return _kept_and_rejected(report, rule, "truncated_responses", "truncated", "look cut off",
                              "re-export or regenerate the cut-off answers (a length limit of the generator or the "
                              "export cut them); the model learns to stop mid-sentence from each one kept", "response")


def check_refusals(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """Refusals of ordinary requests warn or fail by share; declining a harmful-looking request is a correct answer
    (a safety set's point): those are counted apart, in the message and as ``info`` when nothing else is found."""
    rule = _rule("refusals", cfg.max_refusal_share, cfg.fail_refusal_share,
                 "responses decline the task: an AI disclaimer, or an apology that declines (kept and rejected; "
                 "refusals of a harmful-looking request are counted apart)")
    check = _kept_and_rejected(report, rule, "refusals", "refusal",
                               "are refusals (AI disclaimers or apologies that decline)",
                               "drop or rewrite the refusals and disclaimers (distilled chat data carries them): the "
                               "model learns to decline what it can do", "prompt")
    harmful = ((report.get("content") or {}).get("refusals_of_harmful_requests") or {})
    if check.status == "skip" or not harmful.get("records"):
        return check
    note = (f"; besides, {harmful['records']} of the records read ({harmful['share']:.1%}) decline a harmful-looking "
            "request, a correct answer that is not counted")
    if check.status != "pass" or harmful["records"] < MIN_FLAGGED:
        return dataclasses.replace(check, message=check.message + note)
    return dataclasses.replace(check, status="info", message=check.message + note,
                               examples=_examples(harmful, "why", "prompt"))


def check_fragmentary_responses(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    rule = _rule("fragmentary_responses", cfg.max_fragment_share, cfg.fail_fragment_share,
                 "records answer in a fragment of 6 words or fewer (an open instruction, an unfinished answer, or a "
                 "quarter of what alike instructions get)")
    section = _section(report)
    if (skipped := _skip(rule, section, "fragmentary_responses")) is not None:
        return skipped
    figure = section["fragmentary_responses"]
    opened = section.get("open_prompts") or 0
    of_open = f" ({figure['records'] / opened:.0%} of the {opened} open instructions)" if opened else ""
    message = (f"{figure['records']} of {section['records']} records ({figure['share']:.1%}) answer an instruction in a "
               f"fragment of a few words{of_open}")
    return _by_share(rule, figure, message,
                     recommendation="write full answers for these instructions (or drop them): the model "
                     "learns to answer 'explain' with a fragment", examples=_examples(figure, "prompt", "response"))


def check_scrambled_text(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    rule = _rule("scrambled_text", cfg.max_scrambled_share, None,
                 "records hold a response whose word order reads as shuffled (word-pair statistics of the data itself)")
    section = _section(report)
    if (skipped := _skip(rule, section, "scrambled_text")) is not None:
        return skipped
    figure = section["scrambled_text"]
    if figure["responses_judged"] < FLUENCY_MIN_RESPONSES:
        return rule.skip(f"only {figure['responses_judged']} prose responses judged: too few word-pair statistics "
                         f"(needs {FLUENCY_MIN_RESPONSES})")
    message = (f"{figure['records']} of {section['records']} records ({figure['share']:.1%}) read as scrambled words "
               f"({figure['responses_judged']} prose responses judged)")
    return _by_share(rule, figure, message,
                     recommendation="drop or regenerate the scrambled responses (a broken machine "
                     "translation or generator): the model learns their word salad",
                     examples=_examples(figure, "response"))


def check_format_artifacts(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    rule = _rule("format_artifacts", cfg.max_format_artifact_share, cfg.fail_format_artifact_share,
                 "records hold prompt-format markers (### Response:, <|im_start|>, [INST], Human:/Assistant: turns)")
    section = _section(report)
    if (skipped := _skip(rule, section, "format_artifacts")) is not None:
        return skipped
    figure = section["format_artifacts"]
    message = f"{figure['records']} of {section['records']} records ({figure['share']:.1%}) hold prompt-format markers"
    return _by_share(rule, figure, message,
                     recommendation="strip the template markers and cut responses that run on into a "
                     "next turn: the model learns to write them and to continue past its answer",
                     examples=_examples(figure, "why", "response"))


def check_swapped_roles(report: dict[str, Any], cfg: ReadinessConfig) -> Check | None:
    section = _section(report)
    if section is None or "swapped_roles" not in section:
        return None  # chat data only
    rule = _rule("swapped_roles", cfg.max_swapped_role_share, cfg.fail_swapped_role_share,
                 "chats have user turns that read like answers and assistant turns that read like requests")
    if (skipped := _skip(rule, section, "swapped_roles")) is not None:
        return skipped
    figure = section["swapped_roles"]
    message = f"{figure['records']} of {section['records']} chats ({figure['share']:.1%}) look like their roles are swapped"
    return _by_share(rule, figure, message,
                     recommendation="fix the role mapping of these chats (user and assistant exchanged "
                     "in the export): the model would learn to ask the questions",
                     examples=_examples(figure, "prompt", "response"))


def check_conflicting_responses(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    rule = _rule("conflicting_responses", cfg.max_conflicting_share, cfg.fail_conflicting_share,
                 "records share their prompt with a materially different answer (creative prompts not counted)")
    section = _section(report)
    if (skipped := _skip(rule, section, "conflicting_responses")) is not None:
        return skipped
    figure = section["conflicting_responses"]
    creative = f"; {figure['creative_records']} more under creative prompts, not counted" if figure["creative_records"] else ""
    message = (f"{figure['records']} of {section['sampled_from']} records ({figure['share']:.1%}) repeat a prompt with "
               f"a different answer{creative}")
    examples = [f"{e['id']}: {quote(e['prompt'], 60)} -> " + " | ".join(quote(r, 40) for r in e["responses"])
                for e in figure["examples"][:3]]
    return _by_share(rule, figure, message,
                     recommendation="keep one answer per prompt (the right or best-rated one): "
                     "contradictory targets teach the model to guess", examples=examples)


def check_prompt_leakage(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    rule = _rule("prompt_leakage", cfg.max_prompt_leakage_share, cfg.fail_prompt_leakage_share,
                 "val/test records have their prompt (case, spacing and punctuation aside) or a near one in train")
    section = _section(report)
    if (skipped := _skip(rule, section, "prompt_leakage")) is not None:
        return skipped
    figure = section["prompt_leakage"]
    if not figure["eval_records"]:
        return rule.skip("no val or test records")
    near = f", {figure['near_records']} of them a near prompt" if figure.get("near_records") else ""
    agreeing = figure.get("agreeing_answers")
    same = figure["records"] - figure["different_answers"]
    effect = (f", and on {same + agreeing} ({(same + agreeing) / figure['eval_records']:.1%} of val/test) the train "
              "answer agrees with theirs, so recalling it scores" if agreeing is not None else "")
    message = (f"{figure['records']} of {figure['eval_records']} val/test records ({figure['share']:.1%}) have their "
               f"prompt in train ({figure['different_answers']} with another answer{near}): scores on them measure "
               f"recall of training prompts{effect}")
    return _by_share(rule, figure, message,
                     recommendation="split by prompt (records sharing a prompt in one split) or drop the "
                     "evaluation records whose prompt is in train", examples=_examples(figure, "split", "prompt"))


# How each reject reason reads in a sentence: "16% of input rows were refusals".
_REASON_WORDS = {
    "refusal": "AI-disclaimer refusals", "truncated": "answers cut off mid-sentence",
    "echo": "answers repeating their prompt", "empty_response": "empty answers",
    "language_mismatch": "answered in another script than their prompt", "duplicate_exact": "exact duplicates",
    "duplicate_near": "near duplicates", "too_short": "too short", "too_long": "too long",
    "wrong_language": "in another language", "pii": "holding personal data", "label_conflict": "label conflicts",
    "contaminated": "copies of the evaluation set",
}


_DEDUP_REASONS = frozenset({"duplicate_exact", "duplicate_near"})


def reject_reasons(report: dict[str, Any]) -> dict[str, int]:
    """Rows rejected per reason; ``low_quality`` broken down by the clean rule that dropped them."""
    counts = dict(report["counts"]["rejected"])
    by_check = (report.get("cleaning") or {}).get("dropped_by_check") or {}
    if by_check and "low_quality" in counts:
        counts.pop("low_quality")
        counts.update(by_check)
    return counts


def check_reject_reasons(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    rule = _rule("reject_reasons", cfg.max_reject_reason_share, None, "input rows are rejected for any single reason")
    n = report["counts"]["input"]
    counts = reject_reasons(report)
    if not n:
        return rule.skip("no input rows")
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    # duplicates removed are the kept data's gain, and reject_rate says so: a reason here is what was filtered away
    over = [(reason, k) for reason, k in ranked if k / n > cfg.max_reject_reason_share and reason not in _DEDUP_REASONS]
    top_share = ranked[0][1] / n if ranked else 0.0
    if not over:
        top = f"; the largest: {ranked[0][0]} ({ranked[0][1]}, {top_share:.1%})" if ranked else ""
        return rule.result(round(top_share, 4), f"no single reject reason above {percent(cfg.max_reject_reason_share)} of "
                           f"the {n} input rows{top}", status="pass")
    said = "; ".join(f"{k / n:.0%} of input rows were {_REASON_WORDS.get(reason, f'rejected as {reason}')} ({k})"
                     for reason, k in over)
    return rule.result(round(top_share, 4), said, "look at rejected.jsonl for these reasons: a share this large is a "
                       "problem of the source (fix it there), not noise the filters should quietly absorb",
                       examples=[f"{reason}: {k} of {n}" for reason, k in over[:5]])


_FIGURE_TITLES = {"truncated_responses": "cut off", "refusals": "refusals",
                  "fragmentary_responses": "instructions answered with a fragment of a few words",
                  "scrambled_text": "scrambled word order", "format_artifacts": "prompt-format markers",
                  "swapped_roles": "user and assistant swapped", "conflicting_responses": "prompt repeated with another answer",
                  "prompt_leakage": "val/test prompt also in train"}


def content_md(section: dict[str, Any]) -> list[str]:
    """The ``content`` section as Markdown: one row per figure, then a few flagged records of each."""
    from pipeline.core.markdown import table_cell

    sampled = (f" (a sample of {section['records']} of {section['sampled_from']} records)"
               if section["sampled_from"] > section["records"] else "")
    lines = ["## Response content", "", f"Records examined: {section['records']}{sampled}.", "",
             "| check | records | share |", "|---|---|---|"]
    for name, title in _FIGURE_TITLES.items():
        if name in section:
            figure = section[name]
            of = f" of {figure['eval_records']} val/test" if name == "prompt_leakage" else ""
            lines.append(f"| {name} ({title}) | {figure['records']}{of} | {figure['share']:.1%} |")
    for name in _FIGURE_TITLES:
        examples = (section.get(name) or {}).get("examples") or []
        if examples:
            lines += ["", f"{name}:"]
            for e in examples[:3]:
                said = e.get("why") or e.get("split") or ""
                text = e.get("response") or e.get("prompt") or " | ".join(e.get("responses", []))
                lines.append(f"- {table_cell(e['id'])}: {table_cell(said)} {table_cell(quote(text, 100))}")
    return lines
