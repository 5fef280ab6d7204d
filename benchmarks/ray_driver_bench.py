"""The Ray driver's own memory as the input grows: peak RSS of the `ftprep run --engine ray` process per N.

    python benchmarks/ray_driver_bench.py INPUT.jsonl --ns 50000,200000 --out DIR [--ray-cpus 2] [--ray-address ADDR]

For each N the first N lines of INPUT are written to DIR/input-N.jsonl and `ftprep run ... --engine ray` runs on
them in its own process under `nice`; that process reports its own peak resident set (``ru_maxrss`` of
RUSAGE_SELF, read at exit: the driver only, not Ray's raylet, object store or workers), and a thread books its
VmRSS every 0.2 s to the stage running then. Without --ray-address a local Ray starts with --ray-cpus CPUs. Prints
one Markdown table row per N, with the growth over the first N and the peak of each stage.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

# runs the CLI in this very process, then writes its peak RSS (KiB on Linux) and the peak of each stage where
# argv[1] says; a thread reads the process's own VmRSS every 0.2 s and books it to the stage running then
_DRIVER = """
import atexit, contextlib, json, resource, sys, threading, time
from pipeline.core.progress import Progress
path = sys.argv.pop(1)
current, peaks = ["start-up"], {}
def sample():
    while True:
        rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS"))
        peaks[current[0]] = max(peaks.get(current[0], 0), rss)
        time.sleep(0.2)
threading.Thread(target=sample, daemon=True).start()
stage = Progress.stage
@contextlib.contextmanager
def booked(self, name, *args, **kwargs):
    current[0] = name
    with stage(self, name, *args, **kwargs):
        yield
    current[0] = "between"
Progress.stage = booked
def done():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    open(path, "w").write(json.dumps({"peak": peak, "stages": peaks}))
atexit.register(done)
from pipeline.cli import main
sys.argv[0] = "ftprep"
main()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--ns", default="50000,200000", help="comma-separated row counts")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--ray-cpus", type=int, default=2)
    parser.add_argument("--ray-address")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print("| rows | wall s | driver peak RSS MiB | growth | exit | load avg at end | peak RSS MiB per stage |\n"
          "|---|---|---|---|---|---|---|")
    first = None
    for n in [int(x) for x in args.ns.split(",")]:
        source = args.out / f"input-{n}.jsonl"
        if not source.exists():
            with open(args.input, encoding="utf-8") as f, open(source, "w", encoding="utf-8") as out:
                out.writelines(itertools.islice(f, n))
        rss_file = args.out / f"rss-{n}.txt"
        where = ["--ray-address", args.ray_address] if args.ray_address else ["--num-proc", str(args.ray_cpus)]
        command = [sys.executable, "-c", _DRIVER, str(rss_file), "run", str(source), "--out", str(args.out / f"out-{n}"),
                   "--overwrite", "--quiet", "--engine", "ray", *where]
        start = time.perf_counter()
        code = subprocess.run(["nice", "-n", "10", *command], check=False).returncode
        seconds = time.perf_counter() - start
        measured = json.loads(rss_file.read_text())
        mib = measured["peak"] / 1024
        first = first or mib
        stages = ", ".join(f"{name} {kib / 1024:.0f}" for name, kib in measured["stages"].items())
        print(f"| {n} | {seconds:.1f} | {mib:.0f} | {100 * (mib / first - 1):+.1f}% | {code} | {os.getloadavg()[0]:.1f} "
              f"| {stages} |", flush=True)


if __name__ == "__main__":
    main()
