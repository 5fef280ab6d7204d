"""Corrections: a reviewer's decisions (relabel, drop, keep) applied right after ingest, and the review files
(review.csv, Label Studio tasks, Argilla records) that list what is worth a reviewer's look."""
