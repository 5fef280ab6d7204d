"""The Ray driver's own memory as the input grows: peak RSS of the `ftprep run --engine ray` process per N.

    python benchmarks/ray_driver_bench.py INPUT.jsonl --ns 50000,200000 --out DIR [--ray-cpus 2] [--ray-address ADDR]

For each N the first N lines of INPUT are written to DIR/input-N.jsonl and `ftprep run ... --engine ray` runs on
them in its own process under `nice`; that process reports its own peak resident set (``ru_maxrss`` of
RUSAGE_SELF, read at exit: the driver only, not Ray's raylet, object store or workers). Without --ray-address a
local Ray starts with --ray-cpus CPUs. Prints one Markdown table row per N, with the growth over the first N.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

# runs the CLI in this very process, then writes its peak RSS (KiB on Linux) where argv[1] says
_DRIVER = """
import atexit, resource, sys
path = sys.argv.pop(1)
atexit.register(lambda: open(path, "w").write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))
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
    print("| rows | wall s | driver peak RSS MiB | growth | exit | load avg at end |\n|---|---|---|---|---|---|")
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
        mib = int(rss_file.read_text()) / 1024
        first = first or mib
        print(f"| {n} | {seconds:.1f} | {mib:.0f} | {100 * (mib / first - 1):+.1f}% | {code} | {os.getloadavg()[0]:.1f} |",
              flush=True)


if __name__ == "__main__":
    main()
