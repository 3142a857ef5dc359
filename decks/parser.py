"""Read a deck source file (Markdown notes) into note specifications.

The format (see decks/README.md for the full dialect table, with Obsidian_to_Anki's syntax):

- YAML front matter (``deck``, ``tags``; other keys skipped), see :mod:`decks.frontmatter`.
- ``TARGET DECK: Name``, ``TARGET DECK Name``, or ``TARGET DECK`` with the name on the next
  line (required, once per file). ``FILE TAGS: a b`` (or ``FILE TAGS a, b``) adds tags to every
  note; a leading ``#`` is dropped and Obsidian's nested ``a/b`` becomes Anki's ``a::b``.
- ``## Section`` headings (any level, ATX or setext) open a section; its notes get the tag
  ``<prefix>::<section_slug>``, where the prefix is the first file tag (or, without file tags,
  the last part of the deck name with punctuation removed: ``Week-02`` → ``week02``). A heading
  that holds a ``{{c1::…}}`` deletion is a cloze note instead (the text below it is its Extra),
  and a heading ending in ``?`` a question (the text below it is its answer), as in
  markdown-anki-decks.
- A question is a line at the left margin ending in ``?`` (or starting with ``Q:``) that is a
  plain paragraph line and starts a paragraph (blank line or heading above it; in seed style,
  any line may). Its answer (an ``A:`` prefix is dropped) is everything up to the next question,
  section, note block or cloze paragraph. An id line (``<!-- id: slug -->``, or O2A's
  ``<!--ID: 123-->`` / ``ID: 123``) right after the question or at the end of the answer gives
  the note an identity of its own.
- A top-level paragraph containing ``{{c1::…}}`` is a cloze note (an id line may follow it).
- Obsidian_to_Anki blocks: ``START``/``END``, ``STARTI [Type] … ENDI``, ``FROZEN - Type:``,
  ``DELETE`` markers and empty START/ID/END deletion blocks, see :mod:`decks.blocks`.
- inka's ``---`` sections (``Deck:``, ``Tags:``, ``1. question`` / ``> answer``), see
  :mod:`decks.inka`.
- Obsidian markup inside notes (embeds, wikilinks, highlights, callouts) and ``%%comments%%``
  (anywhere), see :mod:`decks.dialect`.
- Seed style (a file without any heading): a short title-like line (no final punctuation, no
  math, at most 12 words) directly above a question line is a section title. Right after such a
  title, an imperative prompt ("Summarise the … ." — first word from PROMPT_VERBS) also counts
  as a question line, as in the learner's own Q&A file.

HTML comments outside notes are ignored; any other text outside a note is an error, so a
question that lost its ``?`` is reported instead of silently dropped.

The steps, in order (:func:`parse_text`): inka sections rewritten (:mod:`decks.inka`), front
matter read (:mod:`decks.frontmatter`), ``%%comments%%`` removed, directives, note blocks and
markers found (pass 1, :mod:`decks.directives`), then questions, answers, sections and clozes read
(pass 2, :mod:`decks.walk`); every note is made by :mod:`decks.notemaker`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from decks import inka
from decks.dialect import outside_code_and_math
from decks.directives import Directives
from decks.errors import DeckError
from decks.frontmatter import read_front_matter
from decks.notemaker import NoteMaker
from decks.source import (
    AS_WRITTEN,
    CLOZE_MARKER,
    FieldText,
    ReadOptions,
    SourceFile,
    SourceNote,
    normalise_tags,
    section_tag,
    slugify,
)
from decks.structure import Structure
from decks.styles import check_styles
from decks.walk import Walk

__all__ = [
    "AS_WRITTEN",
    "CLOZE_MARKER",
    "FieldText",
    "ReadOptions",
    "SourceFile",
    "SourceNote",
    "parse_file",
    "parse_text",
    "section_tag",
    "slugify",
]
_OBSIDIAN_COMMENT = re.compile(r"%%.*?%%", re.DOTALL)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 and C1 but tab and newline
MAX_SOURCE_BYTES = 8 * 2**20  # a deck source is notes, not a data file


def refuse_control_characters(text: str, display: str) -> None:
    """Text only: a control character (an escape sequence that would reach a terminal through
    ``diff``, a NUL, a bell; tabs and newlines are fine) stops the build at its place."""
    found = _CONTROL.search(text)
    if found is None:
        return
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    raise DeckError(
        display,
        line,
        f"a control character (U+{ord(found.group()):04X}) at column {column}: remove it "
        "(a deck source is text; copy-pasted terminal output or binary data can bring these in)",
    )


def strip_obsidian_comments(text: str) -> str:
    """``%%…%%`` removed (outside code and math); the newlines inside stay, for line numbers."""
    if "%%" not in text:
        return text
    return outside_code_and_math(
        text, lambda part: _OBSIDIAN_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), part)
    )


class _Parser:
    """Pass 2 and the result: the lines as pass 1 (:class:`Directives`) left them."""

    def __init__(self, path: Path, text: str, display: str, options: ReadOptions) -> None:
        self.path = path
        self.display = display
        self.styles = options.styles
        self.lines = text.split("\n")
        self.maker = NoteMaker(self.lines, path, display, obsidian_tags=options.obsidian_tags)
        self.directives = Directives(self.lines, self.maker, display)
        # found by pass 1 (the same objects, filled in by Directives.scan)
        self.blocks = self.directives.blocks
        self.inline = self.directives.inline
        self.file_tags = self.directives.file_tags
        self.notes: list[SourceNote] = []

    def error(self, index: int, message: str) -> DeckError:
        return DeckError(self.display, index + 1, message)

    def parse_notes(self) -> None:
        visible = list(self.lines)
        for start, end in self.blocks.items():
            visible[start : end + 1] = [""] * (end + 1 - start)
        for index in self.inline:
            visible[index] = ""
        Walk(self, visible).run()

    def result(self) -> SourceFile:
        deck = self.directives.deck
        assert deck is not None
        prefix = (
            self.file_tags[0]
            if self.file_tags
            else "".join(c for c in deck.split("::")[-1].lower() if c.isalnum())
        )
        notes = []
        for note in self.notes:
            tags = list(self.file_tags)
            if note.section:
                tags.append(section_tag(prefix, note.section))
            tags.extend(t for t in note.tags if t not in tags)
            notes.append(replace(note, tags=tuple(tags)))
        return SourceFile(
            path=self.display,
            deck=deck.strip(),
            file_tags=tuple(self.file_tags),
            tag_prefix=prefix,
            notes=tuple(notes),
            deleted=tuple(self.directives.deleted),
        )


def _options(front, options: ReadOptions, display: str) -> ReadOptions:
    """The command line's options, with what the file's front matter says instead."""
    styles = options.styles if front.styles is None else front.styles
    tags = options.obsidian_tags if front.obsidian_tags is None else front.obsidian_tags
    return ReadOptions(check_styles(styles, display, 1 if front.styles is None else 2), tags)


def parse_text(
    text: str,
    *,
    path: Path,
    display: str | None = None,
    options: ReadOptions = AS_WRITTEN,
) -> SourceFile:
    """Parse source text (``path`` locates images; ``display`` names the file in errors;
    ``options`` as the command line gives them)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    display = display or str(path)
    refuse_control_characters(text, display)
    lines = text.split("\n")
    inka.rewrite(lines, display)
    front = read_front_matter(lines, display)
    options = _options(front, options, display)
    parser = _Parser(path, strip_obsidian_comments("\n".join(lines)), display, options)
    parser.maker.structure = structure = Structure(parser.lines)  # the file's one parse
    parser.directives.protected = structure.protected_lines()
    parser.file_tags.extend(normalise_tags(front.tags))
    if front.deck is not None:
        parser.directives.set_deck(front.deck, front.line - 1)
    parser.directives.scan()
    parser.parse_notes()
    return parser.result()


def parse_file(path: str | Path, options: ReadOptions = AS_WRITTEN) -> SourceFile:
    """Parse one deck source file; raises :class:`DeckError` with ``file:line`` on bad input."""
    path = Path(path)
    try:
        if path.exists() and not path.is_file():
            raise DeckError(str(path), 1, "cannot read the file: not a regular file")
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise DeckError(
                str(path),
                1,
                f"the file is larger than {MAX_SOURCE_BYTES // 2**20} MiB: split it into "
                "several files with the same TARGET DECK",
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DeckError(str(path), 1, f"cannot read the file: {reason}") from None
    return parse_text(text, path=path, options=options)
