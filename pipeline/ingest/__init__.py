"""Ingest stage: read input files into canonical records of one task; unreadable rows are quarantined."""
