"""Column names the Ray engine adds to the tables it sends to Ray Data."""

POS = "_pos"
"""The row position every table sent to Ray carries, so that results come back in input order."""
