"""Helpers for the deck tests (a plain module, not a conftest: test folders have no __init__)."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest
from anki.collection import (
    Collection,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)
from anki.import_export_pb2 import IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER

FIXTURES = Path(__file__).parent / "fixtures"
FIXED_TIME = 1_790_000_000  # a pinned build time for tests that compare bytes


def import_apkg(col: Collection, path: Path):
    """Import like Anki's desktop default: update notes and note types only if newer."""
    options = ImportAnkiPackageOptions(
        update_notes=IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        update_notetypes=IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        with_scheduling=False,
        merge_notetypes=False,
    )
    return col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(path), options=options)
    ).log


@pytest.fixture
def collection(tmp_path: Path):
    col = Collection(str(tmp_path / "anki" / "collection.anki2"))
    yield col
    col.close()


def new_collection(folder: Path) -> Collection:
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def balanced_math(html: str) -> bool:
    """Every \\( has its \\) and every \\[ its \\], properly in order and not nested."""
    open_kind = None
    for token in re.findall(r"\\[()\[\]]", html):
        if token in ("\\(", "\\["):
            if open_kind is not None:
                return False
            open_kind = token
        else:
            expected = "\\)" if open_kind == "\\(" else "\\]"
            if open_kind is None or token != expected:
                return False
            open_kind = None
    return open_kind is None


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid grey PNG, made without any imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def review_all(col: Collection, deck: str) -> dict[int, tuple[int, int]]:
    """Answer every card of ``deck`` once with "Easy": card id → (interval, revlog entries)."""
    for cid in col.find_cards(f'"deck:{deck}"'):
        card = col.get_card(cid)
        card.start_timer()
        col.sched.answerCard(card, 4)
    return review_state(col, deck)


def review_state(col: Collection, deck: str) -> dict[int, tuple[int, int]]:
    """Card id → (interval, revlog entries) for every card of ``deck``."""
    return {
        cid: (col.get_card(cid).ivl, col.db.scalar("select count() from revlog where cid = ?", cid))
        for cid in col.find_cards(f'"deck:{deck}"')
    }


def package_ids(path: Path) -> dict[str, tuple[int, tuple[int, ...]]]:
    """GUID → (note id, card ids) as written in an .apkg (read straight from its database)."""
    import sqlite3
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(path) as archive:
            archive.extract("collection.anki2", tmp)
        conn = sqlite3.connect(Path(tmp) / "collection.anki2")
        try:
            notes = conn.execute("select id, guid from notes").fetchall()
            cards = conn.execute("select nid, id from cards order by id").fetchall()
        finally:
            conn.close()
    return {guid: (nid, tuple(cid for n, cid in cards if n == nid)) for nid, guid in notes}


def collection_ids(col: Collection) -> dict[str, tuple[int, tuple[int, ...]]]:
    """GUID → (note id, card ids) of every note in the collection."""
    out = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        out[note.guid] = (nid, tuple(sorted(note.card_ids())))
    return out
