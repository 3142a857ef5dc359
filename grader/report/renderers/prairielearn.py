"""PrairieLearn's external-grader results (``/grade/results/results.json``): ``gradable``,
``score`` from 0 to 1, ``message``, and one test per check with ``points`` / ``max_points``.

A submission in which no exercise file could be graded (every exercise missing, or nothing to
grade at all) is not gradable: PrairieLearn then counts no attempt, and ``format_errors`` says
what to upload. PrairieLearn has no per-test visibility, and students see every test: the
hidden checks that ran are one test, "hidden checks", with their points together and how many
passed, never a name or a message (on Gradescope each appears after the due date; the
autograder's ``--hidden-checks omit`` does not run them). PrairieLearn takes results of at
most 1 MB: when a report's text would make them larger (a submission that prints the most it
may in every check), each test's message is cut to a length that fits, and says so.
"""

from __future__ import annotations

import json

from grader.report.renderers.gradescope import check_text, hidden_summary, summary
from grader.report.results import ExerciseStatus, Report


def to_prairielearn(report: Report) -> dict:
    tests = [
        {
            "name": f"{result.exercise.name}: {check.description}",
            "description": f"{result.exercise.title} ({result.exercise.file}), check {index}",
            "points": check.score,
            "max_points": check.points,
            "message": check_text(check),
        }
        for result in report.exercises
        for index, check in enumerate(result.checks, start=1)
        if check.visibility == "public"
    ]
    hidden = report.hidden_checks
    if hidden:  # students see every test: the hidden checks are one line, with no names
        tests.append({
            "name": "hidden checks",
            "description": f"{len(hidden)} checks your instructor keeps hidden",
            "points": sum(c.score for c in hidden),
            "max_points": sum(c.points for c in hidden),
            "message": hidden_summary(report),
        })  # fmt: skip
    gradable = any(e.status != ExerciseStatus.MISSING for e in report.exercises)
    results = {
        "gradable": gradable,
        "score": report.score / report.max_score if report.max_score else 0.0,
        "message": summary(report),
        "tests": tests,
    }
    if not gradable:
        results["format_errors"] = list(report.notes) or [summary(report)]
    return results


RESULTS_BYTES = 1_000_000  # PrairieLearn's bound on results.json
_CUT = "\n… (cut here: PrairieLearn's results are limited to 1 MB)"


def render_prairielearn(report: Report, colour: bool = False) -> str:
    results = to_prairielearn(report)
    text = json.dumps(results, indent=2) + "\n"
    keep = max((len(test["message"]) for test in results["tests"]), default=0)
    while len(text) > RESULTS_BYTES and keep > 0:  # ASCII only: characters are bytes
        keep //= 2
        for test in results["tests"]:
            if len(test["message"]) > keep:
                test["message"] = test["message"][:keep] + _CUT
        text = json.dumps(results, indent=2) + "\n"
    return text
