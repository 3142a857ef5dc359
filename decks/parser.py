"""Read a deck source file (Markdown notes) into note specifications.

The format (see decks/README.md for the full dialect table, with Obsidian_to_Anki's syntax):

- YAML front matter (``deck``, ``tags``; other keys skipped), see :mod:`decks.frontmatter`.
- ``TARGET DECK: Name``, ``TARGET DECK Name``, or ``TARGET DECK`` with the name on the next
  line (required, once per file). ``FILE TAGS: a b`` (or ``FILE TAGS a, b``) adds tags to every
  note; a leading ``#`` is dropped and Obsidian's nested ``a/b`` becomes Anki's ``a::b``.
- ``## Section`` headings (any level, ATX or setext) open a section; its notes get the tag
  ``<prefix>::<section_slug>``, where the prefix is the first file tag (or, without file tags,
  the last part of the deck name with punctuation removed: ``Week-02`` → ``week02``). A heading
  that holds a ``{{c1::…}}`` deletion is a cloze note instead (the text below it is its Extra).
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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from decks import blocks, inka
from decks.blocks import NoteId, note_id
from decks.dialect import obsidian_markup, outside_code_and_math, short_clozes
from decks.errors import DeckError
from decks.frontmatter import read_front_matter, split_tags
from decks.render import parser as markdown_parser

# Anki's cloze marker is Anki syntax, not Markdown.
CLOZE_MARKER = re.compile(r"\{\{c(\d+)::")
ID_COMMENT = blocks.ID_COMMENT
# Seed style only: a section title may be followed by an imperative prompt instead of a question.
PROMPT_VERBS = frozenset(
    "summarise summarize explain describe define list compare contrast derive state name give "
    "outline sketch compute calculate show prove".split()
)
_TERMINAL_PUNCTUATION = tuple(".,;:!?)]…\"'`*")
_OBSIDIAN_COMMENT = re.compile(r"%%.*?%%", re.DOTALL)


@dataclass(frozen=True)
class FieldText:
    """One field's Markdown and the 1-based line where it starts."""

    text: str
    line: int


@dataclass(frozen=True)
class SourceNote:
    """A note as written in the source, before rendering.

    kind is "basic", "reversed", "typein" or "cloze"; fields are (front, back) or (text, extra).
    key is what the GUID is derived from: "id:<explicit id>" or the question / cloze text.
    anki_id is the note id an Obsidian_to_Anki ``ID:`` line gave (the note in the collection).
    """

    kind: str
    fields: tuple[FieldText, FieldText]
    section: str
    tags: tuple[str, ...]
    key: str
    file: str
    line: int
    base_dir: Path | None = None
    media: tuple[tuple[str, bytes], ...] = ()  # files the fields reference as <img src="name">
    anki_id: int | None = None
    has_id: bool = False  # the source names the note's id (so --write-ids leaves it alone)
    id_slot: int = -1  # 0-based line an id line would be inserted before (-1: nowhere)


@dataclass(frozen=True)
class SourceFile:
    path: str
    deck: str
    file_tags: tuple[str, ...]
    tag_prefix: str
    notes: tuple[SourceNote, ...]
    deleted: tuple[int, ...] = ()  # Anki note ids the file marks DELETE (Obsidian_to_Anki)


def section_tag(prefix: str, section: str) -> str:
    """The hierarchical tag of a section: ``week02::binary_cross_entropy``."""
    return f"{prefix}::{slugify(section)}"


def slugify(title: str) -> str:
    """``"Loss / activation pairings"`` → ``"loss_activation_pairings"`` (Unicode letters kept)."""
    out: list[str] = []
    for char in title.lower():
        if char.isalnum():
            out.append(char)
        elif out and out[-1] != "_":
            out.append("_")
    return "".join(out).strip("_")


def normalise_tags(text: object) -> list[str]:
    """Space- or comma-separated tags; ``#tag`` → ``tag``, Obsidian's ``a/b`` → ``a::b``."""
    return [t.lstrip("#").replace("/", "::") for t in split_tags(text) if t.lstrip("#")]


@lru_cache(maxsize=4096)
def _is_paragraph_line(line: str) -> bool:
    """True when the line, on its own, is a plain Markdown paragraph at the left margin."""
    if not line.strip() or line[:1].isspace():
        return False
    tokens = markdown_parser().parse(line)
    return bool(tokens) and tokens[0].type == "paragraph_open"


def _collapse(text: str) -> str:
    return " ".join(text.split())


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


def _strip_answer_prefix(lines: list[str], first: int) -> None:
    if lines[first].startswith("A:"):
        lines[first] = lines[first][2:].lstrip()


@dataclass
class _Layout:
    """Where the Markdown parser found headings, code, clozes and comments (top level only)."""

    headings: dict[int, tuple[int, str]] = field(default_factory=dict)  # line → (end, title)
    protected: dict[int, int] = field(default_factory=dict)  # code / math blocks
    clozes: dict[int, int] = field(default_factory=dict)  # cloze paragraphs
    comments: dict[int, int] = field(default_factory=dict)  # HTML comments, --- rules


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
        self.frozen: dict[str, tuple[str, str]] = {}  # kind → text appended to each field
        self.deleted: list[int] = []
        self.notes: list[SourceNote] = []

    def error(self, index: int, message: str) -> DeckError:
        return DeckError(self.display, index + 1, message)

    def note(self, kind: str, texts: tuple[str, str], lines: tuple[int, int], **kw) -> SourceNote:
        """A SourceNote with Obsidian markup converted (``lines`` are 0-based indexes)."""
        if kind == "cloze":
            texts = (short_clozes(texts[0]), texts[1])
        fields = tuple(
            FieldText(obsidian_markup(t, file=self.display, line=i + 1), i + 1)
            for t, i in zip(texts, lines, strict=True)
        )
        found: NoteId | None = kw.pop("note_id", None)
        key = found.key if found else _collapse(texts[0])
        return SourceNote(
            kind=kind,
            fields=fields,  # type: ignore[arg-type]
            file=self.display,
            base_dir=self.path.parent,
            key=key,
            anki_id=found.anki_id if found else None,
            has_id=found is not None,
            **kw,
        )

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
        if found and found.anki_id is not None:
            self.deleted.append(found.anki_id)  # an emptied O2A note: START / ID / END
            self.lines[i : end + 1] = [""] * (end + 1 - i)
        else:
            self.blocks[i] = end
        return end

    def _frozen(self, i: int, type_name: str) -> int:
        kind = blocks.note_type(type_name)
        if kind is None:
            raise self.error(
                i, f"FROZEN: unknown note type {type_name!r} (known: {blocks.KNOWN_TYPES})"
            )
        end = i + 1
        while end < len(self.lines) and self.lines[end].strip():
            end += 1
        fields = self._fields(range(i + 1, end), kind[1], i)[0]
        self.frozen[kind[0]] = (fields[0][0], fields[1][0])
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
        if "STARTI" in line and blocks.INLINE_NOTE.search(line):
            self._inline(i)
        return i

    # -- note blocks -------------------------------------------------------------------------
    def _fields(self, body, aliases: dict[str, int], start: int):
        """Field texts and first lines of a block body; the id and tags lines found in it."""
        fields: list[list[tuple[int, str]]] = [[], [], []]  # (line index, text) per slot
        found: NoteId | None = None
        extra_tags: list[str] = []
        current = 0
        for index in body:
            line = self.lines[index]
            stripped = line.strip()
            if note_id(stripped):
                found = note_id(stripped)
                continue
            if stripped.startswith("Tags:"):
                extra_tags.extend(normalise_tags(stripped[len("Tags:") :]))
                continue
            name, sep, rest = line.partition(":")
            if sep and name.strip().lower() in aliases and not line.startswith((" ", "\t")):
                current = aliases[name.strip().lower()]
                if fields[current]:
                    raise self.error(index, f"field {name.strip()!r} given twice")
                fields[current].append((index, rest.lstrip()))
                continue
            fields[current].append((index, line))
        out = []
        for entries in fields:
            while entries and not entries[0][1].strip():
                entries.pop(0)  # the text starts on the first non-blank line
            text = "\n".join(text for _, text in entries).rstrip()
            out.append((text, entries[0][0] if entries else start))
        return out, found, extra_tags

    def _typed_note(self, kind, fields, found, tags, start: int, section: str) -> SourceNote:
        """The note a block or inline note of ``kind`` makes, after checking its fields."""
        frozen = self.frozen.get(kind, ("", ""))
        if kind == "optional":
            kind = "reversed" if fields[2][0].strip() else "basic"
        first_name = "Text" if kind == "cloze" else "Front"
        if not fields[0][0]:
            raise self.error(start, f"note without a {first_name} field")
        texts = tuple(
            (t + "\n\n" + extra).strip() if extra else t
            for (t, _), extra in zip(fields[:2], frozen, strict=True)
        )
        note = self.note(
            kind,
            texts,  # type: ignore[arg-type]
            (fields[0][1], fields[1][1]),
            section=section,
            tags=tuple(tags),
            line=start + 1,
            note_id=found,
        )
        if kind == "cloze" and not CLOZE_MARKER.search(note.fields[0].text):
            raise self.error(
                start, "Cloze note without a deletion: write {{c1::hidden text}} (or {hidden})"
            )
        if kind != "cloze" and not texts[1]:
            raise self.error(start, "question with no answer (the note has no Back field)")
        return note

    def parse_block(self, start: int, end: int, section: str) -> SourceNote:
        body = list(range(start + 1, end))
        while body and not self.lines[body[0]].strip():
            body.pop(0)
        if not body:
            raise self.error(start, "START/END block without a note type")
        type_index = body.pop(0)
        type_name = self.lines[type_index].strip()
        kind = blocks.note_type(type_name)
        if kind is None:
            hint = ""
            if note_id(type_name) or type_name.startswith("Tags:"):
                hint = "; the note type comes first, on the line after START"
            raise self.error(
                type_index, f"unknown note type {type_name!r} (known: {blocks.KNOWN_TYPES}){hint}"
            )
        fields, found, tags = self._fields(body, kind[1], start)
        note = self._typed_note(kind[0], fields, found, tags, start, section)
        return replace(note, id_slot=end)

    def parse_inline(self, index: int, section: str) -> SourceNote:
        inline = self.inline[index]
        kind = blocks.note_type(inline.type_name)
        if kind is None:
            raise self.error(
                index, f"unknown note type {inline.type_name!r} (known: {blocks.KNOWN_TYPES})"
            )
        fields = [(text, index) for text in inline.fields]
        tags = normalise_tags(inline.tags)
        return self._typed_note(kind[0], fields, inline.note_id, tags, index, section)

    # -- pass 2: questions, answers, sections and clozes ---------------------------------------
    def _is_question(self, index: int) -> bool:
        line = self.lines[index]
        return (line.rstrip().endswith("?") or line.startswith("Q:")) and _is_paragraph_line(line)

    def _is_prompt(self, index: int) -> bool:
        """An imperative prompt ("Summarise …."): a question right after a seed-style title."""
        words = self.lines[index].strip().split()
        return (
            bool(words)
            and words[0].lower().strip(",:") in PROMPT_VERBS
            and _is_paragraph_line(self.lines[index])
        )

    def _is_seed_section(self, index: int) -> bool:
        line = self.lines[index].strip()
        return (
            index + 1 < len(self.lines)
            and (self._is_question(index + 1) or self._is_prompt(index + 1))
            and not line.endswith(_TERMINAL_PUNCTUATION)
            and "$" not in line
            and not line.startswith("|")
            and len(line.split()) <= 12
            and _is_paragraph_line(self.lines[index])
        )

    def layout(self, visible: list[str]) -> _Layout:
        layout = _Layout()
        tokens = markdown_parser().parse("\n".join(visible))
        for k, token in enumerate(tokens):
            if token.level != 0 or not token.map:
                continue
            start, end = token.map
            if token.type == "heading_open":
                layout.headings[start] = (end, tokens[k + 1].content)
            elif token.type in ("fence", "code_block", "math_block"):
                layout.protected[start] = end
            elif token.type == "html_block" and token.content.lstrip().startswith("<!--"):
                layout.comments[start] = end
            elif token.type == "hr":
                layout.comments[start] = end  # a --- between notes separates, as in Obsidian
            elif token.type == "paragraph_open":
                if CLOZE_MARKER.search(tokens[k + 1].content) and not any(
                    self._is_question(i) for i in range(start, end)
                ):
                    layout.clozes[start] = end
        return layout

    def parse_notes(self) -> None:
        visible = list(self.lines)
        for start, end in self.blocks.items():
            visible[start : end + 1] = [""] * (end + 1 - start)
        for index in self.inline:
            visible[index] = ""
        _Walk(self, visible, self.layout(visible)).run()

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


class _Walk:
    """The second pass: walk the lines once, opening and closing notes."""

    def __init__(self, parser: _Parser, visible: list[str], layout: _Layout) -> None:
        self.p = parser
        self.lines = parser.lines
        self.visible = visible
        self.layout = layout
        self.seed_style = not layout.headings
        self.heading_ends = {end - 1 for end, _ in layout.headings.values()}
        self.section = ""
        self.question: int | None = None  # index of the open question line (or cloze heading)
        self.question_kind = "basic"
        self.question_text = ""
        self.question_id: NoteId | None = None
        self.id_slot = -1
        self.answer_start = 0
        self.forced_question = -1  # seed style: the prompt line right after a section title

    def next_id(self, index: int) -> tuple[NoteId | None, int]:
        """An id line at ``index``: (id, index after it)."""
        if index < len(self.lines):
            found = note_id(self.lines[index])
            if found:
                return found, index + 1
        return None, index

    def close(self, end: int) -> None:
        if self.question is None:
            return
        first = self.answer_start
        while first < end and not self.lines[first].strip():
            first += 1
        last = end
        while last > first and not self.lines[last - 1].strip():
            last -= 1
        if last > first and note_id(self.lines[last - 1]) and self.question_id is None:
            self.question_id = note_id(self.lines[last - 1])  # O2A writes the id after the note
            last -= 1
        if first < last:
            _strip_answer_prefix(self.lines, first)
        answer = "\n".join(self.lines[first:last]).rstrip()
        if not answer and self.question_kind != "cloze":
            raise self.p.error(self.question, "question with no answer")
        self.p.notes.append(
            self.p.note(
                self.question_kind,
                (self.question_text, answer),
                (self.question, first),
                section=self.section,
                tags=(),
                line=self.question + 1,
                note_id=self.question_id,
                id_slot=self.id_slot,
            )
        )
        self.question = None

    def open_question(self, index: int, text: str, kind: str, after: int) -> int:
        self.close(index)
        self.question, self.question_text, self.question_kind = index, text, kind
        self.id_slot = after
        self.question_id, self.answer_start = self.next_id(after)
        return self.answer_start

    def cloze_paragraph(self, i: int) -> int:
        self.close(i)
        end = self.layout.clozes[i]
        text_lines = self.lines[i:end]
        found = note_id(text_lines[-1]) if len(text_lines) > 1 else None
        slot = end
        if found:
            text_lines = text_lines[:-1]  # an O2A id line glued to the paragraph
        else:
            found, end = self.next_id(end)
        self.p.notes.append(
            self.p.note(
                "cloze",
                ("\n".join(text_lines).strip(), ""),
                (i, end),
                section=self.section,
                tags=(),
                line=i + 1,
                note_id=found,
                id_slot=slot,
            )
        )
        return end

    def heading(self, i: int) -> int:
        end, title = self.layout.headings[i]
        if CLOZE_MARKER.search(title):
            return self.open_question(i, title.strip(), "cloze", end)
        self.close(i)
        self.section = title.strip()
        return end

    def step(self, i: int) -> int:
        """Handle line ``i``; return the next line to look at."""
        p, line = self.p, self.lines[i]
        if i in p.blocks:
            self.close(i)
            p.notes.append(p.parse_block(i, p.blocks[i], self.section))
            return p.blocks[i] + 1
        if i in p.inline:
            self.close(i)
            p.notes.append(p.parse_inline(i, self.section))
            return i + 1
        if i in self.layout.headings:
            return self.heading(i)
        if i in self.layout.protected:
            if self.question is None:
                raise p.error(i, "code or math block outside a card (it needs a question above)")
            return self.layout.protected[i]
        if not line.strip():
            return i + 1
        if i in self.layout.clozes:
            return self.cloze_paragraph(i)
        starts_paragraph = i == 0 or not self.visible[i - 1].strip() or (i - 1) in self.heading_ends
        if i == self.forced_question or (
            p._is_question(i) and (self.seed_style or starts_paragraph)
        ):
            text = line.strip()
            text = text[2:].lstrip() if text.startswith("Q:") else text
            return self.open_question(i, text, "basic", i + 1)
        if self.seed_style and p._is_seed_section(i):
            self.close(i)
            self.section = line.strip()
            self.forced_question = i + 1
            return i + 1
        return self.outside_text(i)

    def outside_text(self, i: int) -> int:
        if self.question is not None:
            return i + 1
        if note_id(self.lines[i]):
            raise self.p.error(i, "id line without a question or cloze right above it")
        if i in self.layout.comments:
            return self.layout.comments[i]
        raise self.p.error(
            i,
            "text outside a card: a question line must end with '?' (or start with 'Q:'), "
            "and a section title needs a '## ' heading",
        )

    def run(self) -> None:
        i = 0
        while i < len(self.lines):
            i = self.step(i)
        self.close(len(self.lines))


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
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DeckError(str(path), 1, f"cannot read the file: {reason}") from None
    return parse_text(text, path=path)
