"""The clean stage over canonical records of every task: changes, filters, language, PII, stats, accounting."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from pathlib import Path

import bpe_openai
import pytest
from datasets import Dataset

from pipeline.clean.marking import tidy_label
from pipeline.clean.stage import clean
from pipeline.core.lengths import length_profile
from pipeline.cli import cli
from pipeline.clean.config import CleanConfig
from pipeline.config import load_config
from pipeline.core.errors import ConfigError
from pipeline.core.records import Task, column, features_for
from tests.conftest import CONTEXT, DATA, read_jsonl

FAST = CleanConfig(num_proc=1)
O200K = bpe_openai.get_encoding("o200k_base")
ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+);")


def records(task: Task, rows: list[dict]) -> Dataset:
    """Canonical records of ``task`` from the task fields of each row."""
    columns: dict[str, list] = {name: [] for name in features_for(task)}
    for i, fields in enumerate(rows):
        row = {"id": f"r{i}", "source_file": "t.jsonl", "source_row": i + 1, "raw": json.dumps(fields),
               "extra": "{}", "cluster": f"c{i}", **fields}  # fmt: skip
        for name in columns:
            columns[name].append(row.get(name))  # chat record fields (tools, ...) are null when not given
    return Dataset.from_dict(columns, features=features_for(task))


def texts(rows: list[str], label: str = "x") -> Dataset:
    return records(Task.CLASSIFICATION, [{"text": t, "label": label} for t in rows])


def reasons(result) -> dict[str, str]:
    return dict(zip(column(result.rejected, "id"), column(result.rejected, "reason")))


def test_every_text_field_of_every_task_is_cleaned():
    """text, prompt, completion and each message's content are all repaired."""
    broken, fixed = "HÃ´tel de Police  &amp; co", "Hôtel de Police & co"
    cls = clean(records(Task.CLASSIFICATION, [{"text": broken, "label": "a"}]), FAST, CONTEXT).kept
    answer, fixed_answer = "Oui: " + broken, "Oui: " + fixed  # not the prompt again: that is an echo
    comp = clean(records(Task.COMPLETION, [{"prompt": broken, "completion": answer}]), FAST, CONTEXT).kept
    chat = clean(records(Task.CHAT, [{"messages": [{"role": "user", "content": broken},
                                                   {"role": "assistant", "content": answer}]}]), FAST, CONTEXT).kept  # fmt: skip
    assert column(cls, "text") == [fixed]
    assert column(comp, "prompt") == [fixed] and column(comp, "completion") == [fixed_answer]
    assert [m["content"] for m in column(chat, "messages")[0]] == [fixed, fixed_answer]


def test_kept_records_gain_lang_and_n_tokens_and_keep_their_schema():
    """Kept records have every input column plus ``lang`` and ``n_tokens``; rejected ones keep ``raw``."""
    ds = texts(["The committee reviewed every proposal carefully before the vote.", "   "])
    result = clean(ds, FAST, CONTEXT)
    assert result.kept.column_names == [*ds.column_names, "n_tokens", "lang"]
    assert column(result.kept, "lang") == ["en"]
    assert column(result.kept, "n_tokens") == [len(O200K.encode_ordinary(ds[0]["text"]))]
    assert column(result.rejected, "raw") == [ds[1]["raw"]]


def test_empty_input_and_cleaned_input_are_handled():
    """An empty dataset gives empty results with the added columns; cleaning cleaned records is stable."""
    empty = clean(texts([]), FAST, CONTEXT)
    assert len(empty.kept) == len(empty.rejected) == 0 and empty.kept.column_names[-2:] == ["n_tokens", "lang"]
    once = clean(texts(["HÃ´tel de Police is open all night for visitors."]), FAST, CONTEXT).kept
    twice = clean(once, FAST, CONTEXT).kept
    assert twice.to_list() == once.to_list()


def test_rows_in_equal_kept_plus_rejected():
    """The accounting invariant holds on real messy data (SMS spam with HTML entities)."""
    with open(DATA / "sms_spam_300.tsv", encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split("\t", 1) for line in fh][1:]
    ds = records(Task.CLASSIFICATION, [{"text": t, "label": label} for label, t in rows])
    result = clean(ds, replace(FAST, min_chars=20, max_caps_ratio=0.8), CONTEXT)
    assert len(result.kept) + len(result.rejected) == len(ds) == 300
    assert len(result.rejected) > 0
    with_entities = sum(bool(ENTITY.search(t)) for _, t in rows)
    assert with_entities == 14 and result.sections["cleaning"]["cleaners"]["ftfy"] >= with_entities
    assert not any(ENTITY.search(t) for t in column(result.kept, "text"))
    assert sum(result.sections["cleaning"]["dropped"].values()) == len(result.rejected)


@pytest.mark.parametrize(
    ("option", "value", "inside", "outside", "reason"),
    [
        ("min_chars", 5, "abcde", "abcd", "too_short"),
        ("max_chars", 5, "abcde", "abcdef", "too_long"),
        ("min_tokens", 3, "one two three", "one two", "too_short"),
        ("max_tokens", 3, "one two three", "one two three four", "too_long"),
    ],
)
def test_length_filters_keep_the_bound_and_reject_past_it(option, value, inside, outside, reason):
    """A record exactly at a length bound is kept; one character or token past it is rejected."""
    result = clean(texts([inside, outside]), replace(FAST, **{option: value}), CONTEXT)
    assert column(result.kept, "text") == [inside]
    assert reasons(result) == {"r1": reason}


def test_empty_after_cleaning_is_rejected_as_empty_text():
    """Whitespace, controls and zero-width characters alone leave nothing: empty_text."""
    result = clean(texts(["  \u200b\x00 \r\n ", "ok fine"]), FAST, CONTEXT)
    assert reasons(result) == {"r0": "empty_text"}


def test_low_quality_records_are_rejected_with_the_heuristic_named():
    """A looping text is low_quality, and the stats count it under its heuristic."""
    loop = "I will say this sentence again and again for ever now. " * 8
    result = clean(texts([loop, "A normal sentence about the weather."]), FAST, CONTEXT)
    assert reasons(result) == {"r0": "low_quality"}
    assert result.sections["cleaning"]["dropped_by_check"] == {"dup_ngrams": 1}


def test_chat_records_need_a_final_non_empty_assistant_turn():
    """Chats ending on the user, or with an empty assistant turn, get their own reason codes."""
    good = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello!"}]  # fmt: skip
    ends_on_user = [{"role": "user", "content": "Hi"}]
    empty_turn = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": " \u200b "},
                  {"role": "user", "content": "Hello?"}, {"role": "assistant", "content": "Yes."}]  # fmt: skip
    ds = records(Task.CHAT, [{"messages": m} for m in (good, ends_on_user, empty_turn)])
    result = clean(ds, FAST, CONTEXT)
    assert reasons(result) == {"r1": "last_not_assistant", "r2": "empty_assistant"}
    assert column(result.kept, "n_tokens") == [sum(len(O200K.encode_ordinary(m["content"])) for m in good)]


def test_completion_without_completion_is_empty_text():
    """A completion record whose completion is empty after cleaning is rejected."""
    ds = records(Task.COMPLETION, [{"prompt": "Say hi", "completion": "  "}, {"prompt": "", "completion": "Hi"}])
    assert reasons(clean(ds, FAST, CONTEXT)) == {"r0": "empty_text"}


def test_pii_is_redacted_by_default_and_rejected_on_request():
    """PII becomes typed placeholders (counted per kind); in reject mode the record is quarantined."""
    ds = texts(["Mail me at jane@mailbox.org or call +1 415 738 2290.", "Nothing personal here."])
    redacted = clean(ds, FAST, CONTEXT)
    assert column(redacted.kept, "text")[0] == "Mail me at <EMAIL> or call <PHONE>."
    assert redacted.sections["cleaning"]["pii"] == {"mode": "redact", "records_with_pii": 1, "found": {"email": 1, "phone": 1},
                                                    "example_values_kept": {}, "example_values": []}
    rejected = clean(ds, replace(FAST, pii="reject"), CONTEXT)
    assert reasons(rejected) == {"r0": "pii"}
    assert "jane@" not in column(rejected.rejected, "detail")[0]
    assert column(clean(ds, replace(FAST, pii="off"), CONTEXT).kept, "text") == column(ds, "text")


def test_examples_in_the_stats_never_show_pii():
    """Before/after examples are shown with PII redacted, so the report does not leak it."""
    result = clean(texts(["Mail jane@mailbox.org  please"]), FAST, CONTEXT)
    shown = json.dumps(result.sections["cleaning"]["examples"])
    assert "jane@mailbox.org" not in shown and "<EMAIL>" in shown


def test_example_values_are_kept_counted_apart_and_never_rejected():
    """Reserved values (a task asking for a hypothetical phone number, a tool call to boss@example.com) survive
    redact and reject modes and are listed as example values kept; the real address next to them is redacted;
    pii_keep_examples = false and pii_allowlist change that."""
    ds = records(Task.COMPLETION, [
        {"prompt": "Generate a hypothetical phone number.", "completion": "+1 202-555-0142"},
        {"prompt": "Email the report to my boss.", "completion": '{"recipient": "boss@example.com"} and cc jo@mailbox.org'},
    ])  # fmt: skip
    result = clean(ds, FAST, CONTEXT)
    assert column(result.kept, "completion") == ["+1 202-555-0142", '{"recipient": "boss@example.com"} and cc <EMAIL>']
    pii = result.sections["cleaning"]["pii"]
    assert (pii["found"], pii["example_values_kept"]) == ({"email": 1}, {"email": 1, "phone": 1})
    assert pii["example_values"] == ["+1 202-555-0142", "boss@example.com"]
    assert reasons(clean(ds, replace(FAST, pii="reject"), CONTEXT)) == {"r1": "pii"}  # only the real address
    strict = clean(ds, replace(FAST, pii_keep_examples=False), CONTEXT)
    assert column(strict.kept, "completion")[0] == "<PHONE>"
    allowed = clean(ds, replace(FAST, pii_allowlist=("@mailbox.org",)), CONTEXT)
    assert "jo@mailbox.org" in column(allowed.kept, "completion")[1]
    assert allowed.sections["cleaning"]["pii"]["example_values"] == ["+1 202-555-0142", "boss@example.com"]


def test_labels_are_trimmed_mapped_and_case_variants_reported():
    """Labels are trimmed; variants by case/whitespace are reported; label_map and casefold merge them."""
    ds = records(Task.CLASSIFICATION, [{"text": f"message number {i}", "label": lab}
                                       for i, lab in enumerate([" spam", "Spam", "ham", "ham "])])  # fmt: skip
    result = clean(ds, FAST, CONTEXT)
    assert column(result.kept, "label") == ["spam", "Spam", "ham", "ham"]
    assert result.sections["cleaning"]["labels"]["case_or_space_variants"] == [{"folded": "spam", "labels": {"Spam": 1, "spam": 1}}]
    assert result.sections["cleaning"]["cleaners"]["labels"] == 2
    merged = clean(ds, replace(FAST, label_map={"Spam": "spam"}), CONTEXT)
    assert set(column(merged.kept, "label")) == {"spam", "ham"}
    assert merged.sections["cleaning"]["labels"]["case_or_space_variants"] == []
    assert tidy_label(" SPAM ", CleanConfig(label_casefold=True)) == "spam"


def multilingual() -> Dataset:
    with open(DATA / "language_detection_312.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return records(Task.CLASSIFICATION, [{"text": r["Text"], "label": r["Language"]} for r in rows])


@pytest.mark.parametrize("backend", ["langdetect", "lingua"])
def test_language_filter_keeps_only_allowed_languages(backend):
    """On 312 real sentences in 13 languages, --languages en,de keeps (almost) only English and German."""
    ds = multilingual()
    result = clean(ds, replace(FAST, languages=("en", "de"), language_backend=backend), CONTEXT)
    kept_labels = column(result.kept, "label")
    assert set(column(result.kept, "lang")) <= {"en", "de", "und"}
    assert kept_labels.count("English") + kept_labels.count("German") >= 46  # of 48
    assert len(kept_labels) <= 52
    assert set(reasons(result).values()) == {"wrong_language"}
    assert result.sections["cleaning"]["language"]["measured_on"] == "all"


def test_short_texts_are_judged_by_script_and_lingua_and_und_follows_its_policy():
    """Below language_min_letters lingua judges (a short German greeting is rejected under en); under 5 letters a
    text is 'und': kept when its script allows English, rejected when it cannot be English, as the policy says."""
    german = texts(["Guten Morgen, lieber Herr Meyer"])  # 26 letters
    below = clean(german, replace(FAST, languages=("en",), language_min_letters=27), CONTEXT)
    assert reasons(below) == {"r0": "wrong_language"}
    tiny = texts(["Ok.", "Да.", "ഞാൻ"])  # Latin und, Cyrillic und, Malayalam (named by its script at any length)
    auto = clean(tiny, replace(FAST, languages=("en",)), CONTEXT)
    assert column(auto.kept, "lang") == ["und"] and reasons(auto) == {"r1": "wrong_language", "r2": "wrong_language"}
    assert auto.sections["cleaning"]["language"]["und"] == {"policy": "auto", "records": 2, "rejected": 1}
    keep = clean(tiny, replace(FAST, languages=("en",), language_und="keep"), CONTEXT)
    assert len(keep.kept) == 2 and reasons(keep) == {"r2": "wrong_language"}
    reject = clean(tiny, replace(FAST, languages=("en",), language_und="reject"), CONTEXT)
    assert len(reject.kept) == 0


def test_language_detection_is_deterministic_and_never_repeats_a_text():
    """Two runs give identical languages; duplicate texts are detected once."""
    ds = multilingual()
    doubled = records(Task.CLASSIFICATION, [{"text": t, "label": "x"} for t in column(ds, "text")[:40] * 2])
    first = clean(doubled, replace(FAST, languages=("en",)), CONTEXT)
    second = clean(doubled, replace(FAST, languages=("en",)), CONTEXT)
    assert column(first.kept, "lang") == column(second.kept, "lang")
    assert column(first.rejected, "id") == column(second.rejected, "id")
    assert first.sections["cleaning"]["language"]["records_measured"] == 80
    assert first.sections["cleaning"]["language"]["distinct_texts_detected"] == 40


def test_without_a_filter_the_mix_comes_from_a_seeded_sample():
    """With no language filter only a seeded sample is detected; the others get a null ``lang``."""
    ds = multilingual()
    cfg = replace(FAST, language_sample_size=50)
    result = clean(ds, cfg, CONTEXT)
    language = result.sections["cleaning"]["language"]
    assert language["measured_on"] == "sample" and language["records_measured"] == 50
    assert sum(language["mix"].values()) == 50 and len(result.rejected) == 0
    langs = column(result.kept, "lang")
    assert sum(lang is not None for lang in langs) == 50
    assert langs == column(clean(ds, cfg, CONTEXT).kept, "lang")


def test_stats_count_changes_per_cleaner_with_examples():
    """Stats count records changed per cleaner and keep before/after snippets of the first ones."""
    result = clean(texts(["a\r\nb", "c\r\nd", "fine text", "HÃ´tel"]), FAST, CONTEXT)
    assert result.sections["cleaning"]["cleaners"]["line_endings"] == 2 and result.sections["cleaning"]["cleaners"]["ftfy"] == 1
    example = next(e for e in result.sections["cleaning"]["examples"] if e["cleaner"] == "ftfy")
    assert example == {"cleaner": "ftfy", "id": "r3", "field": "text", "before": "HÃ´tel", "after": "Hôtel"}


def test_length_profile_sums_tokens_and_characters():
    """length_profile gives totals and a distribution of tokens and characters, for any task (chat: contents only)."""
    kept = clean(texts(["one two three", "four five"]), FAST, CONTEXT).kept
    stats = length_profile(kept)
    assert stats["records"] == 2 and stats["tokens"]["total"] == 5 and stats["chars"]["total"] == 22
    assert stats["token_histogram"]["<=16"] == 2
    chat = clean(records(Task.CHAT, [{"messages": [{"role": "user", "content": "abc"},
                                                   {"role": "assistant", "content": "de"}]}]), FAST, CONTEXT).kept  # fmt: skip
    assert length_profile(chat)["chars"]["total"] == 5
    assert length_profile(kept.select([]))["records"] == 0


def test_worker_processes_give_byte_identical_results():
    """num_proc=2 returns exactly what num_proc=1 returns."""
    ds = multilingual()
    one = clean(ds, replace(FAST, languages=("en",)), CONTEXT)
    two = clean(ds, replace(FAST, languages=("en",), num_proc=2), CONTEXT)
    assert one.kept.to_list() == two.kept.to_list()
    assert one.rejected.to_list() == two.rejected.to_list()


def test_bad_clean_options_are_config_errors():
    """Unknown languages, PII types, ftfy options and contradictory settings are refused at load time."""
    for bad in ({"languages": ["xx"]}, {"pii_types": ["ssn"]}, {"ftfy_options": {"nope": True}},
                {"languages": ["en"], "language_detection": "sample"}, {"max_tokens": -1}):  # fmt: skip
        with pytest.raises(ConfigError):
            load_config(None, {"clean": bad})


def test_cli_language_filter_end_to_end(runner, tmp_path: Path):
    """ftprep run --languages en drops non-English rows into rejected.jsonl and reports the cleaning."""
    ds = multilingual()
    rows = [{"text": t, "label": "en" if lab == "English" else "other"} for t, lab in zip(column(ds, "text"), column(ds, "label"))]
    data = tmp_path / "multi.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(data), "--out", str(out), "--languages", "en", "--language-backend",
                                 "lingua", "--pii", "reject", "-q"])  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    cleaning = report["cleaning"]
    assert cleaning["language"]["allowed"] == ["en"] and cleaning["pii"]["mode"] == "reject"
    assert report["counts"]["rejected"]["wrong_language"] >= 250
    assert cleaning["length"]["records"] >= report["counts"]["kept"]
    assert set(report["lengths"]["tokens"]) == {"train", "val", "test"}
    rejected = read_jsonl(out / "rejected.jsonl")
    assert {r["reason"] for r in rejected if r["stage"] == "clean"} == {"wrong_language"}
    kept = read_jsonl(out / "train.jsonl")
    assert all(r["meta"]["lang"] in ("en", "und") and r["meta"]["n_tokens"] > 0 for r in kept)
    assert "## Cleaning" in (out / "report.md").read_text(encoding="utf-8")


def test_cli_warns_about_labels_spelled_two_ways(runner, write_jsonl, tmp_path: Path):
    """Labels differing only by case make the label_spelling check warn, naming both spellings."""
    words = ["river", "copper", "lantern", "orbit", "velvet", "canyon", "pixel", "harbor", "meadow", "quartz"]
    rows = [{"text": f"message {i} about the {words[i % 10]} and the {words[(i * 3) % 10]}", "label": label}
            for i, label in enumerate(["spam", "ham"] * 30 + ["Spam"])]  # fmt: skip
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(write_jsonl(rows)), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    checks = {c["name"]: c for c in json.loads((out / "report.json").read_text(encoding="utf-8"))["checks"]}
    assert checks["label_spelling"]["status"] == "warn" and "Spam / spam" in checks["label_spelling"]["message"]


def test_lingua_filter_keeps_short_real_english_utterances():
    """On 1,500 real banking questions (short English), the lingua en filter wrongly rejects at most 1%."""
    with open(DATA / "banking77_1500.csv", encoding="utf-8", newline="") as fh:
        rows = [{"text": row["text"], "label": row["category"]} for row in csv.DictReader(fh)]
    result = clean(records(Task.CLASSIFICATION, rows), replace(FAST, languages=("en",), language_backend="lingua"), CONTEXT)
    assert len(result.rejected) <= 15
    assert set(column(result.kept, "lang")) == {"en", "und"}


def test_tool_calls_and_results_are_not_part_of_the_language_key():
    """A real glaive request to translate a French sentence is English: the JSON call and the result are data."""
    record = json.loads((DATA / "glaive_quality.json").read_text(encoding="utf-8"))[-1]
    roles = {"human": "user", "gpt": "assistant", "function_call": "assistant", "observation": "tool"}
    messages = [{"role": roles[m["from"]], "content": m["value"]} for m in record["conversations"]]
    assert "Je suis très heureux" in messages[1]["content"]
    kept = clean(records(Task.CHAT, [{"messages": messages}]), replace(FAST, languages=("en",)), CONTEXT).kept
    assert column(kept, "lang") == ["en"]


# -- issue 13: invisible label characters, PII outside the text -------------------------------------------------------


def test_labels_that_look_the_same_are_the_same_label():
    """Zero-width spaces, bidi overrides and NUL leave labels; a label of invisible characters only is rejected."""
    labels = ["alpha", "al\u200bpha", "\u202ealpha", "beta\x00", "beta", "\u200b\u200c"]
    rows = [{"text": f"an ordinary sentence number {i} about nothing much", "label": label} for i, label in enumerate(labels)]
    result = clean(records(Task.CLASSIFICATION, rows), FAST, CONTEXT)
    assert column(result.kept, "label") == ["alpha", "alpha", "alpha", "beta", "beta"]
    assert column(result.rejected, "reason") == ["empty_label"]


def test_pii_in_other_columns_is_redacted_and_a_secret_label_rejects_the_row():
    """Secrets and e-mails in the input's other columns (written under meta) are redacted like the text; a row whose
    label is a secret is rejected as pii, so the label reaches neither the splits nor the report."""
    ds = records(Task.CLASSIFICATION, [{"text": "deploy the service to the staging cluster today", "label": "ops"},
                                       {"text": "deploy the service to production tomorrow morning", "label": "AKIAIOSFODNN7EXAMPLE"}])
    ds = ds.remove_columns("extra").add_column("extra", [json.dumps({"notes": "key AKIAIOSFODNN7EXAMPLE, mail ops@corp-mail.com",
                                                                      "n": 3}), None])
    result = clean(ds, FAST, CONTEXT)
    assert json.loads(column(result.kept, "extra")[0]) == {"notes": "key <SECRET>, mail <EMAIL>", "n": 3}
    assert column(result.rejected, "reason") == ["pii"] and "label" in column(result.rejected, "detail")[0]
    assert "AKIA" not in column(result.rejected, "detail")[0]
    assert result.sections["cleaning"]["pii"]["found"] == {"aws_access_key": 1, "email": 1}


@pytest.mark.parametrize("num_proc", [1, 2])
def test_a_row_that_makes_the_marking_raise_is_quarantined_and_the_run_goes_on(num_proc):
    """A row whose extra columns are not JSON (the PII pass parses them; ingest never writes such a row) makes the
    marking raise: it alone is rejected as stage_error with the exception, its batch's other rows are cleaned."""
    rows = [{"text": f"Where is my card number {k}? It was sent two weeks ago.", "label": "card"} for k in range(2500)]
    ds = records(Task.CLASSIFICATION, rows)
    ds = ds.map(lambda r, k: {"extra": "{not json" if k == 1777 else None}, with_indices=True)
    result = clean(ds, CleanConfig(num_proc=num_proc), replace(CONTEXT))
    assert len(result.kept) == 2499 and result.rejected["source_row"] == [ds[1777]["source_row"]]
    assert result.rejected["reason"] == ["stage_error"] and "JSONDecodeError" in result.rejected["detail"][0]
    assert result.kept["text"][1776] == rows[1776]["text"]


def test_auto_backend_is_lingua_for_a_filter_and_langdetect_for_the_sampled_mix():
    """The report names the detector that ran: lingua when every record is detected, langdetect for the sample."""
    ds = texts(["Where is my card? It was sent two weeks ago.", "Wo ist meine Karte? Sie kam nie bei mir an.",
                "Comment puis-je recharger ma carte bancaire ?"])
    sampled = clean(ds, CleanConfig(), CONTEXT).sections["cleaning"]["language"]
    filtered = clean(ds, CleanConfig(languages=("en",)), CONTEXT).sections["cleaning"]["language"]
    forced = clean(ds, CleanConfig(languages=("en",), language_backend="langdetect"), CONTEXT).sections["cleaning"]["language"]
    assert (sampled["backend"], filtered["backend"], forced["backend"]) == ("langdetect", "lingua", "langdetect")
    assert sampled["mix"] == {"de": 1, "en": 1, "fr": 1} and filtered["mix"] == forced["mix"] == sampled["mix"]
