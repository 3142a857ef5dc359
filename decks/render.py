"""Markdown → Anki field HTML, with a real Markdown parser (markdown-it-py and its plugins).

- CommonMark plus GFM tables and strikethrough; raw HTML is allowed (Anki fields are HTML).
- Math: ``$…$`` → ``\\(…\\)`` and ``$$…$$`` → ``\\[…\\]`` (MathJax delimiters that Anki renders),
  parsed by mdit-py-plugins' dollarmath rule; inside math ``<``, ``>`` and ``&`` are escaped so the
  field stays valid HTML (MathJax reads the decoded text).
- In a cloze note, ``}}`` and ``::`` inside math would end the cloze or start its hint early;
  they are written ``} }`` and ``: :``, which TeX renders identically (spaces are ignored in
  math mode).
- ``$`` opens inline math only by Pandoc's rule: a non-space right after the opening ``$``, a
  non-space right before the closing one and no digit right after it, so "costs $5 and $10"
  stays prose. A ``$`` left unpaired is a literal dollar when a digit follows it (``$5``) or
  space / the end of the text does; any other unpaired ``$`` (``the rate $\\eta is``) is an
  error: close the formula, or write ``\\$`` for a dollar.
- Every display formula is wrapped in a scrolling element of class ``math-display`` wherever it
  was written: a ``<div>`` for ``$$`` on lines of its own, a ``<span>`` (styled as a block) for
  ``$$`` inside a paragraph, a list item or a table cell, e.g. on the line right after a
  sentence. A wide formula then scrolls inside the card instead of widening the page on a
  phone. Tables are wrapped in ``<div class="gd-scroll">`` for the same reason, and a table
  with formulas in its body stacks its rows on a narrow screen (:mod:`decks.tables`).
- Local images ``![alt](file.png)`` are looked up as Obsidian does (beside the note, else
  anywhere in its vault, :mod:`decks.vault`), added to the package's media and referenced by
  their file name.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

from decks import tables
from decks.errors import DeckError
from decks.vault import find_picture


def _make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    md.enable(["table", "strikethrough"])
    # Keep escaped characters (``\\$``) as their own tokens so that a stray ``$`` can be told
    # apart from an escaped one.
    md.disable("text_join")
    # Pandoc's rule for inline ``$``: no space inside the delimiters, no digit after the closing.
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    return md


_MD = _make_parser()


def parser() -> MarkdownIt:
    """The shared markdown-it instance (its block tokens also drive the note-source parser)."""
    return _MD


_CLOZE_OPEN = re.compile(r"\{\{c\d+::")


def _break_up(tex: str) -> str:
    """``}}`` and ``::`` written ``} }`` and ``: :`` (TeX ignores the space in math mode)."""
    while "}}" in tex:
        tex = tex.replace("}}", "} }")
    while "::" in tex:
        tex = tex.replace("::", ": :")
    return tex


def _cloze_math(tex: str, i: int = 0, nested: bool = False) -> tuple[str, int]:
    """Math of a cloze note with its own ``{{c1::…}}`` deletions kept (Anki reveals a deletion
    inside MathJax): every other ``}}`` / ``::`` is broken up, and a deletion whose text ends
    in ``}`` gets a space before its closing ``}}``. Returns the text and where it stopped
    (after the closing ``}}`` when ``nested``)."""
    out: list[str] = []
    plain: list[str] = []
    depth, hint = 0, False

    def flush(before: str = "") -> None:
        text = _break_up("".join(plain))
        if before and text.endswith(before):
            text += " "  # "x}" + "}}" would end the deletion one brace early
        out.append(text)
        plain.clear()

    while i < len(tex):
        opening = _CLOZE_OPEN.match(tex, i)
        if opening:
            flush()
            inner, i = _cloze_math(tex, opening.end(), nested=True)
            out.append(opening.group() + inner)
            continue
        if nested and depth == 0 and tex.startswith("}}", i):
            flush("}")
            return "".join(out) + "}}", i + 2
        if nested and depth == 0 and not hint and tex.startswith("::", i):
            flush(":")
            out.append("::")
            hint, i = True, i + 2
            continue
        step = 2 if tex[i] == "\\" else 1  # \{ and \} are TeX's literal braces
        depth += {"{": 1, "}": -1 if depth else 0}.get(tex[i], 0) if step == 1 else 0
        plain.append(tex[i : i + step])
        i += step
    flush()
    return "".join(out), i


def escape_math(tex: str, *, cloze: bool) -> str:
    """Escape TeX for an HTML field. In a cloze note, ``}}`` and ``::`` are broken up so they
    cannot end a deletion early, except in the note's own ``{{c1::…}}`` inside the formula."""
    if cloze:
        tex = _cloze_math(tex)[0] if "{{c" in tex else _break_up(tex)
    return html.escape(tex, quote=False)


@dataclass
class Rendered:
    """HTML of one field and the local media files it references (name → path)."""

    html: str
    media: dict[str, Path] = field(default_factory=dict)


def _is_local(src: str) -> bool:
    lowered = src.lower()
    return not (
        "://" in lowered or lowered.startswith(("data:", "/", "#", "mailto:")) or src.strip() == ""
    )


def _has_stray_dollar(text: str) -> bool:
    """A ``$`` in plain text that is neither currency (``$5``) nor alone (``5 $``): a formula
    that was opened and never closed."""
    for index, char in enumerate(text):
        if char != "$":
            continue
        after = text[index + 1 : index + 2]
        if not (after == "" or after.isspace() or after.isdigit()):
            return True
    return False


def _raise_stray_dollar(lines: list[str], block: Token, file: str, first_line: int) -> None:
    start, end = block.map or (0, 1)
    line = next((i for i in range(start, end) if "$" in lines[i]), start)
    raise DeckError(
        file,
        first_line + line,
        "unbalanced $: a math span is opened and never closed "
        "(close it with $, or write \\$ for a literal dollar sign)",
    )


def _check_and_collect(
    tokens: list[Token],
    text: str,
    file: str,
    first_line: int,
    base_dir: Path | None,
    root: Path | None = None,
) -> dict[str, Path]:
    """Raise on a stray ``$``; resolve local images (rewriting their src to the bare name)."""
    media: dict[str, Path] = {}
    lines = text.split("\n")
    for block in tokens:
        if block.type != "inline" or block.children is None:
            continue
        start = block.map[0] if block.map else 0
        plain = "".join(
            c.content if c.type == "text" else "\x00" if c.type == "text_special" else " "
            for c in block.children
        )
        if _has_stray_dollar(plain):
            _raise_stray_dollar(lines, block, file, first_line)
        for child in block.children:
            if child.type == "image":
                src = str(child.attrs.get("src", ""))
                if not _is_local(src):
                    continue
                if base_dir is None:
                    raise DeckError(
                        file, first_line + start, f"image {unquote(src)!r}: no folder to look in"
                    )
                path = find_picture(
                    unquote(src), base_dir, root, file=file, line=first_line + start
                )
                if path is None:
                    raise DeckError(
                        file,
                        first_line + start,
                        f"image {unquote(src)!r} not found beside the note ({base_dir}) nor "
                        "anywhere in its vault",
                    )
                name = path.name
                if name in media and media[name] != path:
                    raise DeckError(
                        file, first_line + start, f"two different images are named {name!r}"
                    )
                media[name] = path
                child.attrs["src"] = name
    return media


def _math_inline(self, tokens: list[Token], idx: int, options, env: dict) -> str:
    return "\\(" + escape_math(tokens[idx].content.strip(), cloze=env["cloze"]) + "\\)"


def _math_display(self, tokens: list[Token], idx: int, options, env: dict) -> str:
    tex = escape_math(tokens[idx].content.strip(), cloze=env["cloze"])
    if tokens[idx].block:
        return '<div class="math-display">\\[' + tex + "\\]</div>\n"
    # ``$$`` inside a paragraph, list item or table cell: a span keeps the HTML valid there,
    # and the stylesheet makes it a scrolling block like the div.
    return '<span class="math-display">\\[' + tex + "\\]</span>"


def _text_special(self, tokens: list[Token], idx: int, options, env: dict) -> str:
    return html.escape(tokens[idx].content, quote=False)


for _name, _rule in {
    "math_inline": _math_inline,
    "math_inline_double": _math_display,
    "math_block": _math_display,
    "math_block_label": _math_display,
    "text_special": _text_special,
    **tables.RULES,
}.items():
    _MD.add_render_rule(_name, _rule)


def render_markdown(
    text: str,
    *,
    file: str = "<string>",
    first_line: int = 1,
    cloze: bool = False,
    base_dir: Path | None = None,
    media_root: Path | None = None,
) -> Rendered:
    """Render one field's Markdown to HTML.

    ``first_line`` is the 1-based source line of ``text``'s first line, for error messages.
    Raises :class:`DeckError` for an unbalanced ``$`` or a missing local image.
    """
    tokens = _MD.parse(text)
    media = _check_and_collect(tokens, text, file, first_line, base_dir, media_root)
    env = {"cloze": cloze}
    return Rendered(_MD.renderer.render(tokens, _MD.options, env).strip(), media)


def plain_text(markdown_text: str) -> str:
    """The text of a Markdown snippet without markup (math kept as its TeX), one line."""
    parts: list[str] = []
    for block in _MD.parse(markdown_text):
        for child in block.children or []:
            if child.type in ("text", "text_special", "code_inline"):
                parts.append(child.content)
            elif child.type.startswith("math_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
        if block.type == "math_block":
            parts.append(block.content)
        if block.type in ("inline", "math_block"):
            parts.append(" ")  # blocks are separate words: "list item" + "next" ≠ "itemnext"
    return " ".join("".join(parts).split())
