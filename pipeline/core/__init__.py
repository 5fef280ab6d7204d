"""Shared by every stage: the record type, the stage contract, errors, output writing, Markdown helpers."""
