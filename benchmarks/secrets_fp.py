"""False positives and cost of the credential and IBAN finders on every text of the real sets, and optionally of
Yelp's detect-secrets on the same texts (the comparison in docs/clean.md).

Not a test: run it by hand and read the figures.

    PYTHONPATH=$PWD python benchmarks/secrets_fp.py                                 # ftprep's finders
    python -m venv ds-venv && ds-venv/bin/pip install detect-secrets==1.5.0
    ds-venv/bin/python benchmarks/secrets_fp.py --only-detect-secrets --every 3     # detect-secrets, own venv

Texts: Alpaca EN/ZH (code answers included), Stanford Alpaca, identity, glaive tool calls and their function
definitions, v1 SFT demo, seed tasks, SMS spam, banking77, the 17-language set, MRPC, the OpenAI toy chats, from
the public data folder (--data; benchmarks/README.md). Prints texts flagged per kind (per 10k texts) and microseconds a text; flagged texts
go to --examples for reading.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

from public_data import data_file, default_data

def texts(D: str):  # noqa: N803 - the data folder, with its trailing "/"
    """Every text of the real sets, as (set, text)."""
    for name in ("stanford_alpaca/alpaca_200.json", "llamafactory_demo/alpaca_en_demo.json",
                 "llamafactory_demo/alpaca_zh_demo.json", "llamafactory_demo/identity.json"):
        for row in json.load(open(D + name)):
            for k in ("instruction", "input", "output"):
                if row.get(k): yield name.split("/")[-1], row[k]
    for row in json.load(open(D + "llamafactory_demo/glaive_toolcall_en_demo.json")):
        for turn in row["conversations"]:
            yield "glaive", turn["value"]
        if row.get("tools"): yield "glaive_tools", row["tools"]
    for line in open(D + "llamafactory_demo/v1_sft_demo.jsonl"):
        row = json.loads(line)
        for m in row.get("messages", []):
            c = m.get("content")
            if isinstance(c, list):
                for p in c:
                    if isinstance(p, dict) and p.get("value"): yield "v1_sft", str(p["value"])
                    elif isinstance(p, dict) and p.get("text"): yield "v1_sft", str(p["text"])
            elif c: yield "v1_sft", c
    for line in open(D + "stanford_alpaca/seed_tasks.jsonl"):
        row = json.loads(line)
        yield "seed_tasks", row["instruction"]
        for inst in row["instances"]:
            if inst["input"]: yield "seed_tasks", inst["input"]
            yield "seed_tasks", inst["output"]
    for line in open(D + "sms_spam/SMSSpamCollection", encoding="utf-8", errors="replace"):
        parts = line.rstrip("\n").split("\t", 1)
        if len(parts) == 2: yield "sms", parts[1]
    for f in ("train.csv", "test.csv"):
        for row in csv.DictReader(open(D + "banking77/" + f, encoding="utf-8")):
            yield "banking77", row["text"]
    for row in csv.reader(open(D + "language_detection/Language Detection.csv", encoding="utf-8", errors="replace")):
        if row: yield "language_detection", row[0]
    for f in ("msr_paraphrase_train.txt", "msr_paraphrase_test.txt"):
        for line in open(D + "mrpc/" + f, encoding="utf-8-sig"):
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 5: yield "mrpc", parts[3]; yield "mrpc", parts[4]
    for line in open(D + "openai_toy_chat/toy_chat_fine_tuning.jsonl"):
        for m in json.loads(line)["messages"]: yield "openai_toy", m["content"]


def ftprep_scan(all_texts, examples_out):
    from pipeline.clean.pii import scan_pii

    flagged, examples = collections.Counter(), collections.defaultdict(list)
    start = time.perf_counter()
    for source, text in all_texts:
        for kind in scan_pii(text, ("secret", "iban")).found:
            flagged[kind] += 1
            examples[kind].append((source, text[:300]))
    seconds = time.perf_counter() - start
    _print("ftprep secret+iban", flagged, seconds, len(all_texts))
    examples_out["ftprep"] = examples


def detect_secrets_scan(all_texts, examples_out):
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.core.scan import _process_line_based_plugins  # the file-scanning path, with its filters
    from detect_secrets.settings import default_settings, transient_settings

    names = [cls.__name__ for cls in get_mapping_from_secret_type_to_class().values()]
    noisy = {"KeywordDetector", "Base64HighEntropyString", "HexHighEntropyString"}
    for label, plugins in (("detect-secrets all plugins", names), ("detect-secrets regex plugins", [n for n in names if n not in noisy])):
        flagged, examples = collections.Counter(), collections.defaultdict(list)
        with default_settings(), transient_settings({"plugins_used": [{"name": n} for n in plugins]}):
            start = time.perf_counter()
            for source, text in all_texts:
                kinds = {s.type for s in _process_line_based_plugins(list(enumerate(text.splitlines(), 1)), "data.txt")}
                for kind in kinds:
                    flagged[kind] += 1
                    examples[kind].append((source, text[:300]))
            seconds = time.perf_counter() - start
        _print(label, flagged, seconds, len(all_texts))
        examples_out[label] = examples


def _print(label, flagged, seconds, n):
    print(f"{label}: {seconds / n * 1e6:.1f} us/text over {n} texts")
    for kind, count in flagged.most_common():
        print(f"  {kind}: {count} texts, {count / n * 1e4:.1f} per 10k")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data(), help="the public data folder (benchmarks/README.md)")
    parser.add_argument("--every", type=int, default=1, help="use every Nth text (detect-secrets takes ~1 ms a text)")
    parser.add_argument("--detect-secrets", action="store_true")
    parser.add_argument("--only-detect-secrets", action="store_true")
    parser.add_argument("--examples", default=str(Path(tempfile.gettempdir()) / "secrets_fp_examples.json"))
    args = parser.parse_args()
    all_texts = list(texts(str(data_file(args.data, "")) + "/"))[:: args.every]
    print("texts", len(all_texts), dict(collections.Counter(source for source, _ in all_texts)))
    examples: dict = {}
    if not args.only_detect_secrets:
        ftprep_scan(all_texts, examples)
    if args.detect_secrets or args.only_detect_secrets:
        detect_secrets_scan(all_texts, examples)
    Path(args.examples).write_text(json.dumps(examples, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
