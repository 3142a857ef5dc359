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
from importlib import resources
from pathlib import Path

from decks.apkg import PackagedNote, write_apkg
from decks.collection import CollectionNote, read_by_guid, read_guids
from decks.computed import COMPUTED_DECK, computed_notes
from decks.errors import DeckError, OutputError
from decks.identity import (
    Candidate,
    Diff,
    Manifest,
    assign,
    build_time,
    clock_warnings,
    content_hash,
    first_note_id,
    ids_of_other_decks,
    model_mods,
    note_guid,
)
from decks.notetypes import deck_id, note_types
from decks.parser import CLOZE_MARKER, SourceFile, SourceNote, parse_file, section_tag
from decks.render import plain_text, render_markdown
from decks.write_ids import planned_ids
from decks.write_ids import write_ids as write_source_ids

SIMILARITY_TEXT = 2000  # characters of a note's plain text kept for similarity matching
DESCRIPTION = "Built by gdkit from Markdown notes; worked examples computed by gdref."


def default_source() -> Path:
    """The week-2 deck source shipped inside the package (decks/week02.md)."""
    return Path(str(resources.files("decks").joinpath("week02.md")))


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
    ids_written: int = 0  # id lines --write-ids wrote (or would write) into the sources

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
    html = render_markdown(section, file=note.file, first_line=note.line).html
    return html.removeprefix("<p>").removesuffix("</p>")


_TAG = re.compile(r"<[^>]*>")


def similarity_text(fields: tuple[str, ...]) -> str:
    """The words of a note's HTML fields, for similarity matching (tags dropped, math kept)."""
    words = " ".join(html.unescape(_TAG.sub(" ", f)) for f in fields).split()
    return " ".join(words)[:SIMILARITY_TEXT]


def render_note(note: SourceNote, deck: str) -> RenderedNote:
    """Render a source note's fields to HTML and collect its media."""
    cloze = note.kind == "cloze"
    rendered = [
        render_markdown(
            f.text, file=note.file, first_line=f.line, cloze=cloze, base_dir=note.base_dir
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
        guid=note_guid(deck, note.key),
        text=similarity_text(fields[:2]),
        anki_id=note.anki_id,
        explicit=note.key.startswith("id:"),
        kind=note.kind,
        fields=fields,
        tags=note.tags,
        media=media,
        question=plain_text(note.fields[0].text)[:200],
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


def _render_deck(deck: str, source_notes: list[SourceNote]):
    """Render every note of a deck; refuse duplicate GUIDs and clashing media names."""
    seen: dict[str, str] = {}
    rendered: list[RenderedNote] = []
    media: dict[str, bytes] = {}
    for note in source_notes:
        r = render_note(note, deck)
        if r.guid in seen:
            what = "id" if note.key.startswith("id:") else "question"
            raise DeckError(
                note.file,
                note.line,
                f"duplicate {what} in deck {deck!r} (first at {seen[r.guid]})",
            )
        seen[r.guid] = f"{note.file}:{note.line}"
        for name, data in r.media.items():
            if name in media and media[name] != data:
                raise DeckError(
                    note.file, note.line, f"two different media files are named {name!r}"
                )
            media[name] = data
        rendered.append(r)
    return rendered, media


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
    )


def _newer_than_collection(record, in_collection: dict[str, CollectionNote]):
    """A note whose copy in the collection (same GUID) differs and is not older gets a later
    time, or Anki would skip it on import: its note type was changed in Anki, or the collection
    took a build made elsewhere, with a clock ahead."""
    found = in_collection.get(record.guid)
    if found is not None and found.mod >= record.mod and found.fields != tuple(record.fields):
        return replace(record, mod=found.mod + 1)
    return record


def _deleted_warnings(files: list[SourceFile], records: list, diff: Diff) -> list[str]:
    """O2A DELETE markers: the note is removed (tagged) if gdkit built it, else say how."""
    in_source = {n.anki_id: n for f in files for n in f.notes if n.anki_id is not None}
    removed_ids = {r.note_id for r in diff.removed + diff.still_removed}
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
            if nid not in removed_ids:
                out.append(
                    f"{f.path}: DELETE {nid}: gdkit cannot delete notes from your collection; "
                    f"in Anki's browser search nid:{nid} and delete the note"
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


def _o2a_warnings(
    rendered: list[RenderedNote], in_collection: dict[int, CollectionNote] | None
) -> list[str]:
    """What to tell a learner migrating from Obsidian_to_Anki about its note ids."""
    ids = [r.anki_id for r in rendered if r.anki_id is not None]
    if not ids:
        return []
    if in_collection is None:
        return [
            f"{_notes(len(ids))} carry Obsidian_to_Anki ids: to update them in your "
            "collection instead of adding copies, build with --anki-collection "
            "PATH/TO/collection.anki2 (read only)"
        ]
    out = []
    missing = [i for i in ids if i not in in_collection]
    if missing:
        out.append(
            f"{len(missing)} Obsidian_to_Anki id(s) not in the collection "
            f"(first: {missing[0]}): they are built as new notes"
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


def plan(
    sources: list[Path],
    out_dir: Path,
    *,
    figures: bool = True,
    now: int | None = None,
    collection: Path | None = None,
) -> list[DeckBuild]:
    """Parse, render and identify every deck; nothing is written. Raises DeckError."""
    if not sources:
        sources = [default_source()]
    parsed = [parse_file(path) for path in sources]
    by_deck: dict[str, list[SourceFile]] = {}
    for source in parsed:
        by_deck.setdefault(source.deck, []).append(source)
    now = build_time() if now is None else now
    anki_ids = [n.anki_id for f in parsed for n in f.notes if n.anki_id is not None]
    collection_guids = read_guids(collection, anki_ids) if collection is not None else None
    builds: list[DeckBuild] = []
    for deck, files in by_deck.items():
        source_notes = [n for f in files for n in f.notes]
        if deck == COMPUTED_DECK:
            source_notes += _computed_for(files[0], figures)
        in_this_run = {n.note_id for b in builds for n in b.notes}
        builds.append(
            plan_deck(
                deck,
                source_notes,
                out_dir,
                now=now,
                files=files,
                collection=collection_guids,
                collection_file=collection,
                taken=in_this_run,
            )
        )
    return builds


def plan_deck(
    deck: str,
    source_notes: list[SourceNote],
    out_dir: Path,
    *,
    now: int,
    files: list[SourceFile] | tuple = (),
    collection: dict[int, CollectionNote] | None = None,
    collection_file: Path | None = None,
    taken: AbstractSet[int] = frozenset(),
) -> DeckBuild:
    """Render and identify one deck's notes against its previous manifest in ``out_dir``.

    ``files`` are the sources the notes came from (for their DELETE markers); ``collection``
    the notes an Anki collection holds for the Obsidian_to_Anki ids, ``collection_file`` that
    collection (``--anki-collection``: notes it holds newer get a later time);
    ``taken`` the note ids of other decks planned in the same run. Fresh note ids also skip
    those of every other deck whose manifest is in ``out_dir``.
    """
    collection_guids = collection
    rendered, media = _render_deck(deck, source_notes)
    stem = package_stem(deck)
    package_path = out_dir / f"{stem}.apkg"
    manifest_path = out_dir / f"{stem}.manifest.json"
    previous = Manifest.load(manifest_path)
    if previous is not None and previous.deck != deck:
        previous = None
    candidates = [_candidate(r, collection_guids or {}) for r in rendered]
    elsewhere = ids_of_other_decks(out_dir, manifest_path) | set(taken)
    records, diff = assign(
        candidates, previous, now, first_id=first_note_id(deck, now), taken=elsewhere
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
    warnings = clock_warnings(now, previous) + _empty_warnings(files)
    warnings += diff.ambiguous + diff.retyped
    warnings += _deleted_warnings(files, records, diff) + _o2a_warnings(rendered, collection_guids)
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
        ),
        diff=diff,
        media=media,
        model_mods={kind: int(m["mod"]) for kind, m in models.items()},
        card_count=sum(r.cards for r in rendered),
        warnings=warnings,
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
) -> list[DeckBuild]:
    """Plan every deck, then (unless ``dry_run``) write each package and its manifest.

    With ``write_ids``, every deck is planned first (a bad source changes nothing), then the id
    lines are written into the sources and the decks planned again from them.
    """
    builds = plan(sources, out_dir, figures=figures, now=now, collection=collection)
    if write_ids:
        inserts = planned_ids([parse_file(path) for path in sources])
        for build_ in builds:
            build_.ids_written = sum(len(v) for v in inserts.values())
        if inserts and not dry_run:
            for path, lines in inserts.items():
                write_source_ids(Path(path), lines)
            builds = plan(sources, out_dir, figures=figures, now=now, collection=collection)
            for build_ in builds:
                build_.ids_written = sum(len(v) for v in inserts.values())
    if not dry_run:
        for deck_build in builds:
            deck_build.write()
    return builds
