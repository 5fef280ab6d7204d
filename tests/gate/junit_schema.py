"""The element and attribute names of the common JUnit schema, for checking the JUnit files ftprep writes.

Transcribed from Jenkins' ``junit-10.xsd`` (jenkinsci/xunit-plugin, ``src/main/resources/org/jenkinsci/plugins/
xunit/types/model/xsd/junit-10.xsd``, the schema Jenkins validates JUnit results with; GitLab and the GitHub
JUnit-report actions read the same names). Only the names and the required attributes are used here.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# element -> (its attributes, the required ones, the child elements it may hold)
SCHEMA: dict[str, tuple[set[str], set[str], set[str]]] = {
    "testsuites": ({"name", "time", "tests", "failures", "errors"}, set(), {"testsuite"}),
    "testsuite": ({"name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp", "hostname", "id",
                   "package", "file", "log", "url"},
                  {"name", "tests", "failures", "errors"},
                  {"testsuite", "properties", "testcase", "system-out", "system-err"}),
    "properties": (set(), set(), {"property"}),
    "property": ({"name", "value"}, {"name", "value"}, set()),
    "testcase": ({"name", "time", "classname", "group"}, {"name"},
                 {"skipped", "error", "failure", "rerunFailure", "rerunError", "flakyFailure", "flakyError",
                  "system-out", "system-err"}),
    "failure": ({"type", "message"}, set(), set()),
    "error": ({"type", "message"}, set(), set()),
    "skipped": ({"type", "message"}, set(), set()),
    "system-out": (set(), set(), set()),
    "system-err": (set(), set(), set()),
}

_SUREFIRE_TIME = re.compile(r"(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?")  # the schema's SUREFIRE_TIME


def schema_problems(xml_text: str) -> list[str]:
    """Every element, attribute or nesting the schema does not allow, and every required attribute missing."""
    root = ET.fromstring(xml_text.encode("utf-8"))
    problems = [] if root.tag in ("testsuites", "testsuite") else [f"root <{root.tag}>"]

    def visit(element: ET.Element) -> None:
        if element.tag not in SCHEMA:
            problems.append(f"unknown element <{element.tag}>")
            return
        allowed, required, children = SCHEMA[element.tag]
        problems.extend(f"<{element.tag}> has no attribute {a!r} in the schema" for a in set(element.attrib) - allowed)
        problems.extend(f"<{element.tag}> lacks required {a!r}" for a in required - set(element.attrib))
        if "time" in element.attrib and not _SUREFIRE_TIME.fullmatch(element.attrib["time"]):
            problems.append(f"<{element.tag}> time {element.attrib['time']!r} is not a number of seconds")
        for child in element:
            if child.tag not in children:
                problems.append(f"<{child.tag}> inside <{element.tag}>")
            visit(child)

    visit(root)
    return problems
