"""The report model and its renderers, on reports built directly (no sandbox): the status
enums and the renderer registry."""

from __future__ import annotations

import json

import pytest

from grader import renderers
from grader import report as report_module
from grader.exercises import by_name
from grader.renderers import RENDERERS, renderer
from grader.results import (
    ERROR,
    FAILED,
    MISSING,
    NOT_STARTED,
    PASSED,
    CheckResult,
    CheckStatus,
    ExerciseResult,
    ExerciseStatus,
    Report,
)


def check(status, n=1, message="", **fields) -> CheckResult:
    return CheckResult(
        "x", f"test_{n}", f"check number {n}", 2, "public", status, message=message, **fields
    )


def exercise(name: str, *checks: CheckResult) -> ExerciseResult:
    return ExerciseResult(by_name(name), f"/tmp/sub/{by_name(name).file}", list(checks))


def make_report(*exercises: ExerciseResult) -> Report:
    return Report("/tmp/sub", "rlimits only", False, list(exercises))


# -- statuses ---------------------------------------------------------------------------------


def test_statuses_are_enums_with_todays_strings():
    assert [s.value for s in CheckStatus] == [
        "passed",
        "failed",
        "not_started",
        "missing",
        "error",
    ]
    assert [s.value for s in ExerciseStatus] == [
        "done",
        "failing",
        "not started",
        "missing",
        "error",
    ]
    assert PASSED == "passed" and f"{NOT_STARTED}" == "not_started" and str(ERROR) == "error"
    assert json.dumps([FAILED, ExerciseStatus.NOT_STARTED]) == '["failed", "not started"]'
    assert check("missing").status is MISSING  # a plain string read back becomes the enum
    with pytest.raises(ValueError):
        check("maybe")


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([PASSED, PASSED], "done"),
        ([PASSED, FAILED], "failing"),
        ([NOT_STARTED, NOT_STARTED], "not started"),
        ([PASSED, NOT_STARTED], "failing"),
        ([MISSING, MISSING], "missing"),
        ([PASSED, ERROR], "error"),
    ],
)
def test_exercise_status(statuses, expected):
    result = exercise("parabola", *(check(s, n) for n, s in enumerate(statuses)))
    assert result.status == expected and isinstance(result.status, ExerciseStatus)


def test_json_carries_the_status_strings():
    data = json.loads(
        report_module.render(make_report(exercise("parabola", check(NOT_STARTED))), "json")
    )
    assert data["exercises"][0]["status"] == "not started"
    assert data["exercises"][0]["checks"][0]["status"] == "not_started"


# -- the registry -----------------------------------------------------------------------------


def test_every_format_is_a_registered_renderer():
    assert report_module.FORMATS == ("text", "json", "gradescope", "junit")
    assert all(RENDERERS[name].description for name in report_module.FORMATS)
    with pytest.raises(ValueError, match="unknown format 'yaml'; choose from text, json"):
        report_module.render(make_report(), "yaml")


def test_a_format_is_one_registered_function(monkeypatch):
    registry = dict(RENDERERS)
    monkeypatch.setattr(renderers, "RENDERERS", registry)
    monkeypatch.setattr(report_module, "RENDERERS", registry)

    @renderer("count", "how many exercises")
    def count(report, colour=False):
        return f"{len(report.exercises)}\n"

    assert report_module.render(make_report(exercise("parabola")), "count") == "1\n"
    with pytest.raises(ValueError, match="two renderers"):
        renderer("count", "again")(count)
