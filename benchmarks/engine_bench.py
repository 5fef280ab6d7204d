"""Local engine vs Ray engine on the same input: wall time of each `ftprep run`, and whether they wrote the same.

    python benchmarks/engine_bench.py INPUT --out DIR [--ray-cpus 2] [--take N]

Runs `ftprep run INPUT --engine local`, then `--engine ray` (a local Ray started with --ray-cpus CPUs), each in
its own process under `nice`, and compares every output file byte by byte. With --take N only the first N lines of
a JSON Lines INPUT are used (written to DIR/input.jsonl). Prints one Markdown table row per engine.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--ray-cpus", type=int, default=2)
    parser.add_argument("--take", type=int)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    source = Path(args.input)
    if args.take:
        source = args.out / "input.jsonl"
        with open(args.input, encoding="utf-8") as f, open(source, "w", encoding="utf-8") as out:
            out.writelines(itertools.islice(f, args.take))
    rows = sum(1 for _ in open(source, encoding="utf-8"))
    timings = {}
    for engine in ("local", "ray"):
        command = [sys.executable, "-m", "pipeline", "run", str(source), "--out", str(args.out / engine), "--overwrite",
                   "--quiet", "--engine", engine, *(["--num-proc", str(args.ray_cpus)] if engine == "ray" else [])]
        start = time.perf_counter()
        code = subprocess.run(["nice", "-n", "10", *command], check=False).returncode
        timings[engine] = (time.perf_counter() - start, code)
    names = sorted(p.name for p in (args.out / "local").iterdir() if p.is_file() and p.name != "manifest.json")
    different = [n for n in names if (args.out / "local" / n).read_bytes() != (args.out / "ray" / n).read_bytes()]
    print(f"| engine | rows | wall s | rows/s | exit | load avg at end |\n|---|---|---|---|---|---|")
    for engine, (seconds, code) in timings.items():
        print(f"| {engine} | {rows} | {seconds:.1f} | {rows / seconds:.0f} | {code} | {os.getloadavg()[0]:.1f} |")
    print("same outputs (all files but manifest.json, which records --num-proc):", "yes" if not different else different)


if __name__ == "__main__":
    main()
