"""The training plan of one target: suggested epochs, billed tokens per epoch and in total, the cost at the price
the user configured, and how many training examples the target's context would truncate.

Billed tokens follow OpenAI's cookbook (Chat_finetuning_data_prep): each training example counts its tokens, capped
at the context limit (the rest is truncated, not trained on), once per epoch. Token counts are ftprep's (the clean
stage's tokenizer, ``o200k_base`` by default) plus the target's per-message overhead: exact for OpenAI's current
models up to that overhead, an estimate for other providers' tokenizers.
"""

from __future__ import annotations

from typing import Any

from pipeline.targets.config import TargetConfig
from pipeline.targets.limits import TargetSpec

# OpenAI's auto epochs (cookbook): 3 epochs, more for small sets to reach 100 example-passes, fewer for large ones
# to stay near 25,000, within 1..25.
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25


def openai_epochs(n_train: int) -> int:
    """OpenAI's default ``n_epochs`` for ``n_train`` training examples (the cookbook's heuristic)."""
    if n_train <= 0:
        return TARGET_EPOCHS
    if n_train * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_train)
    if n_train * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_train)
    return TARGET_EPOCHS


def suggested_epochs(spec: TargetSpec, n_train: int) -> tuple[int, str]:
    """The provider's default epochs for this many training examples, and where that default comes from."""
    if spec.epochs == "openai":
        how = "OpenAI's auto heuristic" + ("" if spec.name == "openai" else " (a stand-in: the provider publishes none)")
        return openai_epochs(n_train), how
    return int(spec.epochs), f"{spec.name}'s default"


def training_plan(spec: TargetSpec, cfg: TargetConfig, train_tokens: list[int], max_tokens: int | None) -> dict[str, Any]:
    """The plan for the training split whose examples have ``train_tokens`` tokens each."""
    name = spec.name
    if name in cfg.epochs:
        epochs, basis = cfg.epochs[name], "[target] epochs"
    else:
        epochs, basis = suggested_epochs(spec, len(train_tokens))
    billed = sum(min(t, max_tokens) for t in train_tokens) if max_tokens else sum(train_tokens)
    price = cfg.price_per_million.get(name)
    plan: dict[str, Any] = {
        "train_examples": len(train_tokens),
        "epochs": epochs,
        "epochs_basis": basis,
        "epoch_bounds": list(spec.epoch_bounds) if spec.epoch_bounds else None,
        "billed_tokens_per_epoch": billed,
        "billed_tokens_total": billed * epochs,
        "max_tokens": max_tokens,
        "truncated_examples": sum(t > max_tokens for t in train_tokens) if max_tokens else 0,
        "price_per_million": price,
        "price_date": cfg.price_date.get(name),
        "cost": round(billed * epochs / 1_000_000 * price, 2) if price is not None else None,
    }
    warnings = []
    if spec.epoch_bounds and not spec.epoch_bounds[0] <= epochs <= spec.epoch_bounds[1]:
        warnings.append(f"{epochs} epochs is outside {name}'s range {spec.epoch_bounds[0]}-{spec.epoch_bounds[1]}")
    if plan["truncated_examples"]:
        warnings.append(f"{plan['truncated_examples']} training examples exceed {max_tokens:,} tokens and would be "
                        "truncated (the cut-off part, often the answer, is not trained on)")
    if price is None:
        warnings.append(f"no price: set [target] price_per_million = {{{name} = ...}} (and price_date) to see the cost")
    plan["warnings"] = warnings
    return plan
