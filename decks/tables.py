"""Tables that fit a phone: the HTML of a Markdown table, and when it stacks.

Every table sits in a ``<div class="gd-scroll">`` box, which scrolls sideways (with a shadow at
the edge) rather than widening the page. Text in a cell wraps, but a formula does not (MathJax 3
does not break lines), so a table with formulas in its body is usually wider than a phone. Such
a table is marked ``gd-stack`` (on the box) and each body cell after the first carries a copy of
its column's header, ``<span class="gd-label">…</span>``. The card stylesheet shows it as a
table on a wide screen (labels hidden) and, on a narrow one, as a stack of rows: the first cell
as the row's heading, each other cell on its own line after its column's label. A table of text
and numbers stays a table everywhere.
"""

from __future__ import annotations

from markdown_it.token import Token

STACK_CLASS = "gd-stack"
LABEL_CLASS = "gd-label"


def _table_end(tokens: list[Token], idx: int) -> int:
    for end in range(idx + 1, len(tokens)):
        if tokens[end].type == "table_close":
            return end
    return len(tokens)


def _has_math(inline: Token) -> bool:
    return any(child.type.startswith("math_") for child in inline.children or [])


def _body_has_math(tokens: list[Token], start: int, end: int) -> bool:
    in_body = False
    for token in tokens[start:end]:
        in_body = in_body or token.type == "tbody_open"
        if in_body and token.type == "inline" and _has_math(token):
            return True
    return False


def _label_body_cells(tokens: list[Token], start: int, end: int) -> None:
    """Give each body cell after the first its column's header (a non-empty one)."""
    headers: list[Token] = []
    column = 0
    for idx in range(start, end):
        token = tokens[idx]
        if token.type == "tr_open":
            column = 0
        elif token.type == "th_open":
            headers.append(tokens[idx + 1])
        elif token.type == "td_open":
            if 0 < column < len(headers) and headers[column].content.strip():
                token.meta["gd_label"] = headers[column]
            column += 1


def table_open(self, tokens: list[Token], idx: int, options, env: dict) -> str:
    end = _table_end(tokens, idx)
    box = "gd-scroll"
    if _body_has_math(tokens, idx, end):
        _label_body_cells(tokens, idx, end)
        box += f" {STACK_CLASS}"
    return f'<div class="{box}">\n' + self.renderToken(tokens, idx, options, env)


def table_close(self, tokens: list[Token], idx: int, options, env: dict) -> str:
    return self.renderToken(tokens, idx, options, env) + "</div>\n"


def td_open(self, tokens: list[Token], idx: int, options, env: dict) -> str:
    cell = self.renderToken(tokens, idx, options, env)
    header = tokens[idx].meta.get("gd_label")
    if header is None:
        return cell
    label = self.renderInline(header.children or [], options, env)
    return f'{cell}<span class="{LABEL_CLASS}">{label}</span> '


RULES = {"table_open": table_open, "table_close": table_close, "td_open": td_open}
