"""Which submissions of a class need the instructor's attention, and why: the first section of
the class report (:mod:`grader.instructor.insights`).

A submission needs attention when it was not graded (the grader failed, its time limit, nothing
gradable found), when it scored 0, or when an exercise file could not be graded at all — every
check of the exercise failed for one same reason (a syntax error, a file that is not UTF-8, a
load that took too long). Each is one row: the student, their total, what happened and the
reason, in words from their reports (no temporary path of the grading machine).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import PurePath

# kinds of problem, the most serious first (the section's order)
GRADER_FAULT, TIME_LIMIT, NOTHING_FOUND, ZERO, TIMEOUT, ERROR = (
    "grader failed",
    "time limit",
    "nothing found",
    "scored 0",
    "timed out",
    "file not graded",
)
ORDER = (GRADER_FAULT, TIME_LIMIT, NOTHING_FOUND, ZERO, TIMEOUT, ERROR)
_TIMED_OUT = ("took longer than", "time limit", "was stopped")


@dataclass(frozen=True)
class Attention:
    student: str  # as the export names them
    total: int
    kind: str  # one of ORDER
    reason: str


def _whole_problem(outcome) -> str:
    """The kind of a problem that kept the whole submission from being graded."""
    if outcome.grader_fault:
        return GRADER_FAULT
    return TIME_LIMIT if outcome.problem.startswith("not graded: the time limit") else NOTHING_FOUND


def _one_reason(exercise: dict) -> str | None:
    """The reason every check of an exercise failed with, when it is one (the file could not
    be graded at all), else None."""
    checks = exercise["checks"]
    if len(checks) < 2 or any(c["status"] != "failed" or c.get("diagnosis") for c in checks):
        return None
    messages = {c["message"] for c in checks}
    return messages.pop() if len(messages) == 1 else None


def _zero_reason(exercises: list[dict]) -> str:
    statuses = {e["status"] for e in exercises}
    if statuses == {"not started"}:
        return "every exercise is still the stub (not started)"
    if statuses == {"missing"}:
        return "no exercise file was graded"
    return "no check passed"


def _exercise_problems(exercises: list[dict]) -> list[tuple[str, str]]:
    """(kind, "exercise: reason") for each exercise whose file could not be graded."""
    found = []
    for exercise in exercises:
        reason = _one_reason(exercise)
        if reason is not None:
            timed_out = any(words in reason for words in _TIMED_OUT)
            found.append((TIMEOUT if timed_out else ERROR, f"{exercise['name']}: {reason}"))
    return found


def needs_attention(
    outcomes: Sequence, total_of: Callable[[object], int], names: Collection[str]
) -> list[Attention]:
    """Every submission that needs attention, the most serious problems first (then by
    student), for the assignment's exercises ``names``; ``total_of(outcome)`` is the student's
    total as the gradebook has it."""
    rows = []
    for outcome in outcomes:
        notes = "; ".join(n for n in getattr(outcome, "notes", ()) if n not in outcome.problem)
        if outcome.report is None:
            reason = "; ".join(filter(None, [outcome.problem, notes]))
            rows.append(Attention(outcome.shown, 0, _whole_problem(outcome), reason))
            continue
        total = total_of(outcome)
        exercises = [e for e in outcome.report["exercises"] if e["name"] in names]
        if total == 0:
            zero = "; ".join(filter(None, [_zero_reason(exercises), notes]))
            rows.append(Attention(outcome.shown, 0, ZERO, zero))
        for kind, reason in _exercise_problems(exercises):
            rows.append(Attention(outcome.shown, total, kind, reason))
    rows.sort(key=lambda r: (ORDER.index(r.kind), r.student))
    return [Attention(r.student, r.total, r.kind, without_temporary_paths(r.reason)) for r in rows]


_PATH = re.compile(r"(?:[A-Za-z]:)?[\\/][^\s'\"<>|,;]+")
_TEMPORARY = (".grading-", "gdkit-grader-", "gdkit-submission-", "gdkit-sandbox-", "gdkit-worker")


def without_temporary_paths(text: str) -> str:
    """``text`` with each path into a temporary folder (a grading folder, the machine's
    temporary folder) cut to its last part: the folder is gone by the time anyone reads it."""
    temporary = str(PurePath(tempfile.gettempdir()))

    def cut(match: re.Match) -> str:
        path = match.group(0)
        if path.startswith(temporary) or any(part in path for part in _TEMPORARY):
            return PurePath(path.rstrip("/\\")).name
        return path

    return _PATH.sub(cut, text)
