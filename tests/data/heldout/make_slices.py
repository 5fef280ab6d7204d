"""Cut the held-out half's slices (tests/data/heldout/) from the public repositories listed in tests/data/SOURCE.md.

    python tests/data/heldout/make_slices.py SRC_DIR

SRC_DIR holds the original files, named as in FILES below (copied out of each repository at the commit given in
SOURCE.md). Texts are unchanged unless said; every sample is seeded (random.Random(7)); output is JSON Lines,
``ensure_ascii=False``.
"""

from __future__ import annotations

import csv
import json
import random
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent
SEED = 7


def _write(name: str, rows: list[dict]) -> None:
    (OUT / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(name, len(rows), (OUT / name).stat().st_size)


def _sample(rows: list, n: int) -> list:
    """n rows drawn with the seed, kept in file order."""
    keep = sorted(random.Random(SEED).sample(range(len(rows)), min(n, len(rows))))
    return [rows[i] for i in keep]


def atis(src: Path) -> None:
    """yvchen/JointSLU data/atis.train.w-intent.iob: 'BOS words EOS<TAB>O tags... intent'."""
    rows = []
    for line in (src / "atis.train.w-intent.iob").read_text(encoding="utf-8").splitlines():
        words, tags = line.split("\t")
        rows.append({"text": " ".join(words.split()[1:-1]), "intent": tags.split()[-1]})
    _write("atis_3000.jsonl", _sample(rows, 3000))


def trec(src: Path) -> None:
    """tmadhuri/TREC-HindiData train_5500.label (Li & Roth's English TREC train set): 'COARSE:fine question'."""
    rows = []
    for line in (src / "train_5500.label").read_bytes().decode("latin-1").split("\n"):
        if not line.strip():
            continue
        label, text = line.rstrip("\r").split(" ", 1)
        coarse, fine = label.split(":", 1)
        rows.append({"text": text, "coarse": coarse, "fine": fine})
    _write("trec_3000.jsonl", _sample(rows, 3000))


def movie_review(src: Path) -> None:
    """yoonkim/CNN_sentence rt-polarity.neg/.pos (Pang & Lee sentence polarity v1.0), Latin-1 decoded, split on
    newlines only (a few snippets hold other line-break characters)."""
    out = []
    for label in ("neg", "pos"):
        lines = (src / f"rt-polarity.{label}").read_bytes().decode("latin-1").split("\n")[:-1]  # ends on a newline
        out += [{"text": t.strip(), "label": {"neg": "negative", "pos": "positive"}[label]} for t in _sample(lines, 1000)]
    _write("movie_review_2000.jsonl", out)


def breaking_nli(src: Path) -> None:
    """BIU-NLP/Breaking_NLI breaking_nli_dataset.zip data/dataset.jsonl."""
    with zipfile.ZipFile(src / "breaking_nli_dataset.zip") as z:
        rows = [json.loads(l) for l in z.read("data/dataset.jsonl").decode("utf-8").splitlines()]
    keep = ("pairID", "sentence1", "sentence2", "gold_label", "category")
    _write("breaking_nli_2000.jsonl", [{k: r[k] for k in keep} for r in _sample(rows, 2000)])


def xstest(src: Path) -> None:
    """paul-rottger/exaggerated-safety: xstest_prompts.csv (label safe/unsafe) joined by id with GPT-4's completions
    and their labels (evaluation/automated_evaluation_labels/xstest_v2_completions_gpt4_gpteval.csv)."""
    with open(src / "xstest_prompts.csv", newline="", encoding="utf-8") as fh:
        prompts = {"v2-" + r["id"]: r for r in csv.DictReader(fh)}  # the completions' ids are "v2-N"
    with open(src / "xstest_v2_completions_gpt4_gpteval.csv", newline="", encoding="utf-8") as fh:
        gpt4 = list(csv.DictReader(fh))
    _write("xstest_gpt4_450.jsonl", [{"id": r["id"], "type": r["type"], "label": prompts[r["id"]]["label"],
                                      "prompt": r["prompt"], "completion": r["completion"],
                                      "completion_label": r["final_label"]} for r in gpt4])


def mbpp(src: Path) -> None:
    """MBPP (mbpp.jsonl, as copied in muitiiifruckt/ASE): text and code, test lists dropped."""
    rows = [json.loads(l) for l in (src / "mbpp.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    _write("mbpp_974.jsonl", [{"task_id": r["task_id"], "text": r["text"], "code": r["code"]} for r in rows])


def svamp(src: Path) -> None:
    rows = json.loads((src / "SVAMP.json").read_text(encoding="utf-8"))
    _write("svamp_1000.jsonl", rows)


def seal_tools(src: Path) -> None:
    """fairyshine/Seal-Tools Seal-Tools_Dataset/dev.jsonl, each row with the schemas of the tools it calls (from
    tool.jsonl); the 28 rows whose calls take another call's output ('API_call_0') as an argument are left out."""
    tools = {t["api_name"]: t for t in map(json.loads, (src / "tool.jsonl").read_text(encoding="utf-8").splitlines())}
    out = []
    for r in map(json.loads, (src / "dev.jsonl").read_text(encoding="utf-8").splitlines()):
        if any(isinstance(v, str) and "API_call_" in v for c in r["calling"] for v in c["parameters"].values()):
            continue
        names = list(dict.fromkeys(c["api"] for c in r["calling"]))
        out.append({"id": r["id"], "query": r["query"],
                    "calling": [{"api": c["api"], "parameters": c["parameters"]} for c in r["calling"]],
                    "tools": [{k: tools[n][k] for k in ("api_name", "api_description", "parameters", "required")}
                              for n in names]})
    _write("seal_tools_dev_500.jsonl", _sample(out, 500))


def topical_chat(src: Path) -> None:
    """alexa/Topical-Chat conversations/valid_freq.json: 250 conversations, each its turns' agent and message."""
    convs = json.loads((src / "valid_freq.json").read_text(encoding="utf-8"))
    rows = [{"conversation_id": k, "turns": [{"agent": t["agent"], "message": t["message"]} for t in v["content"]]}
            for k, v in convs.items()]
    _write("topical_chat_250.jsonl", _sample(rows, 250))


def sim_m(src: Path) -> None:
    """google-research-datasets/simulated-dialogue sim-M/train.json: each turn's system and user text."""
    rows = json.loads((src / "sim-M_train.json").read_text(encoding="utf-8"))
    _write("sim_m_384.jsonl", [{"dialogue_id": d["dialogue_id"],
                                "turns": [{"system": t.get("system_utterance", {}).get("text", ""),
                                           "user": t["user_utterance"]["text"]} for t in d["turns"]]} for d in rows])


def self_instruct(src: Path) -> None:
    """yizhongw/self-instruct: human_eval/user_oriented_instructions.jsonl (252 expert-written tasks, first
    instance) with text-davinci-003's answer (human_eval/predictions/). The 175 seed tasks are left out: Stanford
    Alpaca ships them too, and the project's shared data holds that copy."""
    preds = {}
    for model in ("text-davinci-003",):
        for r in map(json.loads, (src / f"{model}_predictions.jsonl").read_text(encoding="utf-8").splitlines()):
            preds.setdefault((r["instruction"].strip(), r["input"].strip()), {})[model] = r["response"]
    out = []
    for r in map(json.loads, (src / "user_oriented_instructions.jsonl").read_text(encoding="utf-8").splitlines()):
        inst = r["instances"][0]
        p = preds.get((r["instruction"].strip(), inst["input"].strip()), {})
        out.append({"id": r["id"], "instruction": r["instruction"], "input": inst["input"], "output": inst["output"],
                    "text_davinci_003": p.get("text-davinci-003")})
    _write("self_instruct_252.jsonl", out)


if __name__ == "__main__":
    source = Path(sys.argv[1])
    for cut in (atis, trec, movie_review, breaking_nli, xstest, mbpp, svamp, seal_tools, topical_chat, sim_m,
                self_instruct):
        cut(source)
