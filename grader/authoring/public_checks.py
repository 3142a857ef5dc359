"""Turn a checks module into its student-release form, by its syntax tree.

What is removed (the rest of the text, comments included, is kept byte for byte):

- every check marked ``@check(..., hidden=True)``, decorators and docstring included;
- every ``mutant=...`` argument of a ``Mistake(...)`` (the substitutions quote the reference
  solution); the mistake's id, message and hint stay, so diagnoses still read the same;
- module-level helper functions and constants that nothing left in the module uses any more
  (they served only the hidden checks, and some of them compute the answers). Checks, pytest
  fixtures, ``test*`` functions and ``EXERCISE`` are always kept.

The result is parsed again and compiled; a module whose hidden checks or mutants survive is an
error, never a silent leak.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass


class PublicChecksError(ValueError):
    """A checks module that cannot be made public: ``file: what is wrong``."""


@dataclass
class Stripped:
    source: str
    hidden_checks: int  # how many hidden checks were removed
    hidden_points: int
    mutants: int  # how many mutant= arguments were removed
    helpers: list[str]  # helpers removed because only hidden checks used them


def _check_marker(node: ast.expr) -> ast.Call | None:
    """The ``check(...)`` call of a decorator, if it is one."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return node if name == "check" else None


def _hidden_points(function: ast.FunctionDef) -> int | None:
    """The points of a hidden check, or None when ``function`` is not a hidden check."""
    for decorator in function.decorator_list:
        marker = _check_marker(decorator)
        if marker is None:
            continue
        if any(k.arg is None for k in marker.keywords) or len(marker.args) > 1:
            raise PublicChecksError(
                f"line {marker.lineno}: write check(points, hidden=...) with plain arguments, "
                "so the release can tell whether the check is hidden"
            )
        keywords = {k.arg: k.value for k in marker.keywords}
        hidden = keywords.get("hidden")
        if hidden is None:
            return None
        if not isinstance(hidden, ast.Constant) or not isinstance(hidden.value, bool):
            raise PublicChecksError(f"line {marker.lineno}: hidden= must be True or False")
        if not hidden.value:
            return None
        points = marker.args[0] if marker.args else keywords.get("points")
        return points.value if isinstance(points, ast.Constant) else 0
    return None


def _is_mistake_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name == "Mistake"


def _is_fixture(function: ast.FunctionDef) -> bool:
    return any("fixture" in ast.unparse(d) for d in function.decorator_list)


class _Offsets:
    """(line, column) of the syntax tree -> offsets into the source text."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.starts = [0]
        for line in source.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def at(self, line: int, column: int) -> int:
        # ast columns count UTF-8 bytes
        start = self.starts[line - 1]
        text = self.source[start : self.starts[line]]
        return start + len(text.encode("utf-8")[:column].decode("utf-8", errors="replace"))

    def whole_lines(self, first: int, last: int) -> tuple[int, int]:
        return self.starts[first - 1], self.starts[last]


def _statement_span(offsets: _Offsets, node: ast.stmt) -> tuple[int, int]:
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return offsets.whole_lines(first, node.end_lineno or node.lineno)


def _keyword_span(offsets: _Offsets, keyword: ast.keyword) -> tuple[int, int]:
    """The text of ``mutant=...``, its trailing comma, and its line when nothing else is left."""
    text = offsets.source
    start = offsets.at(keyword.lineno, keyword.col_offset)
    end = offsets.at(keyword.end_lineno or keyword.lineno, keyword.end_col_offset or 0)
    rest = end
    while rest < len(text) and text[rest] in " \t":
        rest += 1
    if rest < len(text) and text[rest] == ",":
        end = rest + 1
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end + 1
    if not text[line_start:start].strip() and not text[end:line_end].strip():
        return line_start, line_end
    return start, end


def _names_used(tree: ast.Module, skip: set[int]) -> set[str]:
    """Names read anywhere in the module outside the nodes in ``skip``."""
    used: set[str] = set()
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if id(node) in skip:
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            used.add(node.id)
        pending.extend(ast.iter_child_nodes(node))
    return used


def _defined_name(statement: ast.stmt) -> str | None:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
        checks = [d for d in statement.decorator_list if _check_marker(d) is not None]
        if statement.name.startswith("test") or checks or _is_fixture(statement):
            return None  # collected by pytest (a check, a test or a fixture): always kept
        return statement.name
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name) and target.id not in ("EXERCISE", "__all__"):
            return target.id
    return None


def _dead_helpers(tree: ast.Module, removed: set[int]) -> list[ast.stmt]:
    """Helpers nothing kept uses any more, found by repeating until nothing changes."""
    dead: list[ast.stmt] = []
    while True:
        used = _names_used(tree, removed)
        newly = [
            s
            for s in tree.body
            if id(s) not in removed and _defined_name(s) and _defined_name(s) not in used
        ]
        if not newly:
            return dead
        for statement in newly:
            removed.add(id(statement))
            dead.append(statement)


def public_only(source: str, filename: str = "<checks>") -> Stripped:
    """The checks module ``source`` without its hidden checks and mutant text (see module doc)."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as error:
        raise PublicChecksError(f"{filename}:{error.lineno}: {error.msg}") from None
    offsets = _Offsets(source)
    spans: list[tuple[int, int]] = []
    removed: set[int] = set()
    hidden_checks = hidden_points = 0
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            try:
                points = _hidden_points(statement)
            except PublicChecksError as error:
                raise PublicChecksError(f"{filename}: {error}") from None
            if points is not None:
                hidden_checks, hidden_points = hidden_checks + 1, hidden_points + points
                removed.add(id(statement))
                spans.append(_statement_span(offsets, statement))
    mutants = 0
    for node in ast.walk(tree):
        if _is_mistake_call(node):
            for keyword in node.keywords:
                if keyword.arg == "mutant":
                    spans.append(_keyword_span(offsets, keyword))
                    removed.add(id(keyword))
                    mutants += 1
    dead = _dead_helpers(tree, removed)
    spans += [_statement_span(offsets, statement) for statement in dead]
    text = source
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    text = _tidy_blank_lines(text)
    _verify(text, filename)
    names = [_defined_name(s) or "" for s in dead]
    return Stripped(text, hidden_checks, hidden_points, mutants, names)


def _tidy_blank_lines(text: str) -> str:
    """At most two blank lines in a row where removed statements left more (unless that would
    change the program, e.g. inside a string)."""
    tidy = re.sub(r"\n(?:[ \t]*\n){3,}", "\n\n\n", text)
    try:
        same = ast.dump(ast.parse(tidy)) == ast.dump(ast.parse(text))
    except SyntaxError:
        same = False
    return tidy if same else text


def _verify(text: str, filename: str) -> None:
    try:
        tree = ast.parse(text, filename)
        compile(tree, filename, "exec")
    except SyntaxError as error:
        raise PublicChecksError(
            f"{filename}: the public form does not parse ({error.msg}, line {error.lineno})"
        ) from None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if _hidden_points(node) is not None:
                raise PublicChecksError(f"{filename}: hidden check {node.name} survived")
        if _is_mistake_call(node) and any(k.arg == "mutant" for k in node.keywords):
            raise PublicChecksError(f"{filename}:{node.lineno}: a mutant survived")
