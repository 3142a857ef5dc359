"""The JSON report: everything, for tools (the keys are those of :func:`to_json`)."""

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
    }


def _exercise(result: ExerciseResult) -> dict:
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
        "checks": [_check(c) for c in result.checks],
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
        "exercises": [_exercise(e) for e in report.exercises],
    }


def render_json(report: Report, colour: bool = False) -> str:
    return json.dumps(to_json(report), indent=2) + "\n"
