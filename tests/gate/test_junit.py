"""JUnit XML of a report: one case per check and per failed expectation, read back by a real JUnit parser."""

from __future__ import annotations

import pytest

junitparser = pytest.importorskip("junitparser", reason="junitparser is a dev dependency: pip install -e '.[dev]'")
from junitparser import Error, Failure, JUnitXml, Skipped  # noqa: E402

from pipeline.core.errors import InputError
from pipeline.gate.junit import error_suite, junit_document, junit_on_error, report_suite, write_junit
from pipeline.readiness.check import Check, Rule
from tests.gate.junit_schema import schema_problems


def _report() -> dict:
    """A report with one check of every status and a failed expectation of every severity (shapes as ftprep writes)."""
    checks = [
        Rule("min_examples", {"fail_below": 10}).result(1496, "1496 examples kept"),
        Rule("min_per_label", {"fail_below": 10}).result(3, "5 labels have fewer than 10 examples", "add examples"),
        Rule("eval_power", {"warn_above": 0.05}).result(0.079, "accuracy known to within ±7.9%", "grow the test split"),
        Rule("diversity", None).skip("diversity is measured for completion and chat data"),
        Check("label_shift", "info", 0.01, None, "labels moved a little"),
    ]
    failed = [
        {"name": "#1 expect_column_values_to_not_be_null(text)", "type": "expect_column_values_to_not_be_null",
         "kwargs": {"column": "text"}, "severity": "critical", "status": "fail", "success": False,
         "observed": {"unexpected_count": 2}, "description": "Every record has a non-null `text`.", "note": None},
        {"name": "#7 expect_column_values_to_be_between(label_share)", "type": "expect_column_values_to_be_between",
         "kwargs": {"column": "label_share"}, "severity": "warning", "status": "fail", "success": False,
         "observed": {"unexpected_count": 1376}, "description": "Each label's share is in range.", "note": None},
        {"name": "#10 expect_column_distinct_values_to_contain_set(label)", "severity": "warning", "status": "fail",
         "type": "expect_column_distinct_values_to_contain_set", "kwargs": {"column": "label"}, "success": False,
         "observed": {}, "description": "Every label is present in the test split.", "note": None,
         "judged_by": "label_coverage"},
        {"name": "#9 expect_column_mean_to_be_between(n_tokens)", "type": "expect_column_mean_to_be_between",
         "kwargs": {"column": "n_tokens"}, "severity": "info", "status": "fail", "success": False,
         "observed": {"observed_value": 13.2}, "description": "Mean length in range.", "note": None},
        {"name": "#2 expect_column_values_to_be_unique(id)", "type": "expect_column_values_to_be_unique",
         "kwargs": {"column": "id"}, "severity": "critical", "status": "pass", "success": True, "observed": {},
         "description": "Ids are unique.", "note": None},
    ]
    return {"ftprep_version": "0.1.0", "verdict": "not_ready", "task": "classification",
            "counts": {"input": 1500, "kept": 1496, "rejected": {"duplicate_near": 4},
                       "splits": {"train": 1188, "val": 154, "test": 154}},
            "checks": [c.as_dict() for c in checks],
            "expectations": {"suites": [{"name": "ftprep.classification", "expectations": failed}]}}


def _statuses(xml: JUnitXml) -> dict[str, str]:
    found = {}
    for suite in xml:
        for case in suite:
            kinds = {type(r) for r in case.result}
            found[case.name] = ("failure" if Failure in kinds else "error" if Error in kinds
                                else "skipped" if Skipped in kinds else "passed")
    return found


def test_statuses_map_to_junit_results(tmp_path):
    """fail -> failure, warn -> passed with the warning in system-out, skip -> skipped, info -> passed."""
    path = tmp_path / "junit.xml"
    write_junit(path, _report(), "banking77", "fail")
    xml = JUnitXml.fromfile(str(path))
    assert _statuses(xml) == {
        "min_examples": "passed", "min_per_label": "failure", "eval_power": "passed", "diversity": "skipped",
        "label_shift": "passed",
        "ftprep.classification #1 expect_column_values_to_not_be_null(text)": "failure",
        "ftprep.classification #7 expect_column_values_to_be_between(label_share)": "passed",
        "ftprep.classification #9 expect_column_mean_to_be_between(n_tokens)": "passed",
        "ftprep.classification #10 expect_column_distinct_values_to_contain_set(label)": "passed",
    }
    (suite,) = list(xml)
    assert (suite.name, suite.tests, suite.failures, suite.errors, suite.skipped) == ("banking77", 9, 2, 0, 1)
    cases = {case.name: case for case in suite}
    assert cases["eval_power"].system_out.startswith("WARN: accuracy known to within ±7.9%")
    assert cases["label_shift"].system_out.startswith("INFO: labels moved a little")
    assert cases["diversity"].result[0].message == "diversity is measured for completion and chat data"
    failure = cases["min_per_label"].result[0]
    assert failure.message == "5 labels have fewer than 10 examples" and "recommendation: add examples" in failure.text
    assert cases["min_per_label"].classname == "banking77.readiness"
    assert {p.name: p.value for p in suite.properties()}["verdict"] == "not_ready"


def test_fail_on_warn_turns_warnings_into_failures(tmp_path):
    """With --fail-on warn a warning check and a warning-severity expectation are failures; info stays passed."""
    path = tmp_path / "junit.xml"
    write_junit(path, _report(), "banking77", "warn")
    statuses = _statuses(JUnitXml.fromfile(str(path)))
    assert statuses["eval_power"] == "failure"
    assert statuses["ftprep.classification #7 expect_column_values_to_be_between(label_share)"] == "failure"
    assert statuses["label_shift"] == "passed"
    assert statuses["ftprep.classification #9 expect_column_mean_to_be_between(n_tokens)"] == "passed"
    # judged by label_coverage, whose own case gives the verdict: info, never a second failure
    assert statuses["ftprep.classification #10 expect_column_distinct_values_to_contain_set(label)"] == "passed"


@pytest.mark.parametrize("fail_on", ["fail", "warn"])
def test_output_uses_only_the_junit_schema_names(fail_on):
    """Every element and attribute is one of junit-10.xsd's, with its required attributes; times are numbers."""
    suites = [report_suite(_report(), "banking77", fail_on, seconds=12.5), error_suite("broken", "exit 2: no such file", seconds=0.4)]
    xml = junit_document(suites, name="ftprep batch")
    assert schema_problems(xml) == []


def test_the_schema_check_can_fail():
    """The schema check rejects names the schema does not have (a made-up attribute and element)."""
    assert schema_problems('<testsuites skipped="1"><testsuite name="a" tests="1" failures="0" errors="0">'
                           '<testcase name="x"><warning/></testcase></testsuite></testsuites>') == [
        "<testsuites> has no attribute 'skipped' in the schema", "<warning> inside <testcase>", "unknown element <warning>"]


def test_text_xml_cannot_hold_is_replaced():
    """A control character in a message (labels and texts come from the data) still gives a parsable file."""
    report = _report()
    report["checks"][1]["message"] = "label \x00bad\x1b names"
    xml = JUnitXml.fromstring(junit_document([report_suite(report, "x", "fail")]))
    cases = {case.name: case for suite in xml for case in suite}
    assert cases["min_per_label"].result[0].message == "label \ufffdbad\ufffd names"


def test_same_report_gives_same_bytes():
    """No timestamp or host name: a JUnit file is reproducible like every other output."""
    assert junit_document([report_suite(_report(), "a", "fail")]) == junit_document([report_suite(_report(), "a", "fail")])


def test_an_error_is_written_as_an_error_case_and_raised(tmp_path):
    """A run that stops with an error leaves a JUnit file with one error case, and the error still reaches the CLI."""
    path = tmp_path / "junit.xml"
    with pytest.raises(InputError), junit_on_error(path, "banking77"):
        raise InputError("no such file", path="data/missing.csv")
    (suite,) = list(JUnitXml.fromfile(str(path)))
    (case,) = list(suite)
    assert (suite.errors, case.name) == (1, "ftprep run")
    assert isinstance(case.result[0], Error) and case.result[0].message == "data/missing.csv: no such file"
