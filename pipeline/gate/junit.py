"""JUnit XML from a report, so CI systems (GitHub Actions, GitLab, Jenkins) list the readiness checks as tests.

One ``<testsuite>`` per dataset, one ``<testcase>`` per readiness check and per failed expectation:

============  ==========================================================================================
status        JUnit
============  ==========================================================================================
``fail``      ``<failure type="fail">``
``warn``      ``<failure type="warn">`` with ``--fail-on warn``; otherwise a passed case, the warning in
              ``<system-out>``
``skip``      ``<skipped message="why">``
``info``      a passed case, the finding in ``<system-out>``
``pass``      a passed case, the check's message in ``<system-out>``
============  ==========================================================================================

A failed expectation follows its severity: ``critical`` as ``fail``, ``warning`` as ``warn``, ``info`` as ``info``;
one that a readiness check judges (``judged_by``) is ``info``, since that check's own case carries the verdict.
Only the element and attribute names of the common JUnit schema (Jenkins' ``junit-10.xsd``) are written, and no
timestamp: the same report gives the same bytes.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.core.errors import FtprepError, OutputError
from pipeline.core.outdir import OWNED_NAMES

_SEVERITY_STATUS = {"critical": "fail", "warning": "warn", "info": "info"}
# characters XML 1.0 cannot hold at all (not even escaped)
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def report_suite(report: dict[str, Any], name: str, fail_on: str, *, seconds: float | None = None) -> ET.Element:
    """The ``<testsuite>`` of one run: its checks, then its failed expectations."""
    suite = ET.Element("testsuite", {"name": _text(name)})
    properties = ET.SubElement(suite, "properties")
    counts = report.get("counts") or {}
    for key, value in (("verdict", report.get("verdict")), ("task", report.get("task")), ("fail_on", fail_on),
                       ("input", counts.get("input")), ("kept", counts.get("kept")),
                       ("rejected", sum((counts.get("rejected") or {}).values())),
                       *((split, n) for split, n in (counts.get("splits") or {}).items()),
                       ("ftprep_version", report.get("ftprep_version"))):
        ET.SubElement(properties, "property", {"name": key, "value": _text(value)})
    for check in report.get("checks") or []:
        _case(suite, f"{name}.readiness", check["name"], check["status"], fail_on, check.get("message") or "",
              _check_details(check))
    for suite_name, expectation in _failed_expectations(report):
        status = _SEVERITY_STATUS.get(expectation.get("severity"), "fail")
        message = expectation.get("description") or expectation["name"]
        if expectation.get("judged_by"):  # the readiness check it names gives the verdict (its own case above)
            status, message = "info", f"{message} (judged by the {expectation['judged_by']} check)"
        _case(suite, f"{name}.expectations", f"{suite_name} {expectation['name']}", status, fail_on, message,
              _expectation_details(expectation))
    return _counted(suite, seconds)


def error_suite(name: str, message: str, *, seconds: float | None = None) -> ET.Element:
    """The ``<testsuite>`` of a dataset whose run could not finish: one case with an ``<error>``."""
    suite = ET.Element("testsuite", {"name": _text(name)})
    case = ET.SubElement(suite, "testcase", {"classname": _text(f"{name}.run"), "name": "ftprep run"})
    ET.SubElement(case, "error", {"type": "error", "message": _text(message)}).text = _text(message)
    return _counted(suite, seconds)


def junit_document(suites: list[ET.Element], name: str = "ftprep") -> str:
    """``<testsuites>`` holding ``suites``, with their totals, as an XML document."""
    root = ET.Element("testsuites", {"name": _text(name)})
    totals = dict.fromkeys(("tests", "failures", "errors"), 0)
    for suite in suites:
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        root.append(suite)
    root.attrib.update({key: str(n) for key, n in totals.items()})
    times = [suite.get("time") for suite in suites]
    if times and all(times):
        root.set("time", f"{sum(float(t) for t in times):.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(path: Path, report: dict[str, Any], name: str, fail_on: str) -> None:
    """Write the JUnit file of one run (atomically; its folder is created if needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    from pipeline.core.output import write_text  # imports datasets: not before a run has checked its arguments

    write_text(path, junit_document([report_suite(report, name, fail_on)]))


def write_junit_error(path: Path, name: str, message: str) -> None:
    """Write the JUnit file of a run that stopped with an error, so CI shows the error where it shows the checks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    from pipeline.core.output import write_text

    write_text(path, junit_document([error_suite(name, message)]))


def check_junit_path(path: Path, *, reads: Iterable[str | Path] = (), out_dir: Path | None = None,
                     inside_allowed: bool = True) -> None:
    """Refuse (OutputError, exit 2) before any work a ``--junit`` file that would replace something or cannot be
    written: a file the command reads, an output of the run folder ``out_dir`` (anything in it when not
    ``inside_allowed``), an existing file that is not XML, a folder, or a place that cannot be written."""
    target = Path(os.path.realpath(path))
    for read in reads:
        if Path(os.path.realpath(read)) == target:
            raise OutputError(f"--junit {path}: that is {read}, which this command reads; choose another file")
    if out_dir is not None:
        folder = Path(os.path.realpath(out_dir))
        if folder == target or folder in target.parents:
            first = target.relative_to(folder).parts[0] if folder != target else ""
            if not inside_allowed:
                raise OutputError(f"--junit {path}: inside {out_dir}, which `ftprep check` only reads; write it "
                                  "elsewhere")
            if first in OWNED_NAMES or first.startswith("."):
                raise OutputError(f"--junit {path}: {first} is an output of the run in {out_dir}; choose another file")
    if target.is_dir():
        raise OutputError(f"--junit {path}: a folder; give a file name")
    if target.is_file() and target.stat().st_size:
        with open(target, "rb") as fh:
            start = fh.read(64).lstrip()
        if not start.startswith(b"<"):
            raise OutputError(f"--junit {path}: the file exists and is not XML (not an earlier JUnit file); "
                              "refusing to replace it: choose another file or remove it")
    if (why := unwritable(target.parent)) is not None:
        raise OutputError(f"--junit {path}: {why}, so the JUnit file cannot be written")


def unwritable(folder: Path) -> str | None:
    """Why no file can be written into ``folder`` (or, when it does not exist yet, into the folder that would hold
    it), or None. Tried by creating and removing a file: permission bits do not tell (root, read-only mounts)."""
    folder = Path(os.path.abspath(folder))
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is not a folder"
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".ftprep-probe-"):
            pass
    except OSError as exc:
        return f"{folder} is not writable ({exc.strerror or exc})"
    return None


@contextmanager
def junit_on_error(path: Path | None, name: str, *, reads: Iterable[str | Path] = (), out_dir: Path | None = None,
                   inside_allowed: bool = True) -> Iterator[None]:
    """Around a command: first refuse a ``path`` that must not be written (:func:`check_junit_path`); then, if the
    command stops with an error, write ``path`` (when given) as a JUnit file holding that error, and let the error
    go on to the CLI, which prints it and exits 2 or 3."""
    if path is not None:
        check_junit_path(path, reads=reads, out_dir=out_dir, inside_allowed=inside_allowed)
    try:
        yield
    except Exception as exc:
        if path is not None:
            kind = "" if isinstance(exc, FtprepError) else f"internal error: {type(exc).__name__}: "
            try:
                write_junit_error(path, name, f"{kind}{exc}")
            except OSError:
                pass  # the error being raised says more than a JUnit file that cannot be written
        raise


def _case(suite: ET.Element, classname: str, name: str, status: str, fail_on: str, message: str, details: str) -> None:
    case = ET.SubElement(suite, "testcase", {"classname": _text(classname), "name": _text(name)})
    if status == "fail" or (status == "warn" and fail_on == "warn"):
        failure = ET.SubElement(case, "failure", {"type": status, "message": _text(message)})
        failure.text = _text(details)
    elif status == "skip":
        ET.SubElement(case, "skipped", {"message": _text(message)})
    else:  # pass, info, and warn that does not fail the gate: the finding goes to the case's output
        prefix = "" if status == "pass" else f"{status.upper()}: "
        ET.SubElement(case, "system-out").text = _text(f"{prefix}{message}\n{details}")


def _counted(suite: ET.Element, seconds: float | None) -> ET.Element:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(case.find("failure") is not None for case in cases)))
    suite.set("errors", str(sum(case.find("error") is not None for case in cases)))
    suite.set("skipped", str(sum(case.find("skipped") is not None for case in cases)))
    if seconds is not None:
        suite.set("time", f"{seconds:.3f}")
    return suite


def _check_details(check: dict[str, Any]) -> str:
    lines = [f"status: {check['status']}", f"observed: {_compact(check.get('observed'))}",
             f"threshold: {_compact(check.get('threshold'))}"]
    if check.get("recommendation"):
        lines.append(f"recommendation: {check['recommendation']}")
    return "\n".join(lines)


def _expectation_details(expectation: dict[str, Any]) -> str:
    lines = [f"severity: {expectation.get('severity')}", f"expectation: {expectation.get('type')}",
             f"kwargs: {_compact(expectation.get('kwargs'))}", f"observed: {_compact(expectation.get('observed'))}"]
    if expectation.get("note"):
        lines.append(f"note: {expectation['note']}")
    return "\n".join(lines)


def _failed_expectations(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    section = report.get("expectations") or {}
    return [(suite["name"], expectation) for suite in section.get("suites") or []
            for expectation in suite.get("expectations") or [] if expectation.get("status") == "fail"]


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False, default=str)


def _text(value: Any) -> str:
    """A value as text XML can hold (characters XML 1.0 forbids become U+FFFD)."""
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))
