"""Learner notebooks, generated from the same stub as ``exercises/NN_name.py``.

    exercises/01_parabola.ipynb
      Markdown   the instructions (the module docstring; see grader/authoring/docstring_markdown.py)
      code       the given code: imports, constants, helper functions (id "given")
      code       one cell per function to write, the stub as the .py file has it (id = its name)
      Markdown   how to check the work
      code       ``from grader import check`` / ``check("parabola")`` (id "check"), tagged
                 ``skip-grading``

Cell ids are derived from what the cell holds (nbformat 4.5 requires them), so the output is the
same on every run and ``gdkit exercises check`` can compare it byte for byte.
"""

from __future__ import annotations

import ast

import nbformat
from nbformat import v4

from grader.authoring.docstring_markdown import docstring_cells
from grader.authoring.stubs import BEGIN, END
from grader.submission.notebook import SKIP_TAG

_DEFINITION = ("def ", "async def ", "class ", "@")
_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def _segments(stub: str) -> tuple[str, list[tuple[str | None, str]]]:
    """(module docstring, [(name of a function to write or None, its source), …])."""
    tree = ast.parse(stub)
    lines = stub.splitlines(keepends=True)
    docstring = ast.get_docstring(tree, clean=False) or ""
    body = tree.body[1:] if docstring else tree.body
    segments = []
    for node in body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        source = "".join(lines[first - 1 : node.end_lineno]).rstrip("\n")
        name = node.name if _to_write(node) else None
        segments.append((name, source))
    return docstring, segments


def _to_write(node: ast.stmt) -> bool:
    """A function whose body raises NotImplementedError: the stub of a solution block."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    for inner in ast.walk(node):
        if isinstance(inner, ast.Raise) and isinstance(inner.exc, ast.Call):
            if getattr(inner.exc.func, "id", None) == "NotImplementedError":
                return True
    return False


def _given_cells(segments: list[tuple[str | None, str]]) -> list:
    """The given code in one cell (two blank lines around definitions, one between imports and
    constants, as in the .py file); no cell when nothing is given."""
    given = [source for name, source in segments if name is None]
    if not given:
        return []
    text = given[0]
    for before, after in zip(given, given[1:], strict=False):
        definition = any(part.lstrip().startswith(_DEFINITION) for part in (before, after))
        text += ("\n\n\n" if definition else "\n\n") + after
    return [
        v4.new_markdown_cell("## Given code\n\nRun this cell first.", id="given-how"),
        v4.new_code_cell(text, id="given"),
    ]


def _check_cells(exercise: str) -> list:
    text = (
        "## Check your work\n\n"
        "Save the notebook (the grader reads the saved file, not the kernel), then run the cell "
        "below. It grades this notebook through the same sandbox as `grade` on the command "
        f"line, and prints the same report. `%load_ext grader` and then `%grade {exercise}` "
        "does the same.\n\n"
        f"Stuck? `grade --hint {exercise}` in a terminal gives a hint. Cells tagged "
        f"`{SKIP_TAG}` and statements that are not imports, definitions or constants (plots, "
        "prints, experiments) are left out of grading, so try things out freely."
    )
    code = f'from grader import check\n\ncheck("{exercise}")'
    return [
        v4.new_markdown_cell(text, id="check-how"),
        v4.new_code_cell(code, id="check", metadata={"tags": [SKIP_TAG]}),
    ]


def _filled(segments: list[tuple[str | None, str]], solution: str) -> list:
    """The segments with each function to write replaced by the solution's (markers dropped)."""
    kept = [line for line in solution.split("\n") if line.strip() not in (BEGIN, END)]
    tree = ast.parse("\n".join(kept))
    functions = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            functions[node.name] = "\n".join(kept[first - 1 : node.end_lineno])
    return [(name, functions[name] if name else source) for name, source in segments]


def make_notebook(stub: str, exercise: str, solution: str | None = None) -> str:
    """The notebook for a stub (the text of ``exercises/NN_name.py``), as nbformat JSON text.

    With ``solution`` (the solution file's text), the cells to write hold the solution's
    functions instead: the notebook a learner who finished would have (for the tests).
    """
    docstring, segments = _segments(stub)
    if solution is not None:
        segments = _filled(segments, solution)
    cells = [
        v4.new_markdown_cell(text, id=f"instructions-{number}")
        for number, text in enumerate(docstring_cells(docstring), start=1)
    ]
    cells += _given_cells(segments)
    cells.append(v4.new_markdown_cell("## Your code", id="your-code"))
    cells += [
        v4.new_code_cell(source, id=f"write-{name}"[:64]) for name, source in segments if name
    ]
    cells += _check_cells(exercise)
    notebook = v4.new_notebook(cells=cells, metadata=_METADATA)
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def solution_notebook(solution: str, exercise: str) -> str:
    """The notebook a learner who solved the exercise would have: the stub's cells, with the
    solution's functions (used to prove the notebook form grades like the .py form)."""
    from grader.authoring.stubs import make_stub

    return make_notebook(make_stub(solution), exercise, solution)
