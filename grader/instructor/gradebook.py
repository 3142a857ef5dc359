"""The class's numbers, from the per-student reports of ``grade batch``.

``gradebook.csv``: one row per student — ``student``, one column per exercise (its name, the
points scored), ``total`` and ``max_total`` — and ``mistakes.csv``: ``exercise``, ``mistake``,
``count`` (students whose submission shows it), ``students`` (their names, ``;``-separated),
``message`` and ``hint``.

Importing the gradebook (the names are the students' folder or zip names, so name those
folders by the LMS's login or ID when you export):

- **Canvas** (Grades → Import): Canvas matches rows on its own ``Student``/``ID``/``SIS User
  ID``/``SIS Login ID`` columns. Export the Canvas gradebook once, paste ``total`` (or the
  exercise columns) into the assignment's column next to the matching ``SIS Login ID``, and
  import that file; or rename ``student`` to ``SIS Login ID`` when the folders carry it.
- **Moodle** (Grades → Import → CSV file): choose ``student`` as the identifier column and map
  it to *username* or *ID number*; map ``total`` (or each exercise column) to the grade item.

Every cell that came from a folder name is sanitised against spreadsheet formulas (a leading
``=``, ``+``, ``-``, ``@`` gets a ``'``).
"""

from __future__ import annotations

import csv
import io
import sys
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.checking.framework import Exercise

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """Text safe in a spreadsheet: never read as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def check_list(exercise: Exercise) -> list[dict]:
    """The checks of an exercise (name, description, points, visibility), from its module's
    pytest marks: what a missing or ungraded exercise would have been worth."""
    module = next(m for m in list(sys.modules.values()) if getattr(m, "EXERCISE", None) is exercise)
    checks = []
    for name, function in vars(module).items():
        marks = [m for m in getattr(function, "pytestmark", []) if m.name == "check"]
        if marks and callable(function):
            doc = (function.__doc__ or name).strip().splitlines()[0]
            checks.append({"name": name, "description": doc, **marks[0].kwargs})
    return checks


def _scores(report: dict | None) -> dict[str, int]:
    if not report:
        return {}
    return {e["name"]: e["score"] for e in report["exercises"]}


def gradebook_rows(outcomes: Sequence, exercises: Sequence) -> list[list[str]]:
    header = ["student", *[e.name for e in exercises], "total", "max_total"]
    maximum = sum(c["points"] for e in exercises for c in check_list(e))
    rows = [header]
    for outcome in outcomes:
        scores = _scores(outcome.report)
        values = [scores.get(e.name, 0) for e in exercises]
        rows.append([cell(outcome.student), *map(str, values), str(sum(values)), str(maximum)])
    return rows


def mistake_tally(outcomes: Sequence, exercises: Sequence) -> list[dict]:
    """One entry per (exercise, mistake) seen, most common first."""
    students: dict[tuple[str, str], set[str]] = defaultdict(set)
    for outcome in outcomes:
        for exercise in (outcome.report or {}).get("exercises", []):
            for check in exercise["checks"]:
                if check.get("diagnosis"):
                    students[exercise["name"], check["diagnosis"]].add(outcome.student)
    order = {e.name: e.order for e in exercises}
    known = {(e.name, m.id): m for e in exercises for m in e.mistakes}
    tally = []
    for (exercise, mistake), names in students.items():
        entry = known.get((exercise, mistake))
        tally.append(
            {
                "exercise": exercise,
                "mistake": mistake,
                "count": len(names),
                "students": sorted(names),
                "message": entry.message if entry else "",
                "hint": entry.hint if entry else "",
            }
        )
    tally.sort(key=lambda t: (-t["count"], order.get(t["exercise"], 99), t["mistake"]))
    return tally


def to_csv(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def gradebook_csv(outcomes: Sequence, exercises: Sequence) -> str:
    return to_csv(gradebook_rows(outcomes, exercises))


def mistakes_csv(tally: Sequence[dict]) -> str:
    rows = [["exercise", "mistake", "count", "students", "message", "hint"]]
    for t in tally:
        students = ";".join(cell(s) for s in t["students"])
        rows.append(
            [t["exercise"], t["mistake"], str(t["count"]), students, t["message"], t["hint"]]
        )
    return to_csv(rows)
