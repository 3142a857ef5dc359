"""Notes that move from one deck to another (a note's GUID does not name its deck).

A note moved to a file of another deck keeps its GUID, so Anki updates the note it already has.
The builds of the output folder decide the rest (:func:`plan_moves`):

- The deck it moved to continues the other deck's record of it (note id, modification time),
  when its own previous build does not know the note but another deck's build does: the other
  decks of the same run (their previous builds) and the manifests in the folder of decks not
  built in the run (but never the mistakes deck's, nor a manifest a rename left behind).
- The deck it left does not tag it removed: it is gone from that deck, not from the learner's
  notes (``moved`` GUIDs: live in another deck of the run, or in another deck's last build).
- Anki updates a note on import but never moves its cards, so the deck it moved to says, in one
  sentence, how to move them in Anki (:func:`moved_warning`).
- The same note live in two decks of one run is refused with both places
  (:func:`refuse_shared`): Anki would keep one note for the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from decks.errors import DeckError
from decks.identity import Candidate, Manifest, NoteRecord, looked_up_guid, old_by_source


@dataclass
class Moves:
    adopted: dict[str, dict[str, tuple[str, NoteRecord]]] = field(default_factory=dict)
    moved: dict[str, set[str]] = field(default_factory=dict)  # deck → GUIDs now elsewhere
    outside: dict[str, set[str]] = field(default_factory=dict)  # deck not in the run → live GUIDs


def _pool(
    previous: dict[str, Manifest | None], folder: list[Manifest], never: set[str]
) -> dict[str, Manifest]:
    """Deck → the build a note may have moved from: each run deck's previous build, and the
    manifest of every other deck in the folder (not ``never``, not left behind by a rename)."""
    stale = {name for m in folder for name in m.renamed_from}
    stale |= {p.deck for deck, p in previous.items() if p is not None and p.deck != deck}
    pool = {deck: p for deck, p in previous.items() if p is not None}
    for m in folder:
        if m.deck not in stale | never | set(previous) and m.deck not in pool:
            pool[m.deck] = m
    return pool


def _live(manifest: Manifest) -> set[str]:
    return {g for r in manifest.notes.values() if not r.removed for g in (r.guid, r.source_guid)}


def plan_moves(
    candidates: dict[str, list[Candidate]],
    previous: dict[str, Manifest | None],
    folder: list[Manifest],
    never: set[str],
) -> Moves:
    """Which notes of each run deck continue another deck's record, and which records of each
    run deck's previous build now live in another deck."""
    pool = _pool(previous, folder, never)
    index = {deck: old_by_source(m.notes) for deck, m in pool.items()}
    moves = Moves()
    for deck, cands in candidates.items():
        own = previous.get(deck)
        adopted: dict[str, tuple[str, NoteRecord]] = {}
        for cand in cands:
            if own is not None and looked_up_guid(cand, index[deck], own) in index[deck]:
                continue
            for other, manifest in pool.items():
                record = index[other].get(looked_up_guid(cand, index[other], manifest))
                if other != deck and record is not None and not record.removed:
                    adopted[cand.guid] = (other, record)
                    moves.moved.setdefault(other, set()).add(record.guid)
                    break
        moves.adopted[deck] = adopted
    moves.outside = {d: _live(m) for d, m in pool.items() if d not in candidates}
    for deck in candidates:
        here = moves.moved.setdefault(deck, set())
        for other, cands in candidates.items():
            if other != deck:
                here.update(c.guid for c in cands)
        for live in moves.outside.values():
            here.update(live)
    return moves


def moved_warning(deck: str, records: list[NoteRecord], moved_in: dict[str, str]) -> list[str]:
    """The sentence for the notes that moved into ``deck``: how to move their cards in Anki."""
    by_deck: dict[str, list[NoteRecord]] = {}
    for record in records:
        if record.guid in moved_in:
            by_deck.setdefault(moved_in[record.guid], []).append(record)
    out = []
    for old, moved in by_deck.items():
        ids = ",".join(str(r.note_id) for r in moved)
        what = "1 note moved" if len(moved) == 1 else f"{len(moved)} notes moved"
        out.append(
            f"{what} here from deck {old!r} (first: {moved[0].origin}): on import Anki updates "
            f"them but leaves their cards in {old!r}, so after importing, in Anki's browser "
            f"search nid:{ids}, select all and use Change Deck… to {deck!r} (if a note belongs "
            f"in both decks, give one copy an id of its own instead)"
        )
    return out


def shared_warnings(
    records: list[NoteRecord], moved_in: dict[str, str], outside: dict[str, set[str]]
) -> list[str]:
    """Notes of this build that the last build of a deck not built now also holds (and that
    did not just move here): Anki keeps one note for both."""
    out = []
    for other, live in outside.items():
        both = [r for r in records if not r.removed and r.guid in live and r.guid not in moved_in]
        if both:
            what = "1 note is" if len(both) == 1 else f"{len(both)} notes are"
            out.append(
                f"{what} also in the last build of deck {other!r} (first: {both[0].origin}): "
                "Anki keeps one note for both; if they left that deck, build it again, else "
                "give one copy of each an id of its own (<!-- id: … -->)"
            )
    return out


def refuse_shared(live: dict[str, list[NoteRecord]]) -> None:
    """Refuse one note (one GUID) live in two decks of the run: Anki would keep one note."""
    seen: dict[str, tuple[str, NoteRecord]] = {}
    for deck, records in live.items():
        for record in records:
            if record.guid in seen and seen[record.guid][0] != deck:
                first_deck, first = seen[record.guid]
                file, _, line = record.origin.rpartition(":")
                raise DeckError(
                    file or record.origin,
                    int(line) if line.isdigit() else 1,
                    f"the same note is in deck {first_deck!r} ({first.origin}) and in deck "
                    f"{deck!r}: Anki would keep one note for both; give one of them an id of "
                    "its own (<!-- id: … -->) or reword its question",
                )
            seen[record.guid] = (deck, record)
