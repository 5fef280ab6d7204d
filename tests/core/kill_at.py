"""Run a Python module or script and SIGKILL it just before its n-th file-system change under ROOT.

usage: python kill_at.py ROOT N EVENTS_FILE -- (-m MODULE | SCRIPT) ARGS...
N = 0 only counts: every change is appended to EVENTS_FILE as it happens ("<n> <event> <path>").
"""

import os
import runpy
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faults import fs_change  # noqa: E402

root, fail_at, events_file = os.path.abspath(sys.argv[1]), int(sys.argv[2]), os.path.abspath(sys.argv[3])
target = sys.argv[sys.argv.index("--") + 1:]
log = open(events_file, "a", buffering=1, encoding="utf-8")
count = 0


def hook(event: str, args: tuple) -> None:
    global count
    path = fs_change(event, args)
    if path is None or path == events_file or not os.path.abspath(path).startswith(root):
        return
    count += 1
    log.write(f"{count} {event} {path}\n")
    if count == fail_at:
        os.kill(os.getpid(), signal.SIGKILL)


sys.addaudithook(hook)
if target[0] == "-m":
    sys.argv = [target[1], *target[2:]]
    runpy.run_module(target[1], run_name="__main__", alter_sys=True)
else:
    sys.argv = target
    runpy.run_path(target[0], run_name="__main__")
