"""One complete, self-consistent output set written through an OutputTransaction (the kill tests run it as a
subprocess; the other tests call :func:`write_set`).

usage: python txn_driver.py OUT SEED [--inside] [--no-exchange]
The set: train/val/test.jsonl with SEED-dependent rows, rejected.jsonl, report.json (its split counts),
report.md, report.html and manifest.json (every file's sha256); SEED 1 adds suspect_labels.jsonl, as a
classification run would.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from pipeline.core import outdir


def write_set(out: Path, seed: int, inside: bool | None = None) -> None:
    sizes = {"train": 8 + seed, "val": 2, "test": 2 + seed % 2}
    files = {f"{split}.jsonl": "".join(json.dumps({"id": f"{seed}-{split}-{i}"}) + "\n" for i in range(n))
             for split, n in sizes.items()}
    files["rejected.jsonl"] = json.dumps({"reason": "x", "seed": seed}) + "\n"
    if seed == 1:
        files["suspect_labels.jsonl"] = "{}\n"
    files.update({"report.json": json.dumps({"counts": {"splits": sizes}}), "report.md": f"# {seed}\n",
                  "report.html": f"<p>{seed}</p>\n"})
    files["manifest.json"] = json.dumps({"outputs": {name: {"sha256": hashlib.sha256(text.encode()).hexdigest()}
                                                     for name, text in files.items()}})
    with outdir.OutputTransaction(out, overwrite=True, inside=inside) as txn:
        for name, text in files.items():
            (txn.path / name).write_text(text)
        txn.commit()


if __name__ == "__main__":
    if "--no-exchange" in sys.argv:
        outdir.exchange = lambda a, b: False
    write_set(Path(sys.argv[1]), int(sys.argv[2]), inside=True if "--inside" in sys.argv else None)
