"""Build Anki packages from deck sources: parse → render → identify → write.

One ``.apkg`` per deck (files with the same TARGET DECK are merged), plus a manifest beside it.
Every deck is planned completely (parsed, rendered, checked) before anything is written, and each
file is written under a temporary name and renamed into place, so a bad source leaves no package
behind — not even a partial one.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from decks.apkg import PackagedNote, write_apkg
from decks.collection import CollectionNote, read_by_guid, read_guids
from decks.computed import ANCHOR_KEY, MISTAKES_DECK, computed_home, computed_notes
from decks.errors import DeckError, OutputError
from decks.identity import (
    Candidate,
    Diff,
    Manifest,
    NoteRecord,
    assign,
    build_time,
    clock_warnings,
    content_hash,
    find_previous,
    first_note_id,
    ids_of_other_decks,
    legacy_guid,
    load_folder,
    model_mods,
    note_guid,
    old_by_source,
)
from decks.moves import (
    moved_warning,
    plan_moves,
    refuse_shared,
    shared_warnings,
)
from decks.notetypes import deck_id, note_types
from decks.parser import (
    AS_WRITTEN,
    CLOZE_MARKER,
    ReadOptions,
    SourceFile,
    SourceNote,
    section_tag,
)
from decks.render import plain_text_of, render_markdown
from decks.sources import default_source, read_sources, skipped_warning
from decks.write_ids import planned_ids
from decks.write_ids import write_ids as write_source_ids

SIMILARITY_TEXT = 2000  # characters of a note's plain text kept for similarity matching
DESCRIPTION = "Built by gdkit from Markdown notes; worked examples computed by gdref."


def package_stem(deck: str) -> str:
    """``NeuralComputation::Week-02`` → ``NeuralComputation-Week-02``."""
    parts = []
    for part in deck.split("::"):
        parts.append("".join(c if c.isalnum() or c in "-_." else "_" for c in part.strip()))
    return "-".join(parts)


@dataclass(frozen=True)
class RenderedNote:
    guid: str
    kind: str
    fields: tuple[str, str, str]
    tags: tuple[str, ...]
    media: dict[str, bytes]
    question: str
    origin: str
    cards: int
    text: str = ""  # plain text of the note, for similarity matching
    anki_id: int | None = None
    explicit: bool = False  # its key is an id written in the source
    key: str = ""  # what its GUID derives from


@dataclass
class DeckBuild:
    """Everything about one deck's build; ``write()`` puts it on disk."""

    deck: str
    deck_id: int
    package_path: Path
    manifest_path: Path
    notes: list[PackagedNote]
    manifest: Manifest
    diff: Diff
    media: dict[str, bytes]
    model_mods: dict[str, int]
    card_count: int
    warnings: list[str] = field(default_factory=list)
    ids_written: int | None = None  # ids --write-ids wrote (would write) into the sources
    renamed_from: str = ""  # the deck's name in its previous build, when it was renamed

    @property
    def note_count(self) -> int:
        """Notes in the source (removed notes kept in the package are not counted)."""
        return len(self.notes) - len(self.diff.removed) - len(self.diff.still_removed)

    def write(self) -> None:
        """Write the package and its manifest, each through a temporary file renamed into place.
        Raises :class:`decks.errors.OutputError` when the folder cannot take them."""
        tmp_package = self.package_path.with_name(f".{self.package_path.name}.{os.getpid()}.tmp")
        tmp_manifest = self.manifest_path.with_name(f".{self.manifest_path.name}.{os.getpid()}.tmp")
        try:
            self.package_path.parent.mkdir(parents=True, exist_ok=True)
            write_apkg(
                tmp_package,
                deck_name=self.deck,
                deck_id=self.deck_id,
                description=DESCRIPTION,
                notes=self.notes,
                note_types=note_types(),
                model_mods=self.model_mods,
                media=self.media,
            )
            tmp_manifest.write_text(self.manifest.to_json(), encoding="utf-8")
            os.replace(tmp_package, self.package_path)
            os.replace(tmp_manifest, self.manifest_path)
        except OSError as exc:
            raise OutputError(f"cannot write {self.package_path}: {exc}") from None
        finally:
            for tmp in (tmp_package, tmp_manifest):
                if tmp.is_file():
                    tmp.unlink()


def _section_html(section: str, note: SourceNote) -> str:
    if not section:
        return ""
    try:
        return _section_html_of(section)
    except DeckError as exc:
        raise DeckError(note.file, note.line, exc.message) from None


@lru_cache(maxsize=1024)
def _section_html_of(section: str) -> str:
    """A section title's HTML, rendered once for all the notes under it."""
    html = render_markdown(section).html
    return html.removeprefix("<p>").removesuffix("</p>")


_TAG = re.compile(r"<[^>]*>")


def similarity_text(fields: tuple[str, ...]) -> str:
    """The words of a note's HTML fields, for similarity matching (tags dropped, math kept)."""
    words = " ".join(html.unescape(_TAG.sub(" ", f)) for f in fields).split()
    return " ".join(words)[:SIMILARITY_TEXT]


def render_note(note: SourceNote, space: str | None = None) -> RenderedNote:
    """Render a source note's fields to HTML and collect its media (``space``: see
    :func:`decks.identity.note_guid`)."""
    cloze = note.kind == "cloze"
    rendered = [
        render_markdown(
            f.text,
            file=note.file,
            first_line=f.line,
            cloze=cloze,
            base_dir=note.base_dir,
            media_root=note.media_root,
            parsed=f.parsed,
        )
        if f.text
        else None
        for f in note.fields
    ]
    media: dict[str, bytes] = dict(note.media)
    for part in rendered:
        if part is None:
            continue
        for name, path in part.media.items():
            try:
                media[name] = path.read_bytes()
            except OSError as exc:
                raise DeckError(note.file, note.line, f"cannot read image {path}: {exc}") from None
    fields = (
        rendered[0].html if rendered[0] else "",
        rendered[1].html if rendered[1] else "",
        _section_html(note.section, note),
    )
    if cloze:
        numbers = {int(m.group(1)) for m in CLOZE_MARKER.finditer(fields[0])}
        if not numbers:
            raise DeckError(note.file, note.line, "cloze note without a {{c1::…}} deletion")
        if max(numbers) >= 100 or min(numbers) < 1:
            raise DeckError(note.file, note.line, "cloze numbers must be between c1 and c99")
        cards = len(numbers)
    else:
        cards = 2 if note.kind == "reversed" else 1
    return RenderedNote(
        guid=note_guid(note.key, space),
        key=note.key,
        text=similarity_text(fields[:2]),
        anki_id=note.anki_id,
        explicit=note.key.startswith("id:"),
        kind=note.kind,
        fields=fields,
        tags=note.tags,
        media=media,
        question=plain_text_of(rendered[0].tokens)[:200] if rendered[0] else "",
        origin=f"{Path(note.file).name}:{note.line}" if note.line else Path(note.file).name,
        cards=cards,
    )


def _computed_for(source: SourceFile, figures: bool) -> list[SourceNote]:
    notes = computed_notes(figures=figures)
    return [
        replace(
            n,
            tags=tuple(source.file_tags) + (section_tag(source.tag_prefix, n.section),),
        )
        for n in notes
    ]


@dataclass
class _Rendered:
    """A deck's notes rendered, with their media; :meth:`add` refuses duplicate GUIDs and
    clashing media names."""

    deck: str
    space: str | None = None
    notes: list[RenderedNote] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)

    def add(self, source_notes: list[SourceNote]) -> _Rendered:
        for note in source_notes:
            r = render_note(note, self.space)
            if r.guid in self.seen:
                what = "id" if note.key.startswith("id:") else "question"
                raise DeckError(
                    note.file,
                    note.line,
                    f"duplicate {what} in deck {self.deck!r} (first at {self.seen[r.guid]})",
                )
            self.seen[r.guid] = f"{note.file}:{note.line}"
            for name, data in r.media.items():
                if name in self.media and self.media[name] != data:
                    raise DeckError(
                        note.file, note.line, f"two different media files are named {name!r}"
                    )
                self.media[name] = data
            self.notes.append(r)
        return self


def _candidate(r: RenderedNote, in_collection: dict[int, CollectionNote]) -> Candidate:
    found = in_collection.get(r.anki_id) if r.anki_id is not None else None
    guid = found.guid if found else r.guid
    return Candidate(
        guid,
        content_hash(r.kind, r.fields, r.tags, r.media),
        r.question,
        r.origin,
        kind=r.kind,
        fields=r.fields,
        tags=r.tags,
        text=r.text,
        anki_id=r.anki_id,
        explicit=r.explicit,
        key=r.key,
    )


def _newer_than_collection(record, in_collection: dict[str, CollectionNote]):
    """A note whose copy in the collection (same GUID) differs and is not older gets a later
    time, or Anki would skip it on import: its note type was changed in Anki, or the collection
    took a build made elsewhere, with a clock ahead."""
    found = in_collection.get(record.guid)
    if found is not None and found.mod >= record.mod and found.fields != tuple(record.fields):
        return replace(record, mod=found.mod + 1)
    return record


def _deleted_warnings(deck: str, files: list[SourceFile], diff: Diff) -> list[str]:
    """O2A DELETE markers: a note gdkit built is removed like any note that left the source
    (tagged, listed as removed); for any other, say what to do in Anki."""
    in_source = {n.anki_id: n for f in files for n in f.notes if n.anki_id is not None}
    removed = diff.removed + diff.still_removed
    removed_keys = {r.note_id for r in removed} | {r.source_guid for r in removed}
    out = []
    for f in files:
        for nid in f.deleted:
            if nid in in_source:
                note = in_source[nid]
                raise DeckError(
                    f.path,
                    note.line,
                    f"note {nid} is marked DELETE but is still in the file: remove the note "
                    "or the DELETE marker",
                )
            if nid not in removed_keys and note_guid(f"id:{nid}") not in removed_keys:
                out.append(
                    f"{f.path}: DELETE {nid}: no build in this folder made that note, so there "
                    f"is nothing to tag gdkit::removed; in Anki's browser search nid:{nid} and "
                    "delete the note"
                )
    return out


def _empty_warnings(files: list[SourceFile] | tuple) -> list[str]:
    """A file that gave no note (and marks none DELETE) is most likely written in a syntax
    gdkit did not recognise: say so rather than build an empty deck in silence."""
    return [
        f"{f.path}: no notes found. A note is a question line ending in '?' with its answer "
        "below, a paragraph with {{c1::…}}, or a START … END block (see decks/README.md)"
        for f in files
        if not f.notes and not f.deleted
    ]


def _notes(count: int) -> str:
    return f"{count} note" if count == 1 else f"{count} notes"


def _count_ids(count: int) -> str:
    return "1 Obsidian_to_Anki id is" if count == 1 else f"{count} Obsidian_to_Anki ids are"


def _o2a_warnings(
    rendered: list[RenderedNote],
    in_collection: dict[int, CollectionNote] | None,
    new: AbstractSet[str] = frozenset(),
) -> list[str]:
    """What to tell a learner migrating from Obsidian_to_Anki about its note ids. Without a
    collection, only about the notes new in this build (``new``: their GUIDs): a note built
    before was imported already, and saying it again on every build is no news."""
    ids = [r.anki_id for r in rendered if r.anki_id is not None]
    if not ids:
        return []
    if in_collection is None:
        fresh = [r for r in rendered if r.anki_id is not None and r.guid in new]
        if not fresh:
            return []
        what = (
            "1 new note carries an Obsidian_to_Anki id"
            if len(fresh) == 1
            else f"{len(fresh)} new notes carry Obsidian_to_Anki ids"
        )
        return [
            f"{what}: to update the notes Obsidian_to_Anki made in your collection instead of "
            "adding copies, build with --anki-collection PATH/TO/collection.anki2 (read only)"
        ]
    out = []
    missing = [i for i in ids if i not in in_collection]
    if missing:
        out.append(
            f"{_count_ids(len(missing))} not in the collection (first: {missing[0]}): "
            + ("it is built as a new note" if len(missing) == 1 else "they are built as new notes")
        )
    ours = {nt.model_id for nt in note_types().values()}
    foreign = [i for i in ids if i in in_collection and in_collection[i].model_id not in ours]
    if foreign:
        out.append(
            f"{_notes(len(foreign))} made by Obsidian_to_Anki (first: nid:{foreign[0]}) have a "
            "note type of their own: Anki keeps them as they are (no copy is added) and reports a "
            "note-type conflict. To let gdkit update them, in Anki's browser select them and "
            "use Notes → Change Note Type… → the gdkit type once; reviews are kept"
        )
    return out


def manifest_name(deck: str) -> str:
    """The file name of a deck's manifest in the output folder."""
    return f"{package_stem(deck)}.manifest.json"


def previous_build(
    deck: str,
    candidates: list[Candidate],
    manifests: dict[str, Manifest],
    skip: AbstractSet[str] = frozenset(),
) -> Manifest | None:
    """The deck's previous build among the output folder's ``manifests`` (by file name): its
    own, else (a renamed deck) the one :func:`decks.identity.find_previous` finds among those
    whose file names are not in ``skip``."""
    own = manifests.get(manifest_name(deck))
    if own is not None and own.deck == deck:
        return own
    return find_previous(manifests, candidates, set(skip) | {manifest_name(deck)})


def _held_computed(previous: Manifest | None) -> bool:
    """Whether a previous build held the computed cards (whatever its deck was named)."""
    if previous is None:
        return False
    by_source = old_by_source(previous.notes)
    return note_guid(ANCHOR_KEY) in by_source or legacy_guid(previous.deck, ANCHOR_KEY) in by_source


def plan(
    sources: list[Path],
    out_dir: Path,
    *,
    figures: bool = True,
    now: int | None = None,
    collection: Path | None = None,
    options: ReadOptions = AS_WRITTEN,
    parsed: tuple[list[SourceFile], list[str]] | None = None,
) -> list[DeckBuild]:
    """Parse, render and identify every deck; nothing is written. Raises DeckError.

    A source may be a folder: every note file under it (:mod:`decks.vault`); files with the same
    TARGET DECK make one package, wherever they are."""
    parsed, skipped = parsed or read_sources(sources, options)
    by_deck: dict[str, list[SourceFile]] = {}
    for source in parsed:
        by_deck.setdefault(source.deck, []).append(source)
    now = build_time() if now is None else now
    anki_ids = [n.anki_id for f in parsed for n in f.notes if n.anki_id is not None]
    collection_guids = read_guids(collection, anki_ids) if collection is not None else None
    rendered = {
        deck: _Rendered(deck).add([n for f in files for n in f.notes])
        for deck, files in by_deck.items()
    }
    # decks of this run, and the mistakes deck (copies of week-2 notes), are never "renamed"
    skip = {manifest_name(deck) for deck in [*by_deck, MISTAKES_DECK]}
    manifests = load_folder(out_dir)
    previous: dict[str, Manifest | None] = {}
    candidates: dict[str, list[Candidate]] = {}
    for deck in by_deck:
        candidates[deck] = [_candidate(r, collection_guids or {}) for r in rendered[deck].notes]
        previous[deck] = found = previous_build(deck, candidates[deck], manifests, skip)
        if found is not None:
            skip.add(manifest_name(found.deck))  # one previous build continues one deck
    home = computed_home(
        {deck: [f.path for f in files] for deck, files in by_deck.items()},
        {deck for deck, found in previous.items() if _held_computed(found)},
        default_source(),
    )
    if home is not None:
        rendered[home].add(_computed_for(by_deck[home][0], figures))
    moves = plan_moves(candidates, previous, list(manifests.values()), {MISTAKES_DECK})
    builds: list[DeckBuild] = []
    for deck, files in by_deck.items():
        in_this_run = {n.note_id for b in builds for n in b.notes}
        builds.append(
            plan_rendered(
                rendered[deck],
                previous[deck],
                out_dir,
                now=now,
                files=files,
                collection=collection_guids,
                collection_file=collection,
                taken=in_this_run,
                adopted=moves.adopted.get(deck),
                moved=moves.moved.get(deck, set()),
                manifests=manifests,
                known_candidates=candidates[deck],
            )
        )
        built = builds[-1]
        built.warnings += shared_warnings(
            list(built.manifest.notes.values()), built.diff.moved_in, moves.outside
        )
    refuse_shared({b.deck: [r for r in b.manifest.notes.values() if not r.removed] for b in builds})
    builds[0].warnings.extend(skipped_warning(skipped))
    return builds


def plan_deck(
    deck: str,
    source_notes: list[SourceNote],
    out_dir: Path,
    *,
    now: int,
    space: str | None = None,
) -> DeckBuild:
    """Render and identify one deck's notes against its previous build in ``out_dir`` (its
    manifest, or a renamed deck's); ``space``: see :func:`decks.identity.note_guid`."""
    rendered = _Rendered(deck, space).add(source_notes)
    candidates = [_candidate(r, {}) for r in rendered.notes]
    manifests = load_folder(out_dir)
    previous = previous_build(deck, candidates, manifests)
    return plan_rendered(
        rendered, previous, out_dir, now=now, manifests=manifests, known_candidates=candidates
    )


def _rename_warning(deck: str, previous: Manifest, package: Path) -> str:
    return (
        f"the deck was renamed from {previous.deck!r} to {deck!r} (its previous build is "
        f"{previous.package}): on import Anki updates the notes but leaves their cards in "
        f"{previous.deck!r}, so before importing {package.name} rename that deck to {deck!r} "
        "in Anki (deck list → the gear beside it → Rename); if you already imported it, in "
        f'Anki\'s browser search "deck:{previous.deck}", select all, Change Deck… to {deck!r}, '
        "then delete the empty deck"
    )


def _former_names(deck: str, previous: Manifest | None) -> tuple[str, ...]:
    """The names the deck had before (kept, so their manifests stay known as left behind)."""
    if previous is None:
        return ()
    names = previous.renamed_from + ((previous.deck,) if previous.deck != deck else ())
    return tuple(dict.fromkeys(n for n in names if n != deck))


def plan_rendered(
    rendered: _Rendered,
    previous: Manifest | None,
    out_dir: Path,
    *,
    now: int,
    files: list[SourceFile] | tuple = (),
    collection: dict[int, CollectionNote] | None = None,
    collection_file: Path | None = None,
    taken: AbstractSet[int] = frozenset(),
    adopted: dict[str, tuple[str, NoteRecord]] | None = None,
    moved: AbstractSet[str] = frozenset(),
    manifests: dict[str, Manifest] | None = None,
    known_candidates: list[Candidate] | tuple = (),
) -> DeckBuild:
    """Identify one deck's rendered notes against its ``previous`` build (``adopted``,
    ``moved``: notes that moved between decks, see :mod:`decks.moves`; ``manifests``: the
    output folder's, when already read; ``known_candidates``: the candidates of the first
    rendered notes, when already made).

    ``files`` are the sources the notes came from (for their DELETE markers); ``collection``
    the notes an Anki collection holds for the Obsidian_to_Anki ids, ``collection_file`` that
    collection (``--anki-collection``: notes it holds newer get a later time);
    ``taken`` the note ids of other decks planned in the same run. Fresh note ids also skip
    those of every other deck whose manifest is in ``out_dir``.
    """
    deck = rendered.deck
    collection_guids = collection
    stem = package_stem(deck)
    package_path = out_dir / f"{stem}.apkg"
    manifest_path = out_dir / manifest_name(deck)
    known = list(known_candidates)  # those of the first notes, computed by the caller
    candidates = known + [
        _candidate(r, collection_guids or {}) for r in rendered.notes[len(known) :]
    ]
    elsewhere = ids_of_other_decks(out_dir, manifest_path, manifests) | set(taken)
    records, diff = assign(
        candidates,
        previous,
        now,
        first_id=first_note_id(deck, now),
        taken=elsewhere,
        adopted=adopted,
        moved=moved,
    )
    if collection_file is not None:
        held = read_by_guid(collection_file, [rec.guid for rec in records])
        records = [_newer_than_collection(rec, held) for rec in records]
    models = model_mods(
        {kind: nt.content_hash() for kind, nt in note_types().items()}, previous, now
    )
    notes = [
        PackagedNote(rec.note_id, rec.guid, rec.kind, rec.fields, rec.tags, rec.mod, position)
        for position, rec in enumerate(records)
    ]
    renamed = previous is not None and previous.deck != deck
    warnings = [_rename_warning(deck, previous, package_path)] if renamed else []
    warnings += moved_warning(deck, records, diff.moved_in)
    warnings += clock_warnings(now, previous) + _empty_warnings(files)
    warnings += diff.ambiguous + diff.retyped
    warnings += _deleted_warnings(deck, files, diff)
    new = {rec.source_guid for rec in diff.new}
    warnings += _o2a_warnings(rendered.notes, collection_guids, new)
    return DeckBuild(
        deck=deck,
        deck_id=deck_id(deck),
        package_path=package_path,
        manifest_path=manifest_path,
        notes=notes,
        manifest=Manifest(
            deck,
            deck_id(deck),
            package_path.name,
            {rec.guid: rec for rec in records},
            models,
            renamed_from=_former_names(deck, previous),
        ),
        diff=diff,
        media=rendered.media,
        model_mods={kind: int(m["mod"]) for kind, m in models.items()},
        card_count=sum(r.cards for r in rendered.notes),
        warnings=warnings,
        renamed_from=previous.deck if renamed else "",
    )


def build(
    sources: list[Path],
    out_dir: Path,
    *,
    figures: bool = True,
    dry_run: bool = False,
    now: int | None = None,
    write_ids: bool = False,
    collection: Path | None = None,
    options: ReadOptions = AS_WRITTEN,
) -> list[DeckBuild]:
    """Plan every deck, then (unless ``dry_run``) write each package and its manifest.

    With ``write_ids``, every deck is planned first (a bad source changes nothing), then the id
    lines are written into the sources and the decks planned again from them.
    """
    parsed = read_sources(sources, options)
    builds = plan(sources, out_dir, figures=figures, now=now, collection=collection, parsed=parsed)
    if write_ids:
        ids = planned_ids(parsed[0])
        if ids.inserts and not dry_run:
            for path, inserts in ids.inserts.items():
                write_source_ids(Path(path), inserts)
            builds = plan(
                sources, out_dir, figures=figures, now=now, collection=collection, options=options
            )
        for build_ in builds:
            build_.ids_written = ids.count
        builds[0].warnings.extend(ids.skipped)
    if not dry_run:
        for deck_build in builds:
            deck_build.write()
    return builds
