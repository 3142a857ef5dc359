"""Notes from Obsidian_to_Anki's blocks (START/END, STARTI … ENDI), and the one place where
a note's fields get Obsidian markup and short clozes converted (see :mod:`decks.blocks`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from decks import blocks
from decks.blocks import NoteId, note_id
from decks.dialect import obsidian_markup, obsidian_tags, short_clozes
from decks.errors import DeckError
from decks.source import CLOZE_MARKER, FieldText, SourceNote, normalise_tags
from decks.structure import Structure


def _collapse(text: str) -> str:
    return " ".join(text.split())


class NoteMaker:
    """Makes SourceNotes from the lines of one file (shared with the parser, changed in place)."""

    def __init__(
        self, lines: list[str], path: Path, display: str, *, obsidian_tags: bool = False
    ) -> None:
        self.lines = lines
        self.obsidian_tags = obsidian_tags
        self.path = path
        self.display = display
        self.frozen: dict[str, tuple[str, str]] = {}  # kind → text appended to each field
        self.structure: Structure | None = None  # the file's one parse, once it is made

    def error(self, index: int, message: str) -> DeckError:
        return DeckError(self.display, index + 1, message)

    def _field(self, text: str, index: int, span: tuple[int, int] | None) -> FieldText:
        """A field; with its tokens from the file's one parse when it is lines [a, b) as
        written (``span``), so it is not parsed again (:mod:`decks.structure`)."""
        parsed = None
        if span is not None and self.structure is not None:
            parsed = self.structure.tokens_for(span[0], span[1], text)
        return FieldText(text, index + 1, parsed)

    def note(self, kind: str, texts: tuple[str, str], lines: tuple[int, int], **kw) -> SourceNote:
        """A SourceNote with Obsidian markup converted (``lines`` are 0-based indexes)."""
        if kind == "cloze":
            texts = (short_clozes(texts[0]), texts[1])
        if self.obsidian_tags:  # O2A's "Add Obsidian Tags"
            pairs = [obsidian_tags(t) for t in texts]
            texts = tuple(t for t, _ in pairs)  # type: ignore[assignment]
            found_tags = normalise_tags(" ".join(tag for _, tags in pairs for tag in tags))
            kw["tags"] = tuple(kw.get("tags", ())) + tuple(found_tags)
        spans = kw.pop("spans", (None, None))
        fields = tuple(
            self._field(obsidian_markup(t, file=self.display, line=i + 1), i, span)
            for t, i, span in zip(texts, lines, spans, strict=True)
        )
        found: NoteId | None = kw.pop("note_id", None)
        key = found.key if found else _collapse(texts[0])
        if not texts[0].strip() and kind != "cloze":
            raise self.error(lines[0], "a card without a question (its first field is empty)")
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

    # -- note blocks -------------------------------------------------------------------------
    def fields(
        self, body: list[int], aliases: dict[str, int], start: int
    ) -> tuple[list[tuple[str, int]], NoteId | None, list[str]]:
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

    def block_note(self, start: int, end: int, section: str) -> SourceNote:
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
        fields, found, tags = self.fields(body, kind[1], start)
        note = self._typed_note(kind[0], fields, found, tags, start, section)
        return replace(note, id_slot=end)

    def inline_note(self, index: int, inline: blocks.InlineNote, section: str) -> SourceNote:
        kind = blocks.note_type(inline.type_name)
        if kind is None:
            raise self.error(
                index, f"unknown note type {inline.type_name!r} (known: {blocks.KNOWN_TYPES})"
            )
        fields = [(text, index) for text in inline.fields]
        tags = normalise_tags(inline.tags)
        return self._typed_note(kind[0], fields, inline.note_id, tags, index, section)
