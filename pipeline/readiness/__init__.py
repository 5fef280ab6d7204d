"""Readiness: figures measured on the split records, the checks that judge them, and the verdict."""
