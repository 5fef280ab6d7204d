"""Preference pairs (DPO and kin): reading, dedup by prompt, measures and checks, exports."""
