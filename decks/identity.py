"""Note identity across builds: GUIDs, content hashes, the build manifest and the diff.

- A note's GUID is derived from its deck and its question (or cloze text), or from its explicit
  ``<!-- id: … -->``; editing an answer keeps the GUID, so Anki updates the note in place.
- The manifest (``<package>.manifest.json``, beside the .apkg) records, for every note, its GUID,
  a hash of its content (fields, tags, note type), its Anki note id and modification time, and
  where it came from. The next build reads it to decide, note by note:

  ======== =========================== ==========================================
  status   modification time           note id
  ======== =========================== ==========================================
  new      build time                  fresh, after every id used so far
  changed  max(build time, old + 1)    kept
  same     kept                        kept
  removed  (reported only: Anki never deletes notes on import)
  ======== =========================== ==========================================

  Anki updates a note on import only if the package's modification time is newer than the
  collection's, hence "old + 1" for a note changed twice within one second. Keeping the times of
  unchanged notes makes a rebuild of the same source byte-identical.
- The build time is ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else the clock.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import genanki

from decks.apkg import CARD_ID_STRIDE

MANIFEST_FORMAT = 1
ID_STRIDE = CARD_ID_STRIDE  # note ids are this far apart: card id = note id + ordinal


def note_guid(deck: str, key: str) -> str:
    """Anki GUID of a note: from the deck name and the note's key (question text or id:…)."""
    return genanki.guid_for(deck, key)


def content_hash(kind: str, fields: tuple[str, ...], tags: tuple[str, ...], media: dict) -> str:
    """Hash of what Anki stores for a note (media by content, so a changed picture counts)."""
    payload = {
        "kind": kind,
        "fields": list(fields),
        "tags": list(tags),
        "media": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(media.items())},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def build_time() -> int:
    """Seconds since the epoch: ``SOURCE_DATE_EPOCH`` if set, else now."""
    pinned = os.environ.get("SOURCE_DATE_EPOCH")
    if pinned:
        try:
            return int(pinned)
        except ValueError:
            raise ValueError(f"SOURCE_DATE_EPOCH must be an integer, got {pinned!r}") from None
    return int(time.time())


@dataclass
class NoteRecord:
    """One note in a manifest."""

    guid: str
    hash: str
    note_id: int
    mod: int
    question: str
    origin: str


@dataclass
class Manifest:
    deck: str
    deck_id: int
    package: str
    notes: dict[str, NoteRecord] = field(default_factory=dict)  # by GUID, in deck order
    models: dict[str, dict[str, int | str]] = field(default_factory=dict)  # kind → hash, mod

    def to_json(self) -> str:
        data = {
            "format": MANIFEST_FORMAT,
            "deck": self.deck,
            "deck_id": self.deck_id,
            "package": self.package,
            "models": {kind: self.models[kind] for kind in sorted(self.models)},
            "notes": [
                {
                    "guid": r.guid,
                    "hash": r.hash,
                    "id": r.note_id,
                    "mod": r.mod,
                    "question": r.question,
                    "origin": r.origin,
                }
                for r in self.notes.values()
            ],
        }
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def load(cls, path: Path) -> Manifest | None:
        """The manifest at ``path``, or None if there is none (or it is unreadable: a fresh
        start only costs a re-import that updates every note)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != MANIFEST_FORMAT:
                return None
            notes = {
                n["guid"]: NoteRecord(
                    n["guid"], n["hash"], int(n["id"]), int(n["mod"]), n["question"], n["origin"]
                )
                for n in data["notes"]
            }
            return cls(data["deck"], int(data["deck_id"]), data["package"], notes, data["models"])
        except (OSError, ValueError, KeyError, TypeError):
            return None


@dataclass
class Diff:
    """What importing the new package will do, compared with the previous build."""

    new: list[NoteRecord] = field(default_factory=list)
    changed: list[NoteRecord] = field(default_factory=list)
    unchanged: list[NoteRecord] = field(default_factory=list)
    removed: list[NoteRecord] = field(default_factory=list)
    previous_build: bool = False


@dataclass(frozen=True)
class Candidate:
    """A note of the new build before ids and times are assigned."""

    guid: str
    hash: str
    question: str
    origin: str


def assign(
    candidates: list[Candidate], previous: Manifest | None, now: int
) -> tuple[list[NoteRecord], Diff]:
    """Give every note its id and modification time; say which notes are new/changed/removed."""
    old = previous.notes if previous else {}
    diff = Diff(previous_build=previous is not None)
    next_id = max([now * 1000] + [r.note_id + ID_STRIDE for r in old.values()])
    records = []
    for cand in candidates:
        before = old.get(cand.guid)
        if before is None:
            record = NoteRecord(cand.guid, cand.hash, next_id, now, cand.question, cand.origin)
            next_id += ID_STRIDE
            diff.new.append(record)
        elif before.hash != cand.hash:
            mod = max(now, before.mod + 1)
            record = NoteRecord(
                cand.guid, cand.hash, before.note_id, mod, cand.question, cand.origin
            )
            diff.changed.append(record)
        else:
            record = NoteRecord(
                cand.guid, cand.hash, before.note_id, before.mod, cand.question, cand.origin
            )
            diff.unchanged.append(record)
        records.append(record)
    current = {c.guid for c in candidates}
    diff.removed = [r for guid, r in old.items() if guid not in current]
    return records, diff


def model_mods(
    hashes: dict[str, str], previous: Manifest | None, now: int
) -> dict[str, dict[str, int | str]]:
    """Note-type modification times, by the same rule as notes (so a new style is imported)."""
    out: dict[str, dict[str, int | str]] = {}
    old = previous.models if previous else {}
    for kind, digest in hashes.items():
        before = old.get(kind)
        if before and before.get("hash") == digest:
            out[kind] = {"hash": digest, "mod": int(before["mod"])}
        elif before:
            out[kind] = {"hash": digest, "mod": max(now, int(before["mod"]) + 1)}
        else:
            out[kind] = {"hash": digest, "mod": now}
    return out
