"""Worker processes die with the ftprep process that forked them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

CHILD_OF_A_DEAD_PARENT = """
import os, time
from pipeline.core import workers
workers.install()
pid = os.fork()
if pid == 0:
    time.sleep(60)
    os._exit(0)
print(pid, flush=True)
os._exit(0)  # the parent ends at once: its child must not sleep on
"""


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_child_forked_after_install_dies_with_its_parent():
    """A process forked after workers.install() is killed by the kernel when its parent ends (PR_SET_PDEATHSIG)."""
    result = subprocess.run([sys.executable, "-c", CHILD_OF_A_DEAD_PARENT], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=30)
    child = int(result.stdout.split()[0])
    deadline = time.time() + 5
    while _alive(child) and time.time() < deadline:
        time.sleep(0.05)
    if _alive(child):
        os.kill(child, 9)
        raise AssertionError("the child outlived its parent")
