"""`grade --reset NAME` starts an exercise over and loses nothing: each of its files that
differs from its stub is kept as a numbered backup (byte for byte) before the stub is put back,
from the copy that ships with the grader (grader/exercise_stubs.json), which `gdkit exercises
sync` writes and which must not drift from the stubs solutions/ give."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from grader.authoring.sync import planned_stubs, shipped
from grader.exercises import exercises_dir, solutions_dir
from grader.paths import STUBS_FILE

STUB_LINE = '    raise NotImplementedError("gd_step is not written yet")'
SOLVED = "    return w - lr * grad"


@pytest.fixture
def folder(tmp_path):
    copy = tmp_path / "exercises"
    shutil.copytree(exercises_dir(), copy)
    return copy


def grade(*args: str):
    from grader.cli import grade_command

    return CliRunner().invoke(grade_command, list(args), prog_name="grade")


def stub(name: str) -> bytes:
    return (exercises_dir() / name).read_bytes()


def is_stub(path) -> bool:
    """``path`` holds the stub (as text: a file is written with the platform's line ends)."""
    return path.read_text(encoding="utf-8") == (exercises_dir() / path.name).read_text("utf-8")


def test_the_learners_file_is_kept_as_a_numbered_backup_and_the_stub_put_back(folder):
    work = folder / "01_parabola.py"
    data = stub("01_parabola.py").replace(STUB_LINE.encode(), SOLVED.encode()) + b"# \xce\xb1\r\n"
    work.write_bytes(data)
    done = grade(str(folder), "--reset", "parabola")
    assert done.exit_code == 0, done.output
    backup = folder / "01_parabola.backup-1.py"
    assert backup.read_bytes() == data and is_stub(work)
    assert f"yours is kept as {backup}" in done.output
    assert "01_parabola.ipynb: the stub already, left as it is" in done.output
    assert (folder / "01_parabola.ipynb").read_bytes() == stub("01_parabola.ipynb")  # untouched
    work.write_bytes(data + b"# second try\n")
    again = grade(str(folder), "--reset", "1")  # by its number, as elsewhere
    assert again.exit_code == 0, again.output
    assert (folder / "01_parabola.backup-2.py").read_bytes() == data + b"# second try\n"
    assert backup.read_bytes() == data  # a backup is never overwritten
    assert sorted(p.name for p in folder.glob("*.backup-*")) == [
        "01_parabola.backup-1.py",
        "01_parabola.backup-2.py",
    ]


def test_a_notebook_is_reset_too_and_a_missing_file_written(folder):
    from grader.authoring.notebook_stubs import solution_notebook

    notebook = folder / "02_bce_gradient.ipynb"
    solved = solution_notebook(
        (solutions_dir() / "02_bce_gradient.py").read_text(encoding="utf-8"), "bce_gradient"
    ).encode()
    notebook.write_bytes(solved)
    (folder / "02_bce_gradient.py").unlink()
    done = grade(str(folder), "--reset", "bce_gradient")
    assert done.exit_code == 0, done.output
    assert (folder / "02_bce_gradient.backup-1.ipynb").read_bytes() == solved
    assert is_stub(notebook) and is_stub(folder / "02_bce_gradient.py")
    assert "02_bce_gradient.py: written (the stub; there was no file)" in done.output


def test_one_file_named_as_path_is_the_only_one_reset(folder):
    py, notebook = folder / "01_parabola.py", folder / "01_parabola.ipynb"
    py.write_bytes(b"mine = 1\n")
    notebook.write_bytes(b"{}")
    done = grade(str(notebook), "--reset", "parabola")
    assert done.exit_code == 0, done.output
    assert is_stub(notebook) and py.read_bytes() == b"mine = 1\n"
    other = grade(str(notebook), "--reset", "momentum")
    assert other.exit_code == 2 and "not the file given as PATH" in other.output


def test_what_cannot_be_reset_is_a_sentence_and_nothing_changes(folder):
    (folder / "01_parabola.py").unlink()
    (folder / "01_parabola.py").mkdir()
    (folder / "01_parabola.ipynb").write_bytes(b"{}")
    done = grade(str(folder), "--reset", "parabola")
    assert done.exit_code == 2
    assert "01_parabola.py is not a regular file" in done.output and "move it" in done.output
    assert "Traceback" not in done.output
    unknown = grade(str(folder), "--reset", "no_such_exercise")
    assert unknown.exit_code == 2 and "no exercise named 'no_such_exercise'" in unknown.output


def test_reset_needs_nothing_of_the_authoring_tools():
    """grade --reset runs where grader/authoring is not installed whole (a student release)."""
    from test_grader_layout import GRAPH

    assert not [m for m in GRAPH["grader.reset"] if m.startswith("grader.authoring")]


def test_the_shipped_stubs_are_the_stubs_solutions_give():
    """grader/exercise_stubs.json is what `gdkit exercises sync` writes, byte for byte."""
    assert STUBS_FILE.read_text(encoding="utf-8") == shipped(solutions_dir())
    assert json.loads(STUBS_FILE.read_text(encoding="utf-8")) == planned_stubs(solutions_dir())


def test_exercises_check_fails_when_the_shipped_stubs_drift(monkeypatch, tmp_path):
    from gdkit.cli import main
    from grader.authoring import exercises_cli

    drifted = tmp_path / "exercise_stubs.json"
    stubs = json.loads(STUBS_FILE.read_text(encoding="utf-8"))
    stubs["01_parabola.py"] += "# drifted\n"
    drifted.write_text(json.dumps(stubs), encoding="utf-8")
    monkeypatch.setattr(exercises_cli, "STUBS_FILE", drifted)
    checked = CliRunner().invoke(main, ["exercises", "check"])
    assert checked.exit_code == 1 and "exercise_stubs.json: differs" in checked.output
    synced = CliRunner().invoke(main, ["exercises", "sync", "--exercises", str(tmp_path / "ex")])
    assert synced.exit_code == 0, synced.output
    assert drifted.read_text(encoding="utf-8") == shipped(solutions_dir())
    assert CliRunner().invoke(main, ["exercises", "check"]).exit_code == 0


# Run the release's own code, as if it were the only gdkit installed (see test_release.py)
_ONLY_RELEASE = (
    "import sys; sys.meta_path[:] = [f for f in sys.meta_path "
    "if 'editable' not in getattr(f, '__module__', '')]; sys.path.insert(0, {root!r}); "
    "from grader.cli import main; main()"
)


@pytest.mark.slow  # builds a release: its public checks are graded to record their values
def test_reset_works_in_a_student_release(tmp_path):
    """The release has no solutions/ to make stubs from: they come from the copy that ships
    with the grader."""
    from gdkit.release import build_release

    release = tmp_path / "release"
    build_release(release)
    assert (
        not (release / "solutions").exists() and (release / "grader/exercise_stubs.json").exists()
    )
    work = release / "exercises" / "01_parabola.py"
    data = work.read_bytes().replace(STUB_LINE.encode(), SOLVED.encode())
    work.write_bytes(data)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = _ONLY_RELEASE.format(root=str(release))
    done = subprocess.run(
        [sys.executable, "-c", code, "--reset", "parabola"],
        cwd=release,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (release / "exercises" / "01_parabola.backup-1.py").read_bytes() == data
    assert is_stub(work)
