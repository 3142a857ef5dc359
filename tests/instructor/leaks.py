"""The rule the release test applies: which solution lines must never appear in a release.

Every line between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` is normalised (leading and
trailing whitespace removed, every run of whitespace made one space; comment-only lines are
skipped). A line is *distinctive*, and must not appear as a whole normalised line in any file
of the release (text or not, decoded as UTF-8 with replacement), unless it is one of these
kinds of bookkeeping, which every implementation (and the stubs' own signatures and docstrings)
shares and which give nothing of the answer away:

- a bare ``return`` of names: ``return grad``, ``return W, b, np.array(losses)``;
- a conversion or copy of an argument: ``X = np.asarray(X, dtype=float)``, ``b = float(b0)``;
- an empty or one-element list and appending a name to it: ``ws = []``, ``path.append(w)``;
- a loop header over a range or an index set: ``for _ in range(steps):``;
- an array of zeros shaped like another: ``grad = np.zeros_like(w)``;
- a size: ``m = X.shape[0]``, ``m = y.size``;
- a seeded generator: ``rng = np.random.default_rng(seed)``;
- a plain renaming or indexing: ``w = w0``, ``old = w[i]``.

Everything else — every line that computes, compares, decides or returns a literal — counts.
"""

from __future__ import annotations

import ast
import json
import re
import zipfile
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"

_NAME = r"[A-Za-z_]\w*"
_NAMES = rf"{_NAME}(?:\.{_NAME})*"
_RETURNED = rf"(?:{_NAMES}|np\.array\({_NAME}\))"
BOOKKEEPING = [
    re.compile(p)
    for p in (
        rf"return {_RETURNED}(?:, {_RETURNED})*",
        rf"{_NAME}(?:, {_NAME})* = np\.(?:asarray|array)\({_NAME}(?:, dtype=float)?\)(?: #.*)?",
        rf"{_NAME} = (?:float|int)\({_NAME}\)",
        rf"{_NAME}(?:: [\w\[\]., ]+)? = \[(?:{_NAME})?\]",
        rf"{_NAME}(?:, {_NAME})* = \[\], \[\]",
        rf"{_NAMES}\.append\({_NAME}\)",
        rf"for {_NAME} in (?:range\({_NAME}\)|np\.ndindex\({_NAME}\.shape\)):",
        rf"{_NAME} = np\.zeros_like\({_NAME}\)",
        rf"{_NAME} = {_NAME}\.(?:shape\[\d\]|size)",
        rf"{_NAME} = np\.random\.default_rng\({_NAME}\)",
        rf"{_NAME} = {_NAME}(?:\[{_NAME}\])?",
    )
]


def normalise(line: str) -> str:
    return " ".join(line.split())


def is_bookkeeping(line: str) -> bool:
    return any(pattern.fullmatch(line) for pattern in BOOKKEEPING)


def solution_lines(solutions: Path) -> dict[str, str]:
    """Distinctive normalised solution lines -> where they come from (file:line)."""
    found: dict[str, str] = {}
    for path in sorted(solutions.glob("*.py")):
        inside = False
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            text = normalise(line)
            if text in (BEGIN, END):
                inside = text == BEGIN
            elif inside and text and not text.startswith("#") and not is_bookkeeping(text):
                found.setdefault(text, f"{path.name}:{number}")
    return found


def _contents(tree: Path) -> list[tuple[str, bytes]]:
    """(where, bytes) of every file of ``tree``, and of every member of its zips (an Anki
    package is one: its notes are in the collection inside)."""
    found = []
    for path in sorted(p for p in tree.rglob("*") if p.is_file()):
        where = str(path.relative_to(tree))
        found.append((where, path.read_bytes()))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                found += [(f"{where}!{n}", archive.read(n)) for n in archive.namelist()]
    return found


def leaks(tree: Path, lines: dict[str, str]) -> list[str]:
    """Every place in ``tree`` where a distinctive solution line appears as a whole line."""
    found = []
    for where, data in _contents(tree):
        text = data.decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            source = lines.get(normalise(line))
            if source:
                found.append(f"{where}:{number} repeats {source}")
    return found


# -- whole implementations ---------------------------------------------------------------------
# A function's body, normalised: its statements after the docstring, unparsed from the syntax
# tree (so comments, layout, quotes and parentheses do not matter) with whitespace collapsed.
# Such a body must not appear in any module of a release, as a function's body or inside one.


def _body_text(function: ast.FunctionDef) -> str:
    body = function.body
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        body = body[1:]
    return normalise(ast.unparse(ast.Module(body=body, type_ignores=[]))) if body else ""


def _functions(source: str) -> list[ast.FunctionDef]:
    return [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)]


def exercise_bodies(solutions: Path) -> dict[str, str]:
    """Normalised body -> where it comes from, for every solution function with a solution
    block (the functions the learner writes; the given helpers are in the stubs too)."""
    found = {}
    for path in sorted(solutions.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for function in _functions(source):
            if BEGIN in (ast.get_source_segment(source, function) or ""):
                found[_body_text(function)] = f"{path.name}: {function.name}"
    return found


def reference_bodies(package: Path) -> dict[str, str]:
    """Normalised body -> where it comes from, for every function of gdref with a body beyond
    one plain ``return name`` (every one an exercise could ask for)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        for function in _functions(path.read_text(encoding="utf-8")):
            text = _body_text(function)
            if text and not is_bookkeeping(text):
                found[text] = f"{path.relative_to(package.parent)}: {function.name}"
    return found


def _texts(tree: Path) -> list[tuple[str, str]]:
    """(where, normalised code) for every Python module of ``tree`` and every code cell of its
    notebooks."""
    found = []
    for path in sorted(tree.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        found.append((str(path.relative_to(tree)), normalise(ast.unparse(ast.parse(source)))))
    for path in sorted(tree.rglob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(c for c in cells if c["cell_type"] == "code"):
            source = "".join(cell["source"])
            try:
                code = normalise(ast.unparse(ast.parse(source)))
            except SyntaxError:
                code = normalise(source)
            found.append((f"{path.relative_to(tree)} cell {index}", code))
    return found


def whole_bodies(tree: Path, bodies: dict[str, str]) -> list[str]:
    """Every place in ``tree`` where one of ``bodies`` appears."""
    return [
        f"{where} holds the body of {source}"
        for where, code in _texts(tree)
        for body, source in bodies.items()
        if body and body in code
    ]
