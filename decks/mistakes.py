"""From a grade report to a small personal deck: the cards about each mistake the grader named.

    gdkit decks mistakes REPORT.json -o DIR

For every mistake the report diagnosed (``exercise/mistake``), the deck holds

- the week-2 cards about its concept, as listed in ``decks/mistakes.json`` (data: mistake id →
  note ids of decks/week02.md or decks/computed.py), and
- for the mistakes listed in :mod:`decks.mistake_examples`, a worked card computed by gdref
  with the right and the mistaken result side by side.

For a failing exercise in which the grader named no mistake, the deck holds the cards of the
exercise's concepts (``exercises`` in ``decks/mistakes.json``: exercise → note ids), tagged
``mistakes::<exercise>::no_mistake_named``. Every exercise of the report gets one line saying
what was done for it (:class:`ExerciseAction`): its mistakes' cards, its concepts' cards, or why
nothing (passed, not started, not in the submission, a broken check, unknown to the decks).

The cards are copies in their own deck (``MISTAKES_DECK``), with GUIDs derived from that deck
and the week-2 note id (worked cards: from the mistake id), so the week-2 deck's own cards and
their schedule are untouched, and building again after more grading updates the same notes in
place (the manifest beside the package works as for any deck). A card shared by several
mistakes appears once, tagged with each of them (``mistakes::<exercise>::<mistake>``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from decks.build import DeckBuild, default_source, plan_deck
from decks.computed import MISTAKES_DECK, computed_notes, fmt
from decks.identity import build_time
from decks.mistake_examples import EXAMPLES, Comparison
from decks.parser import FieldText, SourceNote, parse_file
from decks.report_input import ExerciseOutcome, read_report

MAPPING_FILE = "mistakes.json"
ORIGIN = "decks/mistake_examples.py"
WORKED_SECTION = "Your mistake, worked out"
UNNAMED = "no_mistake_named"  # the tag's last part for an exercise's concept cards


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(resources.files("decks").joinpath(MAPPING_FILE).read_text("utf-8"))


def mapping() -> dict[str, tuple[str, ...]]:
    """``exercise/mistake`` → week-2 note ids, from decks/mistakes.json."""
    return {key: tuple(ids) for key, ids in _data()["cards"].items()}


def concepts() -> dict[str, tuple[str, ...]]:
    """exercise → the week-2 note ids of its concepts, from decks/mistakes.json."""
    return {key: tuple(ids) for key, ids in _data()["exercises"].items()}


def week02_notes(*, figures: bool = True) -> dict[str, SourceNote]:
    """The week-2 deck's notes that have an id (source and computed), by id."""
    source = parse_file(default_source())
    notes = list(source.notes) + computed_notes(figures=figures)
    return {n.key.removeprefix("id:"): n for n in notes if n.key.startswith("id:")}


def mistake_tag(key: str) -> str:
    return "mistakes::" + key.replace("/", "::")


def worked_note(key: str, example: Comparison) -> SourceNote:
    """The worked card of one mistake: both formulas and both values, from gdref."""
    right, wrong = example.values()
    exercise = key.split("/")[0].replace("_", " ")
    front = (
        f"Worked example ({exercise}: the mistake that {example.label}). {example.setup} "
        f"What is ${example.quantity}$, and what would the mistake give?"
    )
    back = (
        f"| | ${example.quantity}$ |\n|---|---|\n"
        f"| right | $\\displaystyle {example.right_tex} = {fmt(right)}$ |\n"
        f"| mistaken | $\\displaystyle {example.wrong_tex} = {fmt(wrong)}$ |\n\n"
        f"{example.lesson}"
    )
    return SourceNote(
        kind="basic",
        fields=(FieldText(front, 1), FieldText(back, 1)),
        section=WORKED_SECTION,
        tags=(),
        key=f"id:worked-mistake-{key.replace('/', '-')}",
        file=ORIGIN,
        line=1,
    )


@dataclass(frozen=True)
class ExerciseAction:
    """What the deck does for one exercise of the report (one line of the command's output)."""

    exercise: str
    what: str
    cards: int = 0  # cards (notes) given for it; a note shared with another exercise counts twice
    concepts: bool = False  # failing with no mistake named (or none mapped): its concept cards


@dataclass
class MistakesPlan:
    build: DeckBuild | None  # None when the report gives nothing to review
    mistakes: list[str]  # diagnosed and mapped, in report order
    unknown: list[str]  # diagnosed but not in decks/mistakes.json (a newer grader?)
    actions: list[ExerciseAction] = field(default_factory=list)  # per exercise, in report order


def _wanted(key: str, ids: tuple[str, ...], by_id: dict[str, SourceNote]):
    """(name, note) of a mistake's worked card (if any) and of the cards ``ids`` names."""
    wanted: list[tuple[str, SourceNote]] = []
    if key in EXAMPLES:
        wanted.append((f"worked:{key}", worked_note(key, EXAMPLES[key])))
    return wanted + [(note_id, by_id[note_id]) for note_id in ids if note_id in by_id]


def personal_notes(
    mistakes: list[str],
    *,
    figures: bool = True,
    unnamed: tuple[str, ...] = (),
    by_id: dict[str, SourceNote] | None = None,
) -> list[SourceNote]:
    """The deck's notes: per mistake its worked card (if any), then its concept cards; then,
    per exercise of ``unnamed`` (failing, no mistake named), the cards of its concepts.
    ``by_id``: the week-2 notes (:func:`week02_notes`), when the caller has them."""
    by_id = week02_notes(figures=figures) if by_id is None else by_id
    order: list[str] = []
    notes: dict[str, SourceNote] = {}
    tags: dict[str, list[str]] = {}
    wanted = [(mistake_tag(key), _wanted(key, mapping()[key], by_id)) for key in mistakes]
    wanted += [
        (mistake_tag(f"{name}/{UNNAMED}"), _wanted("", concepts()[name], by_id)) for name in unnamed
    ]
    for tag, cards in wanted:
        for name, note in cards:
            if name not in notes:
                order.append(name)
                notes[name] = note
                tags[name] = ["mistakes"]
            if tag not in tags[name]:
                tags[name].append(tag)
    return [replace(notes[name], tags=tuple(tags[name])) for name in order]


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def _action(outcome: ExerciseOutcome, by_id: dict[str, SourceNote]) -> ExerciseAction:
    """What is done for one exercise (the cards themselves are gathered by personal_notes)."""
    name = outcome.name
    known = [k for k in outcome.mistakes if k in mapping()]
    if known:
        cards = sum(len(_wanted(k, mapping()[k], by_id)) for k in known)
        named = ", ".join(k.split("/", 1)[1] for k in known)
        return ExerciseAction(name, f"{_count(len(known), 'mistake')} named ({named})", cards)
    if not outcome.failing:
        return ExerciseAction(name, f"nothing to review: {outcome.summary()}")
    why = "no mistake named" if not outcome.mistakes else "its mistakes are not in mistakes.json"
    if name not in concepts():
        return ExerciseAction(name, f"failing, {why}, and no concept cards for this exercise")
    cards = len(_wanted("", concepts()[name], by_id))
    return ExerciseAction(name, f"failing, {why}: the cards of its concepts", cards, True)


def plan_mistakes(
    report: Path, out_dir: Path, *, figures: bool = True, now: int | None = None
) -> MistakesPlan:
    """Read the report and plan the personal deck; nothing is written.

    Raises :class:`decks.report_input.ReportError` for a bad report.
    """
    outcomes = read_report(report)
    diagnosed = [key for outcome in outcomes for key in outcome.mistakes]
    known = [key for key in diagnosed if key in mapping()]
    unknown = [key for key in diagnosed if key not in mapping()]
    by_id = week02_notes(figures=figures)
    actions = [_action(outcome, by_id) for outcome in outcomes]
    unnamed = tuple(a.exercise for a in actions if a.concepts)
    if not known and not unnamed:
        return MistakesPlan(None, [], unknown, actions)
    notes = personal_notes(known, figures=figures, unnamed=unnamed, by_id=by_id)
    now = build_time() if now is None else now
    build = plan_deck(MISTAKES_DECK, notes, out_dir, now=now, space=MISTAKES_DECK)
    return MistakesPlan(build, known, unknown, actions)
