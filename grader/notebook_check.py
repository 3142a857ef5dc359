"""Check an exercise from inside its notebook: the saved file, graded like ``grade`` does.

    from grader import check              %load_ext grader
    check("parabola")                     %grade parabola

Both grade the notebook's *saved* file (the grader never sees the kernel's state) through the
same sandbox and checks as the command line, and print the same text report.

Which file: the ``path`` given; else the notebook the kernel runs for, as the front end tells
it (``__vsc_ipynb_file__`` in VS Code, ``$JPY_SESSION_NAME`` in Jupyter Server 2 and later);
else the exercise's notebook, ``NN_name.ipynb``, in the current folder (where Jupyter starts a
notebook's kernel) or in ``./exercises``.

Unsaved work: when the file was last saved before the last cell that ran (the end of each cell
is recorded once ``grader`` is loaded in the kernel; before that, the kernel's start is the
best known time), the report ends with a reminder to save.
"""

from __future__ import annotations

import datetime
import os
import time
from pathlib import Path

_last_cell_end: float | None = None  # time.time() when the last cell (before this one) ended


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _record_cell_end(_result=None) -> None:
    global _last_cell_end
    _last_cell_end = time.time()


def watch_cells(shell) -> None:
    """Record when each cell ends (once per kernel)."""
    if shell is None or getattr(shell, "_gdkit_watching", False):
        return
    shell.events.register("post_run_cell", _record_cell_end)
    shell._gdkit_watching = True


def _kernel_start(shell) -> float | None:
    try:
        start = shell.history_manager.get_session_info(0)[1]
    except Exception:  # noqa: BLE001 - no history (disabled, or not IPython): no fallback time
        return None
    return start.timestamp() if isinstance(start, datetime.datetime) else None


def _front_end_path(shell) -> Path | None:
    """The notebook the kernel runs for, if the front end says."""
    namespace = getattr(shell, "user_ns", {}) if shell is not None else {}
    vscode = namespace.get("__vsc_ipynb_file__")
    if isinstance(vscode, str) and vscode:
        return Path(vscode)
    session = os.environ.get("JPY_SESSION_NAME", "")
    if session.endswith(".ipynb"):
        session_path = Path(session)
        # an absolute path, or a path relative to the server's root (unknown here): the kernel
        # starts in the notebook's folder, so the name alone is tried there
        for candidate in (session_path, Path.cwd() / session_path, Path.cwd() / session_path.name):
            if candidate.is_file():
                return candidate
    return None


def _default_path(exercise) -> Path:
    name = Path(exercise.file).with_suffix(".ipynb").name
    for folder in (Path.cwd(), Path.cwd() / "exercises"):
        if (folder / name).exists():
            return folder / name
    return Path.cwd() / name


def _exercise_for(name: str | None, path: Path | None):
    from grader.exercises import by_name, load_exercises

    if name is not None:
        return by_name(name)
    stem = path.stem if path is not None else ""
    for exercise in load_exercises():
        if Path(exercise.file).stem == stem:
            return exercise
    raise KeyError(f'say which exercise to check, e.g. check("parabola") (file: {path})')


def find_notebook(name: str | None, path: str | os.PathLike | None, shell=None):
    """(exercise, notebook path) by the order in the module docstring."""
    found = Path(path) if path is not None else _front_end_path(shell)
    exercise = _exercise_for(name, found)
    if found is None or (name is not None and path is None and not _matches(found, exercise)):
        found = _default_path(exercise)
    return exercise, found.expanduser().absolute()


def _matches(path: Path, exercise) -> bool:
    """Is the front end's notebook this exercise's (not, say, a scratch notebook)?"""
    return path.stem == Path(exercise.file).stem


def unsaved_reminder(path: Path, shell) -> str:
    """A reminder to save, when the file on disk is older than the last cell that ran."""
    last = _last_cell_end if _last_cell_end is not None else _kernel_start(shell)
    try:
        saved = path.stat().st_mtime
    except OSError:
        return ""
    ran_since = shell is not None and getattr(shell, "execution_count", 1) > 1
    if last is None or not ran_since or saved >= last:
        return ""
    at = time.strftime("%H:%M:%S", time.localtime(saved))
    return (
        f"Reminder: {path.name} was last saved at {at}, before the last cell you ran: the "
        "grader reads the saved file, so save the notebook (Ctrl-S / Cmd-S) "
        "and check again if you changed code since.\n"
    )


def check(
    name: str | None = None,
    path: str | os.PathLike | None = None,
    *,
    hidden: bool = False,
    isolation: str = "auto",
) -> None:
    """Grade one exercise's saved notebook and print the report (see the module docstring)."""
    from grader.report import render
    from grader.runner import GraderError, grade

    shell = _shell()
    watch_cells(shell)
    try:
        exercise, notebook = find_notebook(name, path, shell)
    except KeyError as error:
        print(f"grade: {error.args[0]}")
        return
    if not notebook.is_file():
        print(f"grade: {notebook} not found: save the notebook first, or pass path=...")
        return
    try:
        report = grade(
            notebook.parent,
            [exercise.name],
            include_hidden=hidden,
            isolation=isolation,
            files={exercise.name: notebook.name},
        )
    except GraderError as error:
        print(f"grade: the grader itself failed (not your fault): {error}")
        return
    print(render(report, "text", colour=False), end="")
    print(unsaved_reminder(notebook, shell), end="")


def load_ipython_extension(shell) -> None:
    """``%load_ext grader``: the ``%grade NAME [PATH]`` line magic."""
    watch_cells(shell)

    def grade_magic(line: str) -> None:
        words = line.split(maxsplit=1)
        if not words:
            print("usage: %grade NAME [PATH]   e.g. %grade parabola")
            return
        check(words[0], words[1].strip() if len(words) > 1 else None)

    shell.register_magic_function(grade_magic, magic_kind="line", magic_name="grade")
