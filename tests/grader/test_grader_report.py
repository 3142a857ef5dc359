"""The report model and its renderers, on reports built directly (no sandbox): the status
enums, the renderer registry, and the text report's layout — every failing check of the
current exercise (collapsed after a few), a one-line reason per failing exercise in the
overview, and a "Next:" that names the exercise whose details are shown."""

from __future__ import annotations

import json

import pytest

from grader.exercises import by_name, load_exercises
from grader.report import render as report_module
from grader.report.renderers import RENDERERS, Renderer
from grader.report.renderers.text import SHOWN_IN_FULL
from grader.report.results import (
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


def failing(count: int, **fields) -> list[CheckResult]:
    return [check(FAILED, n, f"reason {n}: got 3, expected 4", **fields) for n in range(count)]


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
    assert report_module.FORMATS == (
        "text",
        "json",
        "gradescope",
        "junit",
        "prairielearn",
        "html",
    )
    assert all(RENDERERS[name].description for name in report_module.FORMATS)
    with pytest.raises(ValueError, match="unknown format 'yaml'; choose from text, json"):
        report_module.render(make_report(), "yaml")


def test_a_format_is_one_entry_in_the_registry(monkeypatch):
    def count(report, colour=False):
        return f"{len(report.exercises)}\n"

    monkeypatch.setitem(RENDERERS, "count", Renderer("count", "how many exercises", count))
    assert report_module.render(make_report(exercise("parabola")), "count") == "1\n"


# -- the text report's layout -----------------------------------------------------------------


def test_every_failing_check_of_the_current_exercise_is_shown():
    text = report_module.render_text(
        make_report(exercise("bce_gradient", check(PASSED, 9), *failing(SHOWN_IN_FULL)))
    )
    assert "bce_gradient: 3 of 4 checks did not pass" in text
    for n in range(SHOWN_IN_FULL):
        assert f"✗ failed: check number {n} (2 points)" in text
        assert f"reason {n}: got 3, expected 4" in text
    assert "more failing check" not in text


def test_failing_checks_are_collapsed_after_a_few():
    text = report_module.render_text(make_report(exercise("bce_gradient", *failing(7))))
    shown = [n for n in range(7) if f"reason {n}:" in text.split("\n\n")[1]]
    assert shown == list(range(SHOWN_IN_FULL))
    assert f"… and {7 - SHOWN_IN_FULL} more failing checks: check number 3; check number 4;" in (
        text
    )
    one_more = report_module.render_text(
        make_report(exercise("bce_gradient", *failing(SHOWN_IN_FULL + 1)))
    )
    assert "… and 1 more failing check: check number 3\n" in one_more  # counted and named


def test_a_mistake_named_by_several_failures_is_told_once():
    checks = failing(3, hint="Divide by m.", diagnosis_message="You summed.")
    checks[2].diagnosis_message, checks[2].hint = "You forgot the minus.", "Subtract."
    text = report_module.render_text(make_report(exercise("bce_gradient", *checks)))
    assert text.count("Likely mistake: You summed.") == 1 and text.count("Hint: Divide") == 1
    assert text.count("Likely mistake: the same as above.") == 1
    assert "Likely mistake: You forgot the minus." in text and "Hint: Subtract." in text


def test_a_check_that_could_not_run_says_so():
    crashed = check(ERROR, 1, "the check crashed (not your fault): KeyError", details="tb")
    text = report_module.render_text(make_report(exercise("parabola", crashed)))
    assert "✗ could not run: check number 1" in text and "tb" in text


def test_the_overview_gives_each_failing_exercise_a_one_line_reason(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    long_reason = "momentum_step(w, g, v) returned " + "[1.0, 2.0, 3.0] " * 20 + "\nsecond line"
    text = report_module.render_text(
        make_report(
            exercise("parabola", check(PASSED)),
            exercise("bce_gradient", check(PASSED), *failing(2)),
            exercise("momentum", check(FAILED, 1, long_reason)),
            exercise("thermometers", check(NOT_STARTED)),
        )
    )
    lines = {line.split()[1]: line for line in text.splitlines()[1:5]}
    assert lines["parabola"].endswith("done")
    assert lines["bce_gradient"].endswith("failing")  # the current one: its details follow
    assert "failing — momentum_step(w, g, v) returned [1.0, 2.0" in lines["momentum"]
    assert lines["momentum"].endswith("…") and len(lines["momentum"]) <= 100
    assert "second line" not in lines["momentum"]
    assert lines["thermometers"].endswith("not started")


def test_next_points_at_the_exercise_whose_details_are_shown():
    """A learner who skipped exercise 2 and works on 3 gets 3's failures and 3 as Next."""
    text = report_module.render_text(
        make_report(
            exercise("parabola", check(PASSED)),
            exercise("bce_gradient", check(NOT_STARTED)),
            exercise("momentum", *failing(2)),
        )
    )
    assert "momentum: 2 of 2 checks did not pass" in text
    assert "Next: fix /tmp/sub/03_momentum.py and run `grade -e momentum` again" in text
    assert "bce_gradient: not started" not in text


@pytest.mark.parametrize(
    ("statuses", "current"),
    [
        ({"parabola": PASSED, "bce_gradient": NOT_STARTED, "momentum": FAILED}, "momentum"),
        ({"parabola": MISSING, "bce_gradient": NOT_STARTED, "momentum": PASSED}, "bce_gradient"),
        ({"parabola": MISSING, "bce_gradient": PASSED, "momentum": MISSING}, "parabola"),
        ({"parabola": ERROR, "bce_gradient": FAILED, "momentum": PASSED}, "parabola"),
        ({"parabola": PASSED, "bce_gradient": PASSED, "momentum": PASSED}, None),
    ],
)
def test_the_current_exercise(statuses, current):
    report = make_report(*(exercise(name, check(s)) for name, s in statuses.items()))
    assert (report.current.exercise.name if report.current else None) == current


def test_not_started_and_missing_sections_are_unchanged():
    text = report_module.render_text(make_report(exercise("parabola", check(NOT_STARTED))))
    assert "parabola: not started — " in text and "Next: start /tmp/sub/01_parabola.py" in text
    text = report_module.render_text(make_report(exercise("parabola", check(MISSING))))
    assert "01_parabola.py is missing from this folder" in text
    assert "Next: put 01_parabola.py into /tmp/sub." in text


def test_all_done():
    results = [exercise(e.name, check(PASSED)) for e in load_exercises()]
    text = report_module.render_text(make_report(*results))
    assert f"Progress: {len(results)}/{len(results)} done" in text and "Next: all done" in text


def test_notes_from_reading_the_file_are_shown_under_their_exercise():
    result = exercise("parabola", check(PASSED))
    result.notes = ["01_parabola.py is a link to versions/b.py", "2 cells \x1b[2J left out"]
    assert result.notes[1] == "2 cells \\x1b[2J left out"  # cleaned like any learner text
    report = make_report(result, exercise("bce_gradient", check(NOT_STARTED)))
    lines = report_module.render_text(report).splitlines()
    at = next(i for i, line in enumerate(lines) if " parabola " in line)
    assert lines[at + 1 : at + 3] == [
        "        note: 01_parabola.py is a link to versions/b.py",
        "        note: 2 cells \\x1b[2J left out",
    ]
    assert json.loads(report_module.render(report, "json"))["exercises"][0]["notes"] == [
        "01_parabola.py is a link to versions/b.py",
        "2 cells \\x1b[2J left out",
    ]


def test_failures_that_say_the_same_thing_are_shown_once():
    """A file that does not load fails every check with one message."""
    syntax = [
        check(FAILED, n, "01_parabola.py line 3: SyntaxError: invalid syntax") for n in range(6)
    ]
    text = report_module.render_text(
        make_report(exercise("parabola", *syntax, *failing(1), check(FAILED, 7, syntax[0].message)))
    )
    assert text.count("SyntaxError") == 1  # the block (not the overview: said just below)
    assert "✗ failed: check number 0, and 6 more checks for the same reason (14 points)" in text
    assert "reason 0: got 3, expected 4" in text and "more failing check" not in text
    alone = report_module.render_text(make_report(exercise("parabola", *syntax)))
    assert "✗ failed: all 6 checks, for the same reason (12 points)" in alone


# -- the learning platforms' formats ----------------------------------------------------------


def test_prairielearn_scores_from_0_to_1_and_carries_every_note():
    import jsonschema

    schema = json.loads(report_module.schema_path("prairielearn-results.schema.json").read_text())
    report = make_report(
        exercise("parabola", check(PASSED, 1), check(FAILED, 2, "got 3, expected 4")),
        exercise("momentum", check(MISSING, 1, "03_momentum.py is not there")),
    )
    report.exercises[0].notes = ("left out of grading: cell 3 (print(w))",)
    report.notes = ("folder/01_parabola.py is a second copy of 01_parabola.py",)
    data = json.loads(report_module.render(report, "prairielearn"))
    jsonschema.validate(data, schema)
    assert data["gradable"] is True and data["score"] == pytest.approx(2 / 6)
    assert [(t["points"], t["max_points"]) for t in data["tests"]] == [(2, 2), (0, 2), (0, 2)]
    assert data["tests"][1]["message"].startswith("got 3, expected 4")
    assert data["tests"][2]["message"] == "03_momentum.py is not there"
    assert "left out of grading: cell 3" in data["message"]
    assert "a second copy of 01_parabola.py" in data["message"]
    gradescope = json.loads(report_module.render(report, "gradescope"))
    assert gradescope["output"] == data["message"]  # one headline for both platforms


def test_prairielearn_calls_a_submission_with_no_graded_file_not_gradable():
    import jsonschema

    schema = json.loads(report_module.schema_path("prairielearn-results.schema.json").read_text())
    report = make_report(exercise("parabola", check(MISSING, 1, "01_parabola.py is not there")))
    report.notes = ("No exercise file was found in your upload.",)
    data = json.loads(report_module.render(report, "prairielearn"))
    jsonschema.validate(data, schema)
    assert data["gradable"] is False and data["score"] == 0.0
    assert data["format_errors"] == ["No exercise file was found in your upload."]
    with pytest.raises(jsonschema.ValidationError):  # the schema itself can refuse
        jsonschema.validate({"gradable": False, "score": 0.0}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"score": 1.5}, schema)


def test_prairielearn_results_stay_within_its_1_mb_even_when_every_check_prints_the_most():
    import jsonschema

    from grader.report.renderers.prairielearn import RESULTS_BYTES

    schema = json.loads(report_module.schema_path("prairielearn-results.schema.json").read_text())
    flood = "\u00e9\u2028" * 5000  # non-ASCII: six bytes each in JSON
    checks = [check(FAILED, n, "m" * 3000, details=flood, output=flood) for n in range(130)]
    report = make_report(exercise("parabola", *checks))
    text = report_module.render(report, "prairielearn")
    assert len(text.encode("utf-8")) <= RESULTS_BYTES
    data = json.loads(text)
    jsonschema.validate(data, schema)
    assert all(t["message"].endswith("results are limited to 1 MB)") for t in data["tests"])
    assert data["score"] == 0.0 and len(data["tests"]) == 130
    small = make_report(exercise("parabola", check(FAILED, 1, "got 3, expected 4")))
    assert "limited to 1 MB" not in report_module.render(small, "prairielearn")


def test_a_document_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    from grader.report import write

    target = tmp_path / "results.json"
    write.write_whole(target, "first\n")
    assert target.read_text() == "first\n" and target.stat().st_mode & 0o777 == 0o644
    target.chmod(0o640)
    write.write_whole(target, "second ✓\n")
    assert target.read_text(encoding="utf-8") == "second ✓\n"
    assert target.stat().st_mode & 0o777 == 0o640  # the file keeps its permissions

    def interrupted(source, destination):
        raise KeyboardInterrupt

    monkeypatch.setattr(write.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write.write_whole(target, "third\n")
    assert target.read_text(encoding="utf-8") == "second ✓\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temporary left


def test_every_grader_module_writes_files_through_write_whole():
    """One owner of atomic writes: no other module of the grader replaces files itself."""
    from pathlib import Path

    import grader

    root = Path(grader.__file__).parent
    writers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "os.replace(" in path.read_text(encoding="utf-8")
    )
    assert writers == ["report/write.py"]
