"""Real classification sets and seeded traps for calibrating the classification checks (label_shortcuts,
label_leakage, label_noise). Sources: the public data folder (benchmarks/README.md) and bare git clones of
cardiffnlp/tweeteval, clinc/oos-eval and xliuhw/NLU-Evaluation-Data (read with git), in ``$FTPREP_MIRRORS`` as
``owner+name/repo`` (default: ``.mirror`` beside the repository's folder).

``python benchmarks/classification_sets.py`` writes each set as JSON Lines ``{text, label}`` into ``cal/`` in the
system's temporary folder.
Roles follow benchmarks/readiness_sources.md: ``TUNE`` sets may set thresholds; ``CHECK`` sets are held-out
sources, measured only to see whether a rule generalises.
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from public_data import REPO, default_data

SHARED = default_data() or Path("data")
MIRRORS = Path(os.environ.get("FTPREP_MIRRORS", REPO.parent / ".mirror"))
TWEETEVAL = str(MIRRORS / "cardiffnlp+tweeteval" / "repo")
CLINC = str(MIRRORS / "clinc+oos-eval" / "repo")
HWU = str(MIRRORS / "xliuhw+NLU-Evaluation-Data" / "repo")
HWU_TRAIN = "CrossValidation/autoGeneFromRealAnno/autoGene_2018_03_22-13_01_25_169/CrossValidation/KFold_1/trainset"
OUT = Path(tempfile.gettempdir()) / "cal"


def _git(path: str, repo: str = TWEETEVAL) -> list[str]:
    text = subprocess.run(["git", "--git-dir", repo, "show", f"HEAD:{path}"], check=True,
                          capture_output=True, text=True).stdout
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")


def tweeteval(task: str, part: str = "train") -> tuple[list[str], list[str]]:
    names = [line.split("\t")[-1].strip() if "\t" in line else line.split(" ", 1)[-1].strip()
             for line in _git(f"datasets/{task}/mapping.txt") if line.strip()]
    texts = _git(f"datasets/{task}/{part}_text.txt")
    labels = [names[int(x)] for x in _git(f"datasets/{task}/{part}_labels.txt") if x.strip()]
    return [t.strip() for t in texts[: len(labels)]], labels


def clinc150(part: str = "train") -> tuple[list[str], list[str]]:
    rows = json.loads("\n".join(_git("data/data_full.json", CLINC)))[part]
    return [r[0] for r in rows], [r[1] for r in rows]


def hwu64() -> tuple[list[str], list[str]]:
    files = subprocess.run(["git", "--git-dir", HWU, "ls-tree", "--name-only", f"HEAD:{HWU_TRAIN}"], check=True,
                           capture_output=True, text=True).stdout.split()
    texts, labels = [], []
    for name in sorted(files):
        for row in csv.DictReader(_git(f"{HWU_TRAIN}/{name}", HWU), delimiter=";"):
            texts.append(row["answer_from_user"] or row["answer_from_anno"])
            labels.append(f"{row['scenario']}_{row['intent']}")
    return texts, labels


def banking77(part: str = "train") -> tuple[list[str], list[str]]:
    with open(SHARED / "banking77" / f"{part}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def sms() -> tuple[list[str], list[str]]:
    lines = (SHARED / "sms_spam" / "SMSSpamCollection").read_text(encoding="utf-8").splitlines()[1:]
    pairs = [line.split("\t", 1) for line in lines if "\t" in line]
    return [p[1] for p in pairs], [p[0] for p in pairs]


def mrpc() -> tuple[list[str], list[str]]:
    lines = (SHARED / "mrpc" / "msr_paraphrase_train.txt").read_text(encoding="utf-8-sig").splitlines()[1:]
    rows = [line.split("\t") for line in lines]
    return [f"{r[3]} [SEP] {r[4]}" for r in rows], [r[0] for r in rows]


def language_detection() -> tuple[list[str], list[str]]:
    raw = (SHARED / "language_detection" / "Language Detection.csv").read_bytes().decode("utf-8", "replace")
    rows = list(csv.reader(raw.splitlines()))[1:]
    rows = [r for r in rows if len(r) >= 2 and r[1].strip() and r[0].strip()]
    return [r[0] for r in rows], [r[1] for r in rows]


TUNE = {
    "banking77": banking77,
    "sms_spam": sms,
    "mrpc": mrpc,
    "language_detection": language_detection,
    "clinc150": clinc150,
    "hwu64": hwu64,
    "tweet_hate": lambda: tweeteval("hate"),
    "tweet_sentiment": lambda: tweeteval("sentiment", "test"),
    "tweet_offensive": lambda: tweeteval("offensive"),  # OffensEval 2019: a new source, added to the tune half
}
# Sources of the readiness corpus's first held-out half (now "spent": read after its first measurement).
CHECK = {
    "tweet_irony": lambda: tweeteval("irony"),
    "tweet_emotion": lambda: tweeteval("emotion"),
}


# -- seeded traps ----------------------------------------------------------------------------------------------------

def length_trap(seed: int = 1) -> tuple[list[str], list[str]]:
    """Real banking77 texts, labelled by their length: short / medium / long (the label IS the length)."""
    texts, _ = banking77()
    rng = random.Random(seed)
    texts = rng.sample(texts, 3000)
    cuts = sorted(len(t) for t in texts)
    lo, hi = cuts[len(cuts) // 3], cuts[2 * len(cuts) // 3]
    return texts, ["short" if len(t) < lo else "medium" if len(t) < hi else "long" for t in texts]


def style_trap(seed: int = 1, labels: int = 5) -> tuple[list[str], list[str], list[str]]:
    """Five real banking77 intents, each written out by its own 'export' with its own casing and punctuation
    (the issue's case: one source file per label). Returns texts, labels and the source file of each."""
    texts, cats = banking77()
    rng = random.Random(seed)
    chosen = rng.sample(sorted(set(cats)), labels)
    styles = [lambda t: t.lower().rstrip(".?! "), lambda t: t.upper(), lambda t: t.rstrip(".?! ") + ".",
              lambda t: t.title(), lambda t: t.rstrip(".?! ") + "!!"]
    out_t, out_l, out_s = [], [], []
    for k, label in enumerate(chosen):
        for t in [t for t, c in zip(texts, cats) if c == label]:
            out_t.append(styles[k](t))
            out_l.append(label)
            out_s.append(f"{label}.csv")
    return out_t, out_l, out_s


def write_all() -> None:
    OUT.mkdir(exist_ok=True)
    for name, load in {**TUNE, **CHECK}.items():
        texts, labels = load()
        with open(OUT / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for t, l in zip(texts, labels):
                f.write(json.dumps({"text": t, "label": l}, ensure_ascii=False) + "\n")
        print(name, len(texts), file=sys.stderr)


if __name__ == "__main__":
    write_all()


def sentiment_length_trap(seed: int = 1) -> tuple[list[str], list[str]]:
    """Real tweet_eval sentiment tweets and labels, chosen so that the positives are the short tweets and the
    negatives the long ones (a collection that cut one class short)."""
    texts, labels = tweeteval("sentiment", "test")
    cut = sorted(len(t) for t in texts)[len(texts) // 2]
    rows = [(t, l) for t, l in zip(texts, labels) if (l == "positive" and len(t) < cut) or (l == "negative" and len(t) >= cut)]
    return [t for t, _ in rows], [l for _, l in rows]


def hwu64_style_trap(labels: int = 10, seed: int = 1) -> tuple[list[str], list[str], list[str]]:
    """Real HWU64 requests of ``labels`` intents, half of the intents as the users typed them ("What alarms do I
    have set right now?") and half from the annotators' lower-case, unpunctuated copy ("what alarms do i have set
    right now"), one file per intent: the style gives the file, and the file the label."""
    files = subprocess.run(["git", "--git-dir", HWU, "ls-tree", "--name-only", f"HEAD:{HWU_TRAIN}"], check=True,
                           capture_output=True, text=True).stdout.split()
    chosen = random.Random(seed).sample(sorted(files), labels)
    texts, out_labels, sources = [], [], []
    for k, name in enumerate(chosen):
        for row in csv.DictReader(_git(f"{HWU_TRAIN}/{name}", HWU), delimiter=";"):
            texts.append(row["answer_from_user"] if k % 2 == 0 else row["answer_from_anno"])
            out_labels.append(name.removesuffix(".csv"))
            sources.append(name)
    return texts, out_labels, sources
