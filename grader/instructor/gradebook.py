"""The class's numbers, from the per-student reports of ``grade batch``.

``gradebook.csv`` (UTF-8): one row per student — ``student`` (the name as the export gives it,
accents and case kept), ``id`` (the LMS's id where its naming gives one), ``key`` (the name of
``reports/<key>.json``), one column per exercise of the assignment (the points scored),
``total``, ``max_total`` and ``reason`` (why a student has nothing graded: an empty upload, no
exercise file, a time limit). The exercises are those given with ``--exercises``, else every
exercise the installed grader holds (a release's own). ``mistakes.csv``: ``exercise``,
``mistake``, ``count``, ``students``, ``message`` and ``hint``.

Two more files import as they are:

- ``gradebook-canvas.csv`` — Canvas, Grades → Import. The columns Canvas's importer reads
  (``app/models/gradebook_importer.rb``): ``Student``, ``ID``, ``SIS User ID``,
  ``SIS Login ID``, ``Section``, then one column per assignment, and a ``Points Possible`` row.
  Canvas finds the student by ``ID`` (its user id, read from a Canvas export's file names),
  else by ``SIS Login ID`` (a plain folder's name: name folders by login), else by name.
  Students of another LMS's export are left out (their id means nothing to Canvas). The
  one assignment column is the total, titled ``--assignment`` (write ``Title (123)`` with the
  assignment's Canvas id to update it rather than create a new one).
- ``gradebook-moodle.csv`` — Moodle, the assignment's "Upload grading worksheet" (the offline
  grading worksheet feedback plugin; ``mod/assign/feedback/offline/importgradeslib.php``): it
  reads ``Identifier`` (``Participant <id>``, the id of a Moodle export's folder names),
  ``Grade`` and ``Last modified (grade)``. The id in Moodle's folder names is the assignment's
  participant id, which the course gradebook's CSV import cannot match, so the worksheet is
  the import that takes it. Only the students of a Moodle export are in it (no other row could
  be matched). (``Participant`` is Moodle's English word; a site in another language names it
  in its own.)

Every cell that came from a name is sanitised against spreadsheet formulas (a leading ``=``,
``+``, ``-``, ``@`` gets a ``'``).
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


def _maximum(exercises: Sequence) -> dict[str, int]:
    return {e.name: sum(c["points"] for c in check_list(e)) for e in exercises}


def _reason(outcome) -> str:
    return outcome.problem if outcome.report is None or outcome.problem else ""


def gradebook_rows(outcomes: Sequence, exercises: Sequence) -> list[list[str]]:
    header = ["student", "id", "key", *[e.name for e in exercises], "total", "max_total"]
    maximum = sum(_maximum(exercises).values())
    rows = [[*header, "reason"]]
    for outcome in outcomes:
        scores = _scores(outcome.report)
        values = [scores.get(e.name, 0) for e in exercises]
        names = [cell(getattr(outcome, "shown", outcome.student)), cell(_id(outcome))]
        rows.append([*names, outcome.student, *map(str, values), str(sum(values)), str(maximum),
                     cell(_reason(outcome))])  # fmt: skip
    return rows


def _id(outcome) -> str:
    return getattr(outcome, "lms_id", "")


def canvas_rows(outcomes: Sequence, exercises: Sequence, assignment: str) -> list[list[str]]:
    """Canvas's gradebook import (see the module docstring)."""
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment]]
    rows.append(["Points Possible", "", "", "", "", str(sum(_maximum(exercises).values()))])
    for outcome in outcomes:
        lms = getattr(outcome, "lms", "")
        if lms not in ("", "canvas"):
            continue  # another LMS's id means nothing to Canvas (gradebook.csv has the row)
        scores = _scores(outcome.report)
        total = sum(scores.get(e.name, 0) for e in exercises)
        canvas_id, login = (_id(outcome), "") if lms == "canvas" else ("", outcome.shown)
        rows.append([cell(outcome.shown), canvas_id, "", cell(login), "", str(total)])
    return rows


MOODLE_PARTICIPANT = "Participant "


def moodle_rows(outcomes: Sequence, exercises: Sequence, when: str) -> list[list[str]]:
    """Moodle's grading worksheet import (see the module docstring); ``when`` is the
    ``Last modified (grade)`` written (a time ``strtotime`` reads)."""
    header = ["Identifier", "Full name", "Grade", "Maximum Grade", "Last modified (grade)"]
    maximum = str(sum(_maximum(exercises).values()))
    rows = [header]
    for outcome in outcomes:
        if getattr(outcome, "lms", "") != "moodle":
            continue  # only a Moodle participant id finds a row (gradebook.csv has the others)
        scores = _scores(outcome.report)
        total = sum(scores.get(e.name, 0) for e in exercises)
        identifier = MOODLE_PARTICIPANT + _id(outcome)
        rows.append([identifier, cell(outcome.shown), str(total), maximum, when])
    return rows


def mistake_tally(outcomes: Sequence, exercises: Sequence) -> list[dict]:
    """One entry per (exercise, mistake) seen, most common first."""
    names_of = {e.name for e in exercises}
    students: dict[tuple[str, str], set[str]] = defaultdict(set)
    for outcome in outcomes:
        for exercise in (outcome.report or {}).get("exercises", []):
            if exercise["name"] not in names_of:
                continue  # not an exercise of this assignment
            for check in exercise["checks"]:
                if check.get("diagnosis"):
                    who = getattr(outcome, "shown", outcome.student)
                    students[exercise["name"], check["diagnosis"]].add(who)
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
