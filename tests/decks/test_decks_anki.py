"""Packages checked by the real Anki: import into a fresh collection and look at the cards."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from deck_helpers import FIXED_TIME, FIXTURES, balanced_math, import_apkg, new_collection, tiny_png

from decks.apkg import ZIP_DATE
from decks.build import build
from decks.identity import build_time
from decks.notetypes import BASIC_MODEL_ID


def _fixture_copy(tmp_path: Path) -> Path:
    """features.md plus a picture note, in a folder of its own (images resolve beside it)."""
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "dot.png").write_bytes(tiny_png())
    text = (FIXTURES / "features.md").read_text(encoding="utf-8")
    text += "\n## Pictures\n\nWhat does the dot look like?\n\n![a grey dot](dot.png)\n"
    source = folder / "features.md"
    source.write_text(text, encoding="utf-8")
    return source


def test_fixture_deck_in_anki(tmp_path):
    source = _fixture_copy(tmp_path)
    (result,) = build([source], tmp_path / "out", figures=False)
    col = new_collection(tmp_path / "anki")
    try:
        log = import_apkg(col, result.package_path)
        assert len(log.new) == result.note_count == 10
        assert "gdkit-test::Features" in [d.name for d in col.decks.all_names_and_ids()]
        note_ids = col.find_notes('"deck:gdkit-test::Features"')
        card_ids = col.find_cards('"deck:gdkit-test::Features"')
        assert len(note_ids) == 10
        # 7 basic + 1 reversed (2 cards) + 3 clozes with 2 deletions each
        assert len(card_ids) == result.card_count == 6 + 2 + 6
        tags = set(col.tags.all())
        assert {
            "fixture",
            "course::week02",
            "fixture::basics",
            "fixture::tables_and_code",
            "fixture::clozes",
            "fixture::note_blocks",
            "fixture::pictures",
            "extra-tag",
        } <= tags
        for cid in card_ids:
            card = col.get_card(cid)
            question, answer = card.question(), card.answer()
            assert 'class="gd-prompt"' in question and question.strip()
            assert balanced_math(question) and balanced_math(answer)
            assert "$" not in answer.replace("$5", "")
        # the section is shown as a small header
        basics = col.get_card(col.find_cards("tag:fixture::basics")[0])
        assert '<div class="gd-section">Basics</div>' in basics.question()
        # cloze cards render a hidden deletion on the front and the text on the back
        cloze_cards = [col.get_card(c) for c in col.find_cards("tag:fixture::clozes")]
        assert len(cloze_cards) == 4
        for card in cloze_cards:
            assert 'class="cloze"' in card.question()
            assert "[...]" in card.question()
        first = next(c for c in cloze_cards if c.ord == 0 and "sigmoid" in c.answer())
        assert "\\(\\sigma(z)\\bigl(1 - \\sigma(z)\\bigr)\\)" in first.answer()
        # a cloze whose math holds }} and :: still has exactly its two deletions intact
        braces = next(c for c in cloze_cards if "sqrt" in c.answer() and c.ord == 0)
        assert "\\(\\frac{1}{\\sqrt{x} }\\)" in braces.answer()
        # reversed note: two cards, the second asks with the back
        reversed_cards = [
            col.get_card(c)
            for c in col.find_cards("tag:fixture::note_blocks")
            if col.get_card(c).note().note_type()["name"].endswith("reversed card)")
        ]
        assert sorted(c.ord for c in reversed_cards) == [0, 1]
        assert (
            "the vector of partial derivatives"
            in next(c for c in reversed_cards if c.ord == 1).question()
        )
        # the picture travels as media
        picture = col.get_card(col.find_cards("tag:fixture::pictures")[0])
        assert '<img src="dot.png"' in picture.answer()
        assert (Path(col.media.dir()) / "dot.png").read_bytes() == tiny_png()
    finally:
        col.close()


def test_edited_answer_updates_the_note_in_place(tmp_path):
    source = tmp_path / "notes.md"
    text = (
        "TARGET DECK: Test::Update\n\n## S\n\nWhat is the rate?\nIt is $\\eta$.\n\nOther?\nSame.\n"
    )
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    col = new_collection(tmp_path / "anki")
    try:
        # two builds within the same second: the changed note must still be newer
        (first,) = build([source], out, figures=False, now=FIXED_TIME)
        assert len(import_apkg(col, first.package_path).new) == 2
        source.write_text(
            text.replace("It is $\\eta$.", "It is $\\eta$, the step size."), encoding="utf-8"
        )
        (second,) = build([source], out, figures=False, now=FIXED_TIME)
        assert [r.question for r in second.diff.changed] == ["What is the rate?"]
        assert len(second.diff.unchanged) == 1
        log = import_apkg(col, second.package_path)
        assert len(log.updated) == 1 and len(log.new) == 0
        note_ids = col.find_notes('"deck:Test::Update"')
        assert len(note_ids) == 2
        assert len(col.find_cards('"deck:Test::Update"')) == 2
        backs = sorted(col.get_note(n)["Back"] for n in note_ids)
        assert backs[0].startswith("<p>It is \\(\\eta\\), the step size.</p>")
        # importing the unchanged rebuild again changes nothing
        (third,) = build([source], out, figures=False)
        log = import_apkg(col, third.package_path)
        assert len(log.updated) == 0 and len(log.new) == 0
        assert len(col.find_notes("")) == 2
    finally:
        col.close()


def test_edit_without_manifest_is_still_imported_as_an_update(tmp_path):
    """A learner who builds into a fresh folder still gets updates (build time is newer)."""
    source = tmp_path / "notes.md"
    source.write_text("TARGET DECK: Fresh\n\nQ?\nOld.\n", encoding="utf-8")
    col = new_collection(tmp_path / "anki")
    try:
        (first,) = build([source], tmp_path / "a", figures=False, now=FIXED_TIME)
        import_apkg(col, first.package_path)
        source.write_text("TARGET DECK: Fresh\n\nQ?\nNew.\n", encoding="utf-8")
        (second,) = build([source], tmp_path / "b", figures=False, now=FIXED_TIME + 60)
        assert len(import_apkg(col, second.package_path).updated) == 1
        (nid,) = col.find_notes("")
        assert col.get_note(nid)["Back"] == "<p>New.</p>"
    finally:
        col.close()


def test_removed_card_is_reported_by_the_diff(tmp_path):
    source = tmp_path / "notes.md"
    source.write_text("TARGET DECK: Rm\n\nKeep?\nYes.\n\nDrop?\nNo.\n", encoding="utf-8")
    out = tmp_path / "out"
    build([source], out, figures=False)
    source.write_text("TARGET DECK: Rm\n\nKeep?\nYes.\n", encoding="utf-8")
    before = (out / "Rm.apkg").read_bytes()
    (dry,) = build([source], out, figures=False, dry_run=True)
    assert [r.question for r in dry.diff.removed] == ["Drop?"]
    assert [r.question for r in dry.diff.unchanged] == ["Keep?"]
    assert dry.diff.new == [] and dry.diff.changed == []
    assert (out / "Rm.apkg").read_bytes() == before  # a dry run writes nothing


def test_rebuild_is_byte_identical(tmp_path):
    source = _fixture_copy(tmp_path)
    out = tmp_path / "out"
    (first,) = build([source], out, figures=False)
    data = first.package_path.read_bytes()
    manifest = first.manifest_path.read_bytes()
    (second,) = build([source], out, figures=False, now=build_time() + 3600)
    assert second.package_path.read_bytes() == data
    assert second.manifest_path.read_bytes() == manifest
    # nothing in the archive depends on the clock: entries carry a fixed date
    with zipfile.ZipFile(second.package_path) as archive:
        assert {info.date_time for info in archive.infolist()} == {ZIP_DATE}
        assert archive.namelist() == ["collection.anki2", "media", "0"]


def test_pinned_source_date_epoch_gives_identical_packages_anywhere(tmp_path, monkeypatch):
    source = _fixture_copy(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(FIXED_TIME))
    (a,) = build([source], tmp_path / "a", figures=False)
    (b,) = build([source], tmp_path / "b", figures=False)
    assert a.package_path.read_bytes() == b.package_path.read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(FIXED_TIME + 1))
    (c,) = build([source], tmp_path / "c", figures=False)
    assert c.package_path.read_bytes() != a.package_path.read_bytes()


def test_style_change_reaches_an_existing_collection(tmp_path, monkeypatch):
    """A new note-type hash gets a newer modification time, so Anki takes the new CSS."""
    from decks import notetypes

    source = tmp_path / "notes.md"
    source.write_text("TARGET DECK: Style\n\nQ?\nA.\n", encoding="utf-8")
    out = tmp_path / "out"
    col = new_collection(tmp_path / "anki")
    try:
        (first,) = build([source], out, figures=False, now=FIXED_TIME)
        import_apkg(col, first.package_path)
        palette = dict(notetypes.PALETTE, font_size=31)
        monkeypatch.setattr(notetypes, "PALETTE", palette)
        notetypes.note_types.cache_clear()
        (second,) = build([source], out, figures=False, now=FIXED_TIME)
        import_apkg(col, second.package_path)
        model = col.models.get(notetypes.BASIC_MODEL_ID)
        assert "font-size: 31px" in model["css"]
        assert len(col.find_notes("")) == 1
    finally:
        notetypes.note_types.cache_clear()
        col.close()


def test_temporary_files_do_not_linger(tmp_path):
    source = tmp_path / "n.md"
    source.write_text("TARGET DECK: Tmp\n\nQ?\nA.\n", encoding="utf-8")
    build([source], tmp_path / "out", figures=False)
    assert sorted(os.listdir(tmp_path / "out")) == ["Tmp.apkg", "Tmp.manifest.json"]
    shutil.rmtree(tmp_path / "out")


def test_seed_style_notes_import_as_is(tmp_path):
    (result,) = build([FIXTURES / "seed_style.txt"], tmp_path / "out", figures=False)
    col = new_collection(tmp_path / "anki")
    try:
        import_apkg(col, result.package_path)
        seed_notes = [col.get_note(n) for n in col.find_notes("-tag:week02::worked_examples")]
        assert len(seed_notes) == 7
        gd = [n for n in seed_notes if "week02::gd_variants" in n.tags]
        assert len(gd) == 2
        adam = next(n for n in gd if "Adam" in n["Front"])
        assert "<li>Momentum — exponentially decaying running mean" in adam["Back"]
        assert adam["Section"] == "GD variants"
        card = col.get_card(adam.card_ids()[0])
        assert '<div class="gd-section">GD variants</div>' in card.question()
    finally:
        col.close()


def _vault_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "vault"
    folder.mkdir()
    (folder / "figure.png").write_bytes(tiny_png(3, 3))
    source = folder / "obsidian_vault.md"
    source.write_text((FIXTURES / "obsidian_vault.md").read_text(encoding="utf-8"), "utf-8")
    return source


def test_obsidian_vault_notes_in_anki(tmp_path):
    (result,) = build([_vault_copy(tmp_path)], tmp_path / "out", figures=False)
    col = new_collection(tmp_path / "anki")
    try:
        log = import_apkg(col, result.package_path)
        assert len(log.new) == result.note_count == 11
        notes = {nid: col.get_note(nid) for nid in col.find_notes('"deck:Peers::Obsidian"')}
        assert 1566052191670 in notes and 1566052191671 in notes  # O2A ids are the note ids
        by_front = {n.fields[0]: n for n in notes.values()}
        first = notes[1566052191670]
        assert "ID:" not in first["Back"] and "costs $5 and a book $10" in first["Back"]
        assert "\\(" in first["Back"]  # the real formula is still math
        figure = by_front["<p>What does the trace figure show?</p>"]
        assert '<img src="figure.png"' in figure["Back"]
        assert (Path(col.media.dir()) / "figure.png").read_bytes() == tiny_png(3, 3)
        assert (
            "<blockquote>" in figure["Back"]
            and "<strong>Reading the plot</strong>" in (figure["Back"])
        )
        typein = next(n for n in notes.values() if n.note_type()["name"].endswith("answer)"))
        card = col.get_card(typein.card_ids()[0])
        assert "[[type:Back]]" in card.question()  # where Anki's reviewer puts its answer box
        clozes = [n for n in notes.values() if n.note_type()["type"] == 1]
        assert sorted(len(n.card_ids()) for n in clozes) == [1, 1, 2]
        reversed_notes = [n for n in notes.values() if len(n.card_ids()) == 2 and n not in clozes]
        assert [n["Front"] for n in reversed_notes] == ["<p>gradient</p>"]
        tags = set(col.tags.all())
        assert {"fixture", "obsidian::vault", "peers", "o2a", "sign", "direction"} <= tags
        assert not any(t.endswith(",") for t in tags)
        for cid in col.find_cards('"deck:Peers::Obsidian"'):
            c = col.get_card(cid)
            for side in (c.question(), c.answer()):
                assert balanced_math(side)
                side = side.replace("[[type:Back]]", "")  # Anki's own answer-box marker
                for literal in ("[[", "]]", "==", "%%", "[!note]", "STARTI", "DELETE", "Q:"):
                    assert literal not in side, (literal, side)
    finally:
        col.close()


def test_migrating_from_obsidian_to_anki_reaches_the_notes_o2a_made(tmp_path):
    """O2A added its notes through AnkiConnect: Anki gave them random GUIDs. Reading those GUIDs
    from the collection (--anki-collection), the package reaches the same notes: no copies."""
    col = new_collection(tmp_path / "anki")
    try:
        basic = col.models.by_name("Basic")
        made = col.new_note(basic)
        made["Front"], made["Back"] = "What does the learning rate scale?", "The step."
        col.add_note(made, col.decks.id("Peers::O2A"))
        card = col.get_card(made.card_ids()[0])
        card.start_timer()
        col.sched.answerCard(card, 4)
        source = tmp_path / "o2a.md"
        source.write_text(
            "TARGET DECK: Peers::O2A\n\nSTART\nBasic\nFront: What does the learning rate scale?"
            f"\nBack: The step, along the negative gradient.\nID: {made.id}\nEND\n",
            encoding="utf-8",
        )
        collection_file = Path(col.path)
        col.close()
        (result,) = build([source], tmp_path / "out", figures=False, collection=collection_file)
        (warning,) = result.warnings
        assert f"nid:{made.id}" in warning and "Change Note Type" in warning
        (packaged,) = result.notes
        assert (packaged.note_id, packaged.guid) == (made.id, made.guid)
        col = new_collection(tmp_path / "anki")
        log = import_apkg(col, result.package_path)
        assert len(log.new) == 0 and len(log.conflicting) == 1  # as the warning says
        assert col.find_notes("") == [made.id]  # the O2A note, not a copy beside it
        # the one step the warning asks for: Change Note Type → gdkit Basic, in Anki
        request = col.models.change_notetype_info(
            old_notetype_id=basic["id"], new_notetype_id=BASIC_MODEL_ID
        ).input
        request.note_ids.extend([made.id])
        col.models.change_notetype_of_notes(request)
        col.close()
        (again,) = build([source], tmp_path / "out", figures=False, collection=collection_file)
        assert again.warnings == []
        col = new_collection(tmp_path / "anki")
        log = import_apkg(col, again.package_path)
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
        assert "negative gradient" in col.get_note(made.id)["Back"]
        assert col.db.scalar("select count() from revlog where cid = ?", card.id) == 1
    finally:
        col.close()


def test_an_o2a_id_that_the_collection_lacks_is_reported(tmp_path):
    col = new_collection(tmp_path / "anki")
    collection_file = Path(col.path)
    col.close()
    source = tmp_path / "o2a.md"
    source.write_text("TARGET DECK: P\n\nQ?\nA.\nID: 1566052191670\n", encoding="utf-8")
    (result,) = build([source], tmp_path / "out", figures=False, collection=collection_file)
    assert any("not in the collection" in w for w in result.warnings)


def test_inka_cards_in_anki(tmp_path):
    (result,) = build([FIXTURES / "inka_cards.md"], tmp_path / "out", figures=False)
    col = new_collection(tmp_path / "anki")
    try:
        assert len(import_apkg(col, result.package_path).new) == 3
        assert len(col.find_cards('"deck:Peers::Inka"')) == 1 + 2 + 2
        note = col.get_note(1566052191700)  # inka's id is the note id
        assert note["Back"].startswith("<p>Each step along the negative gradient.")
        assert "<blockquote>" not in note["Back"] and "&gt;" not in note["Back"]  # not a quote
    finally:
        col.close()


def test_a_changed_note_type_is_reported_as_anki_will_not_apply_it(tmp_path):
    source = tmp_path / "n.md"
    block = "START\n{kind}\nFront: gradient\nBack: the vector of partial derivatives\nEND\n"
    source.write_text("TARGET DECK: Retype\n\n" + block.format(kind="Basic"), encoding="utf-8")
    out = tmp_path / "out"
    col = new_collection(tmp_path / "anki")
    try:
        import_apkg(col, build([source], out, figures=False, now=FIXED_TIME)[0].package_path)
        source.write_text(
            "TARGET DECK: Retype\n\n" + block.format(kind="Basic (and reversed card)"), "utf-8"
        )
        (second,) = build([source], out, figures=False, now=FIXED_TIME)
        (warning,) = second.warnings
        assert "note type changed (basic → reversed)" in warning
        log = import_apkg(col, second.package_path)
        assert len(log.conflicting) == 1 and len(col.find_notes("")) == 1  # as the warning says
    finally:
        col.close()
