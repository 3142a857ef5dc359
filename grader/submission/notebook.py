"""What of a learner's notebook is graded: one rule, applied in the grading process.

The notebook is read with nbformat and never executed. Of its code cells, the grader keeps

- imports (``import …``, ``from … import …``) of NumPy and of the standard library, the only
  modules graded code can use under every backend (an import of matplotlib, pandas, IPython,
  the grader itself, … is left out: it would fail in one sandbox and not in another);
  ``from __future__`` imports go first;
- function and class definitions (``def``, ``async def``, ``class``, with their decorators);
- constant assignments: ``NAME = value`` or ``NAME: type = value`` (also ``A, B = …``) whose
  targets are plain names and whose value calls nothing — literals, names, attributes,
  arithmetic, subscripts, lists, tuples, dicts, lambdas (``EPS = 1e-12``, ``TWO_PI = 2 *
  np.pi``; not ``X = np.array(…)`` nor ``ws = trajectory(…)``, which run code, nor a value
  that uses a name only a left-out import defines, such as ``plt``);

and leaves out everything else: calls, plots, prints, loops and other statements at the top of
a cell, IPython magics (lines starting with ``%``, cells starting with ``%%``), shell lines
(``!…``, ``x = !…``) and help lines (``name?``), and every cell tagged ``skip-grading``. Bare
strings and ``pass`` do nothing and are dropped without being counted, and so is a cell that
only checks the work (``from grader import check`` / ``check("parabola")``, ``%grade …``).
The result says how many cells and statements were left out, and which, so that the report can
say so. Each kept line ends with a ``# cell N, line L`` comment (where a comment can go), so
that a traceback's quoted line says where in the notebook it is.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass, field

from grader.submission import limits

SKIP_TAG = "skip-grading"
_SHOWN = 5  # left-out statements named in the note
AVAILABLE = frozenset(sys.stdlib_module_names) | {"numpy"}  # what graded code may import
_IPYTHON_LINE = re.compile(r"^\s*(?:[%!]|[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_]\w*)*\s*=\s*[%!])")
_HELP_LINE = re.compile(r"^\s*(?:[A-Za-z_][\w.]*\?{1,2}|\?{1,2}[A-Za-z_][\w.]*)\s*$")


class NotebookError(ValueError):
    """A notebook that cannot be graded; ``str()`` is one sentence saying what to do."""


@dataclass
class Extracted:
    source: str  # the Python source the sandbox receives
    cells_tagged: int = 0  # code cells tagged skip-grading
    cells_magic: int = 0  # code cells that start with a cell magic (%%timeit, %%bash, …)
    statements_left_out: list[str] = field(default_factory=list)  # "cell 3, line 1: plt.plot(…)"
    more_left_out: int = 0  # statements left out beyond those named (counted, not kept)

    def left_out(self, statement: str) -> None:
        if len(self.statements_left_out) < _SHOWN:
            self.statements_left_out.append(statement)
        else:
            self.more_left_out += 1

    @property
    def cells_left_out(self) -> int:
        return self.cells_tagged + self.cells_magic

    @property
    def notes(self) -> list[str]:
        """One line for the report, if anything was left out."""
        parts = []
        if self.cells_tagged:
            parts.append(f"{_plural(self.cells_tagged, 'cell')} tagged {SKIP_TAG}")
        if self.cells_magic:
            parts.append(f"{_plural(self.cells_magic, 'cell')} with a %% cell magic")
        if self.statements_left_out:
            shown = "; ".join(self.statements_left_out)
            shown += f"; {self.more_left_out} more" if self.more_left_out else ""
            total = len(self.statements_left_out) + self.more_left_out
            parts.append(f"{_plural(total, 'statement')} ({shown})")
        return [f"left out of grading: {'; '.join(parts)}"] if parts else []


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _read_notebook(data: str | bytes, display: str, validate: bool = True):
    """Parse the notebook's JSON with nbformat (as version 4); NotebookError if it is not one.
    Without ``validate`` (only to tell whether it is started), a notebook in the shape Jupyter
    writes is read with json alone (see :func:`_plain_cells`): the cells nbformat would give."""
    text = _text_of(data, display)
    if not validate:
        cells = _plain_cells(text)
        if cells is not None:
            return cells
    import nbformat

    try:
        notebook = nbformat.reads(text, as_version=4, capture_validation_error={})
    except Exception as error:  # noqa: BLE001 - nbformat raises many kinds on hostile input
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise NotebookError(
            f"{display} is not a Jupyter notebook that can be read ({reason}); "
            "open it in Jupyter and save it again"
        ) from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise NotebookError(f"{display} has no list of cells: is it a Jupyter notebook?")
    return cells


def _text_of(data: str | bytes, display: str) -> str:
    """The notebook's text, within the size a notebook may have."""
    limit = limits.FILE_BYTES[".ipynb"]
    if len(data) > limit:
        raise NotebookError(
            f"{display} is {limits.human(len(data))}, more than the {limits.human(limit)} a "
            "notebook may have: clear its outputs (Edit → Clear Outputs of All Cells) and save"
        )
    if not isinstance(data, bytes):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(f"{display} is not UTF-8 text (byte {error.start})") from None


def _plain_cells(text: str) -> list[dict] | None:
    """The cells of a notebook as Jupyter writes it — a version 4 notebook whose metadata,
    cells, cells' metadata and outputs are objects and whose sources are text or lists of
    text — read with json alone, each cell's source joined as nbformat joins it; None for any
    other shape (and for text that is not JSON), which nbformat then reads and judges. Where
    this returns cells, nbformat returns the same sources: it only converts other versions,
    joins lists of lines and validates (and grading ignores what validation finds)."""
    try:
        notebook = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(notebook, dict) or type(notebook.get("nbformat")) is not int:
        return None
    cells = notebook.get("cells")
    plain = notebook["nbformat"] == 4 and isinstance(notebook.get("metadata"), dict)
    if not plain or not isinstance(cells, list) or not all(map(_plain_cell, cells)):
        return None
    return [{**cell, "source": _joined(cell.get("source", ""))} for cell in cells]


def _plain_cell(cell: object) -> bool:
    if not isinstance(cell, dict) or not isinstance(cell.get("metadata"), dict):
        return False
    attachments = cell.get("attachments", {})
    if not isinstance(attachments, dict) or not all(map(_is_dict, attachments.values())):
        return False
    source = cell.get("source", "")
    if not isinstance(source, str) and not _lines(source):
        return False
    outputs = cell.get("outputs", []) if cell.get("cell_type") == "code" else []
    return isinstance(outputs, list) and all(_plain_output(output) for output in outputs)


def _plain_output(output: object) -> bool:
    if not isinstance(output, dict) or not isinstance(output.get("output_type", ""), str):
        return False
    text = output.get("text", "")
    return _is_dict(output.get("data", {})) and (isinstance(text, str) or _lines(text))


def _is_dict(value: object) -> bool:
    return isinstance(value, dict)


def _lines(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(line, str) for line in value)


def _joined(source: object) -> object:
    return "".join(source) if isinstance(source, list) else source


def _cell_source(cell: object, number: int, display: str) -> str | None:
    """The source of a code cell (None for any other cell)."""
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return None
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        source = "".join(source)
    if not isinstance(source, str):
        raise NotebookError(f"{display}: cell {number} has a source that is not text")
    return source


def _tagged_skip(cell: dict) -> bool:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return isinstance(tags, list) and SKIP_TAG in tags


def without_ipython(source: str) -> tuple[str, list[int]]:
    """The source with IPython-only lines blanked (line numbers stay); the blanked lines.

    Only a cell that is not Python as it stands has lines blanked, so that a line inside
    brackets or a string that starts with ``%`` (a modulo continued from the line above) stays.
    """
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    else:
        return source, []
    lines = source.split("\n")
    blanked = []
    for index, line in enumerate(lines):
        if _IPYTHON_LINE.match(line) or _HELP_LINE.match(line):
            lines[index] = ""
            blanked.append(index + 1)
    return "\n".join(lines), blanked


def _calls_something(value: ast.expr) -> bool:
    """Does evaluating ``value`` call anything (lambda bodies, which do not run, aside)?"""
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Call | ast.Await | ast.Yield | ast.YieldFrom | ast.NamedExpr):
            return True
        if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            return True  # a loop: it runs code (and usually calls something)
        if not isinstance(node, ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))
    return False


def _names_only(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, ast.Tuple | ast.List):
        return all(_names_only(element) for element in target.elts)
    return False


def _available(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] in AVAILABLE
    return all(alias.name.split(".")[0] in AVAILABLE for alias in node.names)


def bound_names(node: ast.Import | ast.ImportFrom) -> set[str]:
    """The names an import statement defines."""
    return {alias.asname or alias.name.split(".")[0] for alias in node.names}


def _constant(value: ast.expr, unavailable: frozenset[str] | set[str]) -> bool:
    uses = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    return not _calls_something(value) and not uses & unavailable


def kept(node: ast.stmt, unavailable: frozenset[str] | set[str] = frozenset()) -> bool:
    """The rule: is this top-level statement part of what is graded? ``unavailable``: the
    names that left-out imports would have defined."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return _available(node)
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return True
    if isinstance(node, ast.Assign):
        return all(_names_only(t) for t in node.targets) and _constant(node.value, unavailable)
    if isinstance(node, ast.AnnAssign):
        return (
            isinstance(node.target, ast.Name)
            and node.value is not None
            and _constant(node.value, unavailable)
        )
    return False


_CHECK_MAGIC = re.compile(r"^\s*%(?:load_ext|reload_ext)\s+grader\s*$|^\s*%grade\b")


def _checking(node: ast.stmt) -> bool:
    """A statement that checks the work: an import of the grader, or a call of ``check``."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return not _available(node) and bound_names(node) <= {"grader", "check"}
    call = node.value if isinstance(node, ast.Expr) else None
    function = call.func if isinstance(call, ast.Call) else None
    name = getattr(function, "id", None) or getattr(function, "attr", None)
    return name == "check"


def checks_only(source: str) -> bool:
    """A cell that does nothing but check the work (``from grader import check`` and
    ``check(...)``, or ``%load_ext grader`` and ``%grade …``): not learner code, so it is left
    out without being counted."""
    text, blanked = without_ipython(source)
    lines = source.split("\n")
    if not all(_CHECK_MAGIC.match(lines[n - 1]) for n in blanked):
        return False
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return bool(body or blanked) and all(_checking(node) for node in body)


def _silent(node: ast.stmt) -> bool:
    """Statements that do nothing: dropped without a mention (bare strings, ``pass``, ``...``)."""
    return isinstance(node, ast.Pass) or (
        isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    )


def _safe_line_ends(lines: list[str], node: ast.stmt, first: int) -> set[int]:
    """Lines (1-based, of ``lines``, the statement ``node`` whose first line is ``first``) after
    whose end a comment can go: not inside a string that spans lines, not continued with a
    backslash. The strings come from the tree already parsed: tokenizing again cost, on
    Python 3.12.1, a copy of the whole line per token (24 GB for a 250 KB list literal)."""
    unsafe = {n for n, line in enumerate(lines, start=1) if line.rstrip().endswith("\\")}
    for string in _strings_over_lines(node):
        unsafe.update(range(string.lineno - first + 1, string.end_lineno - first + 1))
    return {n for n, line in enumerate(lines, start=1) if line.strip() and n not in unsafe}


def _strings_over_lines(node: ast.AST) -> list[ast.expr]:
    """The string literals in ``node`` that span lines (an f-string as a whole: before Python
    3.12 the positions inside one were not the source's). A stack, not recursion: a chain of
    100,000 ``+`` is a tree that deep."""
    found, stack = [], [node]
    while stack:
        inner = stack.pop()
        if isinstance(inner, ast.Constant | ast.JoinedStr):
            found += [inner] if inner.end_lineno != inner.lineno else []
        else:
            stack.extend(ast.iter_child_nodes(inner))
    return found


def _with_cell_lines(text: str, node: ast.stmt, cell: int, first: int) -> str:
    """Each line of a kept statement ends with ``# cell N, line L``: a traceback quotes the line,
    so the learner sees where it is in the notebook (the kept source's own numbers are not)."""
    lines = text.split("\n")
    safe = _safe_line_ends(lines, node, first)
    return "\n".join(
        f"{line}  # cell {cell}, line {first + index}" if index + 1 in safe else line
        for index, line in enumerate(lines)
    )


def _short(text: str, width: int = 40) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


@dataclass
class _Builder:
    display: str
    future: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    unavailable: set[str] = field(default_factory=set)  # names only left-out imports define
    result: Extracted = field(default_factory=lambda: Extracted(""))
    chars: int = 0  # of the code kept so far

    def add_cell(self, number: int, source: str) -> None:
        if source.lstrip().startswith("%%"):
            self.result.cells_magic += 1  # the cell is not Python
            return
        text, blanked = without_ipython(source)
        try:
            tree = ast.parse(text, filename=f"cell {number}")
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            line = getattr(error, "lineno", None) or 1
            raise NotebookError(
                f"{self.display}: cell {number}, line {line}: {getattr(error, 'msg', error)} "
                f"(fix it, or tag the cell {SKIP_TAG} to leave it out of grading)"
            ) from None
        lines, source_lines = text.split("\n"), source.split("\n")
        left_out = [(n, _short(source_lines[n - 1])) for n in blanked]
        kept_here = []
        segments = _Segments(lines, tree.body)
        for node in tree.body:
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            segment = segments.of(node, first)
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                self.future.append(segment)
            elif kept(node, self.unavailable):
                kept_here.append(_with_cell_lines(segment, node, number, first))
                self.chars += len(kept_here[-1]) + 1
                if self.chars > limits.SOURCE_CHARS:  # said as soon as it is so
                    raise NotebookError(_too_much_code(self.display, self.chars))
            elif not _silent(node):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    self.unavailable |= bound_names(node)
                left_out.append((first, _short(segment)))
        for line, shown in sorted(left_out):
            self.result.left_out(f"cell {number}, line {line}: {shown}")
        if kept_here:
            self.body.append(f"# --- cell {number} ---\n" + "\n".join(kept_here))


class _Segments:
    """Each top-level statement's own text: its whole lines, as written (comments too), or,
    for a statement that shares a line with another (``x = 1; print(x)``), only its own part
    of it — else each of 250,000 statements on one line was the whole line: quadratic, and
    a left-out call kept beside a kept constant."""

    def __init__(self, lines: list[str], body: list[ast.stmt]) -> None:
        self.lines = lines
        pairs = zip(body, body[1:], strict=False)
        self.shared = {after.lineno for before, after in pairs if before.end_lineno == after.lineno}
        self.encoded: dict[int, bytes] = {}  # line -> its UTF-8 (ast's columns count bytes)

    def of(self, node: ast.stmt, first: int) -> str:
        if node.lineno not in self.shared and node.end_lineno not in self.shared:
            return "\n".join(self.lines[first - 1 : node.end_lineno])
        start, end = node.col_offset, node.end_col_offset
        if node.lineno == node.end_lineno:
            return self._bytes(node.lineno)[start:end].decode("utf-8", "surrogatepass")
        head = self._bytes(node.lineno)[start:].decode("utf-8", "surrogatepass")
        tail = self._bytes(node.end_lineno)[:end].decode("utf-8", "surrogatepass")
        return "\n".join([head, *self.lines[node.lineno : node.end_lineno - 1], tail])

    def _bytes(self, line: int) -> bytes:
        if line not in self.encoded:
            self.encoded[line] = self.lines[line - 1].encode("utf-8", "surrogatepass")
        return self.encoded[line]


def _too_much_code(display: str, chars: int) -> str:
    return f"{display} holds {chars} characters of code to grade, more than {limits.SOURCE_CHARS}"


def code_sources(data: str | bytes, display: str = "the notebook") -> list[str]:
    """The source of every code cell, tagged or not (NotebookError if it is not a notebook,
    or if its code is larger than grader/submission/limits.py allows)."""
    return [source for _, _, source in _code_cells(data, display)]


def _code_cells(
    data: str | bytes, display: str, validate: bool = True
) -> list[tuple[int, dict, str]]:
    """(number, cell, source) of every code cell, after the bounds on cells, characters and
    lines are checked — before any code is parsed."""
    cells = _read_notebook(data, display, validate)
    if len(cells) > limits.NOTEBOOK_CELLS:
        raise NotebookError(
            f"{display} has {len(cells)} cells, more than the {limits.NOTEBOOK_CELLS} a "
            "notebook may have; keep your exercise's cells and move the rest to another notebook"
        )
    found = []
    for number, cell in enumerate(cells, start=1):
        source = _cell_source(cell, number, display)
        if source is not None:
            found.append((number, cell, source))
    chars = sum(len(source) for _, _, source in found)
    lines = sum(source.count("\n") + 1 for _, _, source in found)
    if chars > limits.NOTEBOOK_CODE_CHARS or lines > limits.NOTEBOOK_CODE_LINES:
        raise NotebookError(
            f"{display} holds {lines} lines ({chars} characters) of code, more than the "
            f"{limits.NOTEBOOK_CODE_LINES} lines ({limits.NOTEBOOK_CODE_CHARS} characters) a "
            "notebook may have; move experiments and generated code to another notebook"
        )
    return found


def extract(
    data: str | bytes, display: str = "the notebook", *, validate: bool = True
) -> Extracted:
    """The graded source of a notebook file (its text, or its bytes), by the rule above
    (NotebookError if the notebook cannot be read or a code cell does not parse). Without
    ``validate``, only to tell whether the notebook is started: the same source, read without
    nbformat where the notebook has the shape Jupyter writes (nbformat's import and schema
    cost ~0.14 s, and a fresh clone has a notebook beside each .py file)."""
    builder = _Builder(display)
    for number, cell, source in _code_cells(data, display, validate):
        if checks_only(source):
            continue
        if _tagged_skip(cell):
            builder.result.cells_tagged += 1
            continue
        builder.add_cell(number, source)
    source = "\n\n".join(builder.future + builder.body) + "\n"
    if len(source) > limits.SOURCE_CHARS:
        raise NotebookError(_too_much_code(display, len(source)))
    builder.result.source = source
    return builder.result
