"""Turn a checks module into its student-release form, by its syntax tree.

What is removed (the rest of the text, comments included, is kept byte for byte):

- every check marked ``@check(..., hidden=True)``, decorators and docstring included;
- every ``mutant=...`` argument of a ``Mistake(...)`` (the substitutions quote the reference
  solution); the mistake's id, message and hint stay, so diagnoses still read the same;
- the body of every ``@remembered`` function (the code that works out a reference value with
  gdref): its name, decorator and docstring stay, and in the release its values come from the
  record made when the release was made (:mod:`grader.checking.record`);
- module-level helper functions and constants that nothing left in the module uses any more
  (they served only the hidden checks or the reference code, and some of them compute the
  answers). Checks, pytest fixtures, ``test*`` functions and ``EXERCISE`` are always kept;
- the imports of gdref, which nothing left may use: a check that calls gdref outside a
  remembered function is an error (``file:line``), as the release could not run it.

The result is parsed again and compiled; a module whose hidden checks, mutants or gdref imports
survive is an error, never a silent leak.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field


class PublicChecksError(ValueError):
    """A checks module that cannot be made public: ``file: what is wrong``."""


REFERENCE = "gdref"  # the package whose code must not reach a release
RECORDED_BODY = "    # recorded when the release was made (grader/checks/recorded.json)\n"


@dataclass
class Stripped:
    source: str
    hidden_checks: int  # how many hidden checks were removed
    hidden_points: int
    mutants: int  # how many mutant= arguments were removed
    helpers: list[str]  # helpers removed because only hidden checks or reference code used them
    recorded: list[str] = field(default_factory=list)  # remembered functions left as names


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


def _walk(tree: ast.AST, skip: set[int]) -> list[ast.AST]:
    """Every node of ``tree`` outside the nodes in ``skip``."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if id(node) in skip:
            continue
        found.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return found


def _names_used(tree: ast.Module, skip: set[int]) -> set[str]:
    """Names read anywhere in the module outside the nodes in ``skip``."""
    return {
        node.id
        for node in _walk(tree, skip)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


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


def _hidden_checks(
    tree: ast.Module, offsets: _Offsets, filename: str
) -> tuple[list[ast.stmt], int, list[tuple[int, int]]]:
    """The hidden checks, their points, and their spans."""
    found, points, spans = [], 0, []
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            try:
                hidden = _hidden_points(statement)
            except PublicChecksError as error:
                raise PublicChecksError(f"{filename}: {error}") from None
            if hidden is not None:
                found.append(statement)
                points += hidden
                spans.append(_statement_span(offsets, statement))
    return found, points, spans


def _mistake_id(call: ast.Call) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == "id" and isinstance(keyword.value, ast.Constant):
            return keyword.value.value
    return None


def _mutant_edits(
    tree: ast.Module, offsets: _Offsets, removed: set[int], functions: dict[str, list[str]]
) -> list[tuple[int, int, str]]:
    """Each ``mutant=...`` removed; where the mistake does not name its functions, it names
    those ``functions`` gives for its id (what the mutant told: the learner functions the
    mistake is about)."""
    edits = []
    for node in ast.walk(tree):
        if not _is_mistake_call(node):
            continue
        declared = any(k.arg == "functions" for k in node.keywords)
        about = functions.get(_mistake_id(node) or "", [])
        for keyword in node.keywords:
            if keyword.arg != "mutant":
                continue
            start, end = _keyword_span(offsets, keyword)
            text = ""
            if about and not declared:
                text = "functions=" + repr(tuple(about)).replace("'", '"') + ","
                whole_line = start == 0 or offsets.source[start - 1] == "\n"
                text = " " * keyword.col_offset + text + "\n" if whole_line else text
            edits.append((start, end, text))
            removed.add(id(keyword))
    return edits


def _is_remembered(function: ast.stmt) -> bool:
    if not isinstance(function, ast.FunctionDef):
        return False
    names = [getattr(d, "id", getattr(d, "attr", None)) for d in function.decorator_list]
    return "remembered" in names


def _docstring(function: ast.FunctionDef) -> ast.Expr | None:
    first = function.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        return first if isinstance(first.value.value, str) else None
    return None


def _reference_parts(function: ast.FunctionDef) -> list[ast.AST]:
    """What the release leaves out of a remembered function: its signature's annotations and
    defaults, and its body after the docstring."""
    body = function.body[1:] if _docstring(function) else function.body
    return [*body, function.args, *([function.returns] if function.returns else [])]


def _recorded_text(offsets: _Offsets, function: ast.FunctionDef) -> str:
    """A remembered function as the release has it: its decorators, name and docstring."""
    start = _statement_span(offsets, function)[0]
    decorators = offsets.source[start : offsets.starts[function.lineno - 1]]
    doc = _docstring(function)
    body = RECORDED_BODY
    if doc is None:
        body += "    ...\n"
    else:
        first = offsets.at(doc.lineno, doc.col_offset)
        last = offsets.at(doc.end_lineno or doc.lineno, doc.end_col_offset or 0)
        body = f"    {offsets.source[first:last]}\n" + body
    return f"{decorators}def {function.name}(*args, **kwargs):\n{body}"


def _reference_imports(tree: ast.Module, removed: set[int]) -> list[tuple[ast.stmt, set[str]]]:
    """Each import of gdref outside the removed nodes, with the names it binds."""
    found = []
    for node in _walk(tree, removed):
        if isinstance(node, ast.Import):
            names = [a for a in node.names if a.name.split(".")[0] == REFERENCE]
            bound = {a.asname or a.name.split(".")[0] for a in names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            is_reference = (node.module or "").split(".")[0] == REFERENCE
            bound = {a.asname or a.name for a in node.names} if is_reference else set()
        else:
            continue
        if bound:
            found.append((node, bound))
    return found


def _without_reference_imports(
    tree: ast.Module, offsets: _Offsets, removed: set[int], filename: str
) -> list[tuple[int, int]]:
    """The spans of gdref's imports; an error if anything kept still uses gdref."""
    imports = _reference_imports(tree, removed)
    bound = set().union(*(names for _, names in imports)) if imports else set()
    uses = sorted(
        (node.lineno, node.id)
        for node in _walk(tree, removed)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in bound
    )
    nested = [node.lineno for node, _ in imports if node not in tree.body]
    if uses or nested:
        where = ", ".join(f"line {line} ({name})" for line, name in uses) or f"line {nested[0]}"
        raise PublicChecksError(
            f"{filename}: {where}: uses gdref outside a remembered function; move the "
            "computation into an @remembered function of plain data, so that the release can "
            "record its values"
        )
    for node, _ in imports:
        removed.add(id(node))
    return [_statement_span(offsets, node) for node, _ in imports]


def public_only(
    source: str, filename: str = "<checks>", functions: dict[str, list[str]] | None = None
) -> Stripped:
    """The checks module ``source`` without its hidden checks, mutant text and reference code
    (see module doc). ``functions``: for each mistake id, the learner functions it is about."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as error:
        raise PublicChecksError(f"{filename}:{error.lineno}: {error.msg}") from None
    offsets = _Offsets(source)
    hidden, hidden_points, spans = _hidden_checks(tree, offsets, filename)
    removed = {id(statement) for statement in hidden}
    mutant_edits = _mutant_edits(tree, offsets, removed, functions or {})
    remembered = [s for s in tree.body if _is_remembered(s) and id(s) not in removed]
    for function in remembered:
        removed.update(id(part) for part in _reference_parts(function))
    dead = _dead_helpers(tree, removed)
    spans += [_statement_span(offsets, statement) for statement in dead]
    spans += _without_reference_imports(tree, offsets, removed, filename)
    kept = [f for f in remembered if f not in dead]
    edits = [(*span, "") for span in spans] + mutant_edits
    edits += [(*_statement_span(offsets, f), _recorded_text(offsets, f)) for f in kept]
    text = source
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    text = _tidy_blank_lines(text)
    _verify(text, filename)
    names = [_defined_name(s) or "" for s in dead]
    return Stripped(
        text,
        len(hidden),
        hidden_points,
        len(mutant_edits),
        names,
        [f.name for f in kept],
    )


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
    if _reference_imports(tree, set()):
        raise PublicChecksError(f"{filename}: an import of gdref survived")
