"""GUIDs, fixed ids, the manifest and the new/changed/unchanged/removed decision."""

from __future__ import annotations

import genanki

from decks import notetypes
from decks.identity import Candidate, Manifest, NoteRecord, assign, content_hash, note_guid


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


def test_guid_depends_on_deck_and_key_only():
    assert note_guid("D", "What?") == genanki.guid_for("D", "What?")
    assert note_guid("D", "What?") != note_guid("E", "What?")
    assert note_guid("D", "id:x") != note_guid("D", "What?")


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
    assert [r.note_id for r in records] == [9_999_999_999_999 + 100, 9_999_999_999_999 + 200]


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
