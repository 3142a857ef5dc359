"""One pipeline behind every door: the same submission gets the same score, the same diagnoses
and the same notes through `grade DIR`, watch, the notebook `check()`, `grade batch` (folders
and zips), and the autograder (Gradescope and PrairieLearn).

Each submission is a whole week (every exercise, hidden checks included), so that a door that
drops a file, a note or a check shows up as a difference."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from grade_cli import run_grade
from grader_helpers import MUTANT_LIMITS

from grader.authoring.mutants import apply_mutant
from grader.authoring.notebook_stubs import solution_notebook
from grader.exercises import by_name, exercises_dir, load_exercises, solutions_dir
from grader.report.renderers.json_report import to_json
from grader.submission.resolve import candidates

pytestmark = pytest.mark.slow

EXERCISES = load_exercises()


def _solution(exercise) -> str:
    return (solutions_dir() / exercise.file).read_text(encoding="utf-8")


def _write_solved_py(folder: Path) -> None:
    for exercise in EXERCISES:
        (folder / exercise.file).write_text(_solution(exercise), encoding="utf-8")


def _write_notebooks_beside_stubs(folder: Path, big: bool = False) -> None:
    """What a Jupyter user uploads: the untouched .py stubs and the solved notebooks."""
    for exercise in EXERCISES:
        py, notebook = candidates(exercise)
        shutil.copy(exercises_dir() / py, folder / py)
        text = solution_notebook(_solution(exercise), exercise.name)
        if big and exercise.name == "parabola":  # a solved notebook with 2 MB of plots
            parsed = nbformat.reads(text, as_version=4)
            cell = next(c for c in parsed.cells if c.cell_type == "code")
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 2_000_000)]
            text = nbformat.writes(parsed)
        (folder / notebook).write_text(text, encoding="utf-8")
    # a plot and a print left in a notebook: left out of grading, and the note says so
    path = folder / candidates(by_name("momentum"))[1]
    parsed = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    parsed.cells.append(nbformat.v4.new_code_cell("print(momentum_step(1.0, 1.0, 0.0, 0.1, 0.9))"))
    path.write_text(nbformat.writes(parsed), encoding="utf-8")


def _write_both_started(folder: Path) -> None:
    """Both files started, with different results: parabola's .py has a mistake and its
    notebook is right; momentum the other way round."""
    _write_solved_py(folder)
    for name, wrong_in in (("parabola", ".py"), ("momentum", ".ipynb")):
        exercise = by_name(name)
        wrong = apply_mutant(_solution(exercise), exercise.mistakes[0], exercise.file)
        py, notebook = candidates(exercise)
        right = _solution(exercise)
        (folder / py).write_text(wrong if wrong_in == ".py" else right, encoding="utf-8")
        text = solution_notebook(right if wrong_in == ".py" else wrong, exercise.name)
        (folder / notebook).write_text(text, encoding="utf-8")


def _write_curves_failing(folder: Path) -> None:
    """Trajectories and loss curves that part from the reference (a failed check carries both
    curves, which every door must carry the same), one of them in a notebook."""
    _write_solved_py(folder)
    for name, mistake, form in (
        ("parabola", "sign_flipped", ".ipynb"),
        ("thermometers", "one_step_short", ".py"),
        ("logistic_regression", "gradient_sum_not_mean", ".py"),
        ("adam", "no_bias_correction", ".py"),
    ):
        exercise = by_name(name)
        wrong = apply_mutant(_solution(exercise), exercise.mistake(mistake), exercise.file)
        py, notebook = candidates(exercise)
        if form == ".py":
            (folder / py).write_text(wrong, encoding="utf-8")
        else:
            shutil.copy(exercises_dir() / py, folder / py)
            (folder / notebook).write_text(solution_notebook(wrong, name), encoding="utf-8")


SUBMISSIONS = {
    "solved-py": _write_solved_py,
    "notebooks-beside-stubs": _write_notebooks_beside_stubs,
    "both-started": _write_both_started,
    "big-notebook": lambda folder: _write_notebooks_beside_stubs(folder, big=True),
    "curves-failing": _write_curves_failing,
}


def _essence(report: dict) -> dict:
    """What must agree: per exercise its score, status, notes and each check's outcome, with
    the curves a failed check carries (the learner's against the reference's)."""
    return {
        e["name"]: (
            e["score"],
            e["max_score"],
            e["status"],
            Path(e["file"]).name,
            tuple(e["notes"]),
            tuple(
                (c["name"], c["status"], c["diagnosis"], c["message"], json.dumps(c["curves"]))
                for c in e["checks"]
            ),
        )
        for e in report["exercises"]
    }


@pytest.fixture(scope="module", params=sorted(SUBMISSIONS))
def submission(request, tmp_path_factory):
    """(the folder a learner grades, an upload holding it in a subfolder, the same as a zip)."""
    root = tmp_path_factory.mktemp(request.param)
    folder = root / "work"
    folder.mkdir()
    SUBMISSIONS[request.param](folder)
    upload = root / "upload" / "student" / "hw2"  # files in a subfolder of the upload
    shutil.copytree(folder, upload)
    with zipfile.ZipFile(root / "student.zip", "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"week2/{path.name}")
    return folder, root / "upload" / "student", root / "student.zip"


@pytest.fixture(scope="module")
def reference(submission):
    """`grade DIR --hidden --format json`: the door every other is compared with."""
    folder = submission[0]
    ran = run_grade([folder, "--hidden", "--format", "json", "--timeout", "20"])
    assert ran.exit_code in (0, 1), ran.stderr
    return json.loads(ran.stdout)


def test_watch_agrees(submission, reference):
    from grader.watch import Session

    session = Session(submission[0], None, True, MUTANT_LIMITS, "auto")
    try:
        report = session.regrade({e.name for e in EXERCISES})
    finally:
        session.close()
    assert _essence(to_json(report)) == _essence(reference)


def test_the_notebook_check_agrees(submission, reference, monkeypatch):
    """check() from each exercise's notebook grades what `grade` grades for that exercise."""
    import grader.report.render as render_module
    from grader.notebook_check import check

    folder = submission[0]
    seen = []
    real = render_module.render
    monkeypatch.setattr(
        render_module, "render", lambda r, *a, **k: seen.append(r) or real(r, *a, **k)
    )
    notebooks = [e for e in EXERCISES if (folder / candidates(e)[1]).exists()]
    if not notebooks:
        pytest.skip("no notebook in this submission")
    for exercise in notebooks:
        with contextlib.redirect_stdout(io.StringIO()):
            check(exercise.name, folder / candidates(exercise)[1], hidden=True)
    expected = _essence(reference)
    for exercise, report in zip(notebooks, seen, strict=True):
        assert _essence(to_json(report)) == {exercise.name: expected[exercise.name]}


@pytest.mark.parametrize("form", ["folder", "zip"])
def test_grade_batch_agrees(submission, reference, tmp_path, form):
    from grader.instructor.batch import run_batch

    source = submission[1] if form == "folder" else submission[2]
    result = run_batch([source], tmp_path / "out", jobs=1, timeout=20)
    (outcome,) = result.outcomes
    assert outcome.report is not None, outcome.problem
    assert _essence(outcome.report) == _essence(reference)


def test_every_door_sees_the_same_files_in_a_subfolder(submission, reference):
    """`grade` on the subfolder a student's files are in grades what the others grade."""
    ran = run_grade([submission[1] / "hw2", "--hidden", "--format", "json", "--timeout", "20"])
    assert _essence(json.loads(ran.stdout)) == _essence(reference)


def _without_time(data: dict) -> dict:
    """The results without their time, and without the autograder's own test for instructors
    (visibility "hidden": its isolation and secrecy check, which `grade` does not make)."""
    kept = {key: value for key, value in data.items() if key != "execution_time"}
    if "tests" in kept:
        kept["tests"] = [t for t in kept["tests"] if t.get("visibility") != "hidden"]
    return kept


@pytest.mark.parametrize("fmt", ["gradescope", "prairielearn"])
@pytest.mark.parametrize("form", ["folder", "zip"])
def test_the_autograder_agrees(submission, tmp_path, fmt, form):
    """The autograder on the upload (files in a subfolder, or a zip) writes what
    `grade DIR --hidden --format FMT` writes for the folder: the same tests, scores, output."""
    from grader.instructor import autograde
    from grader.sandbox.backends import bubblewrap_works

    expected_file = tmp_path / "grade.json"
    ran = run_grade([submission[0], "--hidden", "--format", fmt, "-o", expected_file])
    assert ran.exit_code in (0, 1), ran.output
    upload = submission[1] if form == "folder" else submission[2].parent / "unzipped"
    if form == "zip":  # an autograder is handed the zip unpacked, with the zip's folder in it
        with zipfile.ZipFile(submission[2]) as archive:
            archive.extractall(upload)
    results = tmp_path / "results.json"
    # where bubblewrap cannot start, learner code can read this checkout: a trial, not a course
    trial = [] if bubblewrap_works() else ["--allow-readable-checks"]
    code = autograde.main(
        ["--submission", str(upload), "--results", str(results), "--format", fmt, *trial]
    )
    assert code == 0
    got, expected = json.loads(results.read_text()), json.loads(expected_file.read_text())
    assert _without_time(got) == _without_time(expected)


def test_the_curves_that_part_are_carried(submission, reference):
    """The submission with parting curves has them in its report (so that the doors above
    compare them), each from the check that compared them."""
    if submission[0].parent.name.rstrip("0123456789") != "curves-failing":
        pytest.skip("only the submission whose curves part")
    drawn = {
        e["name"]: {curve["label"] for c in e["checks"] for curve in c["curves"]}
        for e in reference["exercises"]
    }
    assert drawn["parabola"] == {"ws", "losses"} and drawn["thermometers"] == {"w"}
    assert drawn["logistic_regression"] == {"losses"} and drawn["adam"] == {"w"}
    assert not drawn["momentum"] and not drawn["linear_regression"]
