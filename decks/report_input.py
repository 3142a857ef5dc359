"""Read the JSON report of ``grade --format json`` as untrusted data: the mistakes it diagnosed.

The decks never import the grader; they read its report. The file may have been edited or be
something else entirely, so it is bounded where it enters: a regular file of at most
``MAX_REPORT_BYTES``, UTF-8 JSON, nested no deeper than Python's parser allows, at most
``MAX_EXERCISES`` exercises and ``MAX_CHECKS`` checks each, names and mistake ids made of
lower-case letters, digits and ``_`` only (so nothing odd reaches the terminal or a tag). Every
problem is a :class:`ReportError` saying where in the file and what was expected.

The shape read (grader/report/render.py ``to_json``; other keys are ignored)::

    {"exercises": [{"name": "parabola", "checks": [{"diagnosis": "sign_flipped" | null, …}, …]}, …]}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

MAX_REPORT_BYTES = 16 * 1024 * 1024
MAX_EXERCISES = 1000
MAX_CHECKS = 10_000
ID_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
CHECK_STATUSES = ("passed", "failed", "not_started", "missing", "error")  # grader CheckStatus


@dataclass(frozen=True)
class ExerciseOutcome:
    """What the report says about one exercise."""

    name: str
    mistakes: tuple[str, ...]  # ``exercise/mistake`` ids diagnosed, in report order, each once
    statuses: tuple[str, ...]  # its checks' statuses ("" where the report gives none)

    @property
    def failing(self) -> bool:
        """A check failed (a diagnosed check failed, whatever its status says)."""
        return bool(self.mistakes) or "failed" in self.statuses

    def summary(self) -> str:
        """Why it is not failing: passed, not started, missing, a broken check, or not known."""
        known = [s for s in self.statuses if s]
        for status, words in (
            ("error", "a check broke (a grader problem, not yours)"),
            ("missing", "not in the submission"),
            ("not_started", "not started"),
        ):
            if status in known:
                return words
        if known and len(known) == len(self.statuses):
            return "passed"
        return "no failed check in the report"


class ReportError(Exception):
    """The report cannot be read: ``file: where: what is wrong``."""


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _load(path: Path) -> object:
    if not path.is_file():
        raise ReportError(f"{path}: not a file (give the JSON file `grade --format json` wrote)")
    with path.open("rb") as handle:
        data = handle.read(MAX_REPORT_BYTES + 1)
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(f"{path}: larger than {MAX_REPORT_BYTES // (1024 * 1024)} MiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise ReportError(f"{path}: nested too deeply to be a grade report") from None


def _list(value: object, where: str, path: Path, limit: int) -> list:
    if not isinstance(value, list):
        raise ReportError(f"{path}: {where}: expected a list, got {_show(value)}")
    if len(value) > limit:
        raise ReportError(f"{path}: {where}: more than {limit} entries")
    return value


def _object(value: object, where: str, path: Path) -> dict:
    if not isinstance(value, dict):
        raise ReportError(f"{path}: {where}: expected an object {{…}}, got {_show(value)}")
    return value


def _identifier(value: object, where: str, path: Path) -> str:
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise ReportError(
            f"{path}: {where}: expected a name of lower-case letters, digits and _, "
            f"got {_show(value)}"
        )
    return value


def _check_status(check: dict, where: str, path: Path) -> str:
    status = check.get("status")
    if status is None:
        return "failed" if check.get("diagnosis") is not None else ""
    if status not in CHECK_STATUSES:
        raise ReportError(
            f"{path}: {where}.status: expected one of {', '.join(CHECK_STATUSES)}, "
            f"got {_show(status)}"
        )
    return status


def read_report(path: Path) -> list[ExerciseOutcome]:
    """Every exercise of the report, in order, with the mistakes diagnosed in it."""
    report = _object(_load(path), "the report", path)
    if "exercises" not in report:
        raise ReportError(
            f"{path}: no 'exercises' list: is this the output of `grade --format json`?"
        )
    outcomes: list[ExerciseOutcome] = []
    exercises = _list(report["exercises"], "exercises", path, MAX_EXERCISES)
    for i, raw_exercise in enumerate(exercises):
        where = f"exercises[{i}]"
        exercise = _object(raw_exercise, where, path)
        name = _identifier(exercise.get("name"), f"{where}.name", path)
        checks = _list(exercise.get("checks", []), f"{where}.checks", path, MAX_CHECKS)
        found: list[str] = []
        statuses: list[str] = []
        for j, raw_check in enumerate(checks):
            check = _object(raw_check, f"{where}.checks[{j}]", path)
            statuses.append(_check_status(check, f"{where}.checks[{j}]", path))
            diagnosis = check.get("diagnosis")
            if diagnosis is None:
                continue
            mistake = _identifier(diagnosis, f"{where}.checks[{j}].diagnosis", path)
            key = f"{name}/{mistake}"
            if key not in found:
                found.append(key)
        outcomes.append(ExerciseOutcome(name, tuple(found), tuple(statuses)))
    return outcomes


def diagnosed_mistakes(path: Path) -> list[str]:
    """The ``exercise/mistake`` ids the report diagnosed, in report order, each once."""
    found: list[str] = []
    for outcome in read_report(path):
        found += [key for key in outcome.mistakes if key not in found]
    return found
