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
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

from decks import tables
from decks.errors import DeckError
from decks.vault import find_picture

CUTS = "gdkit_cuts"  # env key: lines before which no paragraph, list or quote may continue


def _cut(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Block rule: in a document parse, a note's first line (a question, a directive) starts a
    block of its own even right below text, so the document's tokens are each note's tokens
    (:mod:`decks.structure`). Only ever ends another block; never makes one."""
    return silent and start in state.env.get(CUTS, ())


def _make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    md.block.ruler.before(
        "table", "gdkit_cut", _cut, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    md.enable(["table", "strikethrough"])
    # Keep escaped characters (``\\$``) as their own tokens so that a stray ``$`` can be told
    # apart from an escaped one.
    md.disable("text_join")
    # Pandoc's rule for inline ``$``: no space inside the delimiters, no digit after the closing.
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    return md


_MD = _make_parser()
_BLOCKS = _make_parser().disable("inline")  # the same block rules; inline content left unparsed


def parser() -> MarkdownIt:
    """The shared markdown-it instance (its block tokens also drive the note-source parser)."""
    return _MD


def block_parse(text: str, cuts: frozenset[int] = frozenset()) -> tuple[list[Token], dict]:
    """The block tokens of a document (inline content parsed later, by whoever renders it),
    with paragraphs cut before the lines in ``cuts``; and the parse's env (link references)."""
    env: dict = {CUTS: cuts}
    return _BLOCKS.parse(text, env), env


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


@dataclass(frozen=True)
class Parsed:
    """A field's block tokens in the document's parse: ``first`` is the 0-based document line
    of the field's first line; ``env`` the document parse's (its link references)."""

    tokens: tuple[Token, ...]
    first: int
    env: dict


@dataclass
class Rendered:
    """HTML of one field, the local media files it references (name → path), and its tokens."""

    html: str
    media: dict[str, Path] = field(default_factory=dict)
    tokens: list[Token] = field(default_factory=list)


def _is_local(src: str) -> bool:
    lowered = src.lower()
    return not (
        "://" in lowered or lowered.startswith(("data:", "/", "#", "mailto:")) or src.strip() == ""
    )


_STRAY_DOLLAR = re.compile(r"\$(?=[^\d\s])")


def _has_stray_dollar(text: str) -> bool:
    """A ``$`` in plain text that is neither currency (``$5``) nor alone (``5 $``): a formula
    that was opened and never closed."""
    return "$" in text and _STRAY_DOLLAR.search(text) is not None


def _raise_stray_dollar(text: str, block: Token, file: str, first_line: int, base: int) -> None:
    lines = text.split("\n")
    start, end = block.map or (base, base + 1)
    line = next((i for i in range(start, end) if "$" in lines[i - base]), start)
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
    base: int = 0,
) -> dict[str, Path]:
    """Raise on a stray ``$``; resolve local images (rewriting their src to the bare name)."""
    media: dict[str, Path] = {}
    for block in tokens:
        if block.type != "inline" or block.children is None:
            continue
        start = block.map[0] if block.map else 0
        if "$" in block.content:  # else no text of it can hold one
            plain = "".join(
                c.content if c.type == "text" else "\x00" if c.type == "text_special" else " "
                for c in block.children
            )
            if _has_stray_dollar(plain):
                _raise_stray_dollar(text, block, file, first_line, base)
        if "![" not in block.content:  # no image: what every picture's Markdown starts with
            continue
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
    parsed: Parsed | None = None,
) -> Rendered:
    """Render one field's Markdown to HTML.

    ``first_line`` is the 1-based source line of ``text``'s first line, for error messages.
    ``parsed``: the field's block tokens from the document's parse, when the field is exactly
    those lines (so the text is not parsed again: only its inline content, once).
    Raises :class:`DeckError` for an unbalanced ``$`` or a missing local image.
    """
    if parsed is None:
        env: dict = {}
        tokens = _MD.parse(text, env)
        base = 0
    else:
        env, tokens, base = dict(parsed.env), list(parsed.tokens), parsed.first
        for token in tokens:
            if token.type == "inline" and not token.children:  # not yet parsed
                token.children = []
                _MD.inline.parse(token.content, _MD, env, token.children)
    media = _check_and_collect(tokens, text, file, first_line - base, base_dir, media_root, base)
    env["cloze"] = cloze
    html_text = _MD.renderer.render(tokens, _MD.options, env).strip()
    return Rendered(html_text, media, tokens)


def plain_text(markdown_text: str) -> str:
    """The text of a Markdown snippet without markup (math kept as its TeX), one line."""
    return plain_text_of(_MD.parse(markdown_text))


def plain_text_of(tokens: list[Token]) -> str:
    """:func:`plain_text` of tokens already parsed (a rendered field's)."""
    parts: list[str] = []
    for block in tokens:
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
