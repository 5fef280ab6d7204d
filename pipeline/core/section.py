"""What every config section shares: a frozen dataclass that lists all of its problems at once.

A section's ``problems()`` returns one sentence per invalid value (empty when the section is valid); building an
invalid section raises one :class:`ConfigError` that names them all, prefixed with the section, so a user fixes a
config file in one go instead of one error per run.
"""

from __future__ import annotations

from typing import ClassVar

from pipeline.core.errors import ConfigError

MAX_SEED = 2**32 - 1  # NumPy's and langdetect's generators take seeds in 0..2**32-1


class SectionError(ConfigError):
    """A section with invalid values; ``problems`` lists each one, already prefixed with the section."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Section:
    """Base of the config sections (frozen dataclasses); subclasses set ``name`` and override ``problems``."""

    name: ClassVar[str]

    def problems(self) -> list[str]:
        """Every invalid value of this section, one sentence each."""
        return []

    def __post_init__(self) -> None:
        found = self.problems()
        if found:
            raise SectionError([f"[{self.name}] {problem}" for problem in found])


def seed_problems(key: str, seed: int) -> list[str]:
    """A seed outside what the random generators accept."""
    if 0 <= seed <= MAX_SEED:
        return []
    return [f"{key} must be a whole number from 0 to {MAX_SEED}, got {seed}"]
