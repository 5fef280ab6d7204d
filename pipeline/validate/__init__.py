"""Validate stage: Great Expectations 1.x suites over the split records."""
