"""Note identity across builds: GUIDs, content hashes, the build manifest and the diff.

- A note's GUID is derived from its explicit ``<!-- id: … -->`` alone, else from its question
  (or cloze text) alone: never from the deck's name or the file, so renaming the TARGET DECK or
  moving a note to another file keeps it. Editing an answer keeps the GUID, so Anki updates the
  note in place. (A deck whose notes are copies of another deck's, the mistakes deck, derives
  its GUIDs in a space of its own, :func:`note_guid`'s ``space``.)
- Builds before manifest format 3 derived GUIDs from the deck name and the key. Those GUIDs are
  kept: a note whose new GUID is not in the previous manifest is looked up by the GUID the old
  scheme gives it (:func:`legacy_guid`, with the manifest's deck), and keeps that GUID, so an
  upgrade never turns a learner's notes into new ones. The manifest then records the new GUID
  as the note's ``source_guid``, so later builds (and renames) find it by its key alone.
- A renamed deck (its package and manifest are named after the deck) finds its previous build
  through :func:`find_previous`: the manifest in the output folder that holds the most of its
  notes (at least half of that manifest's notes), among the decks not built in the same run.
- A note whose question (or cloze text) was edited gets a new derived GUID. When such a new note
  and a note that left the source are close (:mod:`decks.similarity`), the new one keeps the old
  GUID and note id, and the manifest remembers the pairing (``source_guid``), so the note stays
  the same in Anki, with its review history.
- The manifest (``<package>.manifest.json``, beside the .apkg) records, for every note, its GUID,
  a hash of its content (fields, tags, note type), its Anki note id and modification time, its
  fields (so a removed note can be packaged again) and where it came from. The next build reads
  it to decide, note by note:

  ======== =========================== ==========================================
  status   modification time           note id
  ======== =========================== ==========================================
  new      build time                  O2A's id if given, else fresh (see below)
  changed  max(build time, old + 1)    kept
  same     kept                        kept
  removed  max(build time, old + 1)    kept: packaged again with ``gdkit::removed``
           once, then kept
  ======== =========================== ==========================================

  Anki updates a note on import only if the package's modification time is newer than the
  collection's, hence "old + 1" for a note changed twice within one second or after a build
  whose clock was ahead. Keeping the times of unchanged notes makes a rebuild of the same source
  byte-identical.
- A fresh note id is the deck's first id (:func:`first_note_id`: the build time in ms, shifted
  by a deck-derived step) or the next one after the deck's previous ids, skipping every id that
  another deck built into the same folder (or in the same run) holds: two gdkit decks never
  share a note id (or, ids being ``ID_STRIDE`` apart, a card id), so Anki's importer never has
  to renumber one.
- The build time is ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else the clock. A build
  time in the future, or older than the previous build's, is reported (:func:`clock_warnings`).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from pathlib import Path

import genanki

from decks.apkg import CARD_ID_STRIDE
from decks.errors import SettingError
from decks.similarity import THRESHOLD, Match, match_notes

MANIFEST_FORMAT = 3  # 3: GUIDs from the key alone (1 and 2: from the deck name and the key)
READABLE_FORMATS = (1, 2, 3)  # format 1 had no fields: its removed notes cannot be packaged again
KEYED_FORMAT = 3  # the first format whose source GUIDs do not depend on the deck name
ID_STRIDE = CARD_ID_STRIDE  # note ids are this far apart: card id = note id + ordinal
REMOVED_TAG = "gdkit::removed"
FUTURE_SLACK = 24 * 3600  # a build time more than a day ahead of the clock is "in the future"
BEHIND_SLACK = 60  # quick rebuilds step times by +1 s; a minute behind is a clock problem


def note_guid(key: str, space: str | None = None) -> str:
    """Anki GUID of a note: from its key (``id:…`` or its question text) alone, so neither a
    deck rename nor a move to another file changes it. ``space`` keeps the notes of a deck of
    copies (the mistakes deck) apart from the notes they copy."""
    return genanki.guid_for(key) if space is None else genanki.guid_for(space, key)


def legacy_guid(deck: str, key: str) -> str:
    """The GUID builds before manifest format 3 gave a note: from the deck name and its key."""
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


LATEST_TIME = 253_402_300_799  # 9999-12-31 23:59:59 UTC: note ids (ms) stay far inside int64


def build_time() -> int:
    """Seconds since the epoch: ``SOURCE_DATE_EPOCH`` if set, else now.

    Raises :class:`decks.errors.SettingError` for a value that is not a whole number of seconds
    between 1970 and the year 9999."""
    pinned = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not pinned:
        return int(time.time())
    if not (pinned.isascii() and pinned.isdigit()) or not 0 < int(pinned) <= LATEST_TIME:
        raise SettingError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970 (at most "
            f"{LATEST_TIME}, the end of the year 9999), got {pinned[:40]!r}: unset it to use "
            "the clock, or write e.g. SOURCE_DATE_EPOCH=$(date +%s)"
        )
    return int(pinned)


@dataclass
class NoteRecord:
    """One note in a manifest."""

    guid: str
    hash: str
    note_id: int
    mod: int
    question: str
    origin: str
    source_guid: str = ""  # the GUID its current key derives (differs after a similarity match)
    kind: str = ""
    fields: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    text: str = ""  # plain text, for similarity matching in the next build
    removed: bool = False  # left the source; packaged again with the gdkit::removed tag
    explicit: bool = False  # its identity is an id written in the source (never matched)

    def __post_init__(self) -> None:
        self.source_guid = self.source_guid or self.guid
        self.fields, self.tags = tuple(self.fields), tuple(self.tags)

    def to_json(self) -> dict:
        data = {
            "guid": self.guid,
            "hash": self.hash,
            "id": self.note_id,
            "mod": self.mod,
            "question": self.question,
            "origin": self.origin,
            "kind": self.kind,
            "fields": list(self.fields),
            "tags": list(self.tags),
            "text": self.text,
        }
        if self.source_guid != self.guid:
            data["source_guid"] = self.source_guid
        if self.removed:
            data["removed"] = True
        if self.explicit:
            data["explicit"] = True
        return data

    @classmethod
    def from_json(cls, n: dict) -> NoteRecord:
        return cls(
            n["guid"],
            n["hash"],
            int(n["id"]),
            int(n["mod"]),
            n["question"],
            n["origin"],
            source_guid=n.get("source_guid", ""),
            kind=n.get("kind", ""),
            fields=tuple(n.get("fields", ())),
            tags=tuple(n.get("tags", ())),
            text=n.get("text", ""),
            removed=bool(n.get("removed", False)),
            explicit=bool(n.get("explicit", False)),
        )


@dataclass
class Manifest:
    deck: str
    deck_id: int
    package: str
    notes: dict[str, NoteRecord] = field(default_factory=dict)  # by GUID, in deck order
    models: dict[str, dict[str, int | str]] = field(default_factory=dict)  # kind → hash, mod
    format: int = MANIFEST_FORMAT  # as read: below KEYED_FORMAT, source GUIDs name the deck
    renamed_from: tuple[str, ...] = ()  # the deck's former names: their manifests are stale

    def to_json(self) -> str:
        data = {
            "format": MANIFEST_FORMAT,
            "deck": self.deck,
            "deck_id": self.deck_id,
            "package": self.package,
            "models": {kind: self.models[kind] for kind in sorted(self.models)},
            "notes": [r.to_json() for r in self.notes.values()],
        }
        if self.renamed_from:
            data["renamed_from"] = list(self.renamed_from)
        # one note per line, each written by json's C encoder (indent= would take the pure
        # Python one, a tenth of a 2,000-note build)
        notes = data.pop("notes")
        head = json.dumps(data, ensure_ascii=False)[:-1]
        lines = ",\n  ".join(json.dumps(n, ensure_ascii=False) for n in notes)
        return f'{head}, "notes": [\n  {lines}\n]}}\n' if notes else f'{head}, "notes": []}}\n'

    @property
    def latest_mod(self) -> int:
        mods = [r.mod for r in self.notes.values()]
        mods += [int(m["mod"]) for m in self.models.values()]
        return max(mods, default=0)

    @classmethod
    def load(cls, path: Path) -> Manifest | None:
        """The manifest at ``path``, or None if there is none (or it is unreadable: a fresh
        start only costs a re-import that updates every note)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") not in READABLE_FORMATS:
                return None
            records = [NoteRecord.from_json(n) for n in data["notes"]]
            return cls(
                data["deck"],
                int(data["deck_id"]),
                data["package"],
                {r.guid: r for r in records},
                data["models"],
                int(data["format"]),
                tuple(str(name) for name in data.get("renamed_from", ())),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


@dataclass
class Diff:
    """What importing the new package will do, compared with the previous build."""

    new: list[NoteRecord] = field(default_factory=list)
    changed: list[NoteRecord] = field(default_factory=list)
    unchanged: list[NoteRecord] = field(default_factory=list)
    removed: list[NoteRecord] = field(default_factory=list)  # left the source in this build
    still_removed: list[NoteRecord] = field(default_factory=list)  # left in an earlier build
    matched: dict[str, float] = field(default_factory=dict)  # GUID → similarity it was kept by
    ambiguous: list[str] = field(default_factory=list)  # messages: pairs that were not guessed
    retyped: list[str] = field(default_factory=list)  # messages: notes whose note type changed
    moved_in: dict[str, str] = field(default_factory=dict)  # GUID → the deck it came from
    moved_out: list[NoteRecord] = field(default_factory=list)  # now in another deck's source
    previous_build: bool = False


@dataclass(frozen=True)
class Candidate:
    """A note of the new build before ids and times are assigned."""

    guid: str  # the GUID its key derives (or the collection's GUID for an O2A id)
    hash: str
    question: str
    origin: str
    kind: str = "basic"
    fields: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    text: str = ""
    anki_id: int | None = None  # Obsidian_to_Anki's note id, kept as the note id when new
    explicit: bool = False  # the source names the note's id
    key: str = ""  # what its GUID derives from (for the GUIDs of older manifests)


DECK_ID_SLOTS = 10_000  # fresh ids of a deck start 0 to 999.9 s after its build time


def first_note_id(deck: str, now: int) -> int:
    """Where a deck's fresh note ids start: the build time in milliseconds (Anki's own note ids
    are creation times, shown as "Created"), plus a step of ``ID_STRIDE`` ms taken from a hash of
    the deck name, so that two decks built in the same second start apart."""
    digest = hashlib.sha256(deck.encode("utf-8")).digest()
    return now * 1000 + ID_STRIDE * (int.from_bytes(digest[:4], "big") % DECK_ID_SLOTS)


class _Ids:
    """Hands out fresh note ids after every id the deck used so far, skipping the ids of other
    decks (``elsewhere``), so no two notes gdkit builds share an id and Anki never renumbers."""

    def __init__(self, start: int, old: dict[str, NoteRecord], elsewhere: AbstractSet[int]) -> None:
        own = {r.note_id for r in old.values()}
        self.taken = own | set(elsewhere)
        first = max([start] + [i + ID_STRIDE for i in own])
        self.next = -(-first // ID_STRIDE) * ID_STRIDE  # a multiple: card ids never overlap

    def fresh(self, wanted: int | None = None) -> int:
        if wanted is not None and wanted not in self.taken:
            self.taken.add(wanted)
            return wanted
        while self.next in self.taken:
            self.next += ID_STRIDE
        self.taken.add(self.next)
        self.next += ID_STRIDE
        return self.next - ID_STRIDE


def load_folder(folder: Path) -> dict[str, Manifest]:
    """Every readable manifest in ``folder``, by file name (read once per build)."""
    if not folder.is_dir():
        return {}
    found = {path.name: Manifest.load(path) for path in sorted(folder.glob("*.manifest.json"))}
    return {name: m for name, m in found.items() if m is not None}


def ids_of_other_decks(
    folder: Path, manifest_path: Path, manifests: dict[str, Manifest] | None = None
) -> set[int]:
    """The note ids in the other manifests of ``folder`` (the decks built there before);
    ``manifests``: the folder's manifests when already read (:func:`load_folder`)."""
    manifests = load_folder(folder) if manifests is None else manifests
    ids: set[int] = set()
    for name, other in manifests.items():
        if name != manifest_path.name:
            ids.update(r.note_id for r in other.notes.values())
    return ids


def _record(cand: Candidate, guid: str, note_id: int, mod: int) -> NoteRecord:
    return NoteRecord(
        guid,
        cand.hash,
        note_id,
        mod,
        cand.question,
        cand.origin,
        source_guid=cand.guid,
        kind=cand.kind,
        fields=cand.fields,
        tags=cand.tags,
        text=cand.text,
        explicit=cand.explicit,
    )


def _similar_pairs(
    candidates: list[Candidate],
    looked_up: list[str],
    old: dict[str, NoteRecord],
    known: set[str],
    diff: Diff,
) -> dict[str, NoteRecord]:
    """New candidate GUID → the left-over old record it continues (similarity match)."""
    unknown = [c for c, guid in zip(candidates, looked_up, strict=True) if guid not in known]
    by_source = old_by_source(old)
    current = {c.guid for c in candidates} | {by_source[g].guid for g in known}
    # a note that had an id of its own left on purpose: only text-keyed notes are continued
    left = [r for r in old.values() if r.guid not in current and r.text and not r.explicit]
    matches: list[Match] = match_notes(
        [(c.kind, c.text) for c in unknown], [(r.kind, r.text) for r in left]
    )
    pairs: dict[str, NoteRecord] = {}
    for m in matches:
        if m.ambiguous:
            names = ", ".join(f"{left[j].origin} ({s:.2f})" for j, s in m.ambiguous)
            diff.ambiguous.append(
                f"{unknown[m.new].origin} is as close to {names}: kept as a new note; give the "
                "note an id (<!-- id: … -->) to say which it continues"
            )
        else:
            pairs[unknown[m.new].guid] = left[m.old]
            diff.matched[left[m.old].guid] = m.score
    return pairs


def old_by_source(old: dict[str, NoteRecord]) -> dict[str, NoteRecord]:
    """Records by the GUID their key derived last time (their own GUID, unless matched)."""
    out = {r.guid: r for r in old.values()}
    out.update({r.source_guid: r for r in old.values()})
    return out


def looked_up_guid(cand: Candidate, by_source: dict[str, NoteRecord], previous: Manifest) -> str:
    """The GUID under which ``previous`` knows the note: its own (from its key alone), or, for
    a manifest older than format 3, the one the deck-named scheme gave it there."""
    if cand.guid in by_source or previous.format >= KEYED_FORMAT or not cand.key:
        return cand.guid
    legacy = legacy_guid(previous.deck, cand.key)
    return legacy if legacy in by_source else cand.guid


def find_previous(
    manifests: dict[str, Manifest], candidates: list[Candidate], skip: AbstractSet[str]
) -> Manifest | None:
    """The previous build of a deck whose own manifest is missing (a renamed deck): the manifest
    of the folder (``manifests``, by file name; not in ``skip``) that knows the most of
    ``candidates``, if it knows at least half of its own notes among them. None when no manifest
    qualifies."""
    best: tuple[int, int, Manifest] | None = None
    for name, other in manifests.items():
        if name in skip:
            continue
        by_source = old_by_source(other.notes)
        found = {
            by_source[g].guid
            for c in candidates
            if (g := looked_up_guid(c, by_source, other)) in by_source
        }
        live = sum(1 for r in other.notes.values() if not r.removed)
        if (
            found
            and 2 * len(found) >= live
            and (best is None or (len(found), other.latest_mod) > best[:2])
        ):
            best = (len(found), other.latest_mod, other)
    return best[2] if best else None


def _removed(record: NoteRecord, now: int, diff: Diff) -> NoteRecord | None:
    """The record of a note that is not in the source: packaged again with the removed tag."""
    if not record.fields:
        diff.removed.append(record)  # from a format-1 manifest: reported only
        return None
    if record.removed:
        diff.still_removed.append(record)
        return record
    tags = tuple(t for t in record.tags if t != REMOVED_TAG) + (REMOVED_TAG,)
    gone = replace(
        record,
        tags=tags,
        removed=True,
        mod=max(now, record.mod + 1),
        hash=content_hash(record.kind, record.fields, tags, {}),
    )
    diff.removed.append(gone)
    return gone


def assign(
    candidates: list[Candidate],
    previous: Manifest | None,
    now: int,
    *,
    first_id: int | None = None,
    taken: AbstractSet[int] = frozenset(),
    adopted: dict[str, tuple[str, NoteRecord]] | None = None,
    moved: AbstractSet[str] = frozenset(),
) -> tuple[list[NoteRecord], Diff]:
    """Give every note its id and modification time; say which notes are new/changed/removed.

    Fresh ids start at ``first_id`` (default: the build time in ms; :func:`first_note_id` for a
    deck) and skip ``taken``, the ids of other decks. ``adopted``: candidate GUID → (deck,
    record) for notes that moved here from another deck (they continue that record); ``moved``:
    GUIDs of notes now in another deck's source (they are not removed, just gone from here).
    Returns the records of the source's notes, in order, then those of removed notes.
    """
    adopted = adopted or {}
    old = previous.notes if previous else {}
    by_source = old_by_source(old)
    diff = Diff(previous_build=previous is not None)
    ids = _Ids(now * 1000 if first_id is None else first_id, old, taken)
    looked_up = [looked_up_guid(c, by_source, previous) if previous else c.guid for c in candidates]
    known = {guid for guid in looked_up if guid in by_source}
    similar = _similar_pairs(candidates, looked_up, old, known, diff) if old else {}
    records, used = [], set()
    for cand, guid in zip(candidates, looked_up, strict=True):
        before = by_source.get(guid)
        if before is None and cand.guid in adopted:
            came_from, before = adopted[cand.guid]
            diff.moved_in[before.guid] = came_from
        before = before or similar.get(cand.guid)
        if before is not None and before.guid in used:
            before = None  # two notes claim one old note: the second is new
        if before is None:
            record = _record(cand, cand.guid, ids.fresh(cand.anki_id), now)
            diff.new.append(record)
        elif before.hash != cand.hash or before.removed:
            record = _record(cand, before.guid, before.note_id, max(now, before.mod + 1))
            diff.changed.append(record)
            if before.kind and before.kind != cand.kind:
                diff.retyped.append(
                    f"{cand.origin}: the note type changed ({before.kind} → {cand.kind}); Anki "
                    "never changes a note's type on import and keeps the old note as it is. "
                    "Change it in Anki (Notes → Change Note Type…), or give the note a new id "
                    "to make it a new note"
                )
        else:
            record = _record(cand, before.guid, before.note_id, before.mod)
            diff.unchanged.append(record)
        used.add(record.guid)
        records.append(record)
    return records + _left(old, used, moved, now, diff), diff


def _left(
    old: dict[str, NoteRecord], used: set[str], moved: AbstractSet[str], now: int, diff: Diff
) -> list[NoteRecord]:
    """The records of the notes that left the source: moved to another deck (dropped), else
    removed (packaged again with the removed tag, see :func:`_removed`)."""
    kept = []
    for record in old.values():
        if record.guid in used:
            continue
        if {record.guid, record.source_guid} & moved:
            diff.moved_out.append(record)
        elif (gone := _removed(record, now, diff)) is not None:
            kept.append(gone)
    return kept


def clock_warnings(now: int, previous: Manifest | None, clock: int | None = None) -> list[str]:
    """Warnings about a build time Anki could take as older than what it already holds."""
    clock = int(time.time()) if clock is None else clock
    out = []
    if now > clock + FUTURE_SLACK:
        out.append(
            f"the build time {_date(now)} is in the future (the clock says {_date(clock)}; "
            "is SOURCE_DATE_EPOCH pinned ahead?). Notes get that time; later builds into this "
            "folder continue from it, so their edits still import"
        )
    if previous is not None and previous.latest_mod > now + BEHIND_SLACK:
        out.append(
            f"the build time {_date(now)} is older than the previous build's "
            f"({_date(previous.latest_mod)}; a clock that differs between machines, or a "
            "pinned SOURCE_DATE_EPOCH): changed notes get a later time than the previous one, "
            "so Anki still takes the edits"
        )
    return out


def _date(seconds: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


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


__all__ = [
    "THRESHOLD",
    "REMOVED_TAG",
    "assign",
    "clock_warnings",
    "content_hash",
    "find_previous",
    "load_folder",
    "legacy_guid",
    "note_guid",
]
