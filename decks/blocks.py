"""Obsidian_to_Anki's note syntax: START/END blocks, STARTI … ENDI inline notes, FROZEN fields,
ID lines and DELETE markers.

The note types a block may name (case-insensitive), and where each field goes:

================================  ========================  ==================================
note type                         fields                    gdkit note
================================  ========================  ==================================
Basic                             Front, Back               basic
Basic (and reversed card)         Front, Back               reversed (two cards)
Basic (optional reversed card)    Front, Back, Add Reverse  reversed if Add Reverse has text,
                                                            else basic (the cards Anki makes)
Basic (type in the answer)        Front, Back               typein (Anki's answer box)
Cloze                             Text, Back Extra          cloze
================================  ========================  ==================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from decks.frontmatter import split_tags

# Field name (lower case) → slot 0 (prompt / text), 1 (answer / extra) or 2 (a switch).
BASIC_FIELDS = {"front": 0, "back": 1}
NOTE_TYPES: dict[str, tuple[str, dict[str, int]]] = {
    "basic": ("basic", BASIC_FIELDS),
    "basic (and reversed card)": ("reversed", BASIC_FIELDS),
    "basic (and reversed)": ("reversed", BASIC_FIELDS),
    "basic (optional reversed card)": ("optional", {**BASIC_FIELDS, "add reverse": 2}),
    "basic (type in the answer)": ("typein", BASIC_FIELDS),
    "cloze": ("cloze", {"text": 0, "back extra": 1, "extra": 1}),
}
KNOWN_TYPES = (
    "Basic, Basic (and reversed card), Basic (optional reversed card), "
    "Basic (type in the answer), Cloze"
)

# gdkit's own id comment, and Obsidian_to_Anki's note id line (an Anki note id).
ID_COMMENT = re.compile(r"^<!--\s*id:\s*(\S+?)\s*-->$", re.IGNORECASE)
O2A_ID = re.compile(r"^(?:<!--\s*)?ID:\s*(\d+)\s*(?:-->)?$")
DELETE_LINE = "DELETE"
INLINE_NOTE = re.compile(r"STARTI\s*\[(?P<type>[^\]\n]*)\](?P<body>.*?)ENDI")
# inside an inline note: O2A's id (``ID: 123``, ``<!--ID: 123-->``) or gdkit's ``<!-- id: slug -->``
# O2A's way to delete an inline note: everything but its id taken out.
INLINE_DELETE = re.compile(r"STARTI\s*(?:<!--\s*)?ID:\s*(\d+)\s*(?:-->)?\s*ENDI")
INLINE_ID = re.compile(r"<!--\s*id:\s*[^\s>]+?\s*-->|(?:<!--\s*)?ID:\s*\d+\s*(?:-->)?")
FROZEN_HEAD = re.compile(r"^FROZEN\s*-\s*(?P<type>.+?):\s*$")


@dataclass(frozen=True)
class NoteId:
    """An id written in the source: its GUID key, and the Anki note id when it is O2A's."""

    key: str
    anki_id: int | None


def note_id(line: str) -> NoteId | None:
    """``<!-- id: slug -->``, ``<!--ID: 123-->`` or ``ID: 123`` on a line of its own."""
    stripped = line.strip()
    match = O2A_ID.match(stripped)
    if match:
        return NoteId(f"id:{match.group(1)}", int(match.group(1)))
    match = ID_COMMENT.match(stripped)
    if match:
        value = match.group(1)
        return NoteId(f"id:{value}", int(value) if value.isdigit() else None)
    return None


def delete_marker(line: str, next_line: str) -> tuple[int, int] | None:
    """A DELETE marker: (note id, lines it takes). ``DELETE`` with the id line below it, or
    ``DELETE ID: 123`` / ``DELETE <!--ID: 123-->`` on one line."""
    stripped = line.strip()
    if stripped == DELETE_LINE:
        found = note_id(next_line)
        if found and found.anki_id is not None:
            return found.anki_id, 2
        return None
    if stripped.startswith(DELETE_LINE + " "):
        found = note_id(stripped[len(DELETE_LINE) :])
        if found and found.anki_id is not None:
            return found.anki_id, 1
    return None


def note_type(name: str) -> tuple[str, dict[str, int]] | None:
    return NOTE_TYPES.get(" ".join(name.split()).lower())


@dataclass
class InlineNote:
    type_name: str
    fields: list[str]
    tags: list[str]
    note_id: NoteId | None


# What may stand on a line beside inline notes: a list item's marker (O2A: "a bulleted list
# of inline notes"), a task box, a quote marker.
LINE_MARKER = re.compile(r"^\s*(?:>\s*)*(?:(?:[-+*]|\d{1,9}[.)])(?:\s+\[.\])?)?\s*$")


def _inline_note(match: re.Match[str]) -> InlineNote:
    body = match.group("body")
    found = None
    id_match = INLINE_ID.search(body)
    if id_match:
        found = note_id(id_match.group(0))
        body = body[: id_match.start()] + body[id_match.end() :]
    tags: list[str] = []
    if "Tags:" in body:
        body, _, tag_text = body.partition("Tags:")
        tags = split_tags(tag_text)
    fields = [[], [], []]
    kind = note_type(match.group("type"))
    aliases = kind[1] if kind else {}
    current = 0
    for word in body.split(" "):
        if word.endswith(":") and word[:-1].lower() in aliases:
            current = aliases[word[:-1].lower()]
            continue
        fields[current].append(word)
    texts = [" ".join(words).strip() for words in fields]
    return InlineNote(match.group("type").strip(), texts, tags, found)


def parse_inline(line: str) -> tuple[list[InlineNote], str] | None:
    """``STARTI [Basic] front Back: back Tags: a b ID: 123 ENDI`` (one or more on a line) →
    the notes and the text of the line outside them. None when the line holds no inline note."""
    matches = list(INLINE_NOTE.finditer(line))
    if not matches:
        return None
    rest = INLINE_NOTE.sub(" ", line)
    return [_inline_note(m) for m in matches], rest
