"""Errors that ftprep shows to its user.

The hierarchy:

* FtprepError            exit 2: the run could not start or could not read what it was given
  + ConfigError          a bad config file, key or value, or a bad combination of options
  + InputError           an input that cannot be read at all (missing, not gzip, unknown format, no usable columns)
  + SuiteError           an expectation suite that cannot be loaded or run
  + OutputError          an output directory that cannot be written

A *row* that cannot be used is never an error: it is quarantined in ``rejected.jsonl`` and the run goes on.
Only ``cli.py`` turns these into an exit code; library code raises and never exits.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = ["ConfigError", "FtprepError", "InputError", "OutputError", "SuiteError"]


class FtprepError(Exception):
    """An error the CLI shows as one line, without a traceback. Its message never shows a credential or IBAN (a
    file name, a config value or a row quoted in it has them replaced: ``pipeline.clean.pii.hide_secrets``)."""

    exit_code: ClassVar[int] = 2

    def __init__(self, message: str = "", *args: object) -> None:
        from pipeline.clean.pii import hide_secrets  # lazily: the errors module is imported by everything

        super().__init__(hide_secrets(message) if isinstance(message, str) else message, *args)


class ConfigError(FtprepError):
    """The config file, a key in it, or a command-line option is wrong."""


class InputError(FtprepError):
    """An input cannot be read at all.

    Args:
        message: what is wrong and what was expected.
        path: the input file or directory.
        row: the 1-based line or row, when the problem is at one place in the file.
    """

    def __init__(self, message: str, *, path: str, row: int | None = None) -> None:
        self.path = path
        self.row = row
        where = f"{path}:{row}" if row is not None else path
        super().__init__(f"{where}: {message}")


class SuiteError(FtprepError):
    """An expectation suite cannot be loaded or run (bad JSON, unknown expectation, missing column)."""

    def __init__(self, message: str, *, path: str, expectation: str | None = None) -> None:
        self.path = path
        self.expectation = expectation
        where = f"{path} ({expectation})" if expectation else path
        super().__init__(f"{where}: {message}")


class OutputError(FtprepError):
    """The output directory cannot be used (not empty without --overwrite, not writable)."""
