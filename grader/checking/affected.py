"""Which of a learner's functions a catalogued mistake shows in: the functions its mutant
edits in the reference solution, and every function that calls one of them. A check may name
a mistake only if it calls one of those (grader/checking/plugin.py)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.checking.framework import Mistake


def affected_functions(source: str, mistake: Mistake) -> set[str]:
    """The top-level functions of ``source`` whose results a mistake's mutant changes: those
    its substitutions touch, and every function that calls one of them (directly or not)."""
    tree = ast.parse(source)
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    touched: set[str] = set()
    for old, _ in mistake.mutant:
        offset = source.find(old)
        if offset < 0:
            continue
        first = next(i for i, start in enumerate(starts) if start > offset)  # 1-based line
        last = next(i for i, start in enumerate(starts) if start >= offset + len(old))
        for node in functions:
            if node.lineno <= last and first <= (node.end_lineno or node.lineno):
                touched.add(node.name)
    calls = {
        node.name: {
            call.func.id
            for call in ast.walk(node)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
        }
        for node in functions
    }
    changed = True
    while changed:
        callers = {name for name, called in calls.items() if called & touched} - touched
        changed = bool(callers)
        touched |= callers
    return touched
