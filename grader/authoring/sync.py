"""Keep ``exercises/`` generated from ``solutions/``: each solution ``NN_name.py`` gives the
stub ``NN_name.py`` (grader/authoring/stubs.py) and the same stub as a notebook,
``NN_name.ipynb`` (grader/authoring/notebook_stubs.py)."""

from __future__ import annotations

from pathlib import Path

from grader.authoring.notebook_stubs import make_notebook
from grader.authoring.stubs import make_stub
from grader.submission.resolve import is_exercise_file


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


def write_stubs(solutions: Path, exercises: Path) -> list[Path]:
    """Write every stub whose content changed; return the files written."""
    exercises.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in planned_stubs(solutions).items():
        target = exercises / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written
