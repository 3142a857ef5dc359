"""GUIDs, fixed ids, the manifest and the new/changed/unchanged/removed decision."""

from __future__ import annotations

import genanki
import pytest

from decks import notetypes
from decks.build import build
from decks.identity import (
    REMOVED_TAG,
    Candidate,
    Manifest,
    NoteRecord,
    assign,
    clock_warnings,
    content_hash,
    first_note_id,
    legacy_guid,
    note_guid,
)
from decks.similarity import THRESHOLD, match_notes


def test_week02_deck_id_is_the_pinned_constant():
    assert notetypes.deck_id("NeuralComputation::Week-02") == notetypes.WEEK02_DECK_ID
    assert notetypes.deck_id("NeuralComputation::Week-03") != notetypes.WEEK02_DECK_ID


def test_model_ids_are_fixed_and_distinct():
    types = notetypes.note_types()
    ids = {t.model_id for t in types.values()}
    assert ids == {
        notetypes.BASIC_MODEL_ID,
        notetypes.REVERSED_MODEL_ID,
        notetypes.TYPEIN_MODEL_ID,
        notetypes.CLOZE_MODEL_ID,
    }
    assert len(ids) == 4
    assert "{{type:Back}}" in types["typein"].templates[0]["qfmt"]
    assert types["cloze"].is_cloze and not types["basic"].is_cloze
    assert [t["name"] for t in types["reversed"].templates] == ["Card 1", "Card 2"]


def test_templates_show_the_section_and_support_night_mode():
    types = notetypes.note_types()
    for t in types.values():
        for template in t.templates:
            header = '{{#Section}}<div class="gd-section">{{Section}}</div>{{/Section}}'
            assert header in template["qfmt"]
        assert ".nightMode" in t.css and "@media (max-width: 600px)" in t.css
    assert "{{cloze:Text}}" in types["cloze"].templates[0]["qfmt"]
    assert "{{Extra}}" in types["cloze"].templates[0]["afmt"]


def test_guid_depends_on_the_key_alone_unless_a_space_is_given():
    assert note_guid("What?") == genanki.guid_for("What?")
    assert note_guid("id:x") != note_guid("What?")
    assert note_guid("What?", "Copies") == genanki.guid_for("Copies", "What?") != note_guid("What?")
    # the scheme of manifests before format 3 named the deck
    assert legacy_guid("D", "What?") == genanki.guid_for("D", "What?") != legacy_guid("E", "What?")


def test_content_hash_sees_fields_tags_and_media():
    base = content_hash("basic", ("q", "a", "s"), ("t",), {"m.png": b"1"})
    assert base == content_hash("basic", ("q", "a", "s"), ("t",), {"m.png": b"1"})
    assert base != content_hash("basic", ("q", "a2", "s"), ("t",), {"m.png": b"1"})
    assert base != content_hash("basic", ("q", "a", "s"), ("t", "u"), {"m.png": b"1"})
    assert base != content_hash("basic", ("q", "a", "s"), ("t",), {"m.png": b"2"})
    assert base != content_hash("cloze", ("q", "a", "s"), ("t",), {"m.png": b"1"})


def _manifest(records: list[NoteRecord]) -> Manifest:
    return Manifest("D", 1, "D.apkg", {r.guid: r for r in records}, {})


def test_assign_new_changed_unchanged_removed():
    old = _manifest(
        [
            NoteRecord("g1", "h1", 1_000_000, 500, "one?", "a.md:1"),
            NoteRecord("g2", "h2", 1_000_100, 500, "two?", "a.md:3"),
            NoteRecord("g3", "h3", 1_000_200, 2_000, "three?", "a.md:5"),
        ]
    )
    candidates = [
        Candidate("g1", "h1", "one?", "a.md:1"),
        Candidate("g3", "h3-edited", "three?", "a.md:3"),
        Candidate("g4", "h4", "four?", "a.md:5"),
    ]
    records, diff = assign(candidates, old, now=1_000)
    by_guid = {r.guid: r for r in records}
    assert [r.guid for r in diff.unchanged] == ["g1"] and by_guid["g1"].mod == 500
    assert [r.guid for r in diff.changed] == ["g3"]
    assert by_guid["g3"].mod == 2_001  # newer than the imported note even with a slow clock
    assert by_guid["g3"].note_id == 1_000_200
    assert [r.guid for r in diff.new] == ["g4"]
    assert by_guid["g4"].mod == 1_000
    assert by_guid["g4"].note_id == 1_000_300  # after every previous id (+ stride)
    assert [r.guid for r in diff.removed] == ["g2"]


def test_new_ids_never_collide_with_previous_ones():
    old = _manifest([NoteRecord("g1", "h", 9_999_999_999_999, 5, "q", "a:1")])
    records, _ = assign(
        [Candidate("g2", "h", "r", "a:2"), Candidate("g3", "h", "s", "a:3")], old, now=1
    )
    # after every previous id, on a multiple of the stride (so card ids never overlap)
    assert [r.note_id for r in records] == [10_000_000_000_100, 10_000_000_000_200]


def test_new_ids_skip_the_ids_other_decks_hold():
    cands = [Candidate(f"g{i}", "h", f"q{i}?", f"a:{i}") for i in range(3)]
    records, _ = assign(cands, None, 5, first_id=5_000, taken={5_000, 5_200})
    assert [r.note_id for r in records] == [5_100, 5_300, 5_400]


def test_each_deck_starts_its_ids_elsewhere_within_the_build_second_range():
    starts = {first_note_id(f"Deck {i}", 1_000) for i in range(50)}
    assert len(starts) > 45
    assert all(1_000_000 <= s < 1_000_000 + 1_000_000 and s % 100 == 0 for s in starts)


def test_decks_built_together_or_into_one_folder_never_share_an_id(tmp_path, monkeypatch):
    # every deck starts at the same id here, so only the checks below keep them apart
    monkeypatch.setattr("decks.build.first_note_id", lambda deck, now: now * 1000)
    a = tmp_path / "a.md"
    b = tmp_path / "b.md"
    a.write_text("TARGET DECK: A\n\n" + "".join(f"A{i}?\nx\n\n" for i in range(30)))
    b.write_text("TARGET DECK: B\n\n" + "".join(f"B{i}?\nx\n\n" for i in range(30)))
    together = build([a, b], tmp_path / "one", figures=False, now=9)
    ids = [n.note_id for deck in together for n in deck.notes]
    assert len(set(ids)) == len(ids) == 60
    # one deck at a time into one folder: the second skips the ids in the first's manifest
    (first,) = build([a], tmp_path / "two", figures=False, now=9)
    (second,) = build([b], tmp_path / "two", figures=False, now=9)
    assert not {n.note_id for n in first.notes} & {n.note_id for n in second.notes}


def test_manifest_round_trip(tmp_path):
    manifest = _manifest([NoteRecord("g1", "h1", 7, 8, "σ?", "a.md:1")])
    manifest.models = {"basic": {"hash": "x", "mod": 3}}
    path = tmp_path / "m.json"
    path.write_text(manifest.to_json(), encoding="utf-8")
    loaded = Manifest.load(path)
    assert loaded == manifest


def test_unreadable_manifest_means_a_fresh_start(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("{not json", encoding="utf-8")
    assert Manifest.load(path) is None
    assert Manifest.load(tmp_path / "missing.json") is None


# -- similarity matching ------------------------------------------------------------------------


ANSWER = " It scales each step along the negative gradient of the loss."


def _old(guid: str, text: str, note_id: int, kind: str = "basic") -> NoteRecord:
    return NoteRecord(
        guid,
        "h-" + guid,
        note_id,
        500,
        text[:20],
        f"a.md:{note_id}",
        kind=kind,
        fields=(text, "", ""),
        tags=("t",),
        text=text,
    )


def _cand(guid: str, text: str, kind: str = "basic") -> Candidate:
    return Candidate(
        guid,
        "h-new-" + guid,
        text[:20],
        "a.md:1",
        kind=kind,
        text=text,
        fields=(text, "", ""),
        tags=("t",),
    )


def test_a_reworded_note_keeps_the_old_guid_and_id():
    old = _manifest([_old("g-old", "What does the lerning rate scale?" + ANSWER, 7_000)])
    new = [_cand("g-new", "What does the learning rate scale?" + ANSWER)]
    records, diff = assign(new, old, now=1_000)
    assert [(r.guid, r.note_id, r.source_guid) for r in records] == [("g-old", 7_000, "g-new")]
    assert diff.changed == records[:1] and diff.new == [] and diff.removed == []
    assert diff.matched["g-old"] > 0.95
    # the next build finds it by the GUID its text derives now, without matching again
    again, diff2 = assign(new, _manifest(records), now=2_000)
    assert again[0].guid == "g-old" and diff2.unchanged and not diff2.matched


@pytest.mark.parametrize(
    ("edited", "kept"),
    [
        ("What does the learning rate scale?" + ANSWER, True),  # one letter: ~0.99
        ("How far does one step go?" + ANSWER, True),  # new question, same answer: ~0.8
        ("What does momentum do? It keeps a running mean of past gradients.", False),
    ],
)
def test_threshold(edited, kept):
    original = "What does the lerning rate scale?" + ANSWER
    (match,) = match_notes([("basic", original)], [("basic", original)])
    assert match.score == 1.0
    found = match_notes([("basic", edited)], [("basic", original)])
    assert bool(found) == kept
    if found:
        assert found[0].score >= THRESHOLD


def test_notes_of_another_kind_are_never_matched():
    assert match_notes([("cloze", "same text" + ANSWER)], [("basic", "same text" + ANSWER)]) == []


def test_ambiguous_matches_are_reported_not_guessed():
    old = _manifest(
        [
            _old("g1", "What is the rate in run 1?" + ANSWER, 1_000),
            _old("g2", "What is the rate in run 2?" + ANSWER, 1_100),
        ]
    )
    records, diff = assign([_cand("g3", "What is the rate in run 3?" + ANSWER)], old, now=5)
    assert [r.guid for r in diff.new] == ["g3"]
    assert {r.guid for r in diff.removed} == {"g1", "g2"}
    (message,) = diff.ambiguous
    assert "a.md:1000" in message and "a.md:1100" in message and "id" in message


def test_removed_notes_are_packaged_again_with_the_removed_tag():
    old = _manifest([_old("g1", "Kept?" + ANSWER, 1_000), _old("g2", "Gone?" + ANSWER, 1_100)])
    records, diff = assign([_cand("g1", "Kept?" + ANSWER)], old, now=2_000)
    gone = records[-1]
    assert gone.guid == "g2" and gone.removed and gone.note_id == 1_100
    assert gone.tags == ("t", REMOVED_TAG) and gone.fields == ("Gone?" + ANSWER, "", "")
    assert gone.mod == 2_000 and diff.removed == [gone]
    # still removed in the next build: same record, same time (reproducible)
    records2, diff2 = assign([_cand("g1", "Kept?" + ANSWER)], _manifest(records), now=3_000)
    assert records2[-1] == gone and diff2.still_removed == [gone] and diff2.removed == []


def test_obsidian_to_anki_id_becomes_the_note_id():
    cand = Candidate("g", "h", "q", "a:1", anki_id=1566052191670)
    (record,), _ = assign([cand], None, now=1_700_000_000)
    assert record.note_id == 1566052191670


def test_clock_warnings():
    previous = _manifest([NoteRecord("g", "h", 1, 5_000, "q", "a:1")])
    assert clock_warnings(4_000, previous, clock=4_000)[0].startswith("the build time")
    assert "older than the previous build" in clock_warnings(4_000, previous, clock=4_000)[0]
    assert clock_warnings(4_990, previous, clock=4_990) == []  # +1 s steps of quick rebuilds
    assert "in the future" in clock_warnings(10**9, None, clock=1_000)[0]
    assert clock_warnings(10**9, None, clock=10**9 - 3600) == []
    assert clock_warnings(6_000, previous, clock=6_000) == []


def test_a_format_1_manifest_is_still_read(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(
        '{"format": 1, "deck": "D", "deck_id": 1, "package": "D.apkg", "models": {},'
        ' "notes": [{"guid": "g", "hash": "h", "id": 5, "mod": 6, "question": "q",'
        ' "origin": "a:1"}]}',
        encoding="utf-8",
    )
    loaded = Manifest.load(path)
    assert loaded is not None and loaded.notes["g"].note_id == 5
    _, diff = assign([], loaded, now=10)
    assert [r.guid for r in diff.removed] == ["g"]  # reported; no fields to package again


def test_a_note_that_had_its_own_id_is_never_continued_by_similarity():
    gone = _old("g-old", "What does the lerning rate scale?" + ANSWER, 7_000)
    gone.explicit = True
    records, diff = assign(
        [_cand("g-new", "What does the learning rate scale?" + ANSWER)], _manifest([gone]), now=9
    )
    assert [r.guid for r in diff.new] == ["g-new"] and not diff.matched


def test_no_two_notes_of_the_week2_source_are_close_enough_to_be_confused():
    """The threshold against real notes: distinct notes of the shipped deck stay below it."""
    from decks.build import default_source
    from decks.parser import parse_file
    from decks.render import plain_text

    notes = parse_file(default_source()).notes
    texts = [(n.kind, " ".join(plain_text(f.text) for f in n.fields if f.text)) for n in notes]
    for i, (kind, text) in enumerate(texts):
        others = texts[:i] + texts[i + 1 :]
        assert match_notes([(kind, text)], others) == [], notes[i].fields[0].text


def test_blocked_scoring_finds_the_same_matches(monkeypatch):
    """Past EXACT_PAIRS pairs, only pairs sharing a rare word are scored: same answer here."""
    from decks import similarity

    old = [
        ("basic", f"What does term{i} mean for run {i}? It means step{i} of{i}.") for i in range(60)
    ]
    new = [("basic", t.replace("What does", "What do")) for _, t in old[::3]]
    exact = similarity.match_notes(new, old)
    monkeypatch.setattr(similarity, "EXACT_PAIRS", 10)
    blocked = similarity.match_notes(new, old)
    assert [(m.new, m.old) for m in blocked] == [(m.new, m.old) for m in exact]
    assert [(m.new, m.old) for m in exact] == [(k, 3 * k) for k in range(20)]
