"""The ``[validate]`` config section: which Great Expectations suites run, and their parameters."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.core.section import Section


@dataclass(frozen=True)
class ValidateConfig(Section):
    """Options of the validate stage (Great Expectations suites).

    The shipped suite of the task (``expectations/<task>.json``) always runs unless ``replace_default`` is set;
    ``suites`` adds the user's own GX 1.x suite files. The other options are the values that reach the suites
    as GX suite parameters (``{"$PARAMETER": "labels"}``); an expectation whose parameter is unset (None) is
    reported as skipped::

        [validate]
        suites = ["ci/strict.json"]
        labels = ["billing", "refund", "other"]
        languages = ["en"]

    Args:
        suites: extra suite files (GX 1.x ExpectationSuite JSON), run after the shipped one.
        replace_default: run only ``suites``, not the shipped suite of the task.
        labels: the allowed label set (parameter ``labels``); unset skips the label-set expectation.
        languages: allowed ISO 639-1 codes of the ``lang`` column (parameter ``languages``); unset skips it.
        min_chars, max_chars: bounds on text length in characters (per field; the whole conversation for chat).
        min_label_share, max_label_share: bounds on each label's share of all rows. Unset, the lower bound is
            0.02 or, with more than 10 labels, 0.2 of an even share (0.2 / labels): with 77 labels an even share is
            1.3%, so a fixed 2% would flag every row of every label.
        min_messages, max_messages: bounds on the number of messages of a chat record.
        max_examples: unexpected values kept per expectation in the report.
    """

    name = "validate"

    suites: tuple[str, ...] = ()
    replace_default: bool = False
    labels: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    min_chars: int = 1
    max_chars: int = 32_000
    min_label_share: float | None = None
    max_label_share: float = 0.9
    min_messages: int = 2
    max_messages: int = 100
    max_examples: int = 5

    def problems(self) -> list[str]:
        found = []
        for low, high in (("min_chars", "max_chars"), ("min_label_share", "max_label_share"),
                          ("min_messages", "max_messages")):
            if getattr(self, low) is not None and getattr(self, low) > getattr(self, high):
                found.append(f"{low} ({getattr(self, low)}) is above {high} ({getattr(self, high)})")
        if not 0 <= (self.min_label_share or 0) <= self.max_label_share <= 1:
            found.append("label shares must be between 0 and 1")
        if self.max_examples < 0:
            found.append(f"max_examples must be 0 or more, got {self.max_examples}")
        return found
