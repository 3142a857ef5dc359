"""An exercise's instructions (its module docstring) as Markdown for a notebook, with the
equations as LaTeX in ``$…$`` so that Jupyter renders them.

The rule (also in grader/README.md, "Notebooks"):

- the first line ``Exercise N — title.`` becomes the heading ``# Exercise N — title``; a line
  underlined with dashes becomes a ``##`` heading (and starts a new Markdown cell);
- prose lines (indented less than four spaces) are kept as they are: the docstrings are written
  in Markdown-compatible text (``*word*``, ``**word**``, ````code````, ``- `` lists) and their
  inline formulas stay in Unicode, which Jupyter shows as it is;
- a block of lines indented four or more spaces is an *equation block* when every line of it
  holds an equation: a column (columns are separated by two or more spaces) with one of
  ``= ← ≈ ≤ ≥``, no code (no ``np.``, backquote, ``->``, ``grade``) and no prose (two words
  of two or more letters in a row: ``d = decay rate`` is prose). Each such line becomes
  its equation in ``$…$`` (``$$…$$`` when the line is nothing but the equation), with the other
  columns as text around it. Every other indented block (signature tables, code, mixed text)
  stays a fixed-width block, as in the ``.py`` file.

Unicode math becomes LaTeX by the table below (Greek letters, operators, sub- and superscript
characters, ``^(…)`` groups, ``ŷ``-style hats, ``√``, words as upright text).
"""

from __future__ import annotations

import re
import textwrap

_SYMBOLS = {
    "α": r"\alpha",
    "β": r"\beta",
    "γ": r"\gamma",
    "δ": r"\delta",
    "ε": r"\varepsilon",
    "η": r"\eta",
    "θ": r"\theta",
    "λ": r"\lambda",
    "μ": r"\mu",
    "σ": r"\sigma",
    "Σ": r"\sum",
    "∇": r"\nabla",
    "∂": r"\partial",
    "−": "-",
    "·": r"\cdot",
    "×": r"\times",
    "⊙": r"\odot",
    "≤": r"\le",
    "≥": r"\ge",
    "≠": r"\ne",
    "≈": r"\approx",
    "←": r"\leftarrow",
    "→": r"\to",
    "∈": r"\in",
    "∞": r"\infty",
    "‖": r"\|",
    "⌊": r"\lfloor",
    "⌋": r"\rfloor",
    "⌈": r"\lceil",
    "⌉": r"\rceil",
    "…": r"\ldots",
    "½": r"\tfrac{1}{2}",
    "%": r"\%",
    "#": r"\#",
    "&": r"\&",
}
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₘₙₜₓ₊₋", "0123456789ijkmntx+-", strict=True))
_SUPERSCRIPTS = {**dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹ᵗⁿ⁺⁻", "0123456789tn+-", strict=True)), "ᵀ": r"\top"}
_FUNCTIONS = {
    "log": r"\log",
    "exp": r"\exp",
    "max": r"\max",
    "min": r"\min",
    "mod": r"\bmod",
    "sign": r"\operatorname{sign}",
}
_PHRASE_WORDS = {"over", "of", "for", "with", "and", "if", "where", "else", "otherwise"}
_RELATIONS = ("=", "←", "≈", "≤", "≥")
_CODE = ("np.", "`", "->", "grade")
_COLUMNS = re.compile(r" {2,}")
_UNDERLINE = re.compile(r"^-{3,}$")
_TITLE = re.compile(r"^(Exercise \d+ — .*?)\.?$")
_PROSE = re.compile(r"(?<![A-Za-z])[A-Za-z]{2,} +[A-Za-z]{2,}(?![A-Za-z])")
_ITEM = re.compile(r"^ {0,3}(?:\d+\.|[-*]) +")


def _group_after(text: str, start: int, opening: str, closing: str) -> int:
    """Index just past the ``closing`` that matches the ``opening`` at ``start`` (or the end)."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == opening:
            depth += 1
        elif text[index] == closing:
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def _braced_powers(expr: str) -> str:
    """``e^(−z)`` → ``e^{−z}`` and ``γ^⌊k / s⌋`` → ``γ^{⌊k / s⌋}``: TeX needs braces."""
    out, index = [], 0
    while index < len(expr):
        if expr.startswith("^(", index):
            end = _group_after(expr, index + 1, "(", ")")
            out.append("^{" + expr[index + 2 : end - 1] + "}")
            index = end
        elif expr.startswith("^⌊", index):
            end = _group_after(expr, index + 1, "⌊", "⌋")
            out.append("^{" + expr[index + 1 : end] + "}")
            index = end
        else:
            out.append(expr[index])
            index += 1
    return "".join(out)


def _scripts(expr: str, table: dict[str, str], mark: str) -> str:
    pattern = "[" + re.escape("".join(table)) + "]+"
    return re.sub(pattern, lambda m: mark + "{" + " ".join(table[c] for c in m.group()) + "}", expr)


def _word(match: re.Match) -> str:
    word = match.group()
    if word in _FUNCTIONS:
        return _FUNCTIONS[word] + " "
    if len(word) == 1:
        return word
    if word in _PHRASE_WORDS:
        return r"\text{ " + word + " }"
    return r"{\mathrm{" + word + "}}"


def _symbol(char: str) -> str:
    value = _SYMBOLS.get(char, char)
    return value + " " if value.startswith("\\") and value[-1].isalpha() else value


def to_latex(expr: str) -> str:
    """One equation in the docstrings' Unicode notation, as LaTeX (for ``$…$``)."""
    expr = re.sub(r"(\d)e-(\d+)", r"\1\\times 10^{-\2}", expr.strip())
    expr = _escape_set_closers(re.sub(r"(?<![_^])\{", r"\\{", _braced_powers(expr)))
    expr = re.sub(r"(\w)\u0302", r"\\hat{\1}", expr).replace("ŷ", r"\hat{y}")
    expr = _scripts(expr, _SUBSCRIPTS, "_")
    expr = _scripts(expr, _SUPERSCRIPTS, "^")
    expr = re.sub(r"(?<![\\A-Za-z])[A-Za-z]+(?![A-Za-z])", _word, expr)
    expr = re.sub(r"√(\\hat\{\w\}|\w)", r"\\sqrt{\1}", expr).replace("√", r"\sqrt")
    return re.sub(" {2,}", " ", "".join(_symbol(c) for c in expr)).strip()


def _escape_set_closers(expr: str) -> str:
    """Close each ``\\{`` with ``\\}``, leaving the closers of TeX groups alone."""
    out, stack = [], []
    index = 0
    while index < len(expr):
        if expr.startswith(r"\{", index):
            stack.append("set")
            out.append(r"\{")
            index += 2
            continue
        char = expr[index]
        if char == "{":
            stack.append("group")
        elif char == "}" and stack:
            out.append(r"\}" if stack.pop() == "set" else "}")
            index += 1
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _is_equation(column: str) -> bool:
    """A relation, no code, and no prose (two words of two or more letters in a row)."""
    return (
        any(r in column for r in _RELATIONS)
        and not any(c in column for c in _CODE)
        and not _PROSE.search(column)
    )


def _columns(line: str) -> list[str]:
    """The line's columns; a column that starts with a relation continues the one before."""
    columns: list[str] = []
    for column in _COLUMNS.split(line.strip()):
        if columns and column.startswith(_RELATIONS):
            columns[-1] += " " + column
        elif column:
            columns.append(column)
    return columns


def _equation_line(line: str) -> str | None:
    """An indented line as Markdown with its equations in $…$, or None if it holds none.

    Neighbouring equation columns share one ``$…$`` (spaced by ``\\qquad``); text columns
    before them are a bold label, text columns after them a comment.
    """
    columns = _columns(line)
    kinds = [_is_equation(c) for c in columns]
    if not any(kinds) or any(code in line for code in _CODE):
        return None
    first = kinds.index(True)
    last = len(kinds) - kinds[::-1].index(True)
    math = r" \qquad ".join(to_latex(c) for c in columns[first:last])
    if first == 0 and last == len(columns):
        return f"$${math}$$"
    before, after = " ".join(columns[:first]), " ".join(columns[last:])
    parts = [f"**{before}**" if before else "", f"${math}$", f"— {after}" if after else ""]
    return " ".join(p for p in parts if p)


def _block(lines: list[str], indent: str) -> list[str]:
    """A block of indented lines as Markdown lines (``indent``: inside a list item)."""
    body = textwrap.dedent("\n".join(lines)).strip("\n").split("\n")
    converted = [_equation_line(line) for line in body if line.strip()]
    if converted and all(c is not None for c in converted):
        out = [line for c in converted for line in ("", indent + c)]
    else:
        out = ["", indent + "```text", *(indent + line for line in body), indent + "```"]
    return [*out, ""]


def _indentation(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class _Converter:
    """Walks the docstring's lines once; see the module docstring for the rule."""

    def __init__(self) -> None:
        self.cells: list[list[str]] = [[]]
        self.block: list[str] = []
        self.item_column: int | None = None  # where the text of the current list item starts

    def flush(self) -> None:
        if self.block:
            indent = " " * (self.item_column or 0)
            self.cells[-1].extend(_block(self.block, indent))
            self.block = []

    def is_block_line(self, line: str) -> bool:
        if not line.strip():
            return bool(self.block)
        depth = _indentation(line)
        return depth >= 4 and depth != self.item_column

    def prose(self, line: str, following: str, first: bool) -> None:
        item = _ITEM.match(line)
        if item:
            self.item_column = item.end()
        elif not line.startswith(" ") or not line.strip():
            self.item_column = None
        title = _TITLE.match(line) if first else None
        if title:
            self.cells[-1] += [f"# {title.group(1)}", ""]
        elif line.strip() and _UNDERLINE.match(following.strip()):
            self.cells.append([f"## {line.strip()}", ""])
        else:
            self.cells[-1].append(line.replace("$", r"\$"))  # a dollar in prose is not math

    def run(self, lines: list[str]) -> list[str]:
        for index, line in enumerate(lines):
            if _UNDERLINE.match(line.strip()):
                continue  # the heading above it has been written
            if self.is_block_line(line):
                self.block.append(line)
                continue
            self.flush()
            following = lines[index + 1] if index + 1 < len(lines) else ""
            self.prose(line, following, index == 0)
        self.flush()
        cells = ["\n".join(cell).strip("\n") for cell in self.cells]
        cells = [re.sub(r"\n{3,}", "\n\n", cell) for cell in cells if cell.strip()]
        if len(cells) > 1 and "\n" not in cells[0]:  # a title alone: it heads the next cell
            cells[:2] = [cells[0] + "\n\n" + cells[1]]
        return cells


def docstring_cells(docstring: str) -> list[str]:
    """The docstring as Markdown, one string per cell (a new cell at every ``##`` heading)."""
    return _Converter().run(docstring.strip("\n").split("\n"))
