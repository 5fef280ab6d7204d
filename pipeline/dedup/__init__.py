"""Dedup stage: exact and near duplicates, label conflicts, decontamination, the persistent index, and split leakage."""
