"""Great Expectations Data Docs (``--data-docs``): suite names GX can store, and a build that cannot break a run.

GX stores a suite's page under its name, a dot making a folder (``ftprep.chat`` -> ``expectations/1-ftprep/
chat.html``); a name holding ``/`` or ``\\`` makes its filesystem store raise (26 lines of traceback, and no page),
``..`` or a very long name give no page either. A suite is therefore registered under :func:`gx_suite_name`, and
:func:`build_data_docs` reports which suites got no page instead of failing or printing a traceback.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_MAX_NAME = 100


def gx_suite_name(number: int, name: str) -> str:
    """The name a suite is given in GX: numbered (names may repeat), only letters, digits and ``_ . -``."""
    safe = re.sub(r"\.{2,}", ".", _UNSAFE.sub("-", name)).strip(".-")[:_MAX_NAME].strip(".-")
    return f"{number}-{safe or 'suite'}"


def build_data_docs(context: Any, docs_dir: Path, suites: list[tuple[str, str]]) -> dict[str, Any]:
    """Build the docs site; ``suites`` are the suites' own names with their GX names.

    Returns the ``data_docs`` entry of the ``expectations`` section: the index page and the suites whose page is
    missing (with GX's error, if the build failed as a whole).
    """
    logger = logging.getLogger("great_expectations")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)  # GX logs a failed page with its traceback; the report says it instead
    error = None
    try:
        context.build_data_docs(site_names=["ftprep"])
    except Exception as exc:  # noqa: BLE001 - any GX failure leaves the run's result intact
        error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    finally:
        logger.setLevel(level)
    pages = docs_dir / "expectations"
    missing = [name for name, gx_name in suites if not (pages / f"{gx_name.replace('.', '/')}.html").is_file()]
    entry: dict[str, Any] = {"index": "data_docs/index.html" if (docs_dir / "index.html").is_file() else None,
                             "missing": missing}
    if error:
        entry["error"] = error
    return entry
