"""CI gating: JUnit results, drift against an accepted baseline run, batches of datasets, and re-judging a run."""
