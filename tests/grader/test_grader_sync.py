"""`gdkit exercises sync` never loses a learner's work: a file that holds code written into it
is refused, or with --force kept as a numbered backup (byte for byte) before it is replaced;
a stub that only changed because the solution did is replaced as usual."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from gdkit.cli import main
from grader.authoring.sync import write_stubs
from grader.exercises import exercises_dir, solutions_dir

SOLVED = "    return w - lr * grad"
STUB_LINE = '    raise NotImplementedError("gd_step is not written yet")'


def _exercises(tmp_path):
    folder = tmp_path / "exercises"
    shutil.copytree(exercises_dir(), folder)
    return folder


def _sync(folder, *args):
    return CliRunner().invoke(main, ["exercises", "sync", "--exercises", str(folder), *args])


def test_a_solved_file_is_not_overwritten_without_force(tmp_path):
    folder = _exercises(tmp_path)
    solved = folder / "01_parabola.py"
    text = solved.read_text().replace(STUB_LINE, SOLVED)
    solved.write_text(text)
    result = _sync(folder)
    assert result.exit_code == 1
    assert "not overwritten" in result.output and "01_parabola.py" in result.output
    assert "--force" in result.output
    assert solved.read_text() == text
    assert not list(folder.glob("*.backup-*"))


def test_with_force_the_work_is_kept_as_a_numbered_backup_it_names(tmp_path):
    folder = _exercises(tmp_path)
    solved = folder / "01_parabola.py"
    data = solved.read_text().replace(STUB_LINE, SOLVED).encode()
    solved.write_bytes(data)
    result = _sync(folder, "--force")
    assert result.exit_code == 0, result.output
    backup = folder / "01_parabola.backup-1.py"
    assert backup.read_bytes() == data
    assert "01_parabola.backup-1.py" in result.output
    assert solved.read_text() == (exercises_dir() / "01_parabola.py").read_text()
    solved.write_bytes(data + b"# second try\n")
    _sync(folder, "--force")
    assert (folder / "01_parabola.backup-2.py").read_bytes() == data + b"# second try\n"
    assert backup.read_bytes() == data  # the first backup is never overwritten


def test_an_untouched_stub_that_drifted_is_replaced(tmp_path):
    """A stub from an older solution (its instructions changed) holds no work: replaced."""
    folder = _exercises(tmp_path)
    stub = folder / "01_parabola.py"
    stub.write_text(stub.read_text().replace("Exercise 1", "Exercise 1 (old wording)", 1))
    synced = write_stubs(solutions_dir(), folder)
    assert synced.written == [stub] and not synced.backups and not synced.refused


def test_a_notebook_with_work_is_protected_too(tmp_path):
    from grader.authoring.notebook_stubs import solution_notebook

    folder = _exercises(tmp_path)
    notebook = folder / "01_parabola.ipynb"
    solved = solution_notebook((solutions_dir() / "01_parabola.py").read_text(), "parabola")
    notebook.write_text(solved)
    synced = write_stubs(solutions_dir(), folder)
    assert notebook in synced.refused and notebook.read_text() == solved
