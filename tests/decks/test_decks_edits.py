"""Every way a learner edits notes, checked in a real Anki collection with review history.

Build → import → review every card → edit the source → build → import, then: how many notes
the collection holds, that no note is there twice, and that the reviewed cards of notes that are
the same note still carry their interval and review log.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from deck_helpers import FIXED_TIME, import_apkg, new_collection, review_all, review_state

from decks.build import build
from decks.identity import REMOVED_TAG

DECK = "Edit::Paths"
SOURCE = """TARGET DECK: Edit::Paths

## Rates

What does the learning rate scale?
It scales each step along the negative gradient.

What happens when the learning rate is too large?
The loss oscillates or grows.

The sigmoid derivative is {{c1::$\\sigma(1-\\sigma)$}} and peaks at {{c2::$\\frac14$}}.

## Other

Which optimiser keeps a running mean of the gradients?
Momentum does.
"""

CLONE = (
    "\nWhat does the momentum coefficient scale?\n"
    "It scales each step along the running mean of the gradient.\n"
)

MOMENTUM = "Which optimiser keeps a running mean of the gradients?\nMomentum does.\n"


def _move_to_rates(text: str) -> str:
    """The momentum note moves from section "Other" to the top of "Rates"."""
    text = text.replace("\n## Other\n\n" + MOMENTUM, "")
    return text.replace("## Rates\n\n", "## Rates\n\n" + MOMENTUM + "\n")


# name → (edit, notes afterwards, new, updated, the question whose note must be the same one)
EDITS = {
    "answer": (
        lambda s: s.replace("oscillates or grows.", "oscillates, or even grows."),
        4,
        0,
        1,
        "What happens when the learning rate is too large?",
    ),
    "question": (
        lambda s: s.replace(
            "What does the learning rate scale?", "What does the lerning rate scale?"
        ),
        4,
        0,
        1,
        "What does the lerning rate scale?",
    ),
    "cloze text": (
        lambda s: s.replace("and peaks at", "and is largest at"),
        4,
        0,
        1,
        "sigmoid derivative",
    ),
    "section move": (
        lambda s: _move_to_rates(s),
        4,
        0,
        1,
        "Which optimiser keeps a running mean of the gradients?",
    ),
    "removal": (
        lambda s: s.replace(
            "What happens when the learning rate is too large?\nThe loss oscillates or grows.\n\n",
            "",
        ),
        4,
        0,
        1,
        "What happens when the learning rate is too large?",
    ),
    "new clone": (lambda s: s + CLONE, 5, 1, 0, "What does the learning rate scale?"),
}


def _note_by(col, text: str):
    found = [col.get_note(n) for n in col.find_notes(f'"deck:{DECK}"')]
    matching = [n for n in found if text in n.fields[0]]
    assert len(matching) == 1, [n.fields[0] for n in found]
    return matching[0]


def _no_duplicates(col) -> None:
    fronts = [col.get_note(n).fields[0] for n in col.find_notes(f'"deck:{DECK}"')]
    assert len(fronts) == len(set(fronts)), fronts


def _edit_and_reimport(tmp_path, edit, first_time: int, second_time: int):
    source = tmp_path / "notes.md"
    source.write_text(SOURCE, encoding="utf-8")
    out = tmp_path / "out"
    col = new_collection(tmp_path / "anki")
    (first,) = build([source], out, figures=False, now=first_time)
    assert len(import_apkg(col, first.package_path).new) == 4
    before = review_all(col, DECK)
    source.write_text(edit(SOURCE), encoding="utf-8")
    (second,) = build([source], out, figures=False, now=second_time)
    log = import_apkg(col, second.package_path)
    return col, before, second, log


@pytest.mark.parametrize("name", list(EDITS))
def test_edit_path_keeps_notes_and_history(tmp_path, name):
    edit, count, new, updated, same_question = EDITS[name]
    col, before, second, log = _edit_and_reimport(tmp_path, edit, FIXED_TIME, FIXED_TIME + 60)
    try:
        assert len(col.find_notes(f'"deck:{DECK}"')) == count
        assert (len(log.new), len(log.updated)) == (new, updated)
        assert len(log.conflicting) == 0
        _no_duplicates(col)
        note = _note_by(col, same_question)
        after = review_state(col, DECK)
        for cid in note.card_ids():
            assert cid in before, "the note's cards are the reviewed ones"
            assert after[cid] == before[cid] and after[cid][1] >= 1  # interval and revlog kept
        if name == "removal":
            assert REMOVED_TAG in note.tags
            assert col.find_notes(f"tag:{REMOVED_TAG}") == [note.id]
        else:
            assert not col.find_notes(f"tag:{REMOVED_TAG}")
        if name == "question":
            assert [round(s, 2) for s in second.diff.matched.values()] == [0.99]
    finally:
        col.close()


def test_future_timestamp_does_not_swallow_the_next_edit(tmp_path):
    clock = int(time.time())
    future = clock + 365 * 24 * 3600  # a SOURCE_DATE_EPOCH pinned a year ahead
    edit = EDITS["answer"][0]
    col, before, second, log = _edit_and_reimport(tmp_path, edit, future, clock)
    try:
        assert any("older than the previous build" in w for w in second.warnings)
        assert len(log.updated) == 1 and len(log.new) == 0
        note = _note_by(col, "What happens when the learning rate is too large?")
        assert "or even grows" in note.fields[1]
        assert note.mod > future  # newer than what the collection held
        assert all(review_state(col, DECK)[c] == before[c] for c in note.card_ids())
    finally:
        col.close()


@pytest.mark.parametrize("with_collection", [True, False])
def test_a_build_elsewhere_with_a_slower_clock_still_updates_with_the_collection(
    tmp_path, with_collection
):
    """Machine A (clock a year ahead) built and imported; machine B builds the edited source
    without A's manifest. With --anki-collection the edit imports; without it, it cannot (the
    package is older than the collection's copy), as the README says."""
    clock = int(time.time())
    source = tmp_path / "notes.md"
    source.write_text(SOURCE, encoding="utf-8")
    col = new_collection(tmp_path / "anki")
    collection_file = Path(col.path)
    import_apkg(
        col, build([source], tmp_path / "a", figures=False, now=clock + 10**7)[0].package_path
    )
    col.close()
    source.write_text(EDITS["answer"][0](SOURCE), encoding="utf-8")
    chosen = collection_file if with_collection else None
    (second,) = build([source], tmp_path / "b", figures=False, now=clock, collection=chosen)
    col = new_collection(tmp_path / "anki")
    try:
        log = import_apkg(col, second.package_path)
        assert len(log.new) == 0
        note = _note_by(col, "What happens when the learning rate is too large?")
        assert ("or even grows" in note.fields[1]) == with_collection
        assert len(log.updated) == (1 if with_collection else 0)
    finally:
        col.close()


def test_a_future_build_time_is_reported(tmp_path):
    source = tmp_path / "n.md"
    source.write_text(SOURCE, encoding="utf-8")
    (result,) = build([source], tmp_path / "out", figures=False, now=int(time.time()) + 10**7)
    assert any("in the future" in w for w in result.warnings)


def test_a_removed_note_that_comes_back_loses_the_removed_tag(tmp_path):
    source = tmp_path / "notes.md"
    out = tmp_path / "out"
    col = new_collection(tmp_path / "anki")
    try:
        source.write_text(SOURCE, encoding="utf-8")
        import_apkg(col, build([source], out, figures=False, now=FIXED_TIME)[0].package_path)
        source.write_text(EDITS["removal"][0](SOURCE), encoding="utf-8")
        import_apkg(col, build([source], out, figures=False, now=FIXED_TIME)[0].package_path)
        assert len(col.find_notes(f"tag:{REMOVED_TAG}")) == 1
        source.write_text(SOURCE, encoding="utf-8")
        (back,) = build([source], out, figures=False, now=FIXED_TIME)
        assert [r.question for r in back.diff.changed] == [
            "What happens when the learning rate is too large?"
        ]
        assert len(import_apkg(col, back.package_path).updated) == 1
        assert col.find_notes(f"tag:{REMOVED_TAG}") == []
        assert len(col.find_notes("")) == 4
    finally:
        col.close()
