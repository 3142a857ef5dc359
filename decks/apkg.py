"""Write an Anki package (.apkg) with genanki, byte for byte reproducibly.

genanki stamps every note, card and note type with one build time and numbers notes and cards
from a clock-based counter; its zip entries carry the current time. Here each note carries its
own id and modification time (decided by :mod:`decks.identity` from the previous manifest), each
note type its own modification time, card ids are derived from the note id, and the zip entries
have a fixed date — so the same notes give the same bytes.

Anki's importer updates an existing note (matched by GUID) only when the incoming note's
modification time is *newer* than the one in the collection; the times chosen by
:mod:`decks.identity` respect that.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import genanki

from decks.notetypes import NoteType

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
CARD_ID_STRIDE = 100  # note ids are this far apart; card id = note id + card ordinal


@dataclass(frozen=True)
class PackagedNote:
    note_id: int
    guid: str
    kind: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    mod: int
    due: int


class _Model(genanki.Model):
    """A genanki model whose stored modification time is its own, not the build time."""

    def __init__(self, note_type: NoteType, mod: int) -> None:
        super().__init__(
            note_type.model_id,
            note_type.name,
            fields=[{"name": name} for name in note_type.fields],
            templates=[dict(t) for t in note_type.templates],
            css=note_type.css,
            model_type=genanki.Model.CLOZE if note_type.is_cloze else genanki.Model.FRONT_BACK,
        )
        self.mod = mod

    def to_json(self, timestamp: float, deck_id: int) -> dict:
        data = super().to_json(timestamp, deck_id)
        data["mod"] = self.mod
        return data


class _Note(genanki.Note):
    """A genanki note written with a fixed note id, card ids and modification time."""

    def __init__(self, model: _Model, note: PackagedNote) -> None:
        super().__init__(
            model=model,
            fields=list(note.fields),
            tags=list(note.tags),
            guid=note.guid,
            due=note.due,
        )
        self.packaged = note

    def write_to_db(self, cursor, timestamp: float, deck_id: int, id_gen) -> None:  # noqa: ARG002
        note = self.packaged
        self._check_number_model_fields_matches_num_fields()
        cursor.execute(
            "INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);",
            (
                note.note_id,
                self.guid,
                self.model.model_id,
                note.mod,
                -1,
                self._format_tags(),
                self._format_fields(),
                self.sort_field,
                0,
                0,
                "",
            ),
        )
        for card in self.cards:
            if card.ord >= CARD_ID_STRIDE:
                raise ValueError(f"note {note.guid}: more than {CARD_ID_STRIDE} cards")
            cursor.execute(
                "INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);",
                (
                    note.note_id + card.ord,
                    note.note_id,
                    deck_id,
                    card.ord,
                    note.mod,
                    -1,
                    0,
                    0,
                    note.due,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    "",
                ),
            )


def write_apkg(
    path: Path,
    *,
    deck_name: str,
    deck_id: int,
    description: str,
    notes: list[PackagedNote],
    note_types: dict[str, NoteType],
    model_mods: dict[str, int],
    media: dict[str, bytes],
) -> None:
    """Write the package to ``path`` (the caller writes to a temporary name and renames)."""
    models = {kind: _Model(nt, model_mods[kind]) for kind, nt in note_types.items()}
    deck = genanki.Deck(deck_id, deck_name, description)
    used_kinds = {note.kind for note in notes}
    for kind in sorted(used_kinds):
        deck.add_model(models[kind])
    for note in notes:
        deck.add_note(_Note(models[note.kind], note))

    with tempfile.TemporaryDirectory(prefix="gdkit-apkg-") as tmp:
        db_path = os.path.join(tmp, "collection.anki2")
        conn = sqlite3.connect(db_path)
        try:
            # timestamp and id_gen are unused by the overridden writers (note types / notes)
            genanki.Package(deck).write_to_db(conn.cursor(), 0, iter(()))
            conn.commit()
        finally:
            conn.close()
        names = sorted(media)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            _add(archive, "collection.anki2", Path(db_path).read_bytes())
            _add(archive, "media", json.dumps({str(i): n for i, n in enumerate(names)}).encode())
            for index, name in enumerate(names):
                _add(archive, str(index), media[name])


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    # level 1: a few percent larger than the default level 6, several times faster to write
    archive.writestr(info, data, compresslevel=1)
