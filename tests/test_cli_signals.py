"""A run stopped from outside (Ctrl-C, SIGTERM) or started under a memory limit: its own exit code and one line,
no staging folder or lock left behind. Real processes, real signals, a real ``ulimit -v``."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT


def _tiny(folder: Path) -> Path:
    path = folder / "tiny.csv"
    lines = (DATA / "banking77_slice.csv").read_text(encoding="utf-8").splitlines(keepends=True)[:41]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _start(tmp_path: Path, preexec=None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}

    def child_setup() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a background parent may have ignored it; a terminal does not
        if preexec:
            preexec()

    return subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(_tiny(tmp_path)), "--out",
                             str(tmp_path / "out"), "--quiet"], env=env, cwd=tmp_path, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=child_setup)


def _leftovers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code", "said"), [(signal.SIGINT, 130, "interrupted"),
                                                      (signal.SIGTERM, 143, "terminated")])
def test_a_signal_mid_run_exits_with_its_code_and_cleans_up(tmp_path, signum, code, said):
    """Once the run is writing (its staging folder exists): SIGINT exits 130, SIGTERM 143 (not 1, the "not ready"
    code, and not the bare default kill), saying so on one line; no --out, staging folder or lock is left."""
    process = _start(tmp_path)
    deadline = time.monotonic() + 120
    while not any(name.startswith(".out.ftprep-staging") for name in _leftovers(tmp_path)):
        assert process.poll() is None and time.monotonic() < deadline, "the run ended before it staged anything"
        time.sleep(0.05)
    time.sleep(1.0)  # into the stages
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr
    assert stderr.strip().splitlines() == [said]
    assert _leftovers(tmp_path) == [] and not (tmp_path / "out").exists()


def test_a_run_under_a_too_small_memory_limit_says_so(tmp_path):
    """Under ulimit -v 2000000 (KiB) a native library would abort the run (exit 134, no message, staging and lock
    left behind): it is refused up front with exit 2 and one line naming the limit."""
    limit = 2_000_000 * 1024
    process = _start(tmp_path, lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1])))
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stderr
    assert len(stderr.strip().splitlines()) == 1 and "ulimit -v" in stderr and "1,953 MiB" in stderr
    assert _leftovers(tmp_path) == [] and not (tmp_path / "out").exists()
