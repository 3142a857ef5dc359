"""grader/submission/resolve.py: which file of each exercise is graded, by what the files hold,
never by their times; and the runner's "both started: grade both, keep the better"."""

from __future__ import annotations

import ast
import os
import shutil

import pytest
from grader_helpers import MUTANT_LIMITS

from grader.authoring.mutants import apply_mutant
from grader.authoring.notebook_stubs import solution_notebook
from grader.authoring.stubs import make_stub
from grader.exercises import by_name, exercises_dir, load_exercises, solutions_dir
from grader.runner import grade
from grader.sandbox.sandbox import Sandbox
from grader.submission.resolve import (
    candidates,
    exercise_named_by,
    is_exercise_file,
    resolve,
    unwritten_functions,
)

PARABOLA = by_name("parabola")
PY, NOTEBOOK = candidates(PARABOLA)


def solution(exercise=PARABOLA) -> str:
    return (solutions_dir() / exercise.file).read_text(encoding="utf-8")


def stub(exercise=PARABOLA) -> str:
    return (exercises_dir() / exercise.file).read_text(encoding="utf-8")


def files(folder, exercise=PARABOLA) -> tuple[str, ...]:
    return resolve(folder, [exercise])[exercise.name].files


def test_the_names_of_an_exercise_file():
    assert (PY, NOTEBOOK) == ("01_parabola.py", "01_parabola.ipynb")
    assert is_exercise_file("07_logistic_regression.ipynb") and is_exercise_file("99_new.py")
    assert not any(map(is_exercise_file, ["parabola.py", "01_parabola.txt", "1_x.py", "01_A.py"]))
    assert exercise_named_by("03_momentum.ipynb", load_exercises()).name == "momentum"
    assert exercise_named_by("03_momentum.txt", load_exercises()) is None


@pytest.mark.parametrize("exercise", load_exercises(), ids=lambda e: e.name)
def test_to_write_names_the_functions_the_generated_stub_leaves(exercise):
    """The metadata the rule rests on cannot drift from the stub made from the solution."""
    generated = make_stub(solution(exercise), exercise.file)
    tree = ast.parse(generated)
    unwritten = unwritten_functions(generated)
    in_order = [n.name for n in tree.body if getattr(n, "name", None) in unwritten]
    assert tuple(exercise.to_write) == tuple(in_order)


def test_a_fresh_clone_grades_the_py_file_with_no_note(tmp_path):
    shutil.copy(exercises_dir() / PY, tmp_path)
    shutil.copy(exercises_dir() / NOTEBOOK, tmp_path)
    assert files(tmp_path) == (PY,)


@pytest.mark.parametrize("exercise", load_exercises(), ids=lambda e: e.name)
def test_every_shipped_stub_is_not_started_and_every_solution_is(tmp_path, exercise):
    """Both stubs of a fresh clone (given helpers included, as in momentum): the .py; a solved
    notebook beside the stub .py: the notebook; a solved .py beside the stub notebook: the .py."""
    py, notebook = candidates(exercise)
    shutil.copy(exercises_dir() / py, tmp_path)
    shutil.copy(exercises_dir() / notebook, tmp_path)
    assert files(tmp_path, exercise) == (py,)
    (tmp_path / notebook).write_text(solution_notebook(solution(exercise), exercise.name))
    assert files(tmp_path, exercise) == (notebook,)
    shutil.copy(exercises_dir() / notebook, tmp_path)
    (tmp_path / py).write_text(solution(exercise))
    assert files(tmp_path, exercise) == (py,)


def test_times_do_not_matter(tmp_path):
    shutil.copy(exercises_dir() / PY, tmp_path)
    (tmp_path / NOTEBOOK).write_text(solution_notebook(solution(), "parabola"))
    for stamp in (1, 2_000_000_000, 4_000_000_000):  # the stub older, the same, newer
        os.utime(tmp_path / PY, (stamp, stamp))
        assert files(tmp_path) == (NOTEBOOK,)


def test_one_function_written_is_started(tmp_path):
    """A learner who wrote one of five functions in the .py has started it; a learner who
    added lines above a stub's raise has not written that function."""
    shutil.copy(exercises_dir() / NOTEBOOK, tmp_path)
    text = stub().replace(
        '    raise NotImplementedError("gd_step is not written yet")',
        "    return w - lr * grad",
    )
    assert text != stub()
    (tmp_path / PY).write_text(text)
    assert files(tmp_path) == (PY,)
    scribbled = stub().replace(
        '    raise NotImplementedError("gd_step is not written yet")',
        '    step = lr * grad\n    raise NotImplementedError("gd_step is not written yet")',
    )
    assert scribbled != stub()
    (tmp_path / PY).write_text(scribbled)
    assert files(tmp_path) == (PY,)  # neither started: the .py, as on a fresh clone
    assert "gd_step" in unwritten_functions(scribbled)


def test_both_started_are_both_graded_py_first(tmp_path):
    (tmp_path / PY).write_text(solution())
    (tmp_path / NOTEBOOK).write_text(solution_notebook(solution(), "parabola"))
    assert files(tmp_path) == (PY, NOTEBOOK)


def test_a_file_that_cannot_be_read_counts_as_started_and_says_why(tmp_path):
    shutil.copy(exercises_dir() / PY, tmp_path)
    (tmp_path / NOTEBOOK).write_text("{ this is not a notebook")
    resolution = resolve(tmp_path, [PARABOLA])["parabola"]
    assert resolution.files == (NOTEBOOK,)
    with pytest.raises(Exception, match="01_parabola.ipynb"):
        resolution.source(tmp_path, NOTEBOOK)


def test_a_file_that_does_not_parse_counts_as_started(tmp_path):
    shutil.copy(exercises_dir() / NOTEBOOK, tmp_path)
    (tmp_path / PY).write_text(stub().replace("def gd_step(", "def gd_step(("))
    assert files(tmp_path) == (PY,)


def test_only_one_file_or_none(tmp_path):
    assert files(tmp_path) == (PY,)  # neither: the .py is looked for (and found missing)
    shutil.copy(exercises_dir() / NOTEBOOK, tmp_path)
    assert files(tmp_path) == (NOTEBOOK,)  # an untouched notebook alone is still graded


def test_a_named_file_is_graded_as_it_is(tmp_path):
    shutil.copy(exercises_dir() / PY, tmp_path)
    (tmp_path / NOTEBOOK).write_text(solution_notebook(solution(), "parabola"))
    assert resolve(tmp_path, [PARABOLA], {"parabola": PY})["parabola"].files == (PY,)


def test_both_started_keeps_the_better_score_with_one_note(tmp_path):
    """A solved notebook beside a .py with a mistake: both graded, the notebook kept; the
    other way round the notebook's mistake loses to the .py. The note names both scores."""
    mistake = PARABOLA.mistake("sign_flipped")
    wrong = apply_mutant(solution(), mistake, PY)
    with Sandbox(MUTANT_LIMITS) as sandbox:
        (tmp_path / PY).write_text(wrong)
        (tmp_path / NOTEBOOK).write_text(solution_notebook(solution(), "parabola"))
        kept = grade(tmp_path, ["parabola"], include_hidden=True, sandbox=sandbox).exercises[0]
        assert kept.file.endswith(NOTEBOOK) and kept.score == kept.max_score
        (note,) = [n for n in kept.notes if "both started" in n]
        assert note.startswith(
            f"{NOTEBOOK} and {PY} are both started: graded both, kept {NOTEBOOK}"
        )
        assert f"({kept.max_score}/{kept.max_score}; {PY}: " in note
        (tmp_path / PY).write_text(solution())
        (tmp_path / NOTEBOOK).write_text(solution_notebook(wrong, "parabola"))
        kept = grade(tmp_path, ["parabola"], include_hidden=True, sandbox=sandbox).exercises[0]
        assert kept.file.endswith(PY) and kept.score == kept.max_score
        assert not any(c.diagnosis for c in kept.checks)  # the notebook's mistake is not named
        (tmp_path / NOTEBOOK).write_text(solution_notebook(solution(), "parabola"))
        tie = grade(tmp_path, ["parabola"], include_hidden=True, sandbox=sandbox).exercises[0]
        assert tie.file.endswith(PY)  # a tie keeps the .py
