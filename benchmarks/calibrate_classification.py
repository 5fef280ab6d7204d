"""Figures behind the label_shortcuts, label_leakage and label_noise defaults, on real sets and seeded traps.

    PYTHONPATH=. python benchmarks/calibrate_classification.py [shortcuts] [leakage] [noise]

Sets and halves: benchmarks/classification_sets.py (TUNE sets set the defaults; CHECK sets are held out).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import classification_sets as sets  # noqa: E402

from pipeline.readiness.label_leakage import label_leakage  # noqa: E402
from pipeline.readiness.label_noise import label_noise  # noqa: E402
from pipeline.readiness.label_shortcuts import label_shortcuts  # noqa: E402


def shortcuts() -> None:
    traps = {"TRAP length thirds (banking77)": sets.length_trap, "TRAP style per file (banking77)": sets.style_trap,
             "TRAP sentiment length": sets.sentiment_length_trap, "TRAP hwu64 two styles, 10": sets.hwu64_style_trap,
             "TRAP hwu64 two styles, 64": lambda: sets.hwu64_style_trap(64)}
    for name, load in {**sets.TUNE, **sets.CHECK, **traps}.items():
        texts, labels, *files = load()
        groups = label_shortcuts(texts, labels, sources=files[0] if files else None, seed=42)["groups"]
        half = "held out" if name in sets.CHECK else ""
        print(f"{name:32s} {half:8s}", {g: (v.get("skill"), v.get("label_share")) for g, v in groups.items()})


def leakage() -> None:
    for name, load in {**sets.TUNE, **sets.CHECK}.items():
        section = label_leakage(*load())
        print(f"{name:22s} tags {sorted(section['leaking_labels'])} keywords {sorted(section['keyword_labels'])}")


def flip(labels: list[str], share: float, seed: int = 0) -> list[str]:
    rng, classes = random.Random(seed), sorted(set(labels))
    return [rng.choice([c for c in classes if c != x]) if rng.random() < share else x for x in labels]


def noise() -> None:
    runs = {name: load for name, load in sets.TUNE.items() if name != "language_detection"}
    runs.update({f"banking77 {s:.0%} flipped": (lambda s=s: (lambda t, l: (t, flip(l, s)))(*sets.banking77()))
                 for s in (0.05, 0.1, 0.2, 0.4)})
    runs.update({f"sms_spam {s:.0%} flipped": (lambda s=s: (lambda t, l: (t, flip(l, s)))(*sets.sms())) for s in (0.05, 0.1)})
    runs.update(sets.CHECK)
    for name, load in runs.items():
        texts, labels = load()
        found = label_noise([str(i) for i in range(len(texts))], texts, labels, seed=42)
        section = found.as_report()
        print(f"{name:24s} rate {found.estimated_rate:.3f} skill {found.skill:.2f} "
              f"suspect_label_quality {found.suspect_label_quality} confirmed_rate {section.get('confirmed_rate')} "
              f"agreement {section.get('agreement')}")


if __name__ == "__main__":
    for step in sys.argv[1:] or ["shortcuts", "leakage", "noise"]:
        globals()[step]()
