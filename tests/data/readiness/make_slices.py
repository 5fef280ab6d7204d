"""How the slices in this folder were cut (kept for the record; the tests and the corpus never run it).

Each slice comes from a public GitHub repository at a fixed commit, read from a bare clone of it
(``git --git-dir=CLONE show COMMIT:PATH``). Rows are chosen deterministically (file order or ``random.Random(7)``)
and texts are unchanged; only the container changes (JSON Lines with the original field names, or the fields
named below). See ``tests/data/SOURCE.md`` for the licence of each, and ``benchmarks/readiness_sources.md`` for
the half (tune / held_out) each source belongs to.

    python tests/data/readiness/make_slices.py MIRROR_DIR

where MIRROR_DIR holds one bare clone per repository, named ``owner+name`` (``owner+name/repo`` inside).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent
SEED = 7

COMMITS = {
    "clinc/oos-eval": "828f8093932c8fe6ca7936c3d2e52903b1c523de",
    "xliuhw/NLU-Evaluation-Data": "f6071b496b17d71e6eb43f543af0707f4ff30557",
    "cardiffnlp/tweeteval": "4fbd22cd78421f05b1ecdb4fc5725bc7a7bd8f66",
    "t-davidson/hate-speech-and-offensive-language": "cb50f7e9eb855a99abc51423bf40df0e26d6fe30",
    "openai/grade-school-math": "3101c7d5072418e28b9008a6636bde82a006892c",
    "sahil280114/codealpaca": "2f78ddc5c682ed6738ad092bbbfa59ba915afcb0",
    "anthropics/hh-rlhf": "354e5c3cb8960630860dd5774a6ac2a58313bf4d",
    "sonos/nlu-benchmark": "b86ac7f1577868c42158d0dec77db50956046696",
    "mhjabreel/CharCnn_Keras": "555590db4219b1243abb1918effd6a7425a2d75f",
    "kkalouli/SICK-processing": "0848f4aec60870122a4ca18de08ba0e25f6f9a75",
    "deepmind/AQuA": "26b64ed1f22208c6742f47df547dfd65088ec30d",
    "teknium1/GPTeacher": "481075123c29854bddb82655badeef6a438f2436",
    "ShishirPatil/gorilla": "6ea57973c7a6097fd7c5915698c54c17c5b1b6c8",
    "google-research-datasets/dstc8-schema-guided-dialogue": "e852981ae34990f4358979625854259302feaa78",
    "tatsu-lab/alpaca_eval": "cd543a149df89434d8a54582c0151c0b945c3d20",
}


def show(mirror: Path, repo: str, path: str) -> bytes:
    git_dir = mirror / repo.replace("/", "+") / "repo"
    if (git_dir / ".git").is_dir():
        git_dir = git_dir / ".git"
    return subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{COMMITS[repo]}:{path}"],
                          check=True, capture_output=True).stdout


def text(mirror: Path, repo: str, path: str) -> str:
    return show(mirror, repo, path).decode("utf-8")


def write_jsonl(name: str, rows: list[dict]) -> None:
    (OUT / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{name}: {len(rows)} rows, {(OUT / name).stat().st_size / 1e3:.0f} kB")


def clinc(mirror: Path) -> None:
    """CLINC150 full train: 39 of the 150 intents (the first 36 of every 4th in name order, plus alarm, timer, apr
    and uber, one of which is among them), all 100 rows of each, file order."""
    train = json.loads(text(mirror, "clinc/oos-eval", "data/data_full.json"))["train"]
    intents = sorted({label for _, label in train})
    keep = set(intents[::4][:36]) | {"alarm", "timer", "apr", "uber"}
    write_jsonl("clinc150_40intents.jsonl", [{"text": t, "intent": l} for t, l in train if l in keep])


HWU = ("CrossValidation/autoGeneFromRealAnno/autoGene_2018_03_22-13_01_25_169/CrossValidation/KFold_1/trainset")


def hwu64(mirror: Path) -> None:
    """HWU64 (NLU-Evaluation-Data) cross-validation fold 1 train set: the first 50 rows of each of the 64 intent
    files (fewer where the file has fewer), all columns but the annotation."""
    git_dir = mirror / "xliuhw+NLU-Evaluation-Data" / "repo"
    names = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "--name-only",
                            COMMITS["xliuhw/NLU-Evaluation-Data"], HWU + "/"],
                           check=True, capture_output=True, text=True).stdout.split()
    rows = []
    for name in sorted(names):
        reader = csv.DictReader(io.StringIO(text(mirror, "xliuhw/NLU-Evaluation-Data", name)), delimiter=";")
        for r in list(reader)[:50]:
            rows.append({"answerid": r["answerid"], "scenario": r["scenario"], "intent": r["intent"],
                         "answer_from_anno": r["answer_from_anno"], "answer_from_user": r["answer_from_user"]})
    write_jsonl("hwu64_fold1.jsonl", rows)


def tweeteval(mirror: Path, task: str, split: str, n: int | None) -> None:
    """TweetEval: the first n tweets of one split with their label name (mapping.txt)."""
    base = f"datasets/{task}"
    mapping = dict(line.split("\t") for line in text(mirror, "cardiffnlp/tweeteval", f"{base}/mapping.txt").splitlines())
    texts = text(mirror, "cardiffnlp/tweeteval", f"{base}/{split}_text.txt").splitlines()
    labels = text(mirror, "cardiffnlp/tweeteval", f"{base}/{split}_labels.txt").split()
    rows = [{"text": t, "label": mapping[l]} for t, l in zip(texts, labels)][:n]
    write_jsonl(f"tweeteval_{task}_{split}.jsonl", rows)


def davidson(mirror: Path) -> None:
    """Davidson et al. 2017: 3,000 tweets drawn with random.Random(7), kept in file order; class 0/1/2 named."""
    reader = list(csv.DictReader(io.StringIO(text(mirror, "t-davidson/hate-speech-and-offensive-language",
                                                  "data/labeled_data.csv"))))
    keep = sorted(random.Random(SEED).sample(range(len(reader)), 3000))
    names = {"0": "hate_speech", "1": "offensive_language", "2": "neither"}
    write_jsonl("davidson_3000.jsonl", [{"tweet": reader[i]["tweet"], "class": names[reader[i]["class"]]} for i in keep])


def gsm8k(mirror: Path) -> None:
    """GSM8K test set (all 1,319), and the Socratic answer of its first 250 problems as `socratic`."""
    test = [json.loads(l) for l in text(mirror, "openai/grade-school-math", "grade_school_math/data/test.jsonl").splitlines()]
    soc = [json.loads(l) for l in
           text(mirror, "openai/grade-school-math", "grade_school_math/data/test_socratic.jsonl").splitlines()]
    rows = []
    for i, r in enumerate(test):
        if i < 250:
            assert soc[i]["question"] == r["question"]
            r = {**r, "socratic": soc[i]["answer"]}
        rows.append(r)
    write_jsonl("gsm8k_test.jsonl", rows)


def codealpaca(mirror: Path) -> None:
    """Code Alpaca 2k, all records."""
    rows = json.loads(text(mirror, "sahil280114/codealpaca", "data/code_alpaca_2k.json"))
    write_jsonl("codealpaca_2k.jsonl", rows)


def hh(mirror: Path) -> None:
    """hh-rlhf harmless-base test: the first 450 pairs."""
    lines = gzip.decompress(show(mirror, "anthropics/hh-rlhf", "harmless-base/test.jsonl.gz")).decode("utf-8").splitlines()
    write_jsonl("hh_harmless_450.jsonl", [json.loads(l) for l in lines[:450]])


SNIPS = ("AddToPlaylist", "BookRestaurant", "GetWeather", "PlayMusic", "RateBook", "SearchCreativeWork",
         "SearchScreeningEvent")


def snips(mirror: Path) -> None:
    """SNIPS 2017 custom intents: the 300 queries of each small train file, text = the joined chunks."""
    rows = []
    for intent in SNIPS:
        data = json.loads(show(mirror, "sonos/nlu-benchmark",
                               f"2017-06-custom-intent-engines/{intent}/train_{intent}.json").decode("latin-1"))
        rows += [{"text": "".join(chunk["text"] for chunk in q["data"]), "intent": intent} for q in data[intent]]
    write_jsonl("snips7.jsonl", rows)


def ag_news(mirror: Path) -> None:
    """AG News test.csv: the first 2,000 rows (class index, title, description)."""
    reader = csv.reader(io.StringIO(text(mirror, "mhjabreel/CharCnn_Keras", "data/ag_news_csv/test.csv")))
    names = {"1": "World", "2": "Sports", "3": "Business", "4": "Sci/Tech"}
    rows = [{"title": t, "description": d, "topic": names[c]} for c, t, d in list(reader)[:2000]]
    write_jsonl("ag_news_2000.jsonl", rows)


def sick(mirror: Path) -> None:
    """SICK: the first 3,000 pairs of its TRAIN part (pair id, the two sentences, the entailment label)."""
    reader = csv.DictReader(io.StringIO(text(mirror, "kkalouli/SICK-processing", "SICK.txt")), delimiter="\t")
    rows = [{"pair_ID": r["pair_ID"], "sentence_A": r["sentence_A"], "sentence_B": r["sentence_B"],
             "entailment_label": r["entailment_label"]} for r in reader if r["SemEval_set"] == "TRAIN"][:3000]
    write_jsonl("sick_3000.jsonl", rows)


def aqua(mirror: Path) -> None:
    """AQuA-RAT dev and test (254 + 254 problems), all fields."""
    rows = [json.loads(l) for name in ("dev.json", "test.json") for l in text(mirror, "deepmind/AQuA", name).splitlines()]
    write_jsonl("aqua_508.jsonl", rows)


def gpteacher(mirror: Path) -> None:
    """GPTeacher: the first 1,500 Codegen records and the first 1,000 Roleplay records."""
    code = json.loads(text(mirror, "teknium1/GPTeacher", "Codegen/codegen-instruct.json"))
    write_jsonl("gpteacher_codegen_1500.jsonl", code[:1500])
    role = json.loads(text(mirror, "teknium1/GPTeacher", "Roleplay/roleplay-simple-deduped-roleplay-instruct.json"))
    write_jsonl("gpteacher_roleplay_1000.jsonl", role[:1000])


BFCL = "berkeley-function-call-leaderboard/bfcl_eval/data"


def bfcl(mirror: Path) -> None:
    """BFCL v4 simple_python (400) and parallel (200): question, function and ground truth joined by id."""
    rows = []
    for part in ("simple_python", "parallel"):
        questions = [json.loads(l) for l in text(mirror, "ShishirPatil/gorilla", f"{BFCL}/BFCL_v4_{part}.json").splitlines()]
        answers = {a["id"]: a["ground_truth"] for a in (json.loads(l) for l in text(
            mirror, "ShishirPatil/gorilla", f"{BFCL}/possible_answer/BFCL_v4_{part}.json").splitlines())}
        rows += [{**q, "ground_truth": answers[q["id"]]} for q in questions]
    write_jsonl("bfcl_600.jsonl", rows)


def sgd(mirror: Path) -> None:
    """Schema-Guided Dialogue dev: the first 400 dialogues of dialogues_001.json onwards, speaker and utterance
    of each turn (the annotation frames dropped)."""
    rows: list[dict] = []
    n = 1
    while len(rows) < 400:
        for d in json.loads(text(mirror, "google-research-datasets/dstc8-schema-guided-dialogue", f"dev/dialogues_{n:03d}.json")):
            rows.append({"dialogue_id": d["dialogue_id"], "services": d["services"],
                         "turns": [{"speaker": t["speaker"], "utterance": t["utterance"]} for t in d["turns"]]})
        n += 1
    write_jsonl("sgd_dev_400.jsonl", rows[:400])


def alpaca_eval(mirror: Path) -> None:
    """AlpacaEval 2 annotations of one model (FuseChat-Llama-3.2-1B-Instruct against gpt4_1106_preview): the
    first 180 of the 805 instructions with both outputs and the judge's preference (1 = output_1, 2 = output_2)."""
    data = json.loads(text(mirror, "tatsu-lab/alpaca_eval",
                           "results/FuseChat-Llama-3.2-1B-Instruct/weighted_alpaca_eval_gpt4_turbo/annotations.json"))
    keep = ("dataset", "instruction", "output_1", "generator_1", "output_2", "generator_2", "preference")
    write_jsonl("alpaca_eval_180.jsonl", [{k: r[k] for k in keep} for r in data[:180]])


def main() -> None:
    mirror = Path(sys.argv[1])
    clinc(mirror)
    hwu64(mirror)
    tweeteval(mirror, "hate", "train", 3000)
    tweeteval(mirror, "sentiment", "test", 3000)
    tweeteval(mirror, "emotion", "train", None)
    tweeteval(mirror, "irony", "train", None)
    davidson(mirror)
    gsm8k(mirror)
    codealpaca(mirror)
    hh(mirror)
    snips(mirror)
    ag_news(mirror)
    sick(mirror)
    aqua(mirror)
    gpteacher(mirror)
    bfcl(mirror)
    sgd(mirror)
    alpaca_eval(mirror)


if __name__ == "__main__":
    main()
