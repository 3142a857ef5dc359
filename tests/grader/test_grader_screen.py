"""The default terminal report fits a 80×24 screen: on a fresh copy of exercises/ (the first
run of a learner) and mid-week (three exercises done, one failing with a real mistake); the
commands it prints are the way `grade` was run (grader.report.invocation)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from grade_cli import run_grade

from grader.authoring.mutants import apply_mutant
from grader.exercises import by_name, exercises_dir, load_exercises
from grader.report import invocation
from grader.report.actions import NOTEBOOK, command_line, watching
from grader.report.render import render_text
from grader.report.results import FAILED, NOT_STARTED, PASSED, CheckResult, ExerciseResult, Report
from tests.grader.grader_helpers import copy_solution, solution_text

SCREEN = {"COLUMNS": "80", "LINES": "24", "NO_COLOR": "1"}


def _fits(text: str) -> list[str]:
    lines = text.splitlines()
    assert len(lines) <= 24, text
    assert all(len(line) <= 80 for line in lines), text
    said = [line for line in lines if line.strip()]
    assert len(said) == len(set(said)), text  # no line repeated
    return lines


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    folder = tmp_path / "exercises"
    shutil.copytree(exercises_dir(), folder)
    return folder


def test_the_first_run_fits_80x24_with_one_header_line(fresh, monkeypatch):
    """`grade` in a fresh clone (the README's first command)."""
    monkeypatch.chdir(fresh.parent)
    ran = run_grade([], SCREEN)
    assert ran.exit_code == 1, ran.output
    lines = _fits(ran.stdout)
    assert lines[1].startswith("   1  parabola")  # one header line, then the exercises
    assert lines[0].endswith("sandbox: bubblewrap") or "sandbox: a separate process" in lines[0]
    assert sum(line.endswith("  not started") for line in lines) == len(load_exercises())
    assert "kernel exploits" not in ran.stdout and "hidden check" not in ran.stdout
    assert "parabola: not started" in ran.stdout
    assert "bce_gradient: not started" not in ran.stdout  # details of the current one only


def test_verbose_says_what_the_sandbox_does_not_protect_and_what_was_not_run(fresh):
    ran = run_grade([str(fresh), "--verbose"], SCREEN)
    assert "isolation: " in ran.stdout and "hidden check(s) worth" in ran.stdout


def test_a_mid_week_state_fits_80x24(fresh, monkeypatch):
    monkeypatch.chdir(fresh.parent)
    for name in ("parabola", "bce_gradient", "momentum"):
        copy_solution(name, fresh)
    thermometers = by_name("thermometers")
    wrong = apply_mutant(solution_text("thermometers"), thermometers.mistakes[0])
    (fresh / thermometers.file).write_text(wrong, encoding="utf-8")
    ran = run_grade([], SCREEN)
    lines = _fits(ran.stdout)
    assert "Progress: 3/11 done" in ran.stdout
    assert any(line.startswith("thermometers: ") and "did not pass" in line for line in lines)
    assert "Likely mistake: " in ran.stdout  # the first failure in full


def _report(*names: str) -> Report:
    results = [
        ExerciseResult(
            by_name(n),
            f"/tmp/sub/{by_name(n).file}",
            [CheckResult(n, "test_1", "check one", 2, "public", PASSED)],
        )
        for n in names
    ]
    return Report("/tmp/sub", "bubblewrap", False, results, course=load_exercises())


def test_passing_one_exercise_with_e_says_what_comes_next_in_the_course():
    text = render_text(_report("parabola"), actions=command_line("grade"))
    assert "all done" not in text
    assert "Next in the course: 2. bce_gradient (02_bce_gradient.py): `grade -e bce_gradient`" in (
        " ".join(text.split())
    )
    whole = render_text(_report(*(e.name for e in load_exercises())), actions=command_line("grade"))
    assert "all done — well done! `grade --solution parabola`" in " ".join(whole.split())
    assert "NAME" not in whole


def test_the_commands_shown_are_the_way_grade_was_run(tmp_path, monkeypatch):
    script = tmp_path / "venv" / "bin" / "grade"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", os.defpath)
    shown = os.path.join("venv", "bin", "grade")
    assert invocation.grade_command([str(script)], [sys.executable, str(script)]) == shown
    monkeypatch.setenv("PATH", str(script.parent) + os.pathsep + os.defpath)  # venv active
    assert invocation.grade_command([str(script)], [sys.executable, str(script)]) == "grade"
    module = [".venv/bin/python", "-m", "grader.cli", "-e", "parabola"]
    assert invocation.grade_command(["/x/grader/cli.py"], module) == (
        f"{os.path.join('.venv', 'bin', 'python')} -m grader.cli"
    )
    assert invocation.grade_command(["/x/python", "-m"], ["python3", "-m", "grader.cli"]) == (
        "python3 -m grader.cli"
    )
    assert invocation.grade_command(["/usr/bin/ipykernel_launcher.py"], ["python"]) == "grade"
    text = render_text(_report("parabola"), actions=command_line(shown))
    assert f"`{shown} -e bce_gradient`" in text and "`grade " not in text


def test_each_door_says_what_to_do_in_its_own_terms():
    """The notebook's report names notebook calls, watch mode's a save; no door tells the
    learner to run a command that does not run where the report is shown."""
    started = _report("parabola")
    started.exercises[0].checks[0].status = FAILED
    fresh = _report("parabola")
    fresh.exercises[0].checks[0].status = NOT_STARTED
    notebook = " ".join(render_text(started, actions=NOTEBOOK).split())
    assert 'save the notebook and run `check("parabola")` again.' in notebook
    assert "-e parabola" not in notebook
    first = " ".join(render_text(fresh, actions=NOTEBOOK).split())
    assert '`from grader import hint; hint("parabola")` if you get stuck' in first
    assert "--watch" not in first
    watched = " ".join(render_text(started, actions=watching("grade")).split())
    assert "Next: fix /tmp/sub/01_parabola.py and save it: it is graded again at once." in watched
    assert "-e parabola" not in watched


def test_hints_in_a_notebook_one_at_a_time(capsys):
    from grader import hint

    hint("momentum")
    hint("3")
    shown = capsys.readouterr().out
    assert "Hint 1 of " in shown and "Hint 2 of " in shown
    assert '`hint("momentum")` again for hint 2' in shown
    assert '`hint("momentum", every=True)` for every hint' in shown


def _failing() -> Report:
    """parabola failing one check with a long message; the other exercises not started."""
    report = _report(*(e.name for e in load_exercises()))
    for result in report.exercises:
        result.checks[0].status = NOT_STARTED
    check = report.exercises[0].checks[0]
    check.status, check.message = FAILED, "returned 3.25, expected 2.75 " * 6
    return report


def test_where_the_screen_is_short_the_blank_lines_between_parts_go_first():
    """A first failure that fills the screen: the blank lines between the parts are left out
    (the last first) before the report runs over; one inside printed output stays."""
    roomy = render_text(_failing(), actions=watching("grade"), rows=60).splitlines()
    short = render_text(_failing(), actions=watching("grade"), rows=len(roomy) - 1).splitlines()
    progress = next(at for at, line in enumerate(short) if line.startswith("Progress:"))
    assert short[progress - 1] != "" and short.count("") == roomy.count("") - 1  # the last gap
    assert [line for line in roomy if line] == [line for line in short if line]
    tight = render_text(_failing(), actions=watching("grade"), rows=10).splitlines()
    assert "" not in tight  # every gap left out, and every line that says something kept
    assert [line for line in roomy if line] == tight
    spaced = _failing()
    spaced.exercises[0].checks[0].message = "first paragraph\n\nsecond paragraph"
    kept = render_text(spaced, actions=watching("grade"), rows=10)
    assert "first paragraph\n\n      second paragraph" in kept  # inside a part: kept


def test_the_details_of_another_exercise_and_lines_in_their_place():
    """Watch mode's n/p (focus: its line marked >, a done one says so) and h (details)."""
    report = _failing()
    momentum = render_text(report, actions=watching("grade", keys=True), focus="momentum")
    assert ">  3  momentum" in momentum and "   1  parabola" in momentum
    assert "momentum: not started" in momentum and "parabola: 1 of 1" not in momentum
    report.exercises[2].checks[0].status = PASSED
    done = render_text(report, actions=watching("grade", keys=True), focus="momentum")
    assert "momentum: done — 1 check pass." in done
    assert "Next: fix /tmp/sub/01_parabola.py and save it" in " ".join(done.split())
    hinted = render_text(report, actions=watching("grade"), details=["parabola, hint 1 of 4:"])
    assert "parabola, hint 1 of 4:" in hinted and "returned 3.25" not in hinted.split("\n", 13)[13]
    default = render_text(report, actions=watching("grade"))
    assert ">" not in default.split("parabola:")[0]  # no mark unless asked for
