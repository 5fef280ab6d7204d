"""ftprep: turn raw labeled examples into fine-tuning-ready splits, with an evidence-based readiness report."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ftprep")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
