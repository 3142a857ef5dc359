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
markers found (pass 1, here), then questions, answers, sections and clozes read
(pass 2, :mod:`decks.walk`); every note is made by :mod:`decks.notemaker`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from decks import blocks, inka
from decks.blocks import note_id
from decks.dialect import outside_code_and_math
from decks.errors import DeckError
from decks.frontmatter import read_front_matter
from decks.notemaker import NoteMaker
from decks.render import parser as markdown_parser
from decks.source import (
    CLOZE_MARKER,
    FieldText,
    SourceFile,
    SourceNote,
    normalise_tags,
    section_tag,
    slugify,
)
from decks.walk import Walk

__all__ = [
    "CLOZE_MARKER",
    "FieldText",
    "SourceFile",
    "SourceNote",
    "parse_file",
    "parse_text",
    "section_tag",
    "slugify",
]
_OBSIDIAN_COMMENT = re.compile(r"%%.*?%%", re.DOTALL)
MAX_SOURCE_BYTES = 8 * 2**20  # a deck source is notes, not a data file


def _directive_value(line: str, keyword: str) -> str | None:
    """``KEYWORD: value`` / ``KEYWORD value`` / ``KEYWORD`` → the value ("" if on the next line)."""
    stripped = line.strip()
    if stripped == keyword:
        return ""
    for prefix in (keyword + ":", keyword + " "):
        if stripped.startswith(prefix):
            return stripped[len(prefix) :].strip()
    return None


def strip_obsidian_comments(text: str) -> str:
    """``%%…%%`` removed (outside code and math); the newlines inside stay, for line numbers."""
    if "%%" not in text:
        return text
    return outside_code_and_math(
        text, lambda part: _OBSIDIAN_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), part)
    )


class _Parser:
    def __init__(self, path: Path, text: str, display: str) -> None:
        self.path = path
        self.display = display
        self.lines = text.split("\n")
        self.deck: str | None = None
        self.deck_line = 0
        self.file_tags: list[str] = []
        self.blocks: dict[int, int] = {}  # START line index → END line index
        self.inline: dict[int, blocks.InlineNote] = {}  # STARTI lines
        self.maker = NoteMaker(self.lines, path, display)
        self.deleted: list[int] = []
        self.notes: list[SourceNote] = []

    def error(self, index: int, message: str) -> DeckError:
        return DeckError(self.display, index + 1, message)

    # -- pass 1: directives, note blocks and markers -----------------------------------------
    def _protected_lines(self) -> set[int]:
        protected: set[int] = set()
        for token in markdown_parser().parse("\n".join(self.lines)):
            if token.type in ("fence", "code_block", "math_block") and token.map:
                protected.update(range(token.map[0], token.map[1]))
        return protected

    def set_deck(self, deck: str, index: int) -> None:
        if self.deck is not None and deck != self.deck:
            raise self.error(index, f"second TARGET DECK (the first is on line {self.deck_line})")
        self.deck, self.deck_line = deck, index + 1

    def _target_deck(self, i: int, deck: str) -> int:
        self.lines[i] = ""
        if deck == "":
            j = i + 1
            while j < len(self.lines) and not self.lines[j].strip():
                j += 1
            if j == len(self.lines):
                raise self.error(i, "TARGET DECK without a deck name")
            deck = self.lines[j].strip()
            self.lines[j] = ""
            self.set_deck(deck, i)
            return j
        self.set_deck(deck, i)
        return i

    def _file_tags(self, i: int, tags: str) -> int:
        self.lines[i] = ""
        if tags == "" and i + 1 < len(self.lines):
            tags = self.lines[i + 1].strip()
            self.lines[i + 1] = ""
            i += 1
        self.file_tags.extend(normalise_tags(tags))
        return i

    def _start_block(self, i: int) -> int:
        end = i + 1
        while end < len(self.lines) and self.lines[end].strip() != "END":
            if self.lines[end].strip() == "START":
                raise self.error(i, "START without END before the next START")
            end += 1
        if end == len(self.lines):
            raise self.error(i, "START without a matching END")
        body = [self.lines[k] for k in range(i + 1, end) if self.lines[k].strip()]
        found = note_id(body[0]) if len(body) == 1 else None
        deleted = found.anki_id if found else self._deleted_in_block(i + 1, end)
        if deleted is not None:
            # an emptied O2A note (START / ID / END), or one marked DELETE above its ID line
            self.deleted.append(deleted)
            self.lines[i : end + 1] = [""] * (end + 1 - i)
        else:
            self.blocks[i] = end
        return end

    def _deleted_in_block(self, first: int, end: int) -> int | None:
        """The note id a DELETE marker inside a START … END block names (O2A deletes the
        note); a DELETE line without the id below it is an error."""
        for k in range(first, end):
            following = self.lines[k + 1] if k + 1 < end else ""
            marker = blocks.delete_marker(self.lines[k], following)
            if marker is not None:
                return marker[0]
            self._no_bare_delete(k)
        return None

    def _no_bare_delete(self, index: int) -> None:
        if self.lines[index].strip() == blocks.DELETE_LINE:
            raise self.error(
                index,
                "DELETE without the note's id: write the id line right below it (ID: N or "
                "<!--ID: N-->), as Obsidian_to_Anki does; to drop a note gdkit built, delete "
                "its text (the next build keeps it in the package, tagged gdkit::removed)",
            )

    def _frozen(self, i: int, type_name: str) -> int:
        kind = blocks.note_type(type_name)
        if kind is None:
            raise self.error(
                i, f"FROZEN: unknown note type {type_name!r} (known: {blocks.KNOWN_TYPES})"
            )
        end = i + 1
        while end < len(self.lines) and self.lines[end].strip():
            end += 1
        fields = self.maker.fields(range(i + 1, end), kind[1], i)[0]
        self.maker.frozen[kind[0]] = (fields[0][0], fields[1][0])
        self.lines[i:end] = [""] * (end - i)
        return end - 1

    def _inline(self, i: int) -> None:
        parsed = blocks.parse_inline(self.lines[i])
        assert parsed is not None
        inline, rest = parsed
        if rest:
            raise self.error(i, "write an inline note STARTI [Type] … ENDI on a line of its own")
        self.inline[i] = inline

    def scan_directives(self) -> None:
        protected = self._protected_lines()
        i = 0
        while i < len(self.lines):
            if i not in protected:
                i = self._directive(i)
            i += 1
        if self.deck is None:
            raise DeckError(
                self.display,
                1,
                "missing TARGET DECK (write e.g. 'TARGET DECK: NeuralComputation::Week-02' "
                "near the top of the file, or 'deck:' in its front matter)",
            )
        if not self.deck.strip() or any(not part.strip() for part in self.deck.split("::")):
            raise self.error(self.deck_line - 1, f"bad deck name {self.deck!r}")

    def _directive(self, i: int) -> int:
        """Handle a directive on line ``i``; return the last line it used."""
        line = self.lines[i]
        stripped = line.strip()
        deck = _directive_value(line, "TARGET DECK")
        if deck is not None:
            return self._target_deck(i, deck)
        tags = _directive_value(line, "FILE TAGS")
        if tags is not None:
            return self._file_tags(i, tags)
        if stripped == "START":
            return self._start_block(i)
        frozen = blocks.FROZEN_HEAD.match(stripped)
        if frozen:
            return self._frozen(i, frozen.group("type"))
        following = self.lines[i + 1] if i + 1 < len(self.lines) else ""
        marker = blocks.delete_marker(line, following)
        if marker is not None:
            self.deleted.append(marker[0])
            self.lines[i : i + marker[1]] = [""] * marker[1]
            return i + marker[1] - 1
        self._no_bare_delete(i)
        if "STARTI" in line and blocks.INLINE_NOTE.search(line):
            self._inline(i)
        return i

    def parse_notes(self) -> None:
        visible = list(self.lines)
        for start, end in self.blocks.items():
            visible[start : end + 1] = [""] * (end + 1 - start)
        for index in self.inline:
            visible[index] = ""
        Walk(self, visible).run()

    def result(self) -> SourceFile:
        assert self.deck is not None
        prefix = (
            self.file_tags[0]
            if self.file_tags
            else "".join(c for c in self.deck.split("::")[-1].lower() if c.isalnum())
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
            deck=self.deck.strip(),
            file_tags=tuple(self.file_tags),
            tag_prefix=prefix,
            notes=tuple(notes),
            deleted=tuple(self.deleted),
        )


def parse_text(text: str, *, path: Path, display: str | None = None) -> SourceFile:
    """Parse source text (``path`` locates images; ``display`` names the file in errors)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    display = display or str(path)
    lines = text.split("\n")
    inka.rewrite(lines, display)
    front = read_front_matter(lines, display)
    parser = _Parser(path, strip_obsidian_comments("\n".join(lines)), display)
    parser.file_tags.extend(normalise_tags(front.tags))
    if front.deck is not None:
        parser.set_deck(front.deck, front.line - 1)
    parser.scan_directives()
    parser.parse_notes()
    return parser.result()


def parse_file(path: str | Path) -> SourceFile:
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
    return parse_text(text, path=path)
