"""A note's identity does not depend on its deck's name or its file: renames, moves, upgrades.

Checked in a real Anki collection with review history: a TARGET DECK rename keeps every note
and its cards' history and adds no copy; what Anki does with the cards' deck on such an import
(it leaves them where they were) and that the build's advice puts them in the renamed deck; an
upgrade from a build made before GUIDs stopped naming the deck (the fixture in
``fixtures/legacy``) keeps the GUIDs it recorded; the computed cards follow the week-2 source
under any name.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from click.testing import CliRunner
from deck_helpers import FIXED_TIME, FIXTURES, import_apkg, new_collection, package_ids, review_all

from decks.build import build, default_source
from decks.cli import decks
from decks.computed import COMPUTED_DECK, computed_notes
from decks.identity import Manifest, legacy_guid, note_guid
from decks.mistakes import MISTAKES_DECK, plan_mistakes

SOURCE = """TARGET DECK: Course::Week-A
FILE TAGS: rates

## Rates

What does the learning rate scale?
The length of each step along the negative gradient.

What happens when the learning rate is far too large?
<!-- id: rate-too-large -->
The steps jump past the minimum.

A rate that is too small makes progress {{c1::very slow}}.
"""
RENAMED = "Course::Rates and steps"


def _collection_state(col) -> dict[str, tuple[str, tuple[tuple[int, int], ...]]]:
    """GUID → (deck of its cards, (interval, review count) of each card) for every note."""
    out = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        cards = [col.get_card(cid) for cid in sorted(note.card_ids())]
        decks = {col.decks.name(card.did) for card in cards}
        assert len(decks) == 1, decks
        history = tuple(
            (c.ivl, col.db.scalar("select count() from revlog where cid = ?", c.id)) for c in cards
        )
        out[note.guid] = (decks.pop(), history)
    return out


def _rename(source: Path, new: str) -> None:
    text = source.read_text(encoding="utf-8")
    old = text.splitlines()[0]
    source.write_text(text.replace(old, f"TARGET DECK: {new}", 1), encoding="utf-8")


def test_the_guid_of_a_note_names_neither_its_deck_nor_its_file(tmp_path):
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text(SOURCE, encoding="utf-8")
    second.write_text("TARGET DECK: Elsewhere\n\nWhat is momentum?\nA running mean.\n")
    (a,) = build([first], tmp_path / "out1", figures=False, now=FIXED_TIME)
    # the rate notes move to another file, of another deck
    body = SOURCE.split("\n", 1)[1]
    first.write_text("TARGET DECK: Something::Else\n\n## Other\n\nWhy?\nBecause.\n")
    second.write_text(second.read_text() + body, encoding="utf-8")
    b = build([first, second], tmp_path / "out2", figures=False, now=FIXED_TIME)[1]
    assert set(package_ids(a.package_path)) < set(package_ids(b.package_path))
    assert note_guid("id:rate-too-large") in package_ids(b.package_path)


def test_a_renamed_deck_keeps_every_note_and_its_history_in_anki(tmp_path):
    source, out = tmp_path / "notes.md", tmp_path / "out"
    source.write_text(SOURCE, encoding="utf-8")
    (first,) = build([source], out, figures=False, now=FIXED_TIME)
    col = new_collection(tmp_path / "anki")
    assert len(import_apkg(col, first.package_path).new) == 3
    review_all(col, "Course::Week-A")
    before = _collection_state(col)
    col.close()

    _rename(source, RENAMED)
    source.write_text(source.read_text().replace("negative gradient", "downhill direction"))
    (second,) = build([source], out, figures=False, now=FIXED_TIME + 60)
    assert second.renamed_from == "Course::Week-A"
    assert (len(second.diff.new), len(second.diff.changed), len(second.diff.removed)) == (0, 1, 0)
    (advice,) = [w for w in second.warnings if "renamed" in w]
    assert "rename that deck to 'Course::Rates and steps' in Anki" in advice
    assert advice.count(". ") == 0  # one sentence
    assert set(package_ids(second.package_path)) == set(before)

    # what Anki does when the advice is ignored: notes updated, cards left in the old deck
    shutil.copytree(tmp_path / "anki", tmp_path / "anki-advised")
    col = new_collection(tmp_path / "anki")
    log = import_apkg(col, second.package_path)
    assert (len(log.new), len(log.updated)) == (0, 1)
    after = _collection_state(col)
    assert after == before  # every note, every card's history, the old deck, no copy
    assert col.find_cards(f'"deck:{RENAMED}"') == []
    # ... and the way out the advice gives when the package was imported already
    col.set_deck(col.find_cards('"deck:Course::Week-A"'), col.decks.id_for_name(RENAMED))
    assert {deck for deck, _ in _collection_state(col).values()} == {RENAMED}
    col.close()

    # the advice followed: rename the deck in Anki first, then import
    col = new_collection(tmp_path / "anki-advised")
    col.decks.rename(col.decks.id_for_name("Course::Week-A"), RENAMED)
    log = import_apkg(col, second.package_path)
    assert (len(log.new), len(log.updated)) == (0, 1)
    state = _collection_state(col)
    assert {g: h for g, (_, h) in state.items()} == {g: h for g, (_, h) in before.items()}
    assert {deck for deck, _ in state.values()} == {RENAMED}
    assert "downhill direction" in " ".join(
        col.get_note(n).fields[1] for n in col.find_notes(f'"deck:{RENAMED}"')
    )
    col.close()

    # the next build finds its own manifest: nothing renamed, nothing to say
    (third,) = build([source], out, figures=False, now=FIXED_TIME + 120)
    assert third.renamed_from == "" and not third.warnings
    assert len(third.diff.unchanged) == 3


def _legacy_copy(tmp_path: Path) -> tuple[Path, Path]:
    """The fixture: a source and the package + manifest a build before format 3 made of it."""
    folder = tmp_path / "legacy"
    shutil.copytree(FIXTURES / "legacy", folder)
    return folder / "rates.md", folder


def test_the_legacy_fixture_is_what_it_claims():
    manifest = Manifest.load(FIXTURES / "legacy" / "Course-Rates.manifest.json")
    assert manifest is not None and manifest.format == 2
    guids = set(package_ids(FIXTURES / "legacy" / "Course-Rates.apkg"))
    assert legacy_guid("Course::Rates", "id:rate-too-large") in guids
    assert note_guid("id:rate-too-large") not in guids


def test_an_upgrade_keeps_the_guids_an_older_build_recorded_in_anki(tmp_path):
    source, out = _legacy_copy(tmp_path)
    old_ids = package_ids(out / "Course-Rates.apkg")
    col = new_collection(tmp_path / "anki")
    assert len(import_apkg(col, out / "Course-Rates.apkg").new) == 4
    review_all(col, "Course::Rates")
    before = _collection_state(col)
    source.write_text(source.read_text().replace("oscillates or grows", "grows"))
    (build_,) = build([source], out, figures=False, now=FIXED_TIME + 60)
    assert not build_.diff.new and len(build_.diff.changed) == 1
    assert package_ids(build_.package_path) == old_ids  # same GUIDs, note ids and card ids
    log = import_apkg(col, build_.package_path)
    assert (len(log.new), len(log.updated)) == (0, 1)
    assert _collection_state(col) == before
    # the manifest now knows each note by its own GUID too: a rename later still finds them
    manifest = Manifest.load(out / "Course-Rates.manifest.json")
    assert manifest is not None and manifest.format == 3
    assert note_guid("id:rate-too-large") in {r.source_guid for r in manifest.notes.values()}
    _rename(source, "Course::Renamed later")
    (renamed,) = build([source], out, figures=False, now=FIXED_TIME + 120)
    assert renamed.renamed_from == "Course::Rates" and not renamed.diff.new
    assert package_ids(renamed.package_path) == old_ids


def test_an_upgrade_and_a_rename_at_once_keep_the_guids(tmp_path):
    source, out = _legacy_copy(tmp_path)
    old_ids = package_ids(out / "Course-Rates.apkg")
    _rename(source, "Course::Renamed")
    (build_,) = build([source], out, figures=False, now=FIXED_TIME + 60)
    assert build_.renamed_from == "Course::Rates"
    assert len(build_.diff.unchanged) == 4 and not build_.diff.new
    assert package_ids(build_.package_path) == old_ids


def test_a_deck_holding_one_note_of_another_is_not_a_rename(tmp_path):
    """A manifest is claimed only when it knows at least half of its notes among ours."""
    source, out = tmp_path / "notes.md", tmp_path / "out"
    source.write_text(SOURCE, encoding="utf-8")
    build([source], out, figures=False, now=FIXED_TIME)
    other = tmp_path / "other.md"
    kept = "What does the learning rate scale?\nThe length of each step.\n"
    other.write_text(f"TARGET DECK: Unrelated\n\n{kept}\nWhat else?\nMore.\n")
    (unrelated,) = build([other], out, figures=False, now=FIXED_TIME + 60)
    assert unrelated.renamed_from == ""
    assert len(unrelated.diff.new) == 1 and len(unrelated.diff.moved_in) == 1


def test_the_mistakes_deck_is_never_taken_for_a_renamed_week2_deck(tmp_path):
    out = tmp_path / "out"
    report = tmp_path / "report.json"
    report.write_text(
        '{"exercises": [{"name": "adam", "checks": [{"diagnosis": "eps_inside_sqrt"}]}]}'
    )
    planned = plan_mistakes(report, out, figures=False, now=FIXED_TIME)
    assert planned.build is not None
    planned.build.write()
    guids = set(package_ids(planned.build.package_path))
    assert note_guid("id:adam-epsilon", MISTAKES_DECK) in guids
    assert note_guid("id:adam-epsilon") not in guids  # never the week-2 note's GUID
    (week2,) = build([], out, figures=False, now=FIXED_TIME + 60)
    assert week2.renamed_from == "" and not week2.diff.previous_build


def test_computed_cards_follow_the_week2_source_under_any_name_in_anki(tmp_path):
    source, out = tmp_path / "week02.md", tmp_path / "out"
    shutil.copyfile(default_source(), source)
    computed = {note_guid(n.key) for n in computed_notes(figures=False)}
    (first,) = build([source], out, figures=False, now=FIXED_TIME)
    assert first.deck == COMPUTED_DECK and computed <= set(package_ids(first.package_path))
    col = new_collection(tmp_path / "anki")
    import_apkg(col, first.package_path)
    review_all(col, COMPUTED_DECK)
    before = _collection_state(col)

    _rename(source, "My course::Gradient descent")
    (second,) = build([source], out, figures=False, now=FIXED_TIME + 60)
    assert second.renamed_from == COMPUTED_DECK
    assert computed <= set(package_ids(second.package_path))
    assert second.note_count == first.note_count and not second.diff.new
    col.decks.rename(col.decks.id_for_name(COMPUTED_DECK), "My course::Gradient descent")
    log = import_apkg(col, second.package_path)
    assert len(log.new) == 0
    state = _collection_state(col)
    assert {g: h for g, (_, h) in state.items()} == {g: h for g, (_, h) in before.items()}
    assert {deck for deck, _ in state.values()} == {"My course::Gradient descent"}
    assert len(col.find_notes("tag:week02::worked_examples")) == len(computed)
    col.close()


def test_the_shipped_source_gets_the_computed_cards_whatever_it_is_named(tmp_path, monkeypatch):
    """Rule 1: the shipped file itself (here a stand-in for it), renamed before any build."""
    source = tmp_path / "week02.md"
    shutil.copyfile(default_source(), source)
    _rename(source, "Renamed before any build")
    monkeypatch.setattr("decks.build.default_source", lambda: source)
    (result,) = build([source], tmp_path / "out", figures=False, now=FIXED_TIME, dry_run=True)
    keys = {note_guid(n.key) for n in computed_notes(figures=False)}
    assert keys <= {n.guid for n in result.notes}
    # a renamed copy elsewhere, never built, is not the week-2 deck: no computed cards
    other = tmp_path / "copy.md"
    shutil.copyfile(source, other)
    (copy,) = build([other], tmp_path / "out2", figures=False, now=FIXED_TIME, dry_run=True)
    assert not keys & {n.guid for n in copy.notes}


TWO_DECKS = {
    "a.md": "TARGET DECK: Course::A\nFILE TAGS: t\n\nWhat is one?\nOne.\n\nWhat is two?\nTwo.\n",
    "b.md": "TARGET DECK: Course::B\nFILE TAGS: t\n\nWhat is three?\nThree.\n",
}
MOVED = "What is two?\nTwo.\n"


def _two_decks(tmp_path: Path) -> tuple[Path, Path]:
    for name, text in TWO_DECKS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / "a.md", tmp_path / "b.md"


def _move_two(a: Path, b: Path) -> None:
    a.write_text(a.read_text().replace("\n" + MOVED, ""), encoding="utf-8")
    b.write_text(b.read_text() + "\n" + MOVED, encoding="utf-8")


def test_a_note_moved_to_another_deck_keeps_its_note_and_history_in_anki(tmp_path):
    a, b = _two_decks(tmp_path)
    out = tmp_path / "out"
    first = build([a, b], out, figures=False, now=FIXED_TIME)
    col = new_collection(tmp_path / "anki")
    for built in first:
        import_apkg(col, built.package_path)
    review_all(col, "Course::A")
    before = _collection_state(col)
    _move_two(a, b)
    deck_a, deck_b = build([a, b], out, figures=False, now=FIXED_TIME + 60)
    assert [r.question for r in deck_a.diff.moved_out] == ["What is two?"]
    assert not deck_a.diff.removed and not deck_b.diff.new
    assert list(deck_b.diff.moved_in.values()) == ["Course::A"]
    (advice,) = [w for w in deck_b.warnings if "moved here" in w]
    for built in (deck_a, deck_b):
        log = import_apkg(col, built.package_path)
        assert not log.new
    assert _collection_state(col) == before  # the same notes, cards, history; none removed
    assert col.find_notes("tag:gdkit::removed") == []
    search = re.search(r"search (nid:[0-9,]+), select all", advice).group(1)
    col.set_deck(col.find_cards(search), col.decks.id_for_name("Course::B"))
    moved = [g for g, (deck, _) in _collection_state(col).items() if deck == "Course::B"]
    assert len(moved) == 2  # "three" and the moved "two"
    col.close()


def test_a_note_moved_between_decks_built_one_at_a_time(tmp_path):
    a, b = _two_decks(tmp_path)
    out = tmp_path / "out"
    build([a], out, figures=False, now=FIXED_TIME)
    build([b], out, figures=False, now=FIXED_TIME)
    _move_two(a, b)
    (deck_b,) = build([b], out, figures=False, now=FIXED_TIME + 60)
    assert list(deck_b.diff.moved_in.values()) == ["Course::A"] and not deck_b.diff.new
    (deck_a,) = build([a], out, figures=False, now=FIXED_TIME + 120)
    assert len(deck_a.diff.moved_out) == 1 and not deck_a.diff.removed
    assert not [w for w in deck_a.warnings if "also in the last build" in w]


def test_one_note_in_two_decks(tmp_path):
    a, b = _two_decks(tmp_path)
    b.write_text(b.read_text() + "\n" + MOVED, encoding="utf-8")  # a copy, not a move
    out = tmp_path / "out"
    result = CliRunner().invoke(decks, ["build", str(a), str(b), "-o", str(out), "--no-figures"])
    assert result.exit_code == 1
    assert "b.md:7: the same note is in deck 'Course::A' (a.md:7) and in deck 'Course::B'" in (
        result.output
    )
    assert not out.exists()
    # built one at a time, the second deck's build cannot refuse: it says so instead
    build([a], out, figures=False, now=FIXED_TIME)
    build([b], out, figures=False, now=FIXED_TIME)
    (again,) = build([a], out, figures=False, now=FIXED_TIME + 60)
    (shared,) = [w for w in again.warnings if "also in the last build" in w]
    assert shared.startswith("1 note is also in the last build of deck 'Course::B' (first: a.md:7)")
