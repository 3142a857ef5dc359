"""JUnit XML (grader/report/schemas/junit-10.xsd): one <testsuite> per exercise, one <testcase> per
check. The text is already sanitised; this module only keeps out what XML 1.0 cannot hold."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from grader.report.renderers.gradescope import check_text
from grader.report.results import CheckResult, CheckStatus, ExerciseResult, Report

# everything outside XML 1.0's Char production (tab, newline and carriage return are allowed)
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold replaced by U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def _element(parent: ET.Element, tag: str, text: str = "", **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attributes.items()})
    if text:
        element.text = xml_safe(text)
    return element


def _testcase(suite: ET.Element, exercise: str, check: CheckResult) -> None:
    case = _element(
        suite,
        "testcase",
        name=check.name,
        classname=f"gdkit.{exercise}",
        time=f"{check.duration:.4f}",
    )
    if check.status == CheckStatus.ERROR:
        _element(case, "error", check.details, message=check.message, type="CheckError")
    elif not check.passed:
        kind = check.diagnosis or check.status.value
        _element(case, "failure", check_text(check), message=check.message, type=kind)
    if check.output:
        _element(case, "system-out", check.output)


def _testsuite(root: ET.Element, result: ExerciseResult, isolation: str) -> tuple[int, int]:
    errors = sum(c.status == CheckStatus.ERROR for c in result.checks)
    failures = sum(not c.passed for c in result.checks) - errors
    suite = _element(
        root,
        "testsuite",
        name=result.exercise.name,
        tests=str(len(result.checks)),
        failures=str(failures),
        errors=str(errors),
        skipped=str(result.hidden_not_run),
        time=f"{sum(c.duration for c in result.checks):.3f}",
        file=result.file,
    )
    properties = _element(suite, "properties")
    for key, value in (
        ("score", result.score),
        ("max_score", result.max_score),
        ("status", result.status.value),
        ("isolation", isolation),
    ):
        _element(properties, "property", name=key, value=str(value))
    for check in result.checks:
        _testcase(suite, result.exercise.name, check)
    return failures, errors


def render_junit(report: Report, colour: bool = False) -> str:
    root = ET.Element("testsuites", name="gdkit grade", time=f"{report.duration:.3f}")
    failures = errors = 0
    for result in report.exercises:
        suite_failures, suite_errors = _testsuite(root, result, report.isolation)
        failures, errors = failures + suite_failures, errors + suite_errors
    tests = sum(len(e.checks) for e in report.exercises)
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
