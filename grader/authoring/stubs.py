"""Make learner stubs from solution files by removing the marked solution blocks (nbgrader style).

    ### BEGIN SOLUTION
    ...reference code...
    ### END SOLUTION

Each block (markers indented like the code) becomes ``raise NotImplementedError("<fn> is not
written yet")`` at the same indentation, where <fn> is the function the block is in. Everything
else — the instructions in the module docstring, signatures, docstrings, imports — is kept.
grader/authoring/sync.py writes each stub, and the same stub as a notebook, into exercises/.
"""

from __future__ import annotations

import re

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
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


def without_markers(source: str) -> str:
    """The solution as a learner reads it: the marker lines left out, the code kept."""
    lines = source.splitlines(keepends=True)
    return "".join(line for line in lines if line.strip() not in (BEGIN, END))


def _enclosing_function(lines: list[str], index: int, indent: str) -> str | None:
    for line in reversed(lines[:index]):
        match = _DEF.match(line)
        if match and len(match.group(1)) < len(indent):
            return match.group(2)
    return None
