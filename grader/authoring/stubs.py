"""Make learner stubs from solution files by removing the marked solution blocks (nbgrader style).

    ### BEGIN SOLUTION
    ...reference code...
    ### END SOLUTION

Each block (markers indented like the code) becomes ``raise NotImplementedError("<fn> is not
written yet")`` at the same indentation, where <fn> is the function the block is in. Everything
else — the instructions in the module docstring, signatures, docstrings, imports — is kept.
Each stub is also written as a notebook, NN_name.ipynb (grader/authoring/notebook_stubs.py).
"""

from __future__ import annotations

import re
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
EXERCISE_FILE = re.compile(r"^\d\d_[a-z0-9_]+\.py$")
NOTEBOOK_FILE = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")
_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+([A-Za-z_]\w*)")


class StubError(ValueError):
    """A solution file whose markers are malformed: ``file:line: what is wrong``."""


def make_stub(source: str, filename: str = "<solution>") -> str:
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    inside: tuple[int, str] | None = None  # (line number, indentation) of the open BEGIN
    blocks = 0
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if stripped == BEGIN:
            if inside is not None:
                raise StubError(
                    f"{filename}:{number}: {BEGIN} inside another solution block "
                    f"(opened at line {inside[0]})"
                )
            inside = (number, indent)
            function = _enclosing_function(lines, number - 1, indent)
            if function is None:
                raise StubError(f"{filename}:{number}: {BEGIN} outside a function")
            newline = "\n" if line.endswith("\n") else ""
            message = f"{function} is not written yet"
            out.append(f'{indent}raise NotImplementedError("{message}"){newline}')
            blocks += 1
        elif stripped == END:
            if inside is None:
                raise StubError(f"{filename}:{number}: {END} without a matching {BEGIN}")
            if indent != inside[1]:
                raise StubError(
                    f"{filename}:{number}: {END} is indented differently from its "
                    f"{BEGIN} at line {inside[0]}"
                )
            inside = None
        elif BEGIN in stripped or END in stripped:
            raise StubError(f"{filename}:{number}: a solution marker must be alone on its line")
        elif inside is None:
            out.append(line)
    if inside is not None:
        raise StubError(f"{filename}:{inside[0]}: {BEGIN} is never closed with {END}")
    if blocks == 0:
        raise StubError(f"{filename}:1: no {BEGIN} blocks: nothing for the learner to write")
    return "".join(out)


def _enclosing_function(lines: list[str], index: int, indent: str) -> str | None:
    for line in reversed(lines[:index]):
        match = _DEF.match(line)
        if match and len(match.group(1)) < len(indent):
            return match.group(2)
    return None


def solution_files(solutions: Path) -> list[Path]:
    return sorted(p for p in solutions.iterdir() if EXERCISE_FILE.match(p.name))


def planned_stubs(solutions: Path) -> dict[str, str]:
    """File name -> the text that exercises/ should hold: for each solution NN_name.py, the
    stub NN_name.py and the same stub as a notebook, NN_name.ipynb."""
    from grader.authoring.notebook_stubs import make_notebook

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
            generated = EXERCISE_FILE.match(path.name) or NOTEBOOK_FILE.match(path.name)
            if generated and path.name not in planned:
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
