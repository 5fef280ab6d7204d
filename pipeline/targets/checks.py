"""The ``target_<name>_*`` readiness checks: each target's published limits against the ``targets`` section.

Per target, in this order:

- ``examples``: training examples below the minimum or above the maximum, or validation examples above the maximum,
  fail; fewer than the recommended number warn;
- ``tokens``: examples over the token limit warn (they would be truncated; the plan counts the training ones);
- ``file_size``: an upload file over the size limit fails;
- ``format``: records the upload format cannot hold (left out of the export) fail; per-message weights the format
  drops warn;
- ``special_tokens``: records holding the target's forbidden strings fail where the provider refuses them (Bedrock's
  reserved keywords; those records are left out of the export), else warn.

A limit the target does not publish makes its check ``skip``, saying so.
"""

from __future__ import annotations

from typing import Any

from pipeline.readiness.check import Check, Rule


def target_checks(report: dict[str, Any]) -> list[Check]:
    """Every target's checks, targets in the order the run named them."""
    checks: list[Check] = []
    for name, section in (report.get("targets") or {}).items():
        checks += [_examples(name, section), _tokens(name, section), _file_size(name, section), _format(name, section),
                   _special_tokens(name, section)]
    return checks


def _examples(name: str, section: dict[str, Any]) -> Check:
    limits, examples = section["limits"], section["examples"]
    keys = ("min_examples", "recommended_examples", "max_examples", "max_val_examples")
    rule = Rule(f"target_{name}_examples", {key: limits[key] for key in keys}, _examples_sentence(limits))
    train, val = examples["train"], examples["val"]
    observed = {"train": train, "val": val}
    if not any(limits[key] is not None for key in keys):
        return rule.skip(f"{name} publishes no bounds on the number of examples")
    problems = []
    if limits["min_examples"] is not None and train < limits["min_examples"]:
        problems.append(f"{train} training examples, below {name}'s minimum {limits['min_examples']}")
    if limits["max_examples"] is not None and train > limits["max_examples"]:
        problems.append(f"{train:,} training examples, above {name}'s maximum {limits['max_examples']:,}")
    if limits["max_val_examples"] is not None and val > limits["max_val_examples"]:
        problems.append(f"{val:,} validation examples, above {name}'s maximum {limits['max_val_examples']:,}")
    if problems:
        return rule.result(observed, "; ".join(problems), "add examples, or split the set so that each file stays within "
                           "the limits", status="fail")
    if limits["recommended_examples"] is not None and train < limits["recommended_examples"]:
        return rule.result(observed, f"{train} training examples, fewer than the {limits['recommended_examples']} "
                           f"{name} recommends", "collect more examples", status="warn")
    return rule.result(observed, f"{train} training and {val} validation examples, within {name}'s bounds", status="pass")


def _examples_sentence(limits: dict[str, Any]) -> str:
    parts = [f"fails under {limits['min_examples']:,}" if limits["min_examples"] is not None else "",
             f"fails over {limits['max_examples']:,}" if limits["max_examples"] is not None else "",
             f"warns under {limits['recommended_examples']:,}" if limits["recommended_examples"] is not None else ""]
    said = ", ".join(part for part in parts if part)
    val = f"; fails over {limits['max_val_examples']:,} validation examples" if limits["max_val_examples"] else ""
    return (f"{said} training examples{val}" if said else val.lstrip("; ")) or "no published bounds"


def _tokens(name: str, section: dict[str, Any]) -> Check:
    limit = section["limits"]["max_tokens"]
    says = f"warns when an example exceeds {limit:,} tokens (it would be truncated)" if limit else "no known token limit"
    rule = Rule(f"target_{name}_tokens", {"max_tokens": limit, "warn_above": 0}, says)
    if limit is None:
        return rule.skip(f"no token limit known for {name} ({section['model']}): set [target] max_tokens = {{{name} = N}}")
    over = section["over_max_tokens"]
    return rule.result(over, f"{over} examples exceed {name}'s {limit:,} tokens per example (counted with "
                       f"{section['tokens']['counted_with']})", "shorten or split those examples: the part past the limit "
                       "is truncated and not trained on")


def _file_size(name: str, section: dict[str, Any]) -> Check:
    limit = section["limits"]["max_file_bytes"]
    rule = Rule(f"target_{name}_file_size", {"fail_above": limit},
                f"fails when an upload file exceeds {limit:,} bytes" if limit else "no published file size limit")
    if limit is None or not section.get("file_bytes"):
        return rule.skip(f"{name} publishes no upload file size limit")
    split, largest = max(section["file_bytes"].items(), key=lambda kv: kv[1])
    return rule.result(largest, f"the largest upload file ({split}) is {largest:,} bytes; {name} takes up to {limit:,}",
                       "split the training data into several jobs or files")


def _format(name: str, section: dict[str, Any]) -> Check:
    skipped, weights = section["skipped"], section["dropped_weights"]
    rule = Rule(f"target_{name}_format", {"fail_above": 0}, f"fails when a record cannot be written in the {name} "
                "format; warns when turns with weight 0 would be trained on")
    if skipped["records"]:
        reasons = "; ".join(f"{why} ({n})" for why, n in skipped["reasons"].items())
        return rule.result(skipped["records"], f"{skipped['records']} records cannot be written as {name} examples and "
                           f"are left out of its export: {reasons}", "fix those conversations (see targets."
                           f"{name}.skipped.ids in report.json) or drop them", value=skipped["records"])
    if weights:
        return rule.result(0, f"{weights} records have turns with weight 0, which the {name} format cannot hold: "
                           "those turns would be trained on", "drop the weight-0 turns, or train on a target "
                           "that honours weights (openai, generic, hf)", status="warn")
    return rule.result(0, f"every record can be written in the {name} format", status="pass")


def _special_tokens(name: str, section: dict[str, Any]) -> Check:
    limits, found = section["limits"], section["forbidden"]
    fails = limits["forbidden_fails"]
    rule = Rule(f"target_{name}_special_tokens", {"fail_above" if fails else "warn_above": 0,
                                                   "strings": limits["forbidden"]},
                f"{'fails' if fails else 'warns'} when a record holds a string {name} reserves")
    if not limits["forbidden"]:
        return rule.skip(f"{name} publishes no forbidden strings")
    if not found["records"]:
        return rule.result(0, f"no record holds a string {name} reserves", status="pass")
    strings = ", ".join(f"{s} ({n})" for s, n in found["strings"].items())
    also = " (left out of its export: the provider refuses the job)" if fails else ""
    return rule.result(found["records"], f"{found['records']} records hold strings {name} reserves: {strings}{also}",
                       "reword those texts: a model reads such strings as control tokens, not as text")
