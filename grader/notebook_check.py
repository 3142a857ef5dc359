"""Check an exercise from inside its notebook: the saved file, graded like ``grade`` does.

    from grader import check              %load_ext grader
    check("parabola")                     %grade parabola

Both grade the notebook's *saved* file (the grader never sees the kernel's state) through the
same sandbox and checks as the command line, and print the same text report.

Which file: the ``path`` given; else the notebook the kernel runs for, as the front end tells
it (``__vsc_ipynb_file__`` in VS Code, ``$JPY_SESSION_NAME`` in Jupyter Server 2 and later);
else the exercise's notebook, ``NN_name.ipynb``, in the current folder (where Jupyter starts a
notebook's kernel) or in ``./exercises``.

Unsaved work: the report ends with a reminder to save when a function or class that the kernel
last ran differs from the one in the saved file, or is not in it (the kernel's input history
holds every cell it ran; the last definition of each name counts). This says exactly what a
timestamp can only guess: "Run All" after opening a notebook runs every cell after its last
save, and needs no reminder.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import TYPE_CHECKING

from grader.submission.files import SubmissionFileError, read_text
from grader.submission.notebook import NotebookError, code_sources, without_ipython
from grader.submission.resolve import candidates, exercise_named_by

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from grader.checking.framework import Exercise
    from grader.report.results import Report


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


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
    name = notebook_name(exercise)
    for folder in (Path.cwd(), Path.cwd() / "exercises"):
        if (folder / name).exists():
            return folder / name
    return Path.cwd() / name


def _exercise_for(name: str | None, path: Path | None):
    from grader.exercises import by_name, load_exercises

    if name is not None:
        return by_name(name)
    exercise = exercise_named_by(notebook_name_of(path), load_exercises()) if path else None
    if exercise is not None:
        return exercise
    raise KeyError(f'say which exercise to check, e.g. check("parabola") (file: {path})')


def find_notebook(
    name: str | None, path: str | os.PathLike | None, shell: InteractiveShell | None = None
) -> tuple[Exercise, Path]:
    """(exercise, notebook path) by the order in the module docstring."""
    found = Path(path) if path is not None else _front_end_path(shell)
    exercise = _exercise_for(name, found)
    if found is None or (name is not None and path is None and not _matches(found, exercise)):
        found = _default_path(exercise)
    return exercise, found.expanduser().absolute()


def _matches(path: Path, exercise) -> bool:
    """Is the front end's notebook this exercise's (not, say, a scratch notebook)?"""
    return notebook_name_of(path) == notebook_name(exercise)


def notebook_name(exercise: Exercise) -> str:
    """``01_parabola.ipynb``."""
    return next(name for name in candidates(exercise) if name.endswith(".ipynb"))


def notebook_name_of(path: Path) -> str:
    """The exercise notebook name ``path`` stands for (``01_parabola`` -> ``01_parabola.ipynb``)."""
    return path.with_suffix(".ipynb").name


def definitions(sources: list[str]) -> dict[str, str]:
    """Name -> source of its last top-level ``def`` or ``class`` in these cell sources."""
    found = {}
    for source in sources:
        if source.lstrip().startswith("%%"):
            continue
        text, _ = without_ipython(source)
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        lines = text.split("\n")
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                segment = "\n".join(line.rstrip() for line in lines[first - 1 : node.end_lineno])
                found[node.name] = segment
    return found


def _history(shell) -> list[str]:
    inputs = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    if inputs is None:
        inputs = getattr(shell, "user_ns", {}).get("In", [])
    return [text for text in inputs if isinstance(text, str)]


def unsaved_reminder(path: Path, shell: InteractiveShell | None) -> str:
    """A reminder to save, when what the kernel last ran is not what the file holds."""
    ran = definitions(_history(shell)) if shell is not None else {}
    if not ran:
        return ""
    try:
        text, display, _ = read_text(path.parent, path.name)
        saved = definitions(code_sources(text, display))
    except (SubmissionFileError, NotebookError):
        return ""
    changed = sorted(name for name, source in ran.items() if saved.get(name) != source)
    if not changed:
        return ""
    names = ", ".join(changed[:5]) + (" …" if len(changed) > 5 else "")
    return (
        f"Reminder: the saved {path.name} does not hold the {names} you last ran: the grader "
        "reads the saved file, so save the notebook (Ctrl-S / Cmd-S) and check again.\n"
    )


def check(
    name: str | None = None,
    path: str | os.PathLike | None = None,
    *,
    hidden: bool = False,
    isolation: str = "auto",
) -> None:
    """Grade one exercise's saved notebook and print the report (see the module docstring)."""
    from grader.checking.remember import across_runs
    from grader.report.actions import NOTEBOOK
    from grader.report.render import render
    from grader.report.sanitize import clean_name
    from grader.runner import GraderError, grade
    from grader.sandbox.errors import SandboxError

    shell = _shell()
    try:
        exercise, notebook = find_notebook(name, path, shell)
    except KeyError as error:
        print(f"grade: {error.args[0]}")
        return
    if not notebook.is_file():
        shown = clean_name(str(notebook))
        print(f"grade: {shown} not found: save the notebook first, or pass path=...")
        return
    # the exercise's own notebook is graded by the rule every door uses (beside a started
    # NN_name.py, both are graded and the better kept); a notebook of another name as it is
    named = {} if notebook.name == notebook_name(exercise) else {exercise.name: notebook.name}
    try:
        with across_runs():  # the learner's own machine: reference values kept for next time
            report = grade(
                notebook.parent,
                [exercise.name],
                include_hidden=hidden,
                isolation=isolation,
                files=named,
            )
    except (GraderError, SandboxError) as error:
        print(f"grade: the grader itself failed (not your fault): {error}")
        return
    print(unsaved_reminder(notebook, shell) + render(report, "text", actions=NOTEBOOK), end="")
    show_curves(report, shell)


FIGURES_SHOWN = 3  # figures drawn under the report, at most


def show_curves(report: Report, shell: InteractiveShell | None) -> None:
    """Under the report: each failing check's curves in words (where the learner's parts from
    the reference's), and, in IPython, a figure of them (IPython's display) for the first check
    that shows each mistake (grader.report.figures.to_draw; at most FIGURES_SHOWN). Without
    matplotlib, the words and a sentence saying why there is no figure."""
    from grader.report import figures

    failing = [check for result in report.exercises for check in result.failures if check.curves]
    if not failing:
        return
    missing = figures.unavailable() if shell is not None else None
    drawn = [c.name for e in report.exercises for c in figures.to_draw(e.failures)]
    drawn = [] if shell is None or missing else drawn[:FIGURES_SHOWN]
    if missing:
        print(missing)
    for check in failing:
        png, why = figures.figure_or_words(check.curves) if check.name in drawn else (None, "")
        if png is not None:
            from IPython.display import Image, display

            display(Image(data=png, format="png"), metadata={"gdkit": {"check": check.name}})
        words = " ".join(figures.describe(curve) for curve in check.curves)
        print(" ".join(filter(None, (words, why))))


def hint(name: str, *, every: bool = False) -> None:
    """The next hint of exercise ``name`` (or its number) not yet shown, as ``grade --hint``
    gives it; ``every=True``: all of them."""
    from grader.exercises import by_name_or_number
    from grader.hints import hint_lines

    try:
        exercise = by_name_or_number(str(name))
    except KeyError as error:
        print(f"grade: {error.args[0]}")
        return
    again = f'`hint("{exercise.name}")`'
    every_hint = f'`hint("{exercise.name}", every=True)`'
    print("\n".join(hint_lines(exercise, again, every_hint, every=every)))


def load_ipython_extension(shell: InteractiveShell) -> None:
    """``%load_ext grader``: the ``%grade NAME [PATH]`` line magic."""

    def grade_magic(line: str) -> None:
        words = line.split(maxsplit=1)
        if not words:
            print("usage: %grade NAME [PATH]   e.g. %grade parabola")
            return
        check(words[0], words[1].strip() if len(words) > 1 else None)

    shell.register_magic_function(grade_magic, magic_kind="line", magic_name="grade")
