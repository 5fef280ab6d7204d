"""Report: report.json assembled in one place, rendered as report.md and report.html."""
