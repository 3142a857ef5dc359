"""Grading notebooks: the solutions in notebook form score full marks and the stubs zero under
every backend; plotting, prints and magics change nothing; every mutant in notebook form is
caught; `grade` takes a notebook or a folder of them and says which file it graded."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from grader_helpers import FAST, ISOLATIONS, MUTANT_LIMITS
from nbformat import v4

from grader.authoring.mutants import apply_mutant
from grader.authoring.notebook_stubs import solution_notebook
from grader.exercises import by_name, exercises_dir, load_exercises, solutions_dir
from grader.report.render import render
from grader.runner import grade
from grader.sandbox.sandbox import Sandbox

EXERCISES = load_exercises()


def notebook_name(exercise) -> str:
    return exercise.file.replace(".py", ".ipynb")


def solution(exercise) -> str:
    return (solutions_dir() / exercise.file).read_text(encoding="utf-8")


def scores(report) -> dict:
    return {
        e.exercise.name: [(c.name, c.status, c.diagnosis) for c in e.checks]
        for e in report.exercises
    }


@pytest.fixture(scope="module")
def solved_notebooks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("solved")
    for exercise in EXERCISES:
        text = solution_notebook(solution(exercise), exercise.name)
        (folder / notebook_name(exercise)).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def stub_notebooks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stubs")
    for exercise in EXERCISES:
        shutil.copy(exercises_dir() / notebook_name(exercise), folder)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_solved_notebooks_score_full_marks(solved_notebooks, isolation):
    report = grade(solved_notebooks, include_hidden=True, isolation=isolation)
    assert report.isolation.startswith(isolation[:3])
    for result in report.exercises:
        failed = [f"{c.name}: {c.message} {c.details}" for c in result.checks if not c.passed]
        assert not failed, result.exercise.name
        assert result.status == "done" and result.file.endswith(".ipynb")


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_stub_notebooks_score_zero_and_are_not_started(stub_notebooks, isolation):
    report = grade(stub_notebooks, include_hidden=True, isolation=isolation, limits=FAST)
    assert report.score == 0
    for result in report.exercises:
        assert result.status == "not started", result.exercise.name
        assert result.notes == ()  # nothing but the check cell is left out
    text = render(report, "text")
    assert "Open " in text and "01_parabola.ipynb" in text


# -- a learner's notebook: plots, prints, magics, experiments --------------------------------

EXTRA_CELLS = [
    "import matplotlib.pyplot as plt\n%matplotlib inline\nimport numpy as np",
    "ws, losses = trajectory(6.0, 0.3, 5)\nprint(ws)\nplt.plot(losses)\nplt.show()",
    "!echo experiments\nfiles = !ls\n%time parabola_loss(3.0)\nparabola_loss?",
    "%%timeit\nparabola_loss(3.0)",
    "for lr in (0.1, 0.3, 1.2):\n    print(lr, error_ratio(lr))\nraise SystemExit('stop')",
    "import time\ntime.sleep(60)  # an experiment that would time out",
]


def messy_notebook(source: str) -> str:
    """The solution notebook with experiment cells after every code cell."""
    notebook = nbformat.reads(solution_notebook(source, "parabola"), as_version=4)
    cells = []
    for index, cell in enumerate(notebook.cells):
        cells.append(cell)
        if cell.cell_type == "code" and index % 2 == 0:
            extra = EXTRA_CELLS[len(cells) % len(EXTRA_CELLS)]
            cells.append(v4.new_code_cell(extra, id=f"extra-{index}"))
    cells += [v4.new_code_cell(extra, id=f"tail-{n}") for n, extra in enumerate(EXTRA_CELLS)]
    notebook.cells = cells
    return nbformat.writes(notebook)


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ISOLATIONS)
@pytest.mark.parametrize("mutant", [None, "sign_flipped"], ids=["solution", "mutant"])
def test_plots_prints_and_magics_score_as_the_py_file(tmp_path, isolation, mutant):
    exercise = by_name("parabola")
    source = solution(exercise)
    if mutant is not None:
        mistake = next(m for m in exercise.mistakes if m.id == mutant)
        source = apply_mutant(source, mistake, exercise.file)
    (tmp_path / "py").mkdir()
    (tmp_path / "nb").mkdir()
    (tmp_path / "py" / exercise.file).write_text(source, encoding="utf-8")
    (tmp_path / "nb" / notebook_name(exercise)).write_text(messy_notebook(source), "utf-8")
    as_py = grade(tmp_path / "py", ["parabola"], include_hidden=True, isolation=isolation)
    as_notebook = grade(tmp_path / "nb", ["parabola"], include_hidden=True, isolation=isolation)
    assert scores(as_notebook) == scores(as_py)
    assert as_notebook.score == as_py.score and (as_py.score < as_py.max_score) == bool(mutant)
    (note,) = as_notebook.exercises[0].notes
    assert "cells with a %% cell magic" in note and "import matplotlib.pyplot as plt" in note


@pytest.mark.slow
def test_a_notebook_that_cannot_be_read_costs_only_its_exercise(tmp_path):
    shutil.copy(solutions_dir() / "01_parabola.py", tmp_path)
    (tmp_path / "02_bce_gradient.ipynb").write_text("{not json", encoding="utf-8")
    cell = v4.new_code_cell("def sigmoid(z):\n    return 1 /\n")
    (tmp_path / "03_momentum.ipynb").write_text(
        nbformat.writes(v4.new_notebook(cells=[cell])), encoding="utf-8"
    )
    report = grade(tmp_path, ["parabola", "bce_gradient", "momentum"], limits=FAST)
    parabola, bce, momentum = report.exercises
    assert parabola.status == "done"
    assert bce.score == 0 and "02_bce_gradient.ipynb is not a Jupyter notebook" in (
        bce.checks[0].message
    )
    assert momentum.score == 0 and "cell 1, line 2" in momentum.checks[0].message
    json.loads(render(report, "json"))  # a report can always be written


# -- the mutants, in notebook form -------------------------------------------------------

CASES = [
    pytest.param(exercise, mistake, id=f"{exercise.name}-{mistake.id}")
    for exercise in EXERCISES
    for mistake in exercise.mistakes
]


@pytest.fixture(scope="module")
def mutant_sandbox():
    with Sandbox(MUTANT_LIMITS, ISOLATIONS[0]) as sandbox:
        yield sandbox


@pytest.mark.slow
@pytest.mark.parametrize("exercise, mistake", CASES)
def test_mutant_notebook_is_caught_and_diagnosed(tmp_path, mutant_sandbox, exercise, mistake):
    mutated = apply_mutant(solution(exercise), mistake, exercise.file)
    notebook = solution_notebook(mutated, exercise.name)
    (tmp_path / notebook_name(exercise)).write_text(notebook, encoding="utf-8")
    result = grade(tmp_path, [exercise.name], include_hidden=True, sandbox=mutant_sandbox)
    result = result.exercises[0]
    assert result.file.endswith(".ipynb")
    assert result.score < result.max_score, f"{mistake.id}: the mutant scored full marks"
    named = {c.diagnosis for c in result.checks if c.diagnosis}
    assert named == {mistake.id}, [(c.name, c.message) for c in result.checks if not c.passed]


# -- the command line --------------------------------------------------------------------


def run_grade(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "grader.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


@pytest.mark.slow
def test_grade_takes_one_notebook_or_a_folder_of_them(tmp_path):
    exercise = by_name("parabola")
    path = tmp_path / notebook_name(exercise)
    path.write_text(solution_notebook(solution(exercise), "parabola"), encoding="utf-8")
    shutil.copy(exercises_dir() / "02_bce_gradient.ipynb", tmp_path)
    one = run_grade(str(path))
    assert one.returncode == 0, one.stderr
    assert re.search(r"parabola\s+(\d+)/\1\s+done", one.stdout), one.stdout
    folder = run_grade(str(tmp_path), "--format", "json")
    assert folder.returncode == 1, folder.stderr
    results = {e["name"]: e for e in json.loads(folder.stdout)["exercises"]}
    assert results["parabola"]["status"] == "done"
    assert results["bce_gradient"]["status"] == "not started"
    assert results["bce_gradient"]["file"].endswith("02_bce_gradient.ipynb")
    assert results["bce_gradient"]["notes"] == []


@pytest.mark.slow
def test_with_both_files_the_started_one_is_graded_whatever_the_times(tmp_path):
    """The stub .py beside a solved notebook: the notebook is graded, with no note, however
    the files' times stand (an upload or a zip loses them)."""
    exercise = by_name("parabola")
    py, notebook = tmp_path / exercise.file, tmp_path / notebook_name(exercise)
    shutil.copy(exercises_dir() / exercise.file, py)
    notebook.write_text(solution_notebook(solution(exercise), "parabola"), encoding="utf-8")
    for stamp in (1_000_000, 4_000_000_000):  # the stub saved first, then last
        os.utime(py, (stamp, stamp))
        report = json.loads(run_grade(str(tmp_path), "-e", "parabola", "--format", "json").stdout)
        graded = report["exercises"][0]
        assert graded["file"].endswith("01_parabola.ipynb") and graded["status"] == "done"
        assert graded["notes"] == []
    named = run_grade(str(py))  # a file named on the command line is the one graded
    assert named.returncode == 1 and "not started" in named.stdout


@pytest.mark.slow
def test_formats_and_solution_work_on_notebooks(tmp_path):
    import jsonschema
    import xmlschema

    from grader.report.render import schema_path

    exercise = by_name("parabola")
    source = solution(exercise)
    mistake = exercise.mistakes[0]
    wrong = solution_notebook(apply_mutant(source, mistake, exercise.file), "parabola")
    path = tmp_path / notebook_name(exercise)
    notebook = nbformat.reads(wrong, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell('print("an experiment")'))
    path.write_text(nbformat.writes(notebook), encoding="utf-8")
    results = tmp_path / "results.json"
    run_grade(str(path), "--hidden", "--format", "gradescope", "-o", str(results))
    data = json.loads(results.read_text())
    jsonschema.validate(data, json.loads(schema_path("gradescope-results.schema.json").read_text()))
    assert 0 < data["score"] < sum(t["max_score"] for t in data["tests"])
    notes = json.loads(run_grade(str(path), "--format", "json").stdout)["exercises"][0]["notes"]
    assert notes and f"parabola: {'; '.join(notes)}" in data["output"]  # the reader's notes
    junit = run_grade(str(path), "--hidden", "--format", "junit").stdout
    xmlschema.XMLSchema(str(schema_path("junit-10.xsd"))).validate(junit)
    assert mistake.message in junit  # the diagnosis reaches every format
    refused = run_grade(str(tmp_path), "--solution", "parabola")
    assert refused.returncode == 1 and "01_parabola.ipynb passes all its checks" in refused.stdout
    path.write_text(solution_notebook(source, "parabola"), encoding="utf-8")
    shown = run_grade(str(tmp_path), "--solution", "parabola")
    assert shown.returncode == 0 and "def gd_step" in shown.stdout


def test_left_out_code_is_shown_safely(tmp_path):
    exercise = by_name("parabola")
    notebook = nbformat.reads(solution_notebook(solution(exercise), "parabola"), as_version=4)
    notebook.cells.append(v4.new_code_cell("print('\x1b]52;c;aGk=\x07\x1b[2J')"))
    (tmp_path / notebook_name(exercise)).write_text(nbformat.writes(notebook), encoding="utf-8")
    report = grade(tmp_path, ["parabola"], limits=FAST)
    text = render(report, "text") + "".join(report.exercises[0].notes)
    assert "\x1b" not in text and "\x07" not in text
    assert "print(" in report.exercises[0].notes[0]


@pytest.mark.slow
def test_watch_regrades_a_notebook_on_save(tmp_path):
    """As test_grader_cli's watch test, with the notebook saved instead of the .py file."""
    import time

    target = tmp_path / "01_parabola.ipynb"
    shutil.copy(exercises_dir() / "01_parabola.ipynb", target)
    command = [sys.executable, "-m", "grader.cli", str(tmp_path), "-e", "parabola", "--watch"]
    process = subprocess.Popen(
        [*command, "--watch-runs", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "· watching " in line:  # the status line that ends each report
            break
    assert any("not started" in line for line in lines)
    time.sleep(0.05)
    target.write_text(solution_notebook(solution(by_name("parabola")), "parabola"), "utf-8")
    try:
        rest, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("grade --watch did not re-grade the notebook within 60 s") from None
    assert process.returncode == 0 and "Progress: 1/1 done" in rest
