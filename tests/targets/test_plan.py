"""The training plan: the providers' epoch heuristics, billed tokens, cost only from a configured price."""

from __future__ import annotations

import pytest

from pipeline.targets.config import TargetConfig
from pipeline.targets.limits import TARGETS
from pipeline.targets.plan import openai_epochs, training_plan


@pytest.mark.parametrize(("n_train", "epochs"), [
    (1, 25), (4, 25), (5, 20), (33, 3), (34, 3), (8333, 3), (8334, 2), (12_500, 2), (12_501, 1), (100_000, 1),
])
def test_openai_auto_epochs(n_train, epochs):
    """3 epochs, more for tiny sets (100 example-passes, at most 25), fewer for large ones (25,000, at least 1)."""
    assert openai_epochs(n_train) == epochs


def test_billed_tokens_are_capped_at_the_context_and_truncation_warns():
    """An example at the limit is billed whole; one token more is billed at the limit and counted as truncated."""
    spec = TARGETS["openai"]
    at_limit = training_plan(spec, TargetConfig(), [65_536] * 10, 65_536)
    over = training_plan(spec, TargetConfig(), [65_537] + [65_536] * 9, 65_536)
    assert at_limit["truncated_examples"] == 0 and over["truncated_examples"] == 1
    assert over["billed_tokens_per_epoch"] == at_limit["billed_tokens_per_epoch"] == 655_360
    assert at_limit["epochs"] == 10 and at_limit["billed_tokens_total"] == 6_553_600
    assert any("would be truncated" in w for w in over["warnings"])
    assert not any("truncated" in w for w in at_limit["warnings"])


def test_cost_needs_a_configured_price_and_shows_its_date():
    """No price ships: without one the cost is None and a warning says how to set it; with one, tokens x price."""
    spec = TARGETS["bedrock"]
    plain = training_plan(spec, TargetConfig(), [1_000] * 200, None)
    assert plain["cost"] is None and plain["epochs"] == 2 and any("no price" in w for w in plain["warnings"])
    priced = training_plan(spec, TargetConfig(price_per_million={"bedrock": 8.0}, price_date={"bedrock": "2026-11-30"}),
                           [1_000] * 200, None)
    assert priced["billed_tokens_total"] == 400_000 and priced["cost"] == 3.2 and priced["price_date"] == "2026-11-30"


def test_configured_epochs_outside_the_provider_range_warn():
    """Bedrock takes 1 to 5 epochs: 6 from the config is used but warned about."""
    plan = training_plan(TARGETS["bedrock"], TargetConfig(epochs={"bedrock": 6}), [10] * 20, None)
    assert plan["epochs"] == 6 and plan["epochs_basis"] == "[target] epochs"
    assert any("outside bedrock's range 1-5" in w for w in plan["warnings"])
