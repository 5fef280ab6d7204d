"""Worker processes that die with the ftprep process that started them.

ftprep runs three kinds of workers: forked ``multiprocess`` pools (``datasets.Dataset.map(num_proc=N)``, with a
Manager server process), forked ``multiprocessing`` pools (dedup signatures) and joblib's loky workers
(scikit-learn's ``cross_val_predict(n_jobs=2)``), started by fork+exec. When ftprep is killed with SIGKILL none of
them notices: measured, datasets' 3 and loky's 4 processes lived on (each up to ~275 MB) until their task ended.

:func:`install` makes every process this one forks ask the kernel for SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)``, Linux), and exit at once if the parent already died between fork and prctl. A fork
that execs (loky) runs no Python at-fork hook, so :func:`loky_workers_die_with_parent` passes the same call to
joblib as the workers' initializer; the setting survives exec. Elsewhere (macOS) a daemon thread in the child polls
``os.getppid()`` instead.

PDEATHSIG fires when the *thread* that forked exits; ftprep forks from its main thread only.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

_PR_SET_PDEATHSIG = 1
_installed = False


def _arm_pdeathsig() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return False
    return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0


def die_with_parent(parent_pid: int) -> None:
    """Make the calling (child) process end when ``parent_pid``, its parent, dies; end now if it already has."""
    armed = _arm_pdeathsig()
    if os.getppid() != parent_pid:
        os._exit(1)
    if not armed:

        def watch() -> None:
            while os.getppid() == parent_pid:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def install() -> None:
    """Arm :func:`die_with_parent` in every child this process forks from now on (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    parent = {"pid": os.getpid()}

    def before_fork() -> None:
        parent["pid"] = os.getpid()

    os.register_at_fork(before=before_fork, after_in_child=lambda: die_with_parent(parent["pid"]))


@contextlib.contextmanager
def loky_workers_die_with_parent() -> Iterator[None]:
    """Inside the block, joblib's loky workers (started by fork+exec) die with this process too."""
    import joblib  # lazy: only classification evidence runs joblib, and importing it costs ~0.3 s

    with joblib.parallel_config(backend="loky", initializer=die_with_parent, initargs=(os.getpid(),)):
        yield
