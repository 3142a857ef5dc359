"""Notebooks without a kernel: the generated exercise notebooks, the rule for what of a
notebook is graded, hostile notebook files, and which file of an exercise is graded."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from grader.authoring.docstring_markdown import docstring_cells, to_latex
from grader.authoring.notebook_stubs import make_notebook
from grader.authoring.stubs import make_stub
from grader.authoring.sync import out_of_date, write_stubs
from grader.exercises import exercises_dir, load_exercises, solutions_dir
from grader.submission.limits import FILE_BYTES
from grader.submission.notebook import (
    SKIP_TAG,
    NotebookError,
    extract,
    kept,
)

EXERCISES = load_exercises()
REPO = Path(__file__).resolve().parents[2]


def notebook_bytes(*cells) -> bytes:
    return nbformat.writes(v4.new_notebook(cells=list(cells))).encode()


def code(source: str, **metadata) -> nbformat.NotebookNode:
    return v4.new_code_cell(source, metadata=metadata)


# -- the generated notebooks ----------------------------------------------------------------


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_generated_notebook_is_valid_and_holds_the_stub(exercise):
    path = exercises_dir() / exercise.file.replace(".py", ".ipynb")
    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(notebook)  # raises on an invalid notebook (nbformat 4.5: ids required)
    assert (notebook.nbformat, notebook.nbformat_minor) == (4, 5)
    stub = (exercises_dir() / exercise.file).read_text(encoding="utf-8")
    to_write = [c for c in notebook.cells if c.id.startswith("write-")]
    assert to_write, "one code cell per function to write"
    for cell in to_write:
        assert cell.cell_type == "code" and cell.source in stub
        assert "NotImplementedError" in cell.source and "BEGIN SOLUTION" not in cell.source
    given = [c for c in notebook.cells if c.id == "given"]
    assert all("NotImplementedError" not in c.source for c in given)
    # the given cell and the cells to write hold the stub's code, in order, and nothing else
    code = [line for c in given + to_write for line in c.source.splitlines() if line.strip()]
    docstring_end = stub.index('"""', 3) + 3
    assert code == [line for line in stub[docstring_end:].splitlines() if line.strip()]
    last = notebook.cells[-1]
    assert last.source.endswith(f'check("{exercise.name}")')
    assert SKIP_TAG in last.metadata["tags"]
    assert notebook.cells[0].cell_type == "markdown"
    assert notebook.cells[0].source.startswith("# Exercise")


def test_generated_notebooks_grade_only_the_stub():
    """What the grader keeps of each generated notebook is the stub's code, nothing else."""
    for exercise in EXERCISES:
        stub = (exercises_dir() / exercise.file).read_text(encoding="utf-8")
        data = (exercises_dir() / exercise.file.replace(".py", ".ipynb")).read_bytes()
        graded = extract(data, exercise.file)
        # the check cell only checks the work: left out, and not worth a note
        assert graded.cells_left_out == 0 and graded.statements_left_out == []
        assert graded.notes == [] and "grader" not in graded.source
        lines = [line for line in graded.source.splitlines() if not line.startswith("# ---")]
        for line in lines:
            assert re.sub(r"  # cell \d+, line \d+$", "", line) in stub.splitlines()


def test_notebooks_are_deterministic_and_drift_is_caught(tmp_path):
    first = write_stubs(solutions_dir(), tmp_path).written
    assert {p.suffix for p in first} == {".py", ".ipynb"}
    again = write_stubs(solutions_dir(), tmp_path)  # byte for byte the same the second time
    assert again.written == [] and not again.backups and not again.refused
    target = tmp_path / "01_parabola.ipynb"
    notebook = json.loads(target.read_text(encoding="utf-8"))
    notebook["cells"][0]["source"] = "edited by hand"
    target.write_text(json.dumps(notebook), encoding="utf-8")
    (tmp_path / "03_momentum.ipynb").unlink()
    (tmp_path / "99_extra.ipynb").write_text("{}", encoding="utf-8")
    problems = "\n".join(out_of_date(solutions_dir(), tmp_path))
    assert "01_parabola.ipynb: differs from the stub generated from" in problems
    assert "01_parabola.py" in problems  # the solution it comes from
    assert "03_momentum.ipynb: missing" in problems
    assert "99_extra.ipynb: has no solution file" in problems


def test_exercises_check_command_fails_on_a_drifted_notebook(tmp_path):
    from click.testing import CliRunner

    from gdkit.cli import main

    write_stubs(solutions_dir(), tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["exercises", "check", "--exercises", str(tmp_path)]).exit_code == 0
    (tmp_path / "02_bce_gradient.ipynb").write_text("{}", encoding="utf-8")
    result = runner.invoke(main, ["exercises", "check", "--exercises", str(tmp_path)])
    assert result.exit_code == 1 and "02_bce_gradient.ipynb" in result.output


def test_cell_ids_come_from_the_content():
    source = (solutions_dir() / "09_adam.py").read_text(encoding="utf-8")
    notebook = nbformat.reads(make_notebook(make_stub(source), "adam"), as_version=4)
    ids = [c.id for c in notebook.cells]
    assert len(ids) == len(set(ids))
    assert "write-adam_init" in ids and "write-adam_step" in ids and "given" in ids


def test_filled_notebook_holds_the_solution_and_no_markers():
    source = (solutions_dir() / "01_parabola.py").read_text(encoding="utf-8")
    text = make_notebook(make_stub(source), "parabola", source)
    assert "return w - lr * grad" in text and "BEGIN SOLUTION" not in text
    assert "NotImplementedError" not in extract(text.encode()).source


# -- the instructions as Markdown ---------------------------------------------------------


@pytest.mark.parametrize(
    "unicode, latex",
    [
        ("L(w) = (w − 2)²", "L(w) = (w - 2)^{2}"),
        ("ŷ = σ(z) = 1 / (1 + e^(−z))", r"\hat{y} = \sigma (z) = 1 / (1 + e^{-z})"),
        ("dW = Xᵀ (ŷ − y) / m", r"{\mathrm{dW}} = X^{\top} (\hat{y} - y) / m"),
        (
            "θ ← θ − α m̂ / (√v̂ + ε)",
            r"\theta \leftarrow \theta - \alpha \hat{m} / (\sqrt{\hat{v}} + \varepsilon )",
        ),
        ("α_k = α₀ · γ^⌊k / s⌋", r"\alpha _k = \alpha _{0} \cdot \gamma ^{\lfloor k / s\rfloor }"),
        ("yᵢ ∈ {0, 1}", r"y_{i} \in \{0, 1\}"),
        ("w_{k+1} = w_k", "w_{k+1} = w_k"),
        ("relerr ≤ 1e-8", r"{\mathrm{relerr}} \le 1\times 10^{-8}"),
    ],
)
def test_unicode_equations_become_latex(unicode, latex):
    assert to_latex(unicode) == latex


def test_instructions_put_equations_in_dollars_and_keep_tables_fixed_width():
    docstring = (
        "Exercise 9 — Title.\n\nThe story\n---------\nProse with *emphasis* stays.\n\n"
        "    m ← β₁ m + (1 − β₁) g\n    v ← β₂ v + (1 − β₂) g²\n\n"
        "    step decay   α_k = α₀ · γ^k    multiply by γ\n\n"
        "What to write\n-------------\n    adam_init(params) -> dict\n        zeros\n"
    )
    cells = docstring_cells(docstring)
    assert cells[0].startswith("# Exercise 9 — Title\n\n## The story")
    assert "Prose with *emphasis* stays." in cells[0]
    assert r"$$m \leftarrow \beta _{1} m + (1 - \beta _{1}) g$$" in cells[0]
    assert r"**step decay** $\alpha _k = \alpha _{0} \cdot \gamma ^k$ — multiply by γ" in cells[0]
    assert cells[1] == "## What to write\n\n```text\nadam_init(params) -> dict\n    zeros\n```"


def test_a_dollar_in_prose_is_not_math():
    cells = docstring_cells("Exercise 1 — T.\n\nIt costs $5 and $6.\n\n    x = 1\n")
    assert "It costs \\$5 and \\$6." in cells[0] and "$$x = 1$$" in cells[0]


def test_every_generated_equation_is_balanced():
    """Each $…$ holds balanced braces (MathJax shows an error box otherwise)."""
    for exercise in EXERCISES:
        path = exercises_dir() / exercise.file.replace(".py", ".ipynb")
        notebook = nbformat.read(path, as_version=4)
        markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        maths = [m for m in markdown.split("$") if "\\" in m or "{" in m]
        assert maths, exercise.name
        for math in maths:
            depth = 0
            for index, char in enumerate(math):
                if char in "{}" and (index == 0 or math[index - 1] != "\\"):
                    depth += 1 if char == "{" else -1
                    assert depth >= 0, math
            assert depth == 0, math


# -- the rule: what is kept ---------------------------------------------------------------

RULE = [
    ("import numpy as np", True),
    ("from math import pi", True),
    ("def f(x):\n    return x", True),
    ("async def f():\n    pass", True),
    ("@staticmethod\ndef f():\n    pass", True),
    ("class Model:\n    pass", True),
    ("EPS = 1e-12", True),
    ("A, B = 1, 2", True),
    ("TWO_PI = 2 * np.pi", True),
    ("SHAPE: tuple = (2, 3)", True),
    ("square = lambda x: x * x", True),
    ("NAMES = {'a': [1, 2], 'b': (3,)}", True),
    ("X = np.array([1.0, 2.0])", False),
    ("ws, losses = trajectory(6.0, 0.3, 10)", False),
    ("SQUARES = [i * i for i in range(3)]", False),
    ("cfg['lr'] = 0.1", False),
    ("model.lr = 0.1", False),
    ("count += 1", False),
    ("ANSWER: int", False),
    ("print(f(2))", False),
    ("plt.plot([1, 2])", False),
    ("for i in range(3):\n    print(i)", False),
    ("if __name__ == '__main__':\n    main()", False),
    ("from grader import check", False),
    ("import grader.runner", False),
    ("import matplotlib.pyplot as plt", False),
    ("import numpy, pandas", False),
    ("from . import helpers", False),
    ("from collections.abc import Callable", True),
    ("import numpy.linalg as la", True),
]


@pytest.mark.parametrize("source, expected", RULE, ids=[s.split("\n")[0] for s, _ in RULE])
def test_the_rule(source, expected):
    import ast

    assert kept(ast.parse(source).body[0]) is expected


def test_left_out_cells_and_statements_are_counted_and_named():
    data = notebook_bytes(
        v4.new_markdown_cell("# notes"),
        code("import numpy as np\nimport matplotlib.pyplot as plt\n%matplotlib inline"),
        code("def f(x):\n    return 2 * x\n\nprint(f(3))\nplt.plot([1, 2])"),
        code("%%timeit\nf(2)"),
        code("f(100)", tags=[SKIP_TAG, "other"]),
        code("!pip install numpy\nfiles = !ls\nresult = %timeit -o f(2)\nnp.sum?\nLR = 0.1"),
        code('"""a bare string does nothing"""\npass'),
    )
    graded = extract(data, "01_parabola.ipynb")
    assert (graded.cells_tagged, graded.cells_magic) == (1, 1)
    left = graded.statements_left_out
    assert left[:4] == [
        "cell 2, line 2: import matplotlib.pyplot as plt",
        "cell 2, line 3: %matplotlib inline",
        "cell 3, line 4: print(f(3))",
        "cell 3, line 5: plt.plot([1, 2])",
    ]
    assert len(left) == 5 and graded.more_left_out == 3  # the four above, cell 6's four
    assert "8 statements (" in graded.notes[0] and "; 3 more" in graded.notes[0]  # IPython lines
    assert "import numpy as np" in graded.source and "LR = 0.1" in graded.source
    assert "matplotlib" not in graded.source
    assert "print" not in graded.source and "%" not in graded.source
    namespace: dict = {}
    exec(compile(graded.source, "graded", "exec"), namespace)  # noqa: S102 - our own test source
    assert namespace["f"](3) == 6 and namespace["LR"] == 0.1
    (note,) = graded.notes
    assert note.startswith(
        "left out of grading: 1 cell tagged skip-grading; 1 cell with a %% cell magic; "
        "8 statements (cell 2, line 2: import matplotlib.pyplot as plt; cell 2, line 3: "
    )
    assert "3 more" in note


def test_constants_that_need_a_left_out_import_are_left_out():
    data = notebook_bytes(
        code("import matplotlib.pyplot as plt\nimport numpy as np"),
        code("COLOURS = plt.cm.viridis\nTAU = 2 * np.pi"),
    )
    graded = extract(data)
    assert "TAU = 2 * np.pi" in graded.source and "COLOURS" not in graded.source
    assert "cell 2, line 1: COLOURS = plt.cm.viridis" in graded.statements_left_out


def test_a_line_that_only_looks_like_a_magic_stays():
    data = notebook_bytes(
        code('def f(a, b):\n    return (a\n            % b)\n\nHELP = """\n!not a shell line\n"""')
    )
    graded = extract(data)
    assert graded.statements_left_out == [] and "% b)" in graded.source
    namespace: dict = {}
    exec(compile(graded.source, "graded", "exec"), namespace)  # noqa: S102 - our own test source
    assert namespace["f"](7, 4) == 3 and namespace["HELP"] == "\n!not a shell line\n"


def test_help_lines_are_left_out():
    graded = extract(notebook_bytes(code("import numpy as np\nnp.sum?\n?np.mean\nnp.std??")))
    assert len(graded.statements_left_out) == 3
    assert "\nimport numpy as np  # cell 1, line 1" in graded.source
    assert "sum" not in graded.source


def test_future_imports_go_first():
    data = notebook_bytes(code("import numpy as np"), code("from __future__ import annotations"))
    source = extract(data).source
    assert source.startswith("from __future__ import annotations")
    compile(source, "graded", "exec")


def test_a_cell_that_only_checks_the_work_is_not_counted():
    data = notebook_bytes(
        code("def f():\n    return 1"),
        code('from grader import check\n\ncheck("parabola")'),
        code("%load_ext grader\n%grade parabola"),
        code("import grader\ngrader.check()", tags=[SKIP_TAG]),
        code('from grader import check\ncheck("parabola")\nprint(f())'),
    )
    graded = extract(data)
    assert graded.cells_left_out == 0
    assert graded.statements_left_out == [
        "cell 5, line 1: from grader import check",
        'cell 5, line 2: check("parabola")',
        "cell 5, line 3: print(f())",
    ]


def test_nothing_left_out_means_no_note():
    assert extract(notebook_bytes(code("def f():\n    return 1"))).notes == []


def test_a_syntax_error_names_the_cell_and_line():
    data = notebook_bytes(code("def f():\n    return 1"), code("x = 1\ndef g(:\n    pass"))
    with pytest.raises(NotebookError, match=r"01_parabola.ipynb: cell 2, line 2: .*skip-grading"):
        extract(data, "01_parabola.ipynb")


def test_old_nbformat_3_notebooks_are_read():
    old = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {},
        "worksheets": [
            {"cells": [{"cell_type": "code", "input": "def f():\n    return 3", "outputs": []}]}
        ],
    }
    assert "def f():" in extract(json.dumps(old).encode()).source


# -- hostile notebook files ---------------------------------------------------------------

HOSTILE = {
    "not JSON": b"def f(): return 1",
    "JSON, not a notebook": b"[1, 2, 3]",
    "nbformat 99": json.dumps({"nbformat": 99, "nbformat_minor": 0, "cells": []}).encode(),
    "cells not a list": json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": 3}).encode(),
    "not UTF-8": b'{"cells": "\xff\xfe"}',
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "a source that is not text": json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 4,
            "metadata": {},
            "cells": [{"cell_type": "code", "source": {"x": 1}, "metadata": {}, "outputs": []}],
        }
    ).encode(),
    "deeply nested code": notebook_bytes(code("x = " + "(" * 300 + ")" * 300)),
    "NUL in the code": notebook_bytes(code("x = 1\x00")),
}


@pytest.mark.parametrize("data", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_notebooks_are_one_clear_error(data):
    with pytest.raises(NotebookError) as caught:
        extract(data, "01_parabola.ipynb")
    message = str(caught.value)
    assert "01_parabola.ipynb" in message and "\n" not in message and len(message) < 400


def test_non_dict_cells_are_skipped_or_refused_never_a_crash():
    raw = {"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [1, "x", None]}
    try:
        graded = extract(json.dumps(raw).encode(), "01_parabola.ipynb")
    except NotebookError as error:
        assert "01_parabola.ipynb" in str(error)
    else:
        assert graded.source.strip() == ""


def test_a_huge_notebook_is_refused_before_it_is_parsed():
    data = b" " * (FILE_BYTES[".ipynb"] + 1)
    with pytest.raises(NotebookError, match="clear its outputs"):
        extract(data, "01_parabola.ipynb")


def test_outputs_of_megabytes_are_not_graded_code():
    cell = code("def f():\n    return 1")
    cell.outputs = [v4.new_output("stream", name="stdout", text="x" * (4 << 20))]
    cell.execution_count = 1
    graded = extract(notebook_bytes(cell), "01_parabola.ipynb")
    assert graded.source.strip().endswith("return 1  # cell 1, line 2")
    assert len(graded.source) < 100


# -- which file of an exercise is graded ---------------------------------------------------


def test_kept_lines_say_their_cell_and_line():
    source = 'def f(x):\n    """Two\n    lines."""\n    y = (x +\n         1)\n    return y'
    graded = extract(notebook_bytes(v4.new_markdown_cell("m"), code(source)))
    lines = graded.source.splitlines()
    assert "def f(x):  # cell 2, line 1" in lines and "    return y  # cell 2, line 6" in lines
    assert '    """Two' in lines  # inside a string: no comment
    assert "         1)  # cell 2, line 5" in lines
    namespace: dict = {}
    exec(compile(graded.source, "graded", "exec"), namespace)  # noqa: S102 - our own test source
    # (Python 3.13 strips a docstring's indentation when it compiles it; cleandoc on either)
    assert namespace["f"](1) == 2 and inspect.cleandoc(namespace["f"].__doc__) == "Two\nlines."


def test_no_comment_goes_inside_an_f_string_over_lines():
    source = 'x = 2\ny = f"""a\n{x +\n1}\nb"""; z = 3\nw = 4'
    lines = extract(notebook_bytes(code(source))).source.splitlines()
    assert "x = 2  # cell 1, line 1" in lines and "w = 4  # cell 1, line 6" in lines
    assert {'y = f"""a', "{x +", "1}"} <= set(lines)  # the string's own lines, as written
    namespace: dict = {}
    exec(compile("\n".join(lines), "graded", "exec"), namespace)  # noqa: S102 - our own test source
    assert namespace["y"] == "a\n3\nb" and namespace["z"] == 3


def test_the_file_reader_and_the_upload_reader_take_the_same_notebook(tmp_path):
    """One table of limits: a 2 MB notebook (a few plots in its outputs) is read by ``grade``'s
    reader and by the upload reader of ``grade batch`` and the autograder alike."""
    from grader.submission.files import read_source
    from grader.submission.uploads import read_submission

    cells = [code("def parabola_loss(w):\n    return (w - 2.0) ** 2\n")]
    cells[0]["outputs"] = [v4.new_output("stream", name="stdout", text="x" * 2_000_000)]
    data = notebook_bytes(*cells)
    assert 2_000_000 < len(data) < FILE_BYTES[".ipynb"]
    (tmp_path / "01_parabola.ipynb").write_bytes(data)
    assert "parabola_loss" in read_source(tmp_path, "01_parabola.ipynb").text
    upload = read_submission(tmp_path, {"01_parabola.ipynb"})
    assert upload.files == {"01_parabola.ipynb": data} and not upload.refused


def test_reading_a_notebook_costs_time_in_proportion_to_it():
    """15,000 IPython lines in one cell are blanked and counted (each line once: this took
    minutes when every line split the cell again), and a cell of 100,000 statements or 2,001
    cells are refused before anything is parsed."""
    graded = extract(notebook_bytes(code("%a\n" * 15_000 + "X = 1\n")), "01_parabola.ipynb")
    assert graded.more_left_out == 15_000 - 5 and "X = 1" in graded.source
    with pytest.raises(NotebookError, match="more than the 20000 lines"):
        extract(notebook_bytes(code("a = 1\n" * 100_000)), "01_parabola.ipynb")
    with pytest.raises(NotebookError, match="cells, more than the 2000"):
        extract(notebook_bytes(*[code(f"# {n}") for n in range(2001)]), "01_parabola.ipynb")


def test_statements_sharing_a_line_are_each_kept_or_left_out_on_their_own():
    """Only its own part of a shared line is a statement's: the call beside a kept constant is
    left out, and a line of many statements costs each one its own length (each was the whole
    line: 1,000 statements made 4 MB of kept code, 250,000 would have made 250 GB)."""
    graded = extract(notebook_bytes(code("import numpy as np; print(1); EPS = 1e-3  # note")))
    assert graded.source.count("print") == 0 and "EPS = 1e-3  # cell 1, line 1" in graded.source
    assert "import numpy as np  # cell 1, line 1" in graded.source
    assert any("print(1)" in note for note in graded.notes)
    many = extract(notebook_bytes(code("x=1;" * 1000)))
    assert many.source.count("x=1  # cell 1, line 1") == 1000 and len(many.source) < 30_000
    with pytest.raises(NotebookError, match="characters of code to grade"):
        extract(notebook_bytes(code("xy=1;" * 50_000)))  # 250 kB, but 1.3 MB kept


# -- the quick read that only tells whether a notebook is started ----------------------------


def _plain(cells, **top) -> bytes:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells, **top})


def _cell(source="def f():\n    return 1", **fields) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": [], **fields}


# shapes the quick read takes itself, and shapes it leaves to nbformat (where nbformat may
# refuse them): either way the same source, notes or error as the validated read
SHAPES = {
    "a list of lines": _plain([_cell(["def f():\n", "    return 1\n"])]),
    "markdown and code": _plain(
        [{"cell_type": "markdown", "metadata": {}, "source": "m"}, _cell()]
    ),
    "tagged skip-grading": _plain([_cell(metadata={"tags": [SKIP_TAG]}), _cell("x = 2")]),
    "outputs of every kind": _plain(
        [
            _cell(
                outputs=[
                    {"output_type": "stream", "name": "stdout", "text": ["a", "b"]},
                    {"output_type": "display_data", "data": {"text/plain": ["1"]}, "metadata": {}},
                ]
            )
        ]
    ),
    "nbformat 3": json.dumps(
        {
            "nbformat": 3,
            "nbformat_minor": 0,
            "metadata": {},
            "worksheets": [{"cells": [{"cell_type": "code", "input": "def f():\n    return 3"}]}],
        }
    ),
    "nbformat 4.0 as a float": _plain([_cell()], nbformat=4.0),
    "nbformat true": _plain([_cell()], nbformat=True),
    "no metadata": json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": [_cell()]}),
    "a cell without metadata": _plain([{"cell_type": "code", "source": "x = 1", "outputs": []}]),
    "a cell's metadata a list": _plain([_cell(metadata=[])]),
    "a markdown source of numbers": _plain(
        [{"cell_type": "markdown", "metadata": {}, "source": [1, 2]}, _cell()]
    ),
    "an output that is not an object": _plain([_cell(outputs=[3])]),
    "an output's text of numbers": _plain(
        [_cell(outputs=[{"output_type": "stream", "name": "stdout", "text": [1]}])]
    ),
    "an output type that is a list": _plain([_cell(outputs=[{"output_type": ["x"]}])]),
    "an attachment that is not an object": _plain(
        [{"cell_type": "markdown", "metadata": {}, "source": "m", "attachments": {"a": 1}}]
    ),
    "outputs not a list": _plain([_cell(outputs=3)]),
    **{name: data.decode("utf-8", "replace") for name, data in HOSTILE.items()},
}


def _outcome(data, validate: bool):
    try:
        graded = extract(data, "01_parabola.ipynb", validate=validate)
    except NotebookError as error:
        return "refused", str(error)
    return graded.source, graded.notes


@pytest.mark.parametrize("data", SHAPES.values(), ids=SHAPES.keys())
def test_the_quick_read_gives_what_the_validated_read_gives(data):
    assert _outcome(data, validate=False) == _outcome(data, validate=True)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_the_quick_read_of_every_stub_and_solved_notebook(exercise):
    from grader.authoring.notebook_stubs import solution_notebook

    stub = (exercises_dir() / exercise.file).with_suffix(".ipynb").read_text(encoding="utf-8")
    solved = solution_notebook((solutions_dir() / exercise.file).read_text("utf-8"), exercise.name)
    for data in (stub, solved):
        assert _outcome(data, validate=False) == _outcome(data, validate=True)


def test_a_fresh_clone_is_resolved_without_nbformat():
    """Telling whether the notebooks of a fresh clone are started reads them with json alone:
    nbformat's import and schema (~0.14 s) are left to the notebooks that are graded."""
    code = (
        "import sys\n"
        "from grader.exercises import exercises_dir, load_exercises\n"
        "from grader.submission.resolve import resolve\n"
        "chosen = resolve(exercises_dir(), load_exercises())\n"
        "assert all(r.graded.endswith('.py') for r in chosen.values()), chosen\n"
        "print('nbformat' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
