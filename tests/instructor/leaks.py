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

import re
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


def leaks(tree: Path, lines: dict[str, str]) -> list[str]:
    """Every place in ``tree`` where a distinctive solution line appears as a whole line."""
    found = []
    for path in sorted(p for p in tree.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            source = lines.get(normalise(line))
            if source:
                found.append(f"{path.relative_to(tree)}:{number} repeats {source}")
    return found
