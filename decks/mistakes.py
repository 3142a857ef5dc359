"""From a grade report to a small personal deck: the cards about each mistake the grader named.

    gdkit decks mistakes REPORT.json -o DIR

For every mistake the report diagnosed (``exercise/mistake``), the deck holds

- the week-2 cards about its concept, as listed in ``decks/mistakes.json`` (data: mistake id →
  note ids of decks/week02.md or decks/computed.py), and
- for the mistakes listed in :mod:`decks.mistake_examples`, a worked card computed by gdref
  with the right and the mistaken result side by side.

The cards are copies in their own deck (``MISTAKES_DECK``), with GUIDs derived from that deck
and the week-2 note id (worked cards: from the mistake id), so the week-2 deck's own cards and
their schedule are untouched, and building again after more grading updates the same notes in
place (the manifest beside the package works as for any deck). A card shared by several
mistakes appears once, tagged with each of them (``mistakes::<exercise>::<mistake>``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from decks.build import DeckBuild, default_source, plan_deck
from decks.computed import MISTAKES_DECK, computed_notes, fmt
from decks.identity import build_time
from decks.mistake_examples import EXAMPLES, Comparison
from decks.parser import FieldText, SourceNote, parse_file
from decks.report_input import diagnosed_mistakes

MAPPING_FILE = "mistakes.json"
ORIGIN = "decks/mistake_examples.py"
WORKED_SECTION = "Your mistake, worked out"


@lru_cache(maxsize=1)
def mapping() -> dict[str, tuple[str, ...]]:
    """``exercise/mistake`` → week-2 note ids, from decks/mistakes.json."""
    data = json.loads(resources.files("decks").joinpath(MAPPING_FILE).read_text("utf-8"))
    return {key: tuple(ids) for key, ids in data["cards"].items()}


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


@dataclass
class MistakesPlan:
    build: DeckBuild | None  # None when the report names no mistake with cards
    mistakes: list[str]  # diagnosed and mapped, in report order
    unknown: list[str]  # diagnosed but not in decks/mistakes.json (a newer grader?)


def personal_notes(mistakes: list[str], *, figures: bool = True) -> list[SourceNote]:
    """The deck's notes: per mistake its worked card (if any), then its concept cards."""
    by_id = week02_notes(figures=figures)
    order: list[str] = []
    notes: dict[str, SourceNote] = {}
    tags: dict[str, list[str]] = {}
    for key in mistakes:
        wanted: list[tuple[str, SourceNote]] = []
        if key in EXAMPLES:
            wanted.append((f"worked:{key}", worked_note(key, EXAMPLES[key])))
        wanted += [(note_id, by_id[note_id]) for note_id in mapping()[key] if note_id in by_id]
        for name, note in wanted:
            if name not in notes:
                order.append(name)
                notes[name] = note
                tags[name] = ["mistakes"]
            tags[name].append(mistake_tag(key))
    return [replace(notes[name], tags=tuple(tags[name])) for name in order]


def plan_mistakes(
    report: Path, out_dir: Path, *, figures: bool = True, now: int | None = None
) -> MistakesPlan:
    """Read the report and plan the personal deck; nothing is written.

    Raises :class:`decks.report_input.ReportError` for a bad report.
    """
    diagnosed = diagnosed_mistakes(report)
    known = [key for key in diagnosed if key in mapping()]
    unknown = [key for key in diagnosed if key not in mapping()]
    if not known:
        return MistakesPlan(None, [], unknown)
    notes = personal_notes(known, figures=figures)
    now = build_time() if now is None else now
    return MistakesPlan(
        plan_deck(MISTAKES_DECK, notes, out_dir, now=now, space=MISTAKES_DECK), known, unknown
    )
