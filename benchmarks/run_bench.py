"""End-to-end benchmark: ``ftprep run`` on N realistic examples against a straightforward baseline, in one run.

The corpus comes from :mod:`scale_corpus` (~100 words an example; exact and near duplicates, mojibake, PII, a few
languages, malformed rows), written once per ``(n, seed)`` and reused. Then, one after the other:

1. ``ftprep run CORPUS --timings`` in a subprocess (defaults, plus ``--ftprep-args``): wall time, examples/s,
   each stage's seconds and rows/s (from report.json's ``timings``), and peak memory: the ftprep process's own
   peak RSS (VmHWM) and the peak PSS summed over it and its worker processes (sampled every 0.5 s; PSS counts a
   page shared by forked workers once).
2. The baseline, in a subprocess: pandas ``read_json(lines=True)``, then per row ``ftfy.fix_text`` and
   ``langdetect.detect``, datasketch's naive MinHash loop (one ``update`` per word 5-gram, ``MinHashLSH`` query
   then insert, threshold 0.8, 128 permutations), a seeded random 80/10/10 split and JSON Lines outputs.
   It runs on the first ``--baseline-n`` rows (default: all of them up to 20,000): it does the same work for
   every row, so its examples/s holds at any N, and at 1M it would take hours.

Prints examples/s of both, the ratio, each stage's time, peak memory and the load average before and after
(the machine is shared: quote the ratio, measured in the same run). ``--json FILE`` also writes the figures.

    PYTHONPATH=. python benchmarks/run_bench.py --n 100000
    PYTHONPATH=. python benchmarks/run_bench.py --n 1000000 --ftprep-args="--languages en"
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shlex
import subprocess
import sys
import threading
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from public_data import add_data_option  # noqa: E402
from scale_corpus import corpus_path  # noqa: E402

_REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="examples in the corpus")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "ftprep-bench",
                        help="where corpora are cached  [default: ftprep-bench in the system's temporary folder]")
    add_data_option(parser)
    parser.add_argument("--out", type=Path, default=None, help="ftprep's output folder  [default: DATA_DIR/out-N]")
    parser.add_argument("--ftprep-args", default="", help="more flags for ftprep run, e.g. '--languages en'")
    parser.add_argument("--baseline-n", type=int, default=20_000, help="rows the baseline runs on (0: skip it)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    corpus = corpus_path(args.data_dir, args.n, args.seed, args.data)
    out = args.out or args.data_dir / f"out-{args.n}"
    figures: dict[str, object] = {"n": args.n, "corpus": str(corpus), "load_before": os.getloadavg()}
    figures["ftprep"] = run_ftprep(corpus, out, shlex.split(args.ftprep_args))
    if args.baseline_n:
        figures["baseline"] = run_baseline(corpus, min(args.baseline_n, args.n), args.data_dir / "baseline-out")
        figures["ratio"] = figures["ftprep"]["examples_per_s"] / figures["baseline"]["examples_per_s"]
    figures["load_after"] = os.getloadavg()
    print_figures(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


def run_ftprep(corpus: Path, out: Path, extra: list[str]) -> dict[str, object]:
    """``ftprep run`` in a subprocess, with its wall time, timings and peak memory."""
    command = [sys.executable, "-m", "pipeline", "run", str(corpus), "--out", str(out), "--overwrite", "--quiet",
               "--timings", *extra]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_REPO), os.environ.get("PYTHONPATH")]))}
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, cwd=_REPO)
    memory = _MemorySampler(proc.pid)
    memory.start()
    rc = proc.wait()
    wall = time.perf_counter() - start
    memory.stop()
    if rc not in (0, 1):  # 1: the data did not pass the gate, which is an answer, not a failure
        raise SystemExit(f"ftprep run exited {rc}: {shlex.join(command)}")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {"command": shlex.join(["ftprep", *command[3:]]), "exit_code": rc, "wall_s": wall,
            "examples_per_s": report["counts"]["input"] / wall, "peak_rss_mib": memory.peak_rss_mib,
            "peak_tree_pss_mib": memory.peak_pss_mib, "timings": report["timings"], "verdict": report["verdict"],
            "kept": report["counts"]["kept"], "rejected": report["counts"]["rejected"]}


def run_baseline(corpus: Path, n: int, out: Path) -> dict[str, object]:
    """The baseline (:func:`baseline`) on the first ``n`` rows, in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--_baseline", str(corpus), str(n), str(out)], check=True,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    inner = json.loads(done.stdout.strip().splitlines()[-1])
    return {"rows": n, "wall_s": wall, "examples_per_s": n / wall, **inner}


def baseline(corpus: Path, n: int, out: Path) -> dict[str, object]:
    """What one would write first: pandas, per-row ftfy and langdetect, datasketch's naive loop, a random split."""
    import ftfy
    import pandas as pd
    from datasketch import MinHash, MinHashLSH
    from langdetect import DetectorFactory, detect

    DetectorFactory.seed = 0
    start = time.perf_counter()
    lines = []
    with corpus.open(encoding="utf-8") as fh:
        for _, line in zip(range(n), fh):
            try:
                json.loads(line)
                lines.append(line)
            except ValueError:
                pass  # a malformed row: dropped
    frame = pd.read_json(io.StringIO("".join(lines)), lines=True, dtype=False)
    frame = frame[frame["text"].apply(lambda t: isinstance(t, str) and t.strip() != "") & frame["label"].notna()]
    frame["text"] = frame["text"].apply(ftfy.fix_text)

    def language(text: str) -> str:
        try:
            return detect(text)
        except Exception:  # langdetect raises on text without letters
            return "unknown"

    frame["lang"] = frame["text"].apply(language)
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    keep = []
    for i, text in enumerate(frame["text"]):
        words = text.lower().split()
        signature = MinHash(num_perm=128)
        for j in range(max(1, len(words) - 4)):
            signature.update(" ".join(words[j:j + 5]).encode("utf-8"))
        duplicate = bool(lsh.query(signature))
        if not duplicate:
            lsh.insert(str(i), signature)
        keep.append(not duplicate)
    frame = frame[keep].sample(frac=1.0, random_state=42)
    cut = [int(len(frame) * 0.8), int(len(frame) * 0.9)]
    out.mkdir(parents=True, exist_ok=True)
    for name, part in zip(("train", "val", "test"), (frame[:cut[0]], frame[cut[0]:cut[1]], frame[cut[1]:])):
        part.to_json(out / f"{name}.jsonl", orient="records", lines=True, force_ascii=False)
    return {"inner_s": time.perf_counter() - start, "kept": len(frame)}


class _MemorySampler:
    """Peak RSS of one process (VmHWM, read at its end) and peak PSS summed over it and its children."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_pss_mib = 0
        self.peak_rss_mib = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.wait(0.5):
            self.peak_pss_mib = max(self.peak_pss_mib, sum(_kib(p, "smaps_rollup", "Pss:") for p in _tree(self.pid)) // 1024)
            self.peak_rss_mib = max(self.peak_rss_mib, _kib(self.pid, "status", "VmHWM:") // 1024)


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                todo += [int(c) for c in Path(f"/proc/{p}/task/{task}/children").read_text().split()]
        except OSError:
            pass
    return pids


def _kib(pid: int, name: str, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def print_figures(figures: dict[str, object]) -> None:
    ft = figures["ftprep"]
    print(f"corpus: {figures['corpus']} ({figures['n']:,} examples)")
    print(f"load average before {figures['load_before'][0]:.2f}, after {figures['load_after'][0]:.2f} (1 min)")
    print(f"ftprep: {ft['wall_s']:.1f} s wall, {ft['examples_per_s']:,.0f} examples/s, peak RSS {ft['peak_rss_mib']:,} MiB"
          f" (ftprep process), peak PSS {ft['peak_tree_pss_mib']:,} MiB (with its workers); verdict {ft['verdict']}")
    print(f"  {ft['command']}")
    print(f"  {'stage':<14} {'seconds':>8} {'rows/s':>10}")
    for name, t in ft["timings"]["stages"].items():
        rate = f"{t['rows_per_s']:,.0f}" if t["rows_per_s"] is not None else ""
        print(f"  {name:<14} {t['seconds']:>8.1f} {rate:>10}")
    print(f"  {'(write etc.)':<14} {ft['wall_s'] - ft['timings']['total_seconds']:>8.1f}")
    if "baseline" in figures:
        base = figures["baseline"]
        print(f"baseline: {base['rows']:,} rows in {base['wall_s']:.1f} s, {base['examples_per_s']:,.0f} examples/s")
        print(f"ratio ftprep / baseline: {figures['ratio']:.1f}x")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--_baseline":
        print(json.dumps(baseline(Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))))
    else:
        main()
