"""Where the benchmarks find the public data sets they are built from (see benchmarks/README.md for each set's
origin and licence): ``--data DIR``, else ``$FTPREP_SHARED_DATA``, else a ``shared/data`` folder beside the repository
when there is one."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NEIGHBOUR = REPO.parent / "shared" / "data"


def default_data() -> Path | None:
    """``$FTPREP_SHARED_DATA``, or ``../shared/data`` relative to the repository if it exists; else None."""
    if os.environ.get("FTPREP_SHARED_DATA"):
        return Path(os.environ["FTPREP_SHARED_DATA"])
    return NEIGHBOUR if NEIGHBOUR.is_dir() else None


def add_data_option(parser) -> None:
    """``--data DIR`` on an argparse parser, defaulting to :func:`default_data`."""
    parser.add_argument("--data", type=Path, default=default_data(),
                        help="folder of the public data sets (layout and origins: benchmarks/README.md)  "
                             "[default: $FTPREP_SHARED_DATA, or ../shared/data beside the repository if it exists]")


def data_file(data: Path | None, relative: str) -> Path:
    """``data / relative``, or exit with a line saying how to point at the data."""
    what = relative or "the public data sets"
    if data is None:
        sys.exit(f"no data folder: pass --data DIR holding {what} (benchmarks/README.md says where each set comes from)")
    path = data / relative
    if not path.exists():
        sys.exit(f"{path}: not found; --data must point at the folder holding {what} (see benchmarks/README.md)")
    return path
