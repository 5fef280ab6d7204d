"""Errors shown to the user: one line, and never a credential or IBAN quoted from a file name, value or row."""

from __future__ import annotations

from pipeline.core.errors import ConfigError, InputError


def test_an_error_message_shows_no_secret():
    """A token in a file name and an IBAN in a quoted value are replaced; the rest of the message is kept."""
    error = InputError("no such file", path="data/dump-ghp_Zq3xV9mK2pL7wR4tY8nB1cF6hJ0dG5sE3aUi.jsonl", row=3)
    assert str(error) == "data/dump-<SECRET>.jsonl:3: no such file"
    assert error.path.endswith("Ui.jsonl")  # the path itself, for code that opens it, is unchanged
    assert str(ConfigError("[input] id_field: got 'GB82WEST12345698765432'")) == "[input] id_field: got '<IBAN>'"
    assert str(ConfigError("[clean] pii: expected one of 'redact', got 'x'")) == "[clean] pii: expected one of 'redact', got 'x'"
