"""The ``[target]`` config section: where the data goes (``--target``), how non-chat records become chats, and the
figures of the training plan that only the user can know (prices)."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Literal

from pipeline.core.section import Section, SectionError
from pipeline.targets.limits import TARGET_NAMES, TARGETS

TargetName = Literal["generic", "openai", "vertex", "bedrock", "hf"]


@dataclass(frozen=True)
class TargetConfig(Section):
    """Targets to check and export for, each with its published limits (docs/targets.md).

    Args:
        name: the targets (``--target``, repeatable): ``generic``, ``openai``, ``vertex``, ``bedrock``, ``hf``; one
            name or a list. None (the default): no target checks, no exports.
        model: the model per target whose limits apply (``{openai = "gpt-3.5-turbo-0125"}``); default per target in
            docs/targets.md.
        system_prompt: the system message of chats made from completion and classification records (none by
            default).
        prompt_template: the user message made from a completion record; ``{prompt}`` is the prompt.
        text_template: the user message made from a classification record; ``{text}`` is the text (the label is
            the assistant's answer).
        max_tokens: per target, tokens per example above which examples are truncated (overrides the published
            limit; the only limit for ``generic`` and ``hf``).
        epochs: per target, the epochs of the training plan (default: the provider's heuristic).
        price_per_million: per target, the training price per million billed tokens, in your currency. No price ships
            with ftprep (prices change): without one the plan shows tokens, not cost.
        price_date: per target, when you read that price (shown beside the cost).
    """

    name: TargetName | tuple[TargetName, ...] = ()  # type: ignore[assignment]  # the section's own name is "target"
    model: dict[str, str] = field(default_factory=dict)
    system_prompt: str | None = None
    prompt_template: str = "{prompt}"
    text_template: str = "{text}"
    max_tokens: dict[str, int] = field(default_factory=dict)
    epochs: dict[str, int] = field(default_factory=dict)
    price_per_million: dict[str, float] = field(default_factory=dict)
    price_date: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.name, str):
            object.__setattr__(self, "name", (self.name,))
        object.__setattr__(self, "name", tuple(dict.fromkeys(self.name)))
        found = self.problems()
        if found:
            raise SectionError([f"[target] {problem}" for problem in found])

    @property
    def targets(self) -> tuple[str, ...]:
        return self.name  # type: ignore[return-value]

    def problems(self) -> list[str]:
        found = [f"name: unknown target {n!r} (valid: {', '.join(TARGET_NAMES)})" for n in self.name if n not in TARGETS]
        for key, table in (("model", self.model), ("max_tokens", self.max_tokens), ("epochs", self.epochs),
                           ("price_per_million", self.price_per_million), ("price_date", self.price_date)):
            found += [f"{key}: unknown target {n!r} (valid: {', '.join(TARGET_NAMES)})" for n in table if n not in TARGETS]
        for target, model in self.model.items():
            if target in TARGETS and model not in TARGETS[target].models:
                found.append(f"model: {target} has no model {model!r} (known: {', '.join(TARGETS[target].models)})")
        found += [f"max_tokens: {n} must be at least 1, got {v}" for n, v in self.max_tokens.items() if v < 1]
        found += [f"epochs: {n} must be at least 1, got {v}" for n, v in self.epochs.items() if v < 1]
        found += [f"price_per_million: {n} must not be negative, got {v}" for n, v in self.price_per_million.items() if v < 0]
        found += _template_problems("prompt_template", self.prompt_template, "prompt")
        found += _template_problems("text_template", self.text_template, "text")
        return found

    def model_of(self, target: str) -> str:
        return self.model.get(target, TARGETS[target].default_model)


def _template_problems(key: str, template: str, placeholder: str) -> list[str]:
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        return [f"{key}: {exc} in {template!r} (write {{{{ and }}}} for literal braces)"]
    if fields != [placeholder]:
        return [f"{key} must hold {{{placeholder}}} once and no other field, got {template!r}"]
    return []
