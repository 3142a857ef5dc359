"""Read-only look-ups in a learner's Anki collection (``collection.anki2``, an SQLite file).

Used for two things. Notes that Obsidian_to_Anki created carry their Anki note id in the source
(``ID: 1566052191670``). Anki matches an imported note by GUID, not by id, so gdkit reads the
GUID of each such id from the collection and gives the packaged note that GUID (and a time
newer than the collection's copy, which Anki requires to update it): the import then
reaches the very note O2A made instead of adding a copy. (Anki then reports the note as a
note-type conflict and leaves it as it is, until its note type is changed to gdkit's once.)
And any note of the build whose copy in the collection (found by GUID) differs and is not older
gets a later time, so that "update if newer" never skips an edit (a build on another machine,
without the manifest of the builds imported before). The file is opened read-only (SQLite's
``mode=ro``), so an open Anki is not disturbed and nothing is ever written to it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from decks.errors import DeckError

BATCH = 500  # ids per query (SQLite's parameter limit is 999 on old builds)


@dataclass(frozen=True)
class CollectionNote:
    guid: str
    model_id: int  # the note type it has in the collection
    mod: int  # its modification time there
    fields: tuple[str, ...] = ()  # its fields there


def read_guids(path: Path, note_ids: list[int]) -> dict[int, CollectionNote]:
    """The notes the collection holds with these note ids (Obsidian_to_Anki's), by id."""
    return {nid: note for nid, note in _read(path, "id", sorted(set(note_ids)))}


def read_by_guid(path: Path, guids: list[str]) -> dict[str, CollectionNote]:
    """The notes the collection holds with these GUIDs, by GUID."""
    return {note.guid: note for _, note in _read(path, "guid", sorted(set(guids)))}


def _read(path: Path, column: str, keys: list) -> list[tuple[int, CollectionNote]]:
    if not Path(path).is_file():
        raise DeckError(
            str(path),
            1,
            "no Anki collection here (look for collection.anki2 in "
            "your Anki profile folder: Tools → Preferences shows it)",
        )
    found: list[tuple[int, CollectionNote]] = []
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            for start in range(0, len(keys), BATCH):
                chunk = keys[start : start + BATCH]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT id, guid, mid, mod, flds FROM notes WHERE {column} IN ({marks})"
                for nid, guid, mid, mod, flds in conn.execute(query, chunk):
                    fields = tuple(str(flds).split("\x1f"))
                    found.append((int(nid), CollectionNote(str(guid), int(mid), int(mod), fields)))
        finally:
            conn.close()
    except sqlite3.Error as exc:
        hint = " (Anki locks its collection while it runs: close Anki first)"
        hint = hint if "locked" in str(exc) else ""
        raise DeckError(str(path), 1, f"cannot read the Anki collection: {exc}{hint}") from None
    return found
