"""The ``[corrections]`` config section: a reviewer's decisions file, applied right after ingest."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.core.section import Section


@dataclass(frozen=True)
class CorrectionsConfig(Section):
    """Where a reviewer's corrections are (``--corrections FILE``); none by default::

        [corrections]
        file = "reviewed.csv"   # CSV/TSV with a header, JSON Lines, a Label Studio JSON export, or review.csv

    Args:
        file: the corrections file: one row per record with ``id``, ``action`` (``relabel``, ``drop``, ``keep``)
            and, for ``relabel``, ``label``; other columns (``note``, ``reviewer``) are kept in the report.
    """

    name = "corrections"

    file: str | None = None
