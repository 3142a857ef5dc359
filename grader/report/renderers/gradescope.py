"""Gradescope's results.json (grader/report/schemas/gradescope-results.schema.json): one test per
check; hidden checks get the visibility "after_due_date"."""

from __future__ import annotations

import json

from grader.report.renderers.text import describe_failure
from grader.report.results import CheckResult, CheckStatus, ExerciseResult, Report


def check_text(check: CheckResult) -> str:
    """What a check's outcome says, in plain text (Gradescope's and JUnit's body)."""
    if check.passed:
        return "passed"
    if check.status == CheckStatus.NOT_STARTED:
        return f"not started: {check.message}"
    if check.status == CheckStatus.MISSING:
        return check.message
    return describe_failure(check)


def _test(result: ExerciseResult, index: int, check: CheckResult) -> dict:
    return {
        "name": f"{result.exercise.name}: {check.description}",
        "number": f"{result.exercise.order}.{index}",
        "score": check.score,
        "max_score": check.points,
        "status": "passed" if check.passed else "failed",
        "output": check_text(check),
        "visibility": "visible" if check.visibility == "public" else "after_due_date",
        "tags": [result.exercise.name] + ([check.diagnosis] if check.diagnosis else []),
    }


def summary(report: Report) -> str:
    """The report's headline for a learning platform: exercises done and the isolation that
    ran, then every note (about the submission, then each exercise: which file was graded,
    cells left out, links)."""
    head = f"{report.done}/{len(report.exercises)} exercises done (isolation: {report.isolation})."
    if not report.include_hidden and report.hidden_not_run:
        head += f" {report.hidden_not_run} hidden check(s) were not run."
    notes = [f"{r.exercise.name}: {'; '.join(r.notes)}" for r in report.exercises if r.notes]
    return "\n".join([head, *report.notes, *notes])


def hidden_summary(report: Report) -> str:
    """The hidden checks in one line, for students before the due date: how many passed and
    their points, never a name, a description or a message."""
    hidden = report.hidden_checks
    passed = sum(c.passed for c in hidden)
    points = sum(c.points for c in hidden)
    score = sum(c.score for c in hidden)
    return (
        f"{passed} of {len(hidden)} hidden checks passed ({score}/{points} points); which ones "
        "is not shown."
    )


def _instructor_test(report: Report) -> dict:
    """What only instructors see: a test Gradescope never shows students ("hidden")."""
    return {
        "name": "Autograder set-up (instructors only)",
        "score": 0,
        "max_score": 0,
        "status": "passed" if report.exercises else "failed",
        "output": "\n".join(report.instructor_notes),
        "visibility": "hidden",
        "tags": ["autograder"],
    }


def to_gradescope(report: Report) -> dict:
    tests = [
        _test(result, index, check)
        for result in report.exercises
        for index, check in enumerate(result.checks, start=1)
    ]
    if report.instructor_notes:
        tests.append(_instructor_test(report))
    return {
        "score": report.score,
        "execution_time": round(report.duration, 3),
        "output": summary(report),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def render_gradescope(report: Report, colour: bool = False) -> str:
    return json.dumps(to_gradescope(report), indent=2) + "\n"
