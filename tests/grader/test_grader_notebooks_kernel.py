"""Notebooks in a real kernel (nbclient + ipykernel): the exercise notebooks run top to bottom,
and checking from inside a notebook grades its saved file like `grade` does."""

from __future__ import annotations

import base64
import struct

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import v4

from grader.authoring.mutants import apply_mutant
from grader.authoring.notebook_stubs import solution_notebook
from grader.exercises import exercises_dir, load_exercises, solutions_dir

EXERCISES = load_exercises()
pytestmark = pytest.mark.slow


def run(notebook, folder) -> nbformat.NotebookNode:
    """Execute every cell in a fresh kernel started in ``folder`` (raises if a cell fails)."""
    client = NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return notebook


def printed(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def solved(exercise) -> nbformat.NotebookNode:
    source = (solutions_dir() / exercise.file).read_text(encoding="utf-8")
    return nbformat.reads(solution_notebook(source, exercise.name), as_version=4)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_notebooks_run_top_to_bottom(tmp_path, exercise):
    """The stub and the solved notebook both run (the check cell aside: tested below)."""
    stub = nbformat.read(exercises_dir() / exercise.file.replace(".py", ".ipynb"), as_version=4)
    done = solved(exercise)
    for notebook in (stub, done):
        assert notebook.cells[-1].id == "check"
        notebook.cells.pop()
    calls = {
        "parabola": "print(trajectory(6.0, 0.3, 3)[0])",
        "adam": "w = np.zeros(2)\nprint(adam_step(w, np.array([2.0, -0.5]), adam_init(w), 0.1)[0])",
    }
    if exercise.name in calls:
        done.cells.append(v4.new_code_cell(calls[exercise.name]))
    run(stub, tmp_path)
    run(done, tmp_path)
    if exercise.name == "parabola":
        assert printed(done.cells[-1]) == "[3.6, 2.64, 2.2560000000000002]\n"
    if exercise.name == "adam":
        assert printed(done.cells[-1]).replace(" ", "") == "[-0.10.1]\n"


def test_check_from_inside_the_notebook_grades_the_saved_file(tmp_path):
    exercise = EXERCISES[0]
    notebook = solved(exercise)
    nbformat.write(notebook, tmp_path / "01_parabola.ipynb")
    notebook.cells.append(v4.new_code_cell("%load_ext grader\n%grade parabola"))
    run(notebook, tmp_path)
    check_cell, magic_cell = printed(notebook.cells[-2]), printed(notebook.cells[-1])
    for text in (check_cell, magic_cell):
        assert "sandbox: " in text and "parabola" in text
        assert "parabola" in text and "Progress: 1/1 done" in text
        assert "Reminder" not in text  # what the kernel ran is what the file holds
        assert 'check("bce_gradient")' in text and "grade -e" not in text  # its own action


def test_check_reminds_to_save_when_the_kernel_ran_other_code(tmp_path):
    """The saved file is the stub; the kernel ran the solution: the stub is graded, and the
    learner is reminded to save."""
    exercise = EXERCISES[0]
    (tmp_path / "01_parabola.ipynb").write_bytes(
        (exercises_dir() / "01_parabola.ipynb").read_bytes()
    )
    text = printed(run(solved(exercise), tmp_path).cells[-1])
    assert "parabola" in text and "not started" in text
    assert "Reminder: the saved 01_parabola.ipynb does not hold the " in text
    assert "error_ratio" in text and "save the notebook" in text


def test_check_finds_the_notebook_the_front_end_names(tmp_path):
    """VS Code names the notebook in __vsc_ipynb_file__; the exercise comes from its name."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    nbformat.write(solved(EXERCISES[0]), folder / "01_parabola.ipynb")
    cells = [
        v4.new_code_cell(f"__vsc_ipynb_file__ = {str(folder / '01_parabola.ipynb')!r}"),
        v4.new_code_cell("from grader import check\ncheck()"),
        v4.new_code_cell("check('no_such_exercise')"),
    ]
    notebook = run(v4.new_notebook(cells=cells), tmp_path)
    assert "Progress: 1/1 done" in printed(notebook.cells[1])
    assert "no exercise named 'no_such_exercise'" in printed(notebook.cells[2])


def test_check_draws_the_curves_that_part_under_the_report(tmp_path):
    """A trajectory that parts from the reference (the update adds the gradient): check()
    says in words where each failing check's curves part, and shows a figure (a PNG in the
    cell's output) for the first check that shows the mistake; a passing notebook shows none
    (above)."""
    exercise = EXERCISES[0]
    source = (solutions_dir() / exercise.file).read_text(encoding="utf-8")
    wrong = apply_mutant(source, exercise.mistake("sign_flipped"), exercise.file)
    notebook = nbformat.reads(solution_notebook(wrong, exercise.name), as_version=4)
    nbformat.write(notebook, tmp_path / "01_parabola.ipynb")
    cell = run(notebook, tmp_path).cells[-1]
    assert cell.id == "check"
    figures = [o for o in cell.outputs if o.output_type == "display_data"]
    assert [o.metadata["gdkit"]["check"] for o in figures] == ["test_trajectory_edges"]
    png = base64.b64decode(figures[0].data["image/png"])
    width, height = struct.unpack(">II", png[16:24])  # the PNG's IHDR
    assert png.startswith(b"\x89PNG") and width > 2 * height > 500
    text = printed(cell)
    assert text.count("Your ws and the reference's part at step 0: ws[0] is 8.4, the refer") == 2
    assert "ws[0] is 15.6, the reference's -3.6" in text  # the too-large rate, in words
    assert text.index("Progress:") < text.index("part at step 0")  # under the report
