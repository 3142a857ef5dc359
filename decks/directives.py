"""The parser's first pass: directives, Obsidian_to_Anki note blocks and DELETE markers.

``TARGET DECK`` and ``FILE TAGS`` lines, ``START`` … ``END`` blocks, ``STARTI`` inline notes,
``FROZEN`` fields and ``DELETE`` markers (outside code blocks) are found here; every line they
use is blanked, so the second pass (:mod:`decks.walk`) sees only questions, answers, sections
and clozes. :class:`Directives` fills in ``deck`` and ``file_tags``, and its
:class:`_NoteBlocks` ``blocks`` (START line → END line), ``inline`` (line → note) and
``deleted`` (Anki note ids).
"""

from __future__ import annotations

from decks import blocks
from decks.blocks import note_id
from decks.errors import DeckError, MissingDeck
from decks.notemaker import NoteMaker
from decks.source import normalise_tags


def _directive_value(line: str, keyword: str) -> str | None:
    """``KEYWORD: value`` / ``KEYWORD value`` / ``KEYWORD`` → the value ("" if on the next line)."""
    stripped = line.strip()
    if stripped == keyword:
        return ""
    for prefix in (keyword + ":", keyword + " "):
        if stripped.startswith(prefix):
            return stripped[len(prefix) :].strip()
    return None


_FIRST_LETTERS = frozenset("TFSD")  # TARGET DECK, FILE TAGS, START, FROZEN, DELETE
GLUED_DELETE = (
    "DELETE right below the text of a note: Obsidian_to_Anki would add 'DELETE' to that note, "
    "and the note would stay, as a new one. To delete the note, leave only the DELETE and ID "
    "lines in its place, with a blank line above them; to keep it, remove the DELETE line"
)


class _NoteBlocks:
    """O2A's note blocks and markers in the lines of one file: ``START`` … ``END`` blocks,
    ``STARTI`` inline notes, ``FROZEN`` fields and ``DELETE`` markers (what it reads is blanked,
    but for the blocks and inline notes, which the walk reads through ``blocks`` and ``inline``)."""

    def __init__(self, lines: list[str], maker: NoteMaker) -> None:
        self.lines = lines
        self.maker = maker
        self.blocks: dict[int, int] = {}  # START line index → END line index
        self.inline: dict[int, list[blocks.InlineNote]] = {}  # STARTI lines
        self.deleted: list[int] = []

    def error(self, index: int, message: str) -> DeckError:
        return self.maker.error(index, message)

    def start_block(self, i: int) -> int:
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

    def frozen(self, i: int, type_name: str) -> int:
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

    def delete_or_inline(self, i: int) -> int:
        """A DELETE marker or inline notes on line ``i``; return the last line they use."""
        line = self.lines[i]
        following = self.lines[i + 1] if i + 1 < len(self.lines) else ""
        marker = blocks.delete_marker(line, following)
        if marker is not None:
            if i > 0 and self.lines[i - 1].strip():
                raise self.error(i, GLUED_DELETE)
            self.deleted.append(marker[0])
            self.lines[i : i + marker[1]] = [""] * marker[1]
            return i + marker[1] - 1
        self._no_bare_delete(i)
        if "STARTI" in line:
            self._inline_or_deleted(i)
        return i

    def _inline_or_deleted(self, i: int) -> None:
        line = self.lines[i]
        deleted = blocks.INLINE_DELETE.search(line)
        if deleted and blocks.LINE_MARKER.match(blocks.INLINE_DELETE.sub(" ", line)):
            self.deleted.append(int(deleted.group(1)))  # STARTI <!--ID: N--> ENDI
            self.lines[i] = ""
        elif blocks.INLINE_NOTE.search(line):
            self._inline(i)

    def _inline(self, i: int) -> None:
        parsed = blocks.parse_inline(self.lines[i])
        assert parsed is not None
        notes, rest = parsed
        if not blocks.LINE_MARKER.match(rest):
            raise self.error(
                i,
                "text beside an inline note: write STARTI [Type] … ENDI on a line of its own or "
                "as a list item (- STARTI …), and the other text on a line of its own",
            )
        self.inline[i] = notes


class Directives:
    """Pass 1 over the lines of one file (changed in place: what it reads is blanked): the deck
    and file tags here, note blocks and markers by :class:`_NoteBlocks`."""

    def __init__(self, lines: list[str], maker: NoteMaker, display: str) -> None:
        self.lines = lines
        self.display = display
        self.deck: str | None = None
        self.deck_line = 0
        self.file_tags: list[str] = []
        self.note_blocks = _NoteBlocks(lines, maker)
        # what the walk reads (the same objects, filled in by the scan)
        self.blocks = self.note_blocks.blocks
        self.inline = self.note_blocks.inline
        self.deleted = self.note_blocks.deleted
        self.protected: set[int] = set()  # lines in code and math blocks (the file's parse)

    def error(self, index: int, message: str) -> DeckError:
        return DeckError(self.display, index + 1, message)

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

    def scan(self) -> None:
        protected = self.protected
        i = 0
        while i < len(self.lines):
            if i not in protected:
                i = self._directive(i)
            i += 1
        if self.deck is None:
            raise MissingDeck(
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
        if stripped[:1] not in _FIRST_LETTERS and "STARTI" not in line:
            return i  # no directive starts otherwise (most lines: a quick way past them)
        deck = _directive_value(line, "TARGET DECK")
        if deck is not None:
            return self._target_deck(i, deck)
        tags = _directive_value(line, "FILE TAGS")
        if tags is not None:
            return self._file_tags(i, tags)
        if stripped == "START":
            return self.note_blocks.start_block(i)
        frozen = blocks.FROZEN_HEAD.match(stripped)
        if frozen:
            return self.note_blocks.frozen(i, frozen.group("type"))
        return self.note_blocks.delete_or_inline(i)
