"""The one Markdown parse of a deck source: where its blocks are, and each note's tokens.

A source is parsed once, whole, by markdown-it's block rules (:func:`decks.render.block_parse`).
Before that, the lines where a note may begin — a question line, a directive, an id line, an
Obsidian_to_Anki marker — are marked as *cuts*: no paragraph, list or quote continues into
them, so a question written right above its answer (no blank line between) is a block of its
own, as it would be parsed alone. The same tokens then give

- the directives' pass (:mod:`decks.directives`) the lines inside code and math blocks;
- the walk (:mod:`decks.walk`) the headings, code and math blocks, comments and cloze
  paragraphs (:meth:`Structure.layout`);
- the renderer each field's block tokens (:meth:`Structure.tokens_for`), when the field is
  exactly some lines of the file as written: only their inline content is parsed then, once.

A field that is not (a prefix removed, a block's ``Front:``, text converted, a cut inside it
that turned out not to start a note) is parsed on its own, as before: the result is the same
HTML either way, which a test checks note by note.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it.token import Token

from decks.render import Parsed, block_parse
from decks.source import CLOZE_MARKER

# Lines where an Obsidian_to_Anki or gdkit directive, block or id may stand.
_DIRECTIVE = re.compile(
    r"^\s*(?:TARGET DECK|FILE TAGS|START\s*$|END\s*$|FROZEN\b|DELETE\b|(?:<!--\s*)?ID:|<!--\s*id:)"
    r"|STARTI",
    re.IGNORECASE,
)
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)\s*$")
_PROTECTED = ("fence", "code_block", "math_block", "math_block_label")


@lru_cache(maxsize=4096)
def is_paragraph_line(line: str) -> bool:
    """True when the line, on its own, is a plain Markdown paragraph at the left margin."""
    if not line.strip() or line[:1].isspace():
        return False
    if line[:1].isalpha():
        return True  # no block but a paragraph starts with a letter (a table needs two lines)
    tokens, _ = block_parse(line)
    return bool(tokens) and tokens[0].type == "paragraph_open"


def is_question(lines: list[str], index: int) -> bool:
    """A question line: ends in "?" (or starts with "Q:") and is a plain paragraph line."""
    line = lines[index]
    return (line.rstrip().endswith("?") or line.startswith("Q:")) and is_paragraph_line(line)


def cut_lines(lines: list[str]) -> frozenset[int]:
    """Every line where a note may begin, and the line after it (unless that one underlines a
    setext heading): the parse keeps blocks from running across them."""
    cuts: set[int] = set()
    for i, line in enumerate(lines):
        if _DIRECTIVE.search(line) or is_question(lines, i):
            cuts.add(i)
            if i + 1 < len(lines) and not _SETEXT.match(lines[i + 1]):
                cuts.add(i + 1)
    return frozenset(cuts)


@dataclass
class Layout:
    """Where the top-level blocks are (line → end line), for the walk."""

    headings: dict[int, tuple[int, str]] = field(default_factory=dict)  # line → (end, title)
    protected: dict[int, int] = field(default_factory=dict)  # code / math blocks
    clozes: dict[int, int] = field(default_factory=dict)  # cloze paragraphs
    comments: dict[int, int] = field(default_factory=dict)  # HTML comments, --- rules


@dataclass(frozen=True)
class _Top:
    """One top-level block: its lines [start, end) and its tokens [first, last]."""

    start: int
    end: int
    first: int
    last: int


class Structure:
    """The block parse of one source file (its lines as they are before the directives' pass)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)
        self.cuts = cut_lines(self.lines)
        self.sorted_cuts = sorted(c for c in self.cuts if self.lines[c].strip())
        self.tokens, self.env = block_parse("\n".join(self.lines), self.cuts)
        self.tops = self._tops()
        self.starts = [top.start for top in self.tops]

    def _tops(self) -> list[_Top]:
        tops, first, depth = [], 0, 0
        for k, token in enumerate(self.tokens):
            if depth == 0:
                first = k
            depth += token.nesting
            if depth == 0:
                start, end = self.tokens[first].map or (0, 0)
                while end > start + 1 and not self.lines[end - 1].strip():
                    end -= 1  # a list's lines take the blank line after it
                tops.append(_Top(start, end, first, k))
        return tops

    def protected_lines(self) -> set[int]:
        """Lines inside code and math blocks, at any depth (directives there are text)."""
        protected: set[int] = set()
        for token in self.tokens:
            if token.type in _PROTECTED and token.map:
                protected.update(range(*token.map))
        return protected

    def layout(self, lines: list[str], visible: list[str]) -> Layout:
        """The top-level blocks of what the walk sees: ``visible`` (note blocks and directives
        blanked); ``lines`` for telling questions."""
        found = Layout()
        paragraph: set[int] = set()
        for top in self.tops:
            if not any(visible[k].strip() for k in range(top.start, top.end)):
                continue  # inside a note block, or a directive
            token = self.tokens[top.first]
            if token.type == "heading_open":
                found.headings[top.start] = (top.end, self.tokens[top.first + 1].content)
            elif token.type in _PROTECTED:
                found.protected[top.start] = top.end
            elif token.type == "html_block" and token.content.lstrip().startswith("<!--"):
                found.comments[top.start] = top.end
            elif token.type == "hr":
                found.comments[top.start] = top.end  # a --- between notes separates
            elif token.type == "paragraph_open":
                paragraph.update(range(top.start, top.end))
        self._cloze_paragraphs(found, paragraph, lines, visible)
        return found

    @staticmethod
    def _cloze_paragraphs(found: Layout, paragraph: set[int], lines, visible) -> None:
        """A cloze paragraph: a paragraph as written (cuts rejoined) holding ``{{c1::`` and no
        question line."""
        k = 0
        while k < len(visible):
            if k not in paragraph or not visible[k].strip():
                k += 1
                continue
            end = k
            while end in paragraph and visible[end].strip():
                end += 1
            text = "\n".join(visible[k:end])
            if CLOZE_MARKER.search(text) and not any(is_question(lines, i) for i in range(k, end)):
                found.clozes[k] = end
            k = end

    def tokens_for(self, first: int, end: int, text: str) -> Parsed | None:
        """The block tokens of lines [first, end) when ``text`` is exactly those lines and they
        are whole blocks with no cut inside; else None (the field is parsed on its own)."""
        if first >= end or text != "\n".join(self.lines[first:end]).rstrip():
            return None
        inner = bisect_right(self.sorted_cuts, first)
        if inner < len(self.sorted_cuts) and self.sorted_cuts[inner] < end:
            return None
        lo, hi = bisect_left(self.starts, first), bisect_left(self.starts, end)
        if lo == hi or (lo > 0 and self.tops[lo - 1].end > first) or self.tops[hi - 1].end > end:
            return None
        gap = first
        for top in self.tops[lo:hi]:
            if any(self.lines[k].strip() for k in range(gap, top.start)):
                return None  # a link reference definition, or what a cut left out
            gap = top.end
        if any(self.lines[k].strip() for k in range(gap, end)):
            return None
        tokens: list[Token] = self.tokens[self.tops[lo].first : self.tops[hi - 1].last + 1]
        return Parsed(tuple(tokens), first, self.env)
