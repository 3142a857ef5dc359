"""What the deck source parser produces: notes as written, before rendering."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from decks.frontmatter import split_tags

if TYPE_CHECKING:
    from decks.render import Parsed

# Anki's cloze marker is Anki syntax, not Markdown.
CLOZE_MARKER = re.compile(r"\{\{c(\d+)::")


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file, from the command line (a file's front matter may say otherwise):
    O2A's named custom-regex styles (:mod:`decks.styles`) and its "Add Obsidian Tags"."""

    styles: tuple[str, ...] = ()
    obsidian_tags: bool = False


AS_WRITTEN = ReadOptions()  # gdkit's own syntax, no O2A options


@dataclass(frozen=True)
class FieldText:
    """One field's Markdown, the 1-based line where it starts, and its block tokens from the
    file's one parse when it is lines of the file as written (:mod:`decks.structure`)."""

    text: str
    line: int
    parsed: Parsed | None = field(default=None, compare=False, repr=False)


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
    media_root: Path | None = None  # where pictures are searched by name (build DIR's folder)
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
