"""Clean stage: repair and normalise text, filter unusable records, detect language and PII."""
