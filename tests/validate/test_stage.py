"""The validate stage: shipped GX suites, user suites, severities, malformed suites, and the CLI around them.

Everything runs real Great Expectations on real (small) data; GX is imported once per test process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from datasets import Dataset

from pipeline.cli import cli
from pipeline.validate.config import ValidateConfig
from pipeline.core.errors import SuiteError
from pipeline.core.records import RECORD_FIELDS, Task, features_for
from pipeline.validate.frame import to_frame
from pipeline.validate.stage import ValidationOutcome, validate_records
from pipeline.validate.render import render_markdown, render_table

DATA = Path(__file__).parent.parent / "data" / "validate"
BANKING = DATA / "banking77_60.csv"
TOY_CHAT = DATA / "toy_chat_fine_tuning.jsonl"
LABELS = ("card_arrival", "exchange_rate", "lost_or_stolen_card")


def make_records(task: Task, columns: dict[str, list[Any]], **analysis: list[Any]) -> Dataset:
    """Canonical records with the given task columns, plus optional analysis columns (split, lang, n_tokens)."""
    n = len(next(iter(columns.values())))
    ids = analysis.pop("ids", [f"r{i}" for i in range(n)])
    common = {"id": ids, "source_file": ["t.jsonl"] * n, "source_row": list(range(1, n + 1)), "raw": ["{}"] * n,
              "extra": [None] * n, "cluster": [f"c{i}" for i in range(n)]}
    optional = {name: [None] * n for name in RECORD_FIELDS[task]}  # chat record fields: tools, parallel_tool_calls
    ds = Dataset.from_dict({**common, **optional, **columns}, features=features_for(task))
    for name, values in analysis.items():
        ds = ds.add_column(name, values)
    return ds


def banking_records(**analysis: list[Any]) -> Dataset:
    """The 60-row banking77 slice, split 40/10/10 with every label in every split, all English."""
    import csv

    with open(BANKING, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    split = ["val" if i % 6 == 0 else "test" if i % 6 == 1 else "train" for i in range(len(rows))]
    defaults = {"split": split, "lang": ["en"] * len(rows)}
    return make_records(Task.CLASSIFICATION, {"text": [r["text"] for r in rows], "label": [r["category"] for r in rows]},
                        **{**defaults, **analysis})


def statuses(outcome: ValidationOutcome) -> dict[str, str]:
    """Expectation name -> pass/fail/skipped, over all suites."""
    return {e.name: e.status for suite in outcome.suites for e in suite.expectations}


def failed_names(outcome: ValidationOutcome) -> set[str]:
    return {name for name, status in statuses(outcome).items() if status == "fail"}


def write_suite(path: Path, expectations: list[dict[str, Any]], name: str = "user.suite") -> str:
    path.write_text(json.dumps({"name": name, "expectations": expectations}), encoding="utf-8")
    return str(path)


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


FULL = ValidateConfig(labels=LABELS, languages=("en",))


# -- the flat frame -------------------------------------------------------------------------------------------------


def test_frame_has_documented_columns_per_task():
    """The flat frame has one row per record and the columns expectations/README.md documents."""
    cls = to_frame(make_records(Task.CLASSIFICATION, {"text": ["ab", "cde", "f"], "label": ["x", "x", "y"]}),
                   Task.CLASSIFICATION)
    assert list(cls.columns) == ["id", "text", "label", "n_chars", "label_share"]
    assert cls["n_chars"].tolist() == [2, 3, 1]
    assert cls["label_share"].tolist() == pytest.approx([2 / 3, 2 / 3, 1 / 3])
    chat = to_frame(make_records(Task.CHAT, {"messages": [[{"role": "system", "content": "s"}, {"role": "user", "content": "hi"},
                                                            {"role": "assistant", "content": "hello"}]]}, lang=["en"]),
                    Task.CHAT)
    assert chat.iloc[0].to_dict() == {"id": "r0", "n_messages": 3, "roles": "system user assistant",
                                      "first_role": "system", "last_role": "assistant", "n_chars": 8, "lang": "en"}
    comp = to_frame(make_records(Task.COMPLETION, {"prompt": ["p"], "completion": ["cc"]}, split=["train"]), Task.COMPLETION)
    assert list(comp.columns) == ["id", "prompt", "completion", "n_chars", "split"] and comp["n_chars"].tolist() == [3]


# -- shipped suites: pass on clean data, fail on crafted bad data -----------------------------------------------------


def test_classification_suite_passes_on_clean_banking_slice():
    """Every shipped classification expectation runs (none skipped) and passes on the clean banking77 slice."""
    outcome = validate_records(banking_records(), FULL, Task.CLASSIFICATION)
    assert set(statuses(outcome).values()) == {"pass"}
    assert outcome.success and len(statuses(outcome)) == 10


def test_classification_suite_fails_on_crafted_bad_data():
    """Null label, repeated id, empty text, unknown label, a dominant label, wrong language and labels absent from
    val/test each fail their own expectation, and only those."""
    texts = ["fine text"] * 20 + [""]
    labels = ["a"] * 19 + ["b", None]
    ds = make_records(Task.CLASSIFICATION, {"text": texts, "label": labels}, ids=["dup", "dup"] + [f"r{i}" for i in range(19)],
                      split=["train"] * 18 + ["val", "test", "test"], lang=["en"] * 17 + ["fr"] * 4)
    outcome = validate_records(ds, ValidateConfig(labels=("b", "c"), languages=("en",)), Task.CLASSIFICATION)
    assert failed_names(outcome) == {
        "#3 expect_column_values_to_not_be_null(label)",
        "#4 expect_column_values_to_be_unique(id)",
        "#5 expect_column_value_lengths_to_be_between(text)",
        "#6 expect_column_values_to_be_in_set(label)",
        "#7 expect_column_values_to_be_between(label_share)",
        "#8 expect_column_values_to_be_in_set(lang)",
        "#9 expect_column_distinct_values_to_contain_set(label) where split == 'val'",
        "#10 expect_column_distinct_values_to_contain_set(label) where split == 'test'",
    }
    assert not outcome.success


def test_completion_suite_passes_on_clean_and_fails_on_bad_data():
    """The completion suite passes on Alpaca records and fails on a null completion, a repeated id and a long prompt."""
    alpaca = json.loads((DATA / "alpaca_30.json").read_text(encoding="utf-8"))
    prompts = [f"{r['instruction']}\n\n{r['input']}".strip() for r in alpaca]
    clean = make_records(Task.COMPLETION, {"prompt": prompts, "completion": [r["output"] for r in alpaca]}, lang=["en"] * 30)
    ok = validate_records(clean, ValidateConfig(languages=("en",)), Task.COMPLETION)
    assert set(statuses(ok).values()) == {"pass"} and len(statuses(ok)) == 7
    bad = make_records(Task.COMPLETION, {"prompt": ["short", "x" * 50, "fine"], "completion": ["ok", "ok", None]},
                       ids=["a", "a", "b"])
    outcome = validate_records(bad, ValidateConfig(max_chars=20), Task.COMPLETION)
    assert failed_names(outcome) == {
        "#3 expect_column_values_to_not_be_null(completion)",
        "#4 expect_column_values_to_be_unique(id)",
        "#5 expect_column_value_lengths_to_be_between(prompt)",
    }


def _chat(*roles: str) -> list[dict[str, str]]:
    return [{"role": role, "content": f"{role} says something"} for role in roles]


def test_chat_suite_passes_on_clean_and_fails_on_bad_conversations():
    """Conversations that open with a user message and end with the assistant pass; an unknown role and a missing
    assistant are critical, a missing user turn, a trailing user turn and too many messages warn."""
    clean = make_records(Task.CHAT, {"messages": [_chat("system", "user", "assistant"), _chat("user", "assistant"),
                                                  _chat("user", "assistant", "user", "tool", "assistant")]}, lang=["en"] * 3)
    ok = validate_records(clean, ValidateConfig(languages=("en",)), Task.CHAT)
    assert set(statuses(ok).values()) == {"pass"} and len(statuses(ok)) == 10
    bad = make_records(Task.CHAT, {"messages": [_chat("system", "assistant"), _chat("user", "assistant", "user"),
                                                _chat("user", "narrator", "assistant"), _chat("system", "user"),
                                                _chat(*["user", "assistant"] * 3)]})
    outcome = validate_records(bad, ValidateConfig(max_messages=5), Task.CHAT)
    assert failed_names(outcome) == {
        "#4 expect_column_values_to_be_between(n_messages)",
        "#5 expect_column_values_to_match_regex(roles)",
        "#6 expect_column_values_to_match_regex(roles)",
        "#7 expect_column_values_to_match_regex(roles)",
        "#8 expect_column_values_to_be_in_set(last_role)",
    }
    assert outcome.failed("critical") == ["ftprep.chat: #5 expect_column_values_to_match_regex(roles)",
                                          "ftprep.chat: #6 expect_column_values_to_match_regex(roles)"]
    by_number = {e.name[:2]: e for e in outcome.suites[0].expectations}
    assert [x["value"] for x in by_number["#5"].observed["examples"]] == ["user narrator assistant"]
    assert [x["value"] for x in by_number["#6"].observed["examples"]] == ["system user"]
    assert [x["value"] for x in by_number["#7"].observed["examples"]] == ["system assistant"]
    assert [x["value"] for x in by_number["#8"].observed["examples"]] == ["user", "user"]


def test_unset_parameters_and_absent_optional_columns_skip_expectations():
    """Without a label set, a lang column or splits, those expectations are skipped (with the reason), not failed."""
    ds = make_records(Task.CLASSIFICATION, {"text": ["hello there"] * 4, "label": ["a", "b"] * 2})
    outcome = validate_records(ds, ValidateConfig(), Task.CLASSIFICATION)
    skipped = {e.name: e.note for e in outcome.suites[0].expectations if e.status == "skipped"}
    assert skipped["#6 expect_column_values_to_be_in_set(label)"] == "parameter 'labels' is not set ([validate] labels)"
    assert "clean stage" in skipped["#8 expect_column_values_to_be_in_set(lang)"]
    assert len(skipped) == 4 and outcome.success


def test_per_split_expectation_is_skipped_when_the_split_is_empty():
    """With no val records (val ratio 0), 'every label in val' is skipped rather than failed; test still runs."""
    ds = banking_records(split=["train"] * 50 + ["test"] * 10)
    outcome = validate_records(ds, FULL, Task.CLASSIFICATION)
    by_name = {e.name: e for e in outcome.suites[0].expectations}
    val = by_name["#9 expect_column_distinct_values_to_contain_set(label) where split == 'val'"]
    assert (val.status, val.note) == ("skipped", "no record has split == 'val'")
    test = by_name["#10 expect_column_distinct_values_to_contain_set(label) where split == 'test'"]
    assert test.status == "fail" and test.observed["missing"] == ["card_arrival", "exchange_rate"]


# -- severity and the report section --------------------------------------------------------------------------------


def test_severity_decides_the_gate(tmp_path):
    """A failed critical expectation fails the gate; failed warning and info ones are reported but let it pass."""
    ds = banking_records()
    warn_info = write_suite(tmp_path / "s.json", [
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1000}, "severity": "warning"},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "label", "value_set": ["card_arrival"]},
         "severity": "info"},
    ])
    outcome = validate_records(ds, ValidateConfig(suites=(warn_info,), replace_default=True), Task.CLASSIFICATION)
    section = outcome.to_dict()
    assert section["success"] is True and section["failed_critical"] == []
    assert section["failed_warning"] == ["user.suite: #1 expect_table_row_count_to_be_between()"]
    assert section["failed_info"] == ["user.suite: #2 expect_column_values_to_be_in_set(label)"]
    critical = write_suite(tmp_path / "c.json", [{"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1000}}])
    failed = validate_records(ds, ValidateConfig(suites=(critical,), replace_default=True), Task.CLASSIFICATION)
    assert not failed.success and failed.failed("critical") == ["user.suite: #1 expect_table_row_count_to_be_between()"]


def test_report_section_is_plain_json_with_examples():
    """The expectations section serialises to JSON as is, with observed counts and examples that carry the row id."""
    ds = banking_records(lang=["en"] * 57 + ["de"] * 3)
    section = validate_records(ds, ValidateConfig(languages=("en",)), Task.CLASSIFICATION).to_dict()
    json.dumps(section, allow_nan=False)
    lang = next(e for e in section["suites"][0]["expectations"] if e["kwargs"].get("column") == "lang")
    assert lang["status"] == "pass" and lang["observed"]["unexpected_count"] == 3  # mostly 0.9 tolerates 5%
    assert lang["kwargs"] == {"column": "lang", "value_set": {"$PARAMETER": "languages"}, "mostly": 0.9}
    assert [x["id"] for x in lang["observed"]["examples"]] == ["r57", "r58", "r59"]
    assert section["parameters"]["languages"] == ["en"]


def test_label_share_examples_name_the_label():
    """A label whose share is out of bounds is reported with the label next to its share."""
    ds = make_records(Task.CLASSIFICATION, {"text": ["some text"] * 10, "label": ["big"] * 9 + ["small"]})
    outcome = validate_records(ds, ValidateConfig(min_label_share=0.2), Task.CLASSIFICATION)
    share = next(e for e in outcome.suites[0].expectations if e.kwargs.get("column") == "label_share")
    assert share.status == "fail"
    assert share.observed["examples"][0] == {"id": "r9", "value": 0.1, "label": "small"}


def test_label_share_floor_scales_with_many_labels():
    """Unset, the floor is 2%, or 0.2 of an even share above 10 labels: with banking77's 77 labels a fixed 2% flags
    every row of every label (an even share is 1.3%); a configured floor is used as is."""
    import csv

    with open(Path(__file__).parent.parent / "data" / "banking77_1500.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ds = make_records(Task.CLASSIFICATION, {"text": [r["text"] for r in rows], "label": [r["category"] for r in rows]})
    def unexpected(cfg: ValidateConfig) -> int:
        outcome = validate_records(ds, cfg, Task.CLASSIFICATION)
        share = next(e for e in outcome.suites[0].expectations if e.kwargs.get("column") == "label_share")
        return share.observed["unexpected_count"], outcome.parameters["min_label_share"]

    # the 1,500-row slice: a fixed 2% flags 1,380 rows (every label but three); 0.26% only the 3-row slivers (0.2%)
    assert unexpected(ValidateConfig(min_label_share=0.02)) == (1380, 0.02)
    scaled, floor = unexpected(ValidateConfig())
    assert floor == round(0.2 / 77, 6) and 0 < scaled < 50


def test_renderers_list_failures_first():
    """The Markdown and terminal tables show every expectation, failures first, and the gate verdict."""
    ds = make_records(Task.CLASSIFICATION, {"text": ["", "text"], "label": ["a", "b"]})
    section = validate_records(ds, ValidateConfig(), Task.CLASSIFICATION).to_dict()
    markdown = render_markdown(section).splitlines()
    assert markdown[4].startswith("| suite | expectation |")
    assert markdown[6].startswith("| ftprep.classification | `#5 expect_column_value_lengths_to_be_between(text)` | warning | FAIL |")
    assert "1 of 2 unexpected (50.0%); e.g. '' (id='r0')" in markdown[6]
    table = render_table(section).splitlines()
    assert table[1].startswith("FAIL     warning   ftprep.classification #5")
    assert table[-1] == "PASSED: 0 critical and 1 warning expectation(s) failed"


# -- user suites ----------------------------------------------------------------------------------------------------


def test_user_suite_adds_to_or_replaces_the_shipped_suite(tmp_path):
    """A user suite runs after the shipped one, or alone with replace_default."""
    user = write_suite(tmp_path / "u.json", [
        {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "n_chars", "min_value": 10, "max_value": 200}},
        {"type": "expect_column_values_to_not_match_regex", "kwargs": {"column": "text", "regex": "https?://"},
         "severity": "warning"},
    ])
    added = validate_records(banking_records(), ValidateConfig(suites=(user,)), Task.CLASSIFICATION)
    assert [s.name for s in added.suites] == ["ftprep.classification", "user.suite"]
    assert [s.path for s in added.suites] == ["expectations/classification.json", user]
    mean = added.suites[1].expectations[0]
    assert mean.status == "pass" and 10 < mean.observed["observed_value"] < 200
    alone = validate_records(banking_records(), ValidateConfig(suites=(user,), replace_default=True), Task.CLASSIFICATION)
    assert [s.name for s in alone.suites] == ["user.suite"]


@pytest.mark.parametrize("task", list(Task))
def test_shipped_suites_are_gx_own_format(task):
    """Each shipped suite loads with GX's own ExpectationSuite class and serialises back to the same expectations."""
    import great_expectations as gx

    from pipeline.validate.suites import default_suite_path

    data = json.loads(default_suite_path(task).read_text(encoding="utf-8"))
    suite = gx.ExpectationSuite(**data)
    written = suite.to_json_dict()
    assert written["name"] == f"ftprep.{task.value}"
    keys = ("type", "kwargs", "severity", "description")
    assert [{k: e[k] for k in keys} for e in written["expectations"]] == [{k: e[k] for k in keys} for e in data["expectations"]]


def test_suite_saved_by_gx_itself_round_trips(tmp_path):
    """A suite built with GX's own classes and saved with GX's to_json_dict loads and runs in ftprep."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    context = gx.get_context(mode="ephemeral")
    suite = context.suites.add(gx.ExpectationSuite(name="made.by.gx", expectations=[
        gx.expectations.ExpectColumnValuesToBeInSet(column="label", value_set=list(LABELS)),
        gx.expectations.ExpectColumnValueLengthsToBeBetween(column="text", max_value=5, severity="warning"),
        gx.expectations.ExpectColumnDistinctValuesToEqualSet(column="label", value_set=["card_arrival"],
                                                             row_condition=Column("split") == "val", severity="info"),
    ]))
    path = tmp_path / "gx.json"
    path.write_text(json.dumps(suite.to_json_dict()), encoding="utf-8")
    assert all(e.get("id") for e in json.loads(path.read_text())["expectations"])  # GX writes ids; ftprep accepts them
    outcome = validate_records(banking_records(), ValidateConfig(suites=(str(path),), replace_default=True), Task.CLASSIFICATION)
    assert [(e.type, e.severity, e.status) for e in outcome.suites[0].expectations] == [
        ("expect_column_values_to_be_in_set", "critical", "pass"),
        ("expect_column_value_lengths_to_be_between", "warning", "fail"),
        ("expect_column_distinct_values_to_equal_set", "info", "fail"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"name": "x", "expectations": [', "not valid JSON"),
        ('{"expectation_suite_name": "old", "expectations": []}', "GX 0.x suite"),
        ('{"name": "x", "expectations": [{"type": "expect_column_to_be_nice", "kwargs": {"column": "text"}}]}',
         "(#1 expect_column_to_be_nice(text)): expect_column_to_be_nice not found"),
        ('{"name": "x", "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "lable"}}]}',
         "(#1 expect_column_values_to_not_be_null(lable)): column 'lable' is not in the flat frame"),
        ('{"name": "x", "expectations": [{"type": "expect_column_values_to_be_between", "kwargs": {"column": "n_chars"}}]}',
         "(#1 expect_column_values_to_be_between(n_chars)): 1 validation error"),
        ('{"name": "x", "expectations": [{"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "label", '
         '"value_set": {"$PARAMETER": "lables"}}}]}', "unknown suite parameter 'lables'"),
        ('{"name": "x", "expectations": [{"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}, '
         '"severity": "fatal"}]}', "severity 'fatal' is not one of critical, warning, info"),
        ('{"name": "x", "expectations": [{"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id", '
         '"row_condition": "spilt == \'val\'", "condition_parser": "pandas"}}]}', "GX could not run it: "),
    ],
)
def test_malformed_suite_is_a_suite_error_naming_file_and_expectation(tmp_path, content, message):
    """Bad JSON, GX 0.x format, unknown types, missing columns, bad kwargs, unknown parameters and bad severities
    are SuiteErrors that name the file and the expectation."""
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SuiteError) as info:
        validate_records(banking_records(), ValidateConfig(suites=(str(path),)), Task.CLASSIFICATION)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


# -- the CLI --------------------------------------------------------------------------------------------------------


def test_validate_command_exit_codes_and_table(tmp_path):
    """`ftprep validate` exits 0 on clean data (warnings allowed), 1 when a critical expectation fails, and prints
    the table."""
    runner = CliRunner()
    ok = runner.invoke(cli, ["validate", str(BANKING)])
    assert ok.exit_code == 0, ok.output
    assert ok.stderr == ""  # no GX progress bars or log lines without --verbose
    assert ok.stdout.splitlines()[-1] == "PASSED: 0 critical and 0 warning expectation(s) failed"
    warned = runner.invoke(cli, ["validate", str(TOY_CHAT)])
    assert warned.exit_code == 0
    assert "FAIL     warning   ftprep.chat #7 expect_column_values_to_match_regex(roles)" in warned.stdout
    assert "'system assistant'" in warned.stdout
    rows = [{"id": "same", "text": "first text", "label": "a"}, {"id": "same", "text": "second text", "label": "b"}]
    bad = runner.invoke(cli, ["validate", _write_jsonl(tmp_path / "dups.jsonl", rows)])
    assert bad.exit_code == 1
    assert bad.stdout.splitlines()[1].startswith("FAIL     critical  ftprep.classification #4 expect_column_values_to_be_unique(id)")
    assert bad.stdout.splitlines()[-1] == "FAILED: 1 critical and 0 warning expectation(s) failed"


def test_validate_command_json_output(tmp_path):
    """--json prints the report's expectations section with the row counts, and --suite adds a user suite."""
    suite = write_suite(tmp_path / "u.json", [{"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 10}}])
    result = CliRunner().invoke(cli, ["validate", str(TOY_CHAT), "--suite", suite, "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["task"] == "chat" and data["rows"] == {"read": 5, "validated": 5, "unreadable": 0}
    assert data["expectations"]["failed_critical"] == ["user.suite: #1 expect_table_row_count_to_be_between()"]
    assert data["expectations"]["failed_warning"] == ["ftprep.chat: #7 expect_column_values_to_match_regex(roles)"]


def test_validate_command_usage_errors_exit_2(tmp_path):
    """A malformed suite or a missing input exits 2 with one line naming the problem, no traceback."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "expectations": [{"type": "expect_nothing", "kwargs": {}}]}', encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(BANKING), "--suite", str(bad)])
    assert result.exit_code == 2
    assert result.stderr == f"error: {bad} (#1 expect_nothing()): expect_nothing not found\n"
    missing = runner.invoke(cli, ["validate", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    absent = runner.invoke(cli, ["validate", str(BANKING), "--suite", str(tmp_path / "none.json")])
    assert absent.exit_code == 2 and absent.stderr == f"error: {tmp_path / 'none.json'}: suite file not found\n"
    alone = runner.invoke(cli, ["validate", str(BANKING), "--replace-default-suite"])
    assert alone.exit_code == 2 and "no suite was given" in alone.stderr


def test_validate_command_on_prepared_splits(tmp_path):
    """On ftprep's train/val/test.jsonl the split comes from the file names, lang from meta, and ids as written:
    a label absent from val warns, and an id repeated across files fails the unique-id expectation."""
    def row(i: int, label: str) -> dict[str, Any]:
        return {"id": f"id{i}", "text": f"example number {i}", "label": label, "meta": {"lang": "en"}}

    train = _write_jsonl(tmp_path / "train.jsonl", [row(i, "ab"[i % 2]) for i in range(8)])
    val = _write_jsonl(tmp_path / "val.jsonl", [row(10, "a")])
    test = _write_jsonl(tmp_path / "test.jsonl", [row(11, "a"), row(12, "b")])
    result = CliRunner().invoke(cli, ["validate", train, val, test, "--json"])
    section = json.loads(result.stdout)["expectations"]
    assert result.exit_code == 0, result.output
    assert section["failed_warning"] == ["ftprep.classification: #9 expect_column_distinct_values_to_contain_set(label) where split == 'val'"]
    assert section["parameters"]["expected_labels"] == ["a", "b"]
    lang = next(e for e in section["suites"][0]["expectations"] if e["kwargs"].get("column") == "lang")
    assert lang["status"] == "skipped" and "'languages' is not set" in lang["note"]  # the column was found
    leaked = _write_jsonl(tmp_path / "test.jsonl", [row(1, "a"), row(12, "b")])
    result = CliRunner().invoke(cli, ["validate", train, val, leaked, "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["expectations"]["failed_critical"] == [
        "ftprep.classification: #4 expect_column_values_to_be_unique(id)"]


def test_validate_command_reads_validate_section_of_config(tmp_path):
    """[validate] labels in a TOML config reach the suite: a label outside the set fails the critical expectation."""
    config = tmp_path / "ftprep.toml"
    config.write_text('[validate]\nlabels = ["card_arrival", "exchange_rate"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(BANKING), "--config", str(config), "--json"])
    assert result.exit_code == 1
    section = json.loads(result.stdout)["expectations"]
    assert section["failed_critical"] == ["ftprep.classification: #6 expect_column_values_to_be_in_set(label)"]
    labels = next(e for e in section["suites"][0]["expectations"] if e["name"].startswith("#6"))
    assert labels["observed"]["unexpected_count"] == 20
    assert {x["value"] for x in labels["observed"]["examples"]} == {"lost_or_stolen_card"}


def test_inconsistent_validate_config_is_a_config_error():
    """Bounds the wrong way round are a ConfigError naming both options."""
    from pipeline.config import load_config
    from pipeline.core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"min_chars \(50\) is above max_chars \(10\)"):
        load_config(None, {"validate": {"min_chars": 50, "max_chars": 10}})


def test_verbose_shows_gx_progress():
    """--verbose lets GX's own progress bars through (on stderr); without it they are silenced."""
    result = CliRunner().invoke(cli, ["validate", str(TOY_CHAT), "--verbose"])
    assert result.exit_code == 0 and "Calculating Metrics" in result.stderr


def test_run_gates_on_critical_expectations_and_builds_data_docs(tmp_path):
    """`ftprep run` with a failing critical user suite is not_ready (exit 1), reports the expectations section
    and check, renders the table in report.md, and builds Data Docs with --data-docs."""
    suite = write_suite(tmp_path / "u.json", [{"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1000}}])
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(BANKING), "--out", str(out), "--suite", suite, "--data-docs", "-q"])
    assert result.exit_code == 1, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "not_ready"
    assert report["expectations"]["failed_critical"] == ["user.suite: #1 expect_table_row_count_to_be_between()"]
    check = next(c for c in report["checks"] if c["name"] == "expectations")
    assert check["status"] == "fail" and check["observed"] == {"failed_critical": 1, "failed_warning": 0}
    assert "| user.suite | `#1 expect_table_row_count_to_be_between()` | critical | FAIL | observed 60 |" in (
        out / "report.md").read_text(encoding="utf-8")
    assert (out / "data_docs" / "index.html").is_file()
    assert len(list((out / "data_docs" / "validations").rglob("*.html"))) == 2


def test_run_rejects_a_malformed_suite_before_reading_data(tmp_path):
    """`ftprep run` with a suite that is not JSON exits 2 naming it, before any output is written."""
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(BANKING), "--out", str(out), "--suite", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {bad}: not valid JSON")
    assert not out.exists()


def test_cli_does_not_import_great_expectations():
    """Importing the CLI and the stage modules does not import Great Expectations (it costs seconds)."""
    import subprocess
    import sys

    code = "import pipeline.cli, pipeline.runner, pipeline.validate, sys; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parent.parent.parent)
    assert out.stdout.strip() == "False"


def test_expectations_a_readiness_check_judges_say_which():
    """On ATIS (intents with one example) the shipped suite's label-share expectation fails and names label_balance,
    the calibrated check that judges the same property; report.json lists it under judged_elsewhere."""
    path = Path(__file__).parent.parent / "data" / "heldout" / "atis_3000.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    ds = make_records(Task.CLASSIFICATION, {"text": [r["text"] for r in rows], "label": [r["intent"] for r in rows]})
    outcome = validate_records(ds, ValidateConfig(), Task.CLASSIFICATION)
    share = next(e for e in outcome.suites[0].expectations if e.kwargs.get("column") == "label_share")
    assert share.status == "fail" and share.judged_by == "label_balance"
    section = outcome.to_dict()
    name = "ftprep.classification: #7 expect_column_values_to_be_between(label_share)"
    assert name in section["failed_warning"] and section["judged_elsewhere"] == {name: "label_balance"}
    unique = next(e for e in outcome.suites[0].expectations if e.type == "expect_column_values_to_be_unique")
    assert unique.judged_by is None and "judged_by" not in unique.to_dict()


def test_the_table_says_which_check_judges_a_failed_expectation():
    expectation = {"status": "fail", "observed": {"unexpected_count": 1, "element_count": 10, "unexpected_percent": 10.0},
                   "judged_by": "label_balance"}
    from pipeline.validate.render import observed_summary

    assert observed_summary(expectation) == "1 of 10 unexpected (10.0%); judged by the readiness check label_balance"
