"""The terminal report: an overview line per exercise (with a one-line reason for each failing
one), every failing check of the current exercise (the first few in full), progress, and the
next step — which names the exercise whose details are shown."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Sequence

from grader.edition import release_info
from grader.report.actions import Actions, command_line
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


def describe_failure(
    check: CheckResult, repeated: bool = False, left_out: tuple[str, ...] = ()
) -> str:
    """The learner-facing explanation of one failed check (no colour). ``repeated``: the same
    mistake was named just above, so it is referred to rather than told again; ``left_out``:
    parts not shown where the screen has no room ("details", "output", "hint")."""
    lines = [check.message] if check.message else []
    if check.details and "details" not in left_out:
        lines.append(check.details)
    if check.diagnosis_message:
        told = "the same as above." if repeated else check.diagnosis_message
        lines.append(f"Likely mistake: {told}")
    if check.hint and not repeated and "hint" not in left_out:
        lines.append(f"Hint: {check.hint}")
    if check.output.strip() and "output" not in left_out:
        lines.append("Your code printed:\n" + _indent(check.output.strip()[:OUTPUT_SHOWN]))
    return "\n".join(lines)


SCREEN_ROWS = 24  # the smallest terminal the default report fits (80×24)

# the isolation in a few plain words (the header); the whole note under --verbose and in JSON
PLAIN_ISOLATION = {
    "bubblewrap": "sandbox: bubblewrap",
    "process": "sandbox: a separate process",
    "rlimits": "sandbox: a separate process",
}


def render_text(
    report: Report,
    colour: bool = False,
    *,
    verbose: bool = False,
    actions: Actions | None = None,
    focus: str | None = None,
    rows: int | None = None,
    details: Sequence[str] | None = None,
) -> str:
    """The terminal report. ``actions``: what the next step says to do (default: the command
    line, as this process was run, see grader.report.invocation); ``verbose``: the isolation's
    whole note and the hidden checks not run, under the header; ``focus``: the exercise whose
    details are shown, marked in the overview (default: the report's current one); ``rows``:
    the rows to fit (default: the terminal's, see _screen_rows); ``details``: lines shown in
    place of that exercise's details (watch mode's hint)."""
    if actions is None:
        from grader.report.invocation import grade_command

        actions = command_line(grade_command())
    width = min(max(shutil.get_terminal_size((100, SCREEN_ROWS)).columns, 60), 160)
    current = _focused(report, focus)
    out = _header(report, colour, verbose, width)
    out += _overview(report, colour, width, current, marked=focus is not None)
    tail = [
        *([""] if current is not None else []),  # after the current exercise's details
        _style(f"Progress: {report.done}/{len(report.exercises)} done", None, colour, bold=True)
        + f"  ·  {report.score}/{report.max_score} points",
        *_wrap(_next_step(report, current, actions), width),
    ]
    rows = _screen_rows() if rows is None else rows
    if current is not None:
        left = rows - len(out) - len(tail)
        out += _current_section(current, colour, width, left) if details is None else details
    return "\n".join(_spaced(_wrap_all(out + tail, width), rows)) + "\n"


def _spaced(lines: list[str], rows: int) -> list[str]:
    """``lines``, with the blank lines between the parts left out (the last first) while they
    are more than ``rows``: the first failure is shown whole even where it does not fit, and
    space goes before anything that says something. A blank line inside a part (in printed
    output, under an indented line) stays."""
    over = len(lines) - rows
    gaps = [at for at in range(len(lines) - 1) if not lines[at] and lines[at + 1][:1] != " "]
    dropped = set(gaps[::-1][: max(over, 0)])
    return [line for at, line in enumerate(lines) if at not in dropped]


def _focused(report: Report, focus: str | None) -> ExerciseResult | None:
    """The exercise named ``focus`` when the report has it, else the report's current one."""
    named = [e for e in report.exercises if e.exercise.name == focus]
    return named[0] if named else report.current


def _screen_rows() -> int:
    """The rows the report should fit: the terminal's (at least SCREEN_ROWS), or $LINES; a
    report written to a file or a pipe has no screen to fit and is given in full."""
    import sys

    lines = os.environ.get("LINES", "")
    if lines.isdigit():
        return max(int(lines), SCREEN_ROWS)
    try:
        return max(os.get_terminal_size(sys.stdout.fileno()).lines, SCREEN_ROWS)
    except (OSError, ValueError, AttributeError):  # not a terminal (or no file descriptor)
        return 10_000


_KEPT_SPACE = "\x00"  # a space inside a `command`, not broken at (it cannot occur in a report)


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    """``text`` in lines of at most ``width`` columns; a `command` in backquotes is not broken
    where it fits a line, nor are words longer than a line."""
    parts = text.split("`")
    for at in range(1, len(parts), 2):
        if len(parts[at]) + 2 <= width - len(indent):
            parts[at] = parts[at].replace(" ", _KEPT_SPACE)
    lines = textwrap.wrap(
        "`".join(parts),
        width,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [line.replace(_KEPT_SPACE, " ") for line in lines] or [""]


def _wrap_all(lines: list[str], width: int) -> list[str]:
    """Every line of ``lines`` (which may hold several) within ``width``, each continued with
    its own indent."""
    out = []
    for block in lines:
        for line in block.split("\n"):
            if _visible(line) <= width:
                out.append(line)
                continue
            line = _unstyled(line)  # too long: wrapped without its colour
            indent = " " * (len(line) - len(line.lstrip(" ")))
            out += _wrap(line, width, indent + "  ")
    return out


def _unstyled(line: str) -> str:
    if "\x1b" not in line:
        return line
    import click

    return click.unstyle(line)


def _visible(line: str) -> int:
    return len(_unstyled(line))


def _header(report: Report, colour: bool, verbose: bool, width: int) -> list[str]:
    """One line: what was graded, which checks, the isolation in plain words. The notes about
    the isolation and the hidden checks not run only under ``--verbose`` (and in JSON)."""
    scope = "all checks" if report.include_hidden else "public checks"
    sandbox = PLAIN_ISOLATION.get(report.isolation, f"sandbox: {report.isolation}")
    rest = f"  ·  {scope}  ·  {sandbox}"
    where = display_path(report.submission)
    room = max(width - len(rest) - len("grade "), 12)
    if len(where) > room:  # one line whatever the folder: its end is kept
        where = "…" + where[-(room - 1) :]
    lines = [_style(f"grade {where}{rest}", None, colour, bold=True)]
    if verbose and report.note:
        lines.append(f"isolation: {report.note}")
    lines += [f"note: {note}" for note in dict.fromkeys(report.notes)]
    if verbose and not report.include_hidden and report.hidden_not_run:
        lines.append(
            f"{report.hidden_not_run} hidden check(s) worth {report.hidden_points_not_run} "
            "point(s) were not run (the instructor's grading runs them; `grade --hidden` too)."
        )
    return [*lines, ""] if len(lines) > 1 else lines


def _overview(
    report: Report, colour: bool, width: int, current: ExerciseResult | None, marked: bool
) -> list[str]:
    """One line per exercise; a failing one adds its first failing check's summary. With
    ``marked``, the line of ``current`` (whose details follow) starts with ">"."""
    name_width = max((len(e.exercise.name) for e in report.exercises), default=10)
    lines = []
    for result in report.exercises:
        status = result.status
        mark = ">" if marked and result is current else " "
        line = (
            f"{mark} {result.exercise.order:>2}  {result.exercise.name:<{name_width}}  "
            f"{result.score:>3}/{result.max_score:<3}  "
        )
        reason = _reason(result) if result is not current else ""
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


def _current_section(current: ExerciseResult, colour: bool, width: int, rows: int) -> list[str]:
    """The details of the exercise being worked on, within ``rows`` lines where it can: the
    first failure always in full, the next ones in full while they fit (at most
    SHOWN_IN_FULL), every other one named on one line."""
    exercise, path, status = current.exercise, display_path(current.file), current.status
    if status == ExerciseStatus.NOT_STARTED:
        return [
            f"{exercise.name}: not started — {exercise.title}",
            f"  Open {path}, read the instructions at the top, and replace each "
            "`raise NotImplementedError(...)` with your code.",
        ]
    if status == ExerciseStatus.MISSING:
        return [f"{exercise.name}: {path} is missing from this folder."]
    if status == ExerciseStatus.DONE:  # shown when asked for (watch mode's n and p keys)
        return [f"{exercise.name}: done — {_plural(len(current.checks), 'check')} pass."]
    failures = current.failures
    heading = f"{exercise.name}: {len(failures)} of {_plural(len(current.checks), 'check')}"
    lines = [_style(heading + " did not pass", "red", colour, bold=True)]
    groups = _same_failures(failures)
    told: set[tuple[str, str]] = set()  # (mistake, hint) pairs already shown
    shown = 0
    for group in groups[:SHOWN_IN_FULL]:
        check = group[0]
        mistake = (check.diagnosis_message, check.hint)
        title = _style(_failure_title(group, len(current.checks)), "red", colour)
        room = rows - len(_wrap_all(lines, width)) - 1  # the line naming the rest
        block = [title, _indent(describe_failure(check, mistake in told), "      ")]
        if not shown:  # the first failure: what fits, its details and printed output first out
            for brief in ((), ("details",), ("details", "output"), ("details", "output", "hint")):
                block = [title, _indent(describe_failure(check, mistake in told, brief), "      ")]
                if len(_wrap_all(block, width)) <= room:
                    break
        elif len(_wrap_all(block, width)) > room:
            break
        lines += block
        shown += 1
        if any(mistake):
            told.add(mistake)
    rest = [c for group in groups[shown:] for c in group]
    if rest:
        names = "; ".join(dict.fromkeys(c.description for c in rest))
        more = _plural(len(rest), "more failing check")
        lines.append(_shorten(f"  … and {more}: {names}", width))
    return lines


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


def _next_step(report: Report, current: ExerciseResult | None, actions: Actions) -> str:
    if current is not None and current.status == ExerciseStatus.DONE:
        current = report.current  # a done exercise shown on request: the course's next step
    if current is None:
        return _after_the_last(report, actions)
    name, path = current.exercise.name, display_path(current.file)
    if current.status == ExerciseStatus.NOT_STARTED:
        on_save = f" (or {actions.on_save})" if actions.on_save else ""
        return (
            f"Next: start {path}, then {actions.fill('check_it', name)}{on_save}; "
            f"{actions.fill('hint', name)} if you get stuck."
        )
    if current.status == ExerciseStatus.MISSING:
        return f"Next: put {current.exercise.file} into {display_path(report.submission)}."
    return f"Next: fix {path} and {actions.fill('check_again', name)}."


def _after_the_last(report: Report, actions: Actions) -> str:
    """Every graded exercise passes: what comes next in the course, else all done."""
    if not report.exercises:
        return "Nothing was graded."
    after = _next_in_course(report)
    if after is not None:
        graded = ", ".join(e.exercise.name for e in report.exercises)
        every = f"; {actions.check_all}" if actions.check_all else ""
        return (
            f"Next: {graded} passes. Next in the course: {after.order}. {after.name} "
            f"({after.file}): {actions.fill('check_other', after.name)}{every}."
        )
    if release_info() is not None:  # a student release has no solutions to show
        return "Next: all done — well done!"
    first = report.exercises[0].exercise.name
    return (
        f"Next: all done — well done! {actions.fill('solution', first)} shows a reference "
        "solution to compare with yours (any exercise's name or number)."
    )


def _next_in_course(report: Report):
    """The first exercise of the course after the last one graded that this report did not
    grade (a run with ``-e``), or None when the report covers the rest of the course."""
    graded = {e.exercise.name for e in report.exercises}
    last = max(e.exercise.order for e in report.exercises)
    later = [e for e in report.course if e.name not in graded and e.order > last]
    return later[0] if later else None
