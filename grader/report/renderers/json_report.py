"""The JSON report: everything, for tools (the keys are those of :func:`to_json`); and the
JSON a student may see (:func:`to_student_json`, the autograder's ``--format json``): the hidden
checks as one summary, no instructor's notes and no path of the grading machine."""

from __future__ import annotations

import json

from grader.report.results import CheckResult, ExerciseResult, Report


def _check(check: CheckResult) -> dict:
    return {
        "name": check.name,
        "description": check.description,
        "status": check.status.value,
        "score": check.score,
        "points": check.points,
        "visibility": check.visibility,
        "message": check.message,
        "details": check.details,
        "diagnosis": check.diagnosis,
        "diagnosis_message": check.diagnosis_message,
        "hint": check.hint,
        "output": check.output,
        "duration": round(check.duration, 4),
        "curves": [curve.to_data() for curve in check.curves],
    }


def _exercise(result: ExerciseResult, hidden: bool = True) -> dict:
    return {
        "name": result.exercise.name,
        "order": result.exercise.order,
        "title": result.exercise.title,
        "file": result.file,
        "status": result.status.value,
        "score": result.score,
        "max_score": result.max_score,
        "hidden_checks_not_run": result.hidden_not_run,
        "notes": list(result.notes),
        "checks": [_check(c) for c in result.checks if hidden or c.visibility == "public"],
    }


def to_json(report: Report) -> dict:
    return {
        "submission": report.submission,
        "isolation": report.isolation,
        "isolation_note": report.note,  # what it does not protect against; why not stronger
        "include_hidden": report.include_hidden,
        "hidden_checks_not_run": report.hidden_not_run,
        "hidden_points_not_run": report.hidden_points_not_run,
        "score": report.score,
        "max_score": report.max_score,
        "done": report.done,
        "total": len(report.exercises),
        "duration": round(report.duration, 4),
        "notes": list(report.notes),
        "instructor_notes": list(report.instructor_notes),
        "exercises": [_exercise(e) for e in report.exercises],
    }


def to_student_json(report: Report) -> dict:
    """:func:`to_json` without what a student must not see before the due date: each hidden
    check (``hidden_checks`` sums them up: how many, passed, points), the isolation's note (the
    instructor's advice), the instructor's notes and the graded folder's path."""
    data = to_json(report)
    for key in ("submission", "isolation_note", "instructor_notes"):
        del data[key]
    data["exercises"] = [_exercise(e, hidden=False) for e in report.exercises]
    hidden = report.hidden_checks
    data["hidden_checks"] = {
        "checks": len(hidden),
        "passed": sum(c.passed for c in hidden),
        "score": sum(c.score for c in hidden),
        "max_score": sum(c.points for c in hidden),
    }
    return data


def render_json(report: Report, colour: bool = False) -> str:
    return json.dumps(to_json(report), indent=2) + "\n"


def render_student_json(report: Report, colour: bool = False) -> str:
    return json.dumps(to_student_json(report), indent=2) + "\n"
