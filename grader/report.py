"""Render a :class:`grader.results.Report`: text, JSON, Gradescope results.json, JUnit XML.

Formats:
- ``text``        one line per exercise, the first failure of the current exercise with its
                  diagnosis and hint, progress and the next step.
- ``json``        everything, for tools (schema: see :func:`to_json`).
- ``gradescope``  Gradescope's results.json (grader/schemas/gradescope-results.schema.json).
                  Hidden checks get visibility "after_due_date".
- ``junit``       JUnit XML, one <testsuite> per exercise (grader/schemas/junit-10.xsd).
"""

from __future__ import annotations

import json
import os
import re
import textwrap
from pathlib import Path

from grader.results import ERROR, MISSING, NOT_STARTED, PASSED, CheckResult, ExerciseResult, Report

FORMATS = ("text", "json", "gradescope", "junit")

_STATUS_COLOUR = {
    "done": "green",
    "failing": "red",
    "not started": "yellow",
    "missing": "yellow",
    "error": "magenta",
}


def use_colour(stream_is_tty: bool) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return stream_is_tty and not os.environ.get("NO_COLOR")


def _style(text: str, colour: str | None, enabled: bool, bold: bool = False) -> str:
    if not enabled or (colour is None and not bold):
        return text
    import click

    return click.style(text, fg=colour, bold=bold)


def _indent(text: str, prefix: str = "    ") -> str:
    return textwrap.indent(text.rstrip("\n"), prefix)


def describe_failure(check: CheckResult) -> str:
    """The learner-facing explanation of one failed check (no colour)."""
    lines = [check.message] if check.message else []
    if check.details:
        lines.append(check.details)
    if check.diagnosis_message:
        lines.append(f"Likely mistake: {check.diagnosis_message}")
    if check.hint:
        lines.append(f"Hint: {check.hint}")
    if check.output.strip():
        lines.append("Your code printed:\n" + _indent(check.output.strip()[:1000]))
    return "\n".join(lines)


def _display_path(path: str) -> str:
    """The path relative to the current folder when it lies inside it, else as an absolute path."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return os.path.abspath(path) if relative.startswith("..") else relative


def render_text(report: Report, colour: bool = False) -> str:
    out: list[str] = []
    scope = "all checks" if report.include_hidden else "public checks"
    where = _display_path(report.submission)
    header = f"grade {where}  ·  {scope}  ·  isolation: {report.isolation}"
    out.append(_style(header, None, colour, bold=True))
    if report.note:
        out.append(f"note: {report.note}")
    if not report.include_hidden and report.hidden_not_run:
        out.append(
            f"{report.hidden_not_run} hidden check(s) worth {report.hidden_points_not_run} "
            "point(s) were not run (the instructor's grading runs them; `grade --hidden` too)."
        )
    out.append("")
    width = max((len(e.exercise.name) for e in report.exercises), default=10)
    for result in report.exercises:
        status = result.status
        line = (
            f"  {result.exercise.order:>2}  {result.exercise.name:<{width}}  "
            f"{result.score:>3}/{result.max_score:<3}  "
        )
        out.append(line + _style(status, _STATUS_COLOUR.get(status), colour))
    out.append("")
    current = report.current
    if current is not None:
        out.extend(_current_section(current, colour))
    total = len(report.exercises)
    out.append(
        _style(f"Progress: {report.done}/{total} done", None, colour, bold=True)
        + f"  ·  {report.score}/{report.max_score} points"
    )
    out.append(_next_step(report, current))
    return "\n".join(out) + "\n"


def _current_section(current: ExerciseResult, colour: bool) -> list[str]:
    exercise = current.exercise
    path = _display_path(current.file)
    status = current.status
    if status == "not started":
        return [
            f"{exercise.name}: not started — {exercise.title}.",
            f"  Open {path}, read the instructions at the top, and replace each "
            "`raise NotImplementedError(...)` with your code.",
            "",
        ]
    if status == "missing":
        return [f"{exercise.name}: {path} is missing from this folder.", ""]
    check = current.first_failure
    assert check is not None
    title = f"{exercise.name}: {'failed' if check.status != ERROR else 'could not run'}: "
    title += f"{check.description} ({check.points} point{'s' if check.points != 1 else ''})"
    return [_style(title, "red", colour, bold=True), _indent(describe_failure(check)), ""]


def _next_step(report: Report, current: ExerciseResult | None) -> str:
    if current is None:
        if not report.exercises:
            return "Nothing was graded."
        return (
            "Next: all done — well done! `grade --solution NAME` shows a reference solution"
            " to compare with yours."
        )
    name, path = current.exercise.name, _display_path(current.file)
    if current.status == "not started":
        return (
            f"Next: start {path}, then run `grade -e {name}` (or `grade --watch`); "
            f"`grade --hint {name}` if you get stuck."
        )
    if current.status == "missing":
        return f"Next: put {current.exercise.file} into {_display_path(report.submission)}."
    return (
        f"Next: fix {path} and run `grade -e {name}` again (`grade --watch` re-grades on "
        f"every save; `grade --hint {name}` for hints)."
    )


# ---------------------------------------------------------------------------------------------


def to_json(report: Report) -> dict:
    return {
        "submission": report.submission,
        "isolation": report.isolation,
        "include_hidden": report.include_hidden,
        "hidden_checks_not_run": report.hidden_not_run,
        "hidden_points_not_run": report.hidden_points_not_run,
        "score": report.score,
        "max_score": report.max_score,
        "done": report.done,
        "total": len(report.exercises),
        "duration": round(report.duration, 4),
        "exercises": [
            {
                "name": e.exercise.name,
                "order": e.exercise.order,
                "title": e.exercise.title,
                "file": e.file,
                "status": e.status,
                "score": e.score,
                "max_score": e.max_score,
                "hidden_checks_not_run": e.hidden_not_run,
                "checks": [
                    {
                        "name": c.name,
                        "description": c.description,
                        "status": c.status,
                        "score": c.score,
                        "points": c.points,
                        "visibility": c.visibility,
                        "message": c.message,
                        "details": c.details,
                        "diagnosis": c.diagnosis,
                        "diagnosis_message": c.diagnosis_message,
                        "hint": c.hint,
                        "output": c.output,
                        "duration": round(c.duration, 4),
                    }
                    for c in e.checks
                ],
            }
            for e in report.exercises
        ],
    }


def render_json(report: Report) -> str:
    return json.dumps(to_json(report), indent=2) + "\n"


def _check_text(check: CheckResult) -> str:
    if check.passed:
        return "passed"
    if check.status == NOT_STARTED:
        return f"not started: {check.message}"
    if check.status == MISSING:
        return check.message
    return describe_failure(check)


def to_gradescope(report: Report) -> dict:
    tests = []
    for result in report.exercises:
        for index, check in enumerate(result.checks, start=1):
            tests.append(
                {
                    "name": f"{result.exercise.name}: {check.description}",
                    "number": f"{result.exercise.order}.{index}",
                    "score": check.score,
                    "max_score": check.points,
                    "status": "passed" if check.passed else "failed",
                    "output": _check_text(check),
                    "visibility": "visible" if check.visibility == "public" else "after_due_date",
                    "tags": [result.exercise.name] + ([check.diagnosis] if check.diagnosis else []),
                }
            )
    summary = (
        f"{report.done}/{len(report.exercises)} exercises done (isolation: {report.isolation})."
    )
    if not report.include_hidden and report.hidden_not_run:
        summary += f" {report.hidden_not_run} hidden check(s) were not run."
    return {
        "score": report.score,
        "execution_time": round(report.duration, 3),
        "output": summary,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def render_gradescope(report: Report) -> str:
    return json.dumps(to_gradescope(report), indent=2) + "\n"


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (learner output may contain anything)."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def render_junit(report: Report) -> str:
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="gdkit grade", time=f"{report.duration:.3f}")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for result in report.exercises:
        failures = sum(c.status not in (PASSED, ERROR) for c in result.checks)
        errors = sum(c.status == ERROR for c in result.checks)
        suite = ET.SubElement(
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
        properties = ET.SubElement(suite, "properties")
        for key, value in (
            ("score", result.score),
            ("max_score", result.max_score),
            ("status", result.status),
            ("isolation", report.isolation),
        ):
            ET.SubElement(properties, "property", name=key, value=str(value))
        for check in result.checks:
            case = ET.SubElement(
                suite,
                "testcase",
                name=check.name,
                classname=f"gdkit.{result.exercise.name}",
                time=f"{check.duration:.4f}",
            )
            if check.status == ERROR:
                element = ET.SubElement(
                    case, "error", message=_xml_safe(check.message), type="CheckError"
                )
                element.text = _xml_safe(check.details)
            elif not check.passed:
                element = ET.SubElement(
                    case,
                    "failure",
                    message=_xml_safe(check.message),
                    type=check.diagnosis or check.status,
                )
                element.text = _xml_safe(_check_text(check))
            if check.output:
                ET.SubElement(case, "system-out").text = _xml_safe(check.output)
        totals["tests"] += len(result.checks)
        totals["failures"] += failures
        totals["errors"] += errors
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render(report: Report, fmt: str, colour: bool = False) -> str:
    if fmt == "text":
        return render_text(report, colour)
    if fmt == "json":
        return render_json(report)
    if fmt == "gradescope":
        return render_gradescope(report)
    if fmt == "junit":
        return render_junit(report)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def schema_path(name: str) -> Path:
    return Path(__file__).resolve().parent / "schemas" / name
