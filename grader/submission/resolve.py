"""Which file of a submission is graded for each exercise: the one rule every door uses.

An exercise ``NN_name`` is handed in as ``NN_name.py`` or ``NN_name.ipynb`` (a name with any
suffix :mod:`grader.submission.files` has a format for). The choice rests on what the files
hold, never on their times (an upload, a zip or a clone loses those):

- a file is **not started** while every function its exercise leaves to the learner
  (``Exercise.to_write``; where an exercise does not say, every function of the file) still
  raises ``NotImplementedError`` at the top of its body; a file that cannot be read or parsed
  counts as started (it may be the learner's work, and grading it says what is wrong with it);
- neither file there: the exercise is missing (its checks say which names were looked for);
- one there: it is graded;
- both there: the started one; neither started: the ``.py`` file, with no note (a fresh
  clone or release); both started: both are graded and the better score is kept, with one
  short note saying so (:mod:`grader.runner` does the grading and the keeping).

A file named on the command line (``grade exercises/01_parabola.ipynb``) is graded whatever
the rule would pick.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from grader.submission.files import FORMATS, SubmissionFileError, SubmissionSource, read_source

if TYPE_CHECKING:
    from grader.checking.framework import Exercise

EXERCISE_NAME = re.compile(r"^(\d\d)_([a-z0-9_]+)$")  # the stem: 01_parabola


def candidates(exercise: Exercise) -> tuple[str, ...]:
    """The names an exercise's file may have, ``.py`` first: ``01_parabola.py``,
    ``01_parabola.ipynb``."""
    stem = PurePath(exercise.file).stem
    return tuple(stem + suffix for suffix in FORMATS)


def is_exercise_file(name: str) -> bool:
    """``01_parabola.py`` or ``01_parabola.ipynb`` (of any exercise, known or not)."""
    path = PurePath(name)
    return path.suffix in FORMATS and EXERCISE_NAME.match(path.stem) is not None


def exercise_named_by(filename: str, exercises: Iterable[Exercise]) -> Exercise | None:
    """The exercise whose file ``filename`` is, or None."""
    return next((e for e in exercises if filename in candidates(e)), None)


@dataclass
class Resolution:
    """What is graded for one exercise: ``files`` (one, or two when both are started: each is
    graded and the better kept), and the sources already read (a name -> its source, or why it
    cannot be read), so that a ``.py`` file is not read twice. A notebook is read quickly to
    tell whether it is started (json, not nbformat: :func:`read_source`'s ``quick``), and
    again in full if it is graded."""

    exercise: Exercise
    files: tuple[str, ...]
    read: dict[str, SubmissionSource | SubmissionFileError] = field(default_factory=dict)

    @property
    def graded(self) -> str:
        return self.files[0]

    def source(self, folder: Path, name: str) -> SubmissionSource:
        """The source of ``name`` (read now if the rule did not need it); raises
        SubmissionFileError."""
        if name not in self.read:
            self.read[name] = _read(folder, name)
        found = self.read[name]
        if isinstance(found, SubmissionFileError):
            raise found
        return found


def resolve(
    folder: Path, exercises: Iterable[Exercise], named: Mapping[str, str] | None = None
) -> dict[str, Resolution]:
    """Exercise name -> its :class:`Resolution` in ``folder``. ``named`` maps an exercise
    name to the file the learner named, which is graded as it is."""
    named = named or {}
    return {
        e.name: Resolution(e, (named[e.name],)) if e.name in named else _resolve_one(folder, e)
        for e in exercises
    }


def _resolve_one(folder: Path, exercise: Exercise) -> Resolution:
    names = candidates(exercise)
    present = [name for name in names if _exists(folder / name)]
    if len(present) < 2:
        return Resolution(exercise, tuple(present) or names[:1])
    read = {name: _read(folder, name, quick=True) for name in present}
    started = [name for name in present if is_started(read[name], exercise)]
    kept = {name: found for name, found in read.items() if not getattr(found, "quick", False)}
    return Resolution(exercise, tuple(started) or (present[0],), kept)


def _exists(path: Path) -> bool:
    try:
        path.lstat()
    except OSError:
        return False
    return True


def _read(folder: Path, name: str, quick: bool = False) -> SubmissionSource | SubmissionFileError:
    try:
        return read_source(folder, name, quick=quick)
    except SubmissionFileError as error:
        return error


def is_started(found: SubmissionSource | SubmissionFileError, exercise: Exercise) -> bool:
    """False while every function to write still raises NotImplementedError (see the
    module docstring); True for a file that cannot be read or parsed."""
    if isinstance(found, SubmissionFileError):
        return True
    unwritten = unwritten_functions(found.text)
    if unwritten is None:
        return True
    to_write = set(exercise.to_write) or _defined_functions(found.text)
    return not to_write <= unwritten


def _defined_functions(source: str) -> set[str]:
    return {
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def unwritten_functions(source: str) -> frozenset[str] | None:
    """The top-level functions of ``source`` whose body raises NotImplementedError at its top
    level (after any comments, docstring or setup), or None if it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    return frozenset(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(_raises_not_implemented(statement) for statement in node.body)
    )


def _raises_not_implemented(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.Raise) or statement.exc is None:
        return False
    raised = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"
