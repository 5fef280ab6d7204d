"""Each target's published limits as readiness checks, at their boundaries (docs/targets.md)."""

from __future__ import annotations

import pytest

from pipeline.targets.checks import target_checks
from pipeline.targets.limits import TARGETS
from pipeline.targets.stage import limits_section


def _section(target: str, model: str | None = None, *, train: int = 100, val: int = 10, over: int = 0,
             largest: int = 1, skipped: int = 0, weights: int = 0, forbidden: dict | None = None) -> dict:
    spec = TARGETS[target]
    limits = spec.models[model or spec.default_model]
    found = forbidden or {}
    return {"model": model or spec.default_model, "limits": limits_section(limits, limits.max_tokens, spec),
            "examples": {"train": train, "val": val, "test": 0}, "file_bytes": {"train": largest, "val": 1, "test": 0},
            "skipped": {"records": skipped, "reasons": {"a system message inside the conversation": skipped} if skipped else {},
                        "ids": {}},
            "forbidden": {"records": sum(found.values()), "reasons": {}, "ids": {}, "strings": found},
            "dropped_weights": weights, "over_max_tokens": over, "tokens": {"counted_with": "o200k_base"}}


def _status(target: str, check: str, **section) -> str:
    found = {c.name: c for c in target_checks({"targets": {target: _section(target, **section)}})}
    return found[f"target_{target}_{check}"].status


@pytest.mark.parametrize(("target", "model", "train", "status"), [
    ("openai", None, 9, "fail"), ("openai", None, 10, "warn"), ("openai", None, 49, "warn"), ("openai", None, 50, "pass"),
    ("vertex", None, 99, "warn"), ("vertex", None, 100, "pass"), ("vertex", None, 1_000_000, "pass"),
    ("vertex", None, 1_000_001, "fail"),
    ("bedrock", None, 7, "fail"), ("bedrock", None, 8, "warn"), ("bedrock", None, 100, "pass"),
    ("bedrock", None, 20_000, "pass"), ("bedrock", None, 20_001, "fail"),
    ("bedrock", "nova-2-lite", 199, "fail"), ("bedrock", "nova-2-lite", 200, "pass"),
    ("generic", None, 1, "skip"), ("hf", None, 1, "skip"),
])
def test_training_examples_at_each_bound(target, model, train, status):
    """Below a minimum or above a maximum fails, below the recommended number warns, a target without bounds skips."""
    assert _status(target, "examples", model=model, train=train) == status


def test_vertex_validation_examples_at_its_bound():
    """Vertex takes up to 5,000 validation examples."""
    assert _status("vertex", "examples", val=5000) == "pass" and _status("vertex", "examples", val=5001) == "fail"


@pytest.mark.parametrize(("target", "largest", "status"), [
    ("openai", 512_000_000, "pass"), ("openai", 512_000_001, "fail"),
    ("vertex", 1_000_000_000, "pass"), ("vertex", 1_000_000_001, "fail"), ("bedrock", 10**12, "skip"),
])
def test_upload_file_size_at_each_bound(target, largest, status):
    """The largest upload file over the published size fails; Bedrock publishes none (skip, saying so)."""
    assert _status(target, "file_size", largest=largest) == status


@pytest.mark.parametrize(("target", "status"), [("openai", "warn"), ("vertex", "warn"), ("bedrock", "skip"), ("hf", "skip")])
def test_examples_over_the_context_warn(target, status):
    """One example over the token limit warns (truncated); a target without a known limit skips."""
    assert _status(target, "tokens", over=0) == ("pass" if status == "warn" else "skip")
    assert _status(target, "tokens", over=1) == status


def test_format_fails_on_records_left_out_and_warns_on_lost_weights():
    """A record the format cannot hold fails the format check; weight-0 turns a format cannot keep warn."""
    assert _status("vertex", "format", skipped=1) == "fail"
    assert _status("vertex", "format", weights=1) == "warn" and _status("vertex", "format") == "pass"


def test_reserved_strings_fail_on_bedrock_and_warn_elsewhere():
    """Bedrock refuses a job whose text holds a reserved keyword (fail); OpenAI's special tokens warn; Vertex has
    no published list (skip)."""
    assert _status("bedrock", "special_tokens", forbidden={"User:": 1}) == "fail"
    assert _status("openai", "special_tokens", forbidden={"<|endoftext|>": 1}) == "warn"
    assert _status("openai", "special_tokens") == "pass" and _status("vertex", "special_tokens") == "skip"


def test_every_target_check_is_named_and_ordered():
    """Five checks per target, in the documented order."""
    names = [c.name for c in target_checks({"targets": {"openai": _section("openai"), "hf": _section("hf")}})]
    kinds = ["examples", "tokens", "file_size", "format", "special_tokens"]
    assert names == [f"target_openai_{k}" for k in kinds] + [f"target_hf_{k}" for k in kinds]


def test_each_check_states_its_rule_with_the_limits():
    """The rule sentence names the limits that apply, with thousands separators."""
    rules = {c.name: c.rule for c in target_checks({"targets": {"vertex": _section("vertex")}})}
    assert rules["target_vertex_examples"] == ("fails over 1,000,000, warns under 100 training examples; fails over 5,000 "
                                               "validation examples")
    assert rules["target_vertex_tokens"] == "warns when an example exceeds 131,072 tokens (it would be truncated)"
