"""The terminal report: an overview line per exercise (with a one-line reason for each failing
one), every failing check of the current exercise (the first few in full), progress, and the
next step — which names the exercise whose details are shown."""

from __future__ import annotations

import os
import shutil
import textwrap

from grader.edition import release_info
from grader.report.results import CheckResult, CheckStatus, ExerciseResult, ExerciseStatus, Report

SHOWN_IN_FULL = 3  # failing checks of the current exercise shown with their details
OUTPUT_SHOWN = 1000  # characters of printed output shown per check

_STATUS_COLOUR = {
    ExerciseStatus.DONE: "green",
    ExerciseStatus.FAILING: "red",
    ExerciseStatus.NOT_STARTED: "yellow",
    ExerciseStatus.MISSING: "yellow",
    ExerciseStatus.ERROR: "magenta",
}


def _style(text: str, colour: str | None, enabled: bool, bold: bool = False) -> str:
    if not enabled or (colour is None and not bold):
        return text
    import click

    return click.style(text, fg=colour, bold=bold)


def _indent(text: str, prefix: str = "    ") -> str:
    return textwrap.indent(text.rstrip("\n"), prefix)


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 0)].rstrip() + "…"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def display_path(path: str) -> str:
    """The path relative to the current folder when it lies inside it, else as an absolute path."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return os.path.abspath(path) if relative.startswith("..") else relative


def describe_failure(check: CheckResult, repeated: bool = False) -> str:
    """The learner-facing explanation of one failed check (no colour). ``repeated``: the same
    mistake was named just above, so it is referred to rather than told again."""
    lines = [check.message] if check.message else []
    if check.details:
        lines.append(check.details)
    if check.diagnosis_message:
        told = "the same as above." if repeated else check.diagnosis_message
        lines.append(f"Likely mistake: {told}")
    if check.hint and not repeated:
        lines.append(f"Hint: {check.hint}")
    if check.output.strip():
        lines.append("Your code printed:\n" + _indent(check.output.strip()[:OUTPUT_SHOWN]))
    return "\n".join(lines)


def render_text(report: Report, colour: bool = False) -> str:
    width = min(max(shutil.get_terminal_size((100, 24)).columns, 60), 160)
    out = _header(report, colour)
    out += _overview(report, colour, width)
    current = report.current
    if current is not None:
        out += _current_section(current, colour)
    out.append(
        _style(f"Progress: {report.done}/{len(report.exercises)} done", None, colour, bold=True)
        + f"  ·  {report.score}/{report.max_score} points"
    )
    out.append(_next_step(report, current))
    return "\n".join(out) + "\n"


def _header(report: Report, colour: bool) -> list[str]:
    scope = "all checks" if report.include_hidden else "public checks"
    header = (
        f"grade {display_path(report.submission)}  ·  {scope}  ·  isolation: {report.isolation}"
    )
    lines = [_style(header, None, colour, bold=True)]
    if report.note:
        lines.append(f"note: {report.note}")
    lines += [f"note: {note}" for note in report.notes]
    if not report.include_hidden and report.hidden_not_run:
        lines.append(
            f"{report.hidden_not_run} hidden check(s) worth {report.hidden_points_not_run} "
            "point(s) were not run (the instructor's grading runs them; `grade --hidden` too)."
        )
    return [*lines, ""]


def _overview(report: Report, colour: bool, width: int) -> list[str]:
    """One line per exercise; a failing one adds its first failing check's summary."""
    name_width = max((len(e.exercise.name) for e in report.exercises), default=10)
    lines = []
    for result in report.exercises:
        status = result.status
        line = (
            f"  {result.exercise.order:>2}  {result.exercise.name:<{name_width}}  "
            f"{result.score:>3}/{result.max_score:<3}  "
        )
        reason = _reason(result)
        if reason:
            room = width - len(line) - len(status) - 3
            reason = f" — {_shorten(reason, room)}" if room >= 20 else ""
        lines.append(line + _style(status, _STATUS_COLOUR.get(status), colour) + reason)
        lines += [f"        note: {note}" for note in result.notes]
    return [*lines, ""]


def _reason(result: ExerciseResult) -> str:
    """Why a failing exercise fails: its first failing check's summary."""
    if result.status not in (ExerciseStatus.FAILING, ExerciseStatus.ERROR):
        return ""
    first = result.first_failure
    return first.summary if first is not None else ""


def _current_section(current: ExerciseResult, colour: bool) -> list[str]:
    exercise, path, status = current.exercise, display_path(current.file), current.status
    if status == ExerciseStatus.NOT_STARTED:
        return [
            f"{exercise.name}: not started — {exercise.title}.",
            f"  Open {path}, read the instructions at the top, and replace each "
            "`raise NotImplementedError(...)` with your code.",
            "",
        ]
    if status == ExerciseStatus.MISSING:
        return [f"{exercise.name}: {path} is missing from this folder.", ""]
    failures = current.failures
    heading = f"{exercise.name}: {len(failures)} of {_plural(len(current.checks), 'check')}"
    lines = [_style(heading + " did not pass", "red", colour, bold=True)]
    groups = _same_failures(failures)
    told: set[tuple[str, str]] = set()  # (mistake, hint) pairs already shown
    for group in groups[:SHOWN_IN_FULL]:
        check = group[0]
        lines.append(_style(_failure_title(group, len(current.checks)), "red", colour))
        mistake = (check.diagnosis_message, check.hint)
        lines.append(_indent(describe_failure(check, mistake in told), "      "))
        if any(mistake):
            told.add(mistake)
    hidden = sum(len(group) for group in groups[SHOWN_IN_FULL:])
    if hidden > 0:
        lines.append(f"  … and {_plural(hidden, 'more failing check')}.")
    return [*lines, ""]


def _same_failures(failures: list[CheckResult]) -> list[list[CheckResult]]:
    """Failures grouped when they say the same thing (a file that does not load fails every
    check with one message: it is shown once), in the order they first occur."""
    groups: dict[tuple, list[CheckResult]] = {}
    for check in failures:
        groups.setdefault((check.status, check.message, check.details), []).append(check)
    return list(groups.values())


def _failure_title(group: list[CheckResult], checks: int) -> str:
    """ "✗ failed: what the check tests (2 points)", or what a group of checks shares."""
    verb = "could not run" if group[0].status == CheckStatus.ERROR else "failed"
    points = _plural(sum(c.points for c in group), "point")
    if len(group) == 1:
        return f"  ✗ {verb}: {group[0].description} ({points})"
    if len(group) == checks:
        return f"  ✗ {verb}: all {checks} checks, for the same reason ({points})"
    more = _plural(len(group) - 1, "more check")
    return f"  ✗ {verb}: {group[0].description}, and {more} for the same reason ({points})"


def _next_step(report: Report, current: ExerciseResult | None) -> str:
    if current is None:
        if not report.exercises:
            return "Nothing was graded."
        if release_info() is not None:  # a student release has no solutions to show
            return "Next: all done — well done!"
        return (
            "Next: all done — well done! `grade --solution NAME` shows a reference solution"
            " to compare with yours."
        )
    name, path = current.exercise.name, display_path(current.file)
    if current.status == ExerciseStatus.NOT_STARTED:
        return (
            f"Next: start {path}, then run `grade -e {name}` (or `grade --watch`); "
            f"`grade --hint {name}` if you get stuck."
        )
    if current.status == ExerciseStatus.MISSING:
        return f"Next: put {current.exercise.file} into {display_path(report.submission)}."
    return (
        f"Next: fix {path} and run `grade -e {name}` again (`grade --watch` re-grades on "
        f"every save; `grade --hint {name}` for hints)."
    )
