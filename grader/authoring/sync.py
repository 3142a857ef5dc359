"""Keep ``exercises/`` generated from ``solutions/``: each solution ``NN_name.py`` gives the
stub ``NN_name.py`` (grader/authoring/stubs.py) and the same stub as a notebook,
``NN_name.ipynb`` (grader/authoring/notebook_stubs.py). The same stubs ship with the grader, in
``grader/exercise_stubs.json`` (:func:`shipped`; ``grade --reset`` puts one back from there)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grader.authoring.notebook_stubs import make_notebook
from grader.authoring.stubs import make_stub
from grader.exercises import load_exercises
from grader.report.write import backup, write_whole
from grader.submission.files import SubmissionFileError, read_source
from grader.submission.resolve import exercise_named_by, is_exercise_file, is_started

if TYPE_CHECKING:
    from grader.checking.framework import Exercise


def solution_files(solutions: Path) -> list[Path]:
    return sorted(p for p in solutions.iterdir() if p.suffix == ".py" and is_exercise_file(p.name))


def planned_stubs(solutions: Path) -> dict[str, str]:
    """File name -> the text that exercises/ should hold: for each solution NN_name.py, the
    stub NN_name.py and the same stub as a notebook, NN_name.ipynb."""
    planned = {}
    for path in solution_files(solutions):
        stub = make_stub(path.read_text(encoding="utf-8"), str(path))
        planned[path.name] = stub
        planned[path.with_suffix(".ipynb").name] = make_notebook(stub, path.stem[3:])
    return planned


def out_of_date(solutions: Path, exercises: Path) -> list[str]:
    """Human-readable reasons why ``exercises`` does not match ``solutions`` (empty: in sync)."""
    problems = []
    planned = planned_stubs(solutions)
    for name, text in planned.items():
        target = exercises / name
        if not target.exists():
            problems.append(f"{target}: missing")
        elif target.read_text(encoding="utf-8") != text:
            source = solutions / Path(name).with_suffix(".py")
            problems.append(f"{target}: differs from the stub generated from {source}")
    if exercises.is_dir():
        for path in sorted(exercises.iterdir()):
            if is_exercise_file(path.name) and path.name not in planned:
                problems.append(f"{path}: has no solution file in {solutions}")
    return problems


def shipped(solutions: Path) -> str:
    """The text of grader/exercise_stubs.json for ``solutions``: every planned stub by its
    file name, reproducibly."""
    stubs = planned_stubs(solutions)
    return json.dumps(stubs, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def write_shipped(solutions: Path, target: Path) -> bool:
    """Write the shipped stubs (``target``: grader/exercise_stubs.json) when they changed;
    whether they did. Nobody edits that file, so there is no work in it to keep."""
    text = shipped(solutions)
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        return False
    write_whole(target, text)
    return True


@dataclass
class Synced:
    """What ``write_stubs`` did: the files written, the learner files it kept a backup of
    first (file -> its backup), and those it would not overwrite (file -> why)."""

    written: list[Path] = field(default_factory=list)
    backups: dict[Path, Path] = field(default_factory=dict)
    refused: dict[Path, str] = field(default_factory=dict)


def write_stubs(solutions: Path, exercises: Path, force: bool = False) -> Synced:
    """Write every stub whose content changed. A file that differs from its new stub and holds
    the learner's work (grader/submission/resolve.py: a function to write is written; or it
    cannot be read) is refused, or with ``force`` kept as a numbered backup first."""
    exercises.mkdir(parents=True, exist_ok=True)
    synced = Synced()
    known = load_exercises()
    for name, text in planned_stubs(solutions).items():
        target = exercises / name
        if target.exists() and target.read_text(encoding="utf-8", errors="replace") == text:
            continue
        work = _learners_work(target, exercise_named_by(name, known))
        if work and not force:
            synced.refused[target] = work
            continue
        if work:
            synced.backups[target] = backup(target)
        write_whole(target, text)
        synced.written.append(target)
    return synced


def _learners_work(target: Path, exercise: Exercise | None) -> str:
    """Why ``target`` holds a learner's work ("" for a stub, or no file at all)."""
    if not target.exists() and not target.is_symlink():
        return ""
    try:
        source = read_source(target.parent, target.name)
    except SubmissionFileError as error:
        return f"it cannot be read as a stub ({error})"
    if exercise is None or is_started(source, exercise):
        return "it holds code written into it"
    return ""
