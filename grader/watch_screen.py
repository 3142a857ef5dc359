"""What ``grade --watch`` shows: one screen per report, a busy line the moment a save is seen,
the keys it reads, and a status line.

On a terminal each report fits the screen (the report is given the terminal's rows less the
status line and a notice; the keys' line follows where there is room for it, else the keys are
named on the status line; a hint takes the place of the exercise's details). Where the
terminal takes escape codes (grader/report/terminal.py decides: not with NO_COLOR, and on
Windows only in virtual-terminal mode) each report clears the screen first, the status line is
left without its newline, so that the busy line can take its place, and while a run lasts the
busy line counts its seconds and names the time limit per call.
Elsewhere (a pipe, a file, a plain terminal) every line is written once, in order. With
``--format json`` each report is one line on stdout (JSON Lines) and the status and busy lines
go to stderr. Threads share a Screen: every method takes its lock.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from grader.report.results import Report
from grader.report.sanitize import clean_name, clean_text
from grader.report.terminal import CLEAR_SCREEN, use_colour

RETURN = "\r\x1b[K"  # back to the start of the line, and clear it
KEYS_LINE = "Keys: h hint · n/p next/previous exercise · r re-run · q quit"
MIN_ROWS = 24  # the smallest terminal a screen is made for (80×24)
TICK_SECONDS = 1.0  # the busy line's count


@dataclass
class Shown:
    """The last screen, to draw again after a key (another exercise, a hint)."""

    report: Report
    summary: str  # "graded parabola in 21 ms"
    how: str  # how saves are found
    focus: str | None = None
    details: Sequence[str] | None = None  # in place of the exercise's details (a hint)
    notices: list[str] = field(default_factory=list)  # said once, under this report


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Screen:
    """The watch session's output. ``keys``: whether the session reads keys (the screen then
    lists them, and hints are offered as a key); ``limit``: the time limit per call, named by
    the busy line when a run lasts."""

    def __init__(
        self, folder: Path, fmt: str, out: TextIO, err: TextIO, keys: bool, limit: float
    ) -> None:
        self.where = clean_name(str(folder))  # a folder's name can hold escape sequences
        self.fmt, self.out, self.err, self.keys, self.limit = fmt, out, err, keys, limit
        self.terminal = fmt == "text" and _is_terminal(out)  # a screen to fit
        self.live = fmt == "text" and use_colour(out)  # escape codes: clear, redraw a line
        self.colour = self.live
        self.status_stream = out if fmt == "text" else err
        self.shown: Shown | None = None
        self._lock = threading.RLock()
        self._busy: tuple[str, float] | None = None  # (what is graded, since)
        self._open = False  # the status or busy line is on the terminal without its newline

    def report(self, report: Report, summary: str, how: str, notices: Sequence[str] = ()) -> None:
        """A new report, its notices (e.g. why saves are polled) and the status line."""
        with self._lock:
            self._busy = None
            self.shown = Shown(report, summary, how, notices=list(notices))
            self._draw()

    def redraw(self, focus: str | None, details: Sequence[str] | None = None) -> None:
        """The last report again, with the details of ``focus`` (or ``details`` instead)."""
        with self._lock:
            if self.shown is not None and self._busy is None:
                self.shown.focus, self.shown.details, self.shown.notices = focus, details, []
                self._draw()

    def not_graded(self, message: str, how: str) -> None:
        """The grader failed (not the learner's code): why, and the status line."""
        with self._lock:
            self._busy = None
            self.error(message)
            self._status(self._status_line("not graded", how, self._stop))

    def busy(self, what: str) -> None:
        """Say at once that ``what`` is being graded (the count starts now)."""
        with self._lock:
            self._busy = (what, time.monotonic())
            self._show_busy()

    def tick(self) -> None:
        """The busy line again with its seconds (on a terminal, while a run lasts)."""
        with self._lock:
            if self._busy is not None and self.live:
                self._show_busy()

    def error(self, message: str) -> None:
        with self._lock:
            self._end_line()
            self._write(self.err, f"grade: {clean_text(message)}\n")

    def close(self) -> None:
        """The last line ended, so that the shell's prompt starts on a line of its own."""
        with self._lock:
            self._busy = None
            self._end_line()

    @property
    def _stop(self) -> str:
        return " · keys h n p r q" if self.keys else " · Ctrl-C to stop"

    def _draw(self) -> None:
        from grader.report.actions import watching
        from grader.report.invocation import grade_command
        from grader.report.render import render

        shown = self.shown
        rows = self._rows() - len(shown.notices) - 1 if self.terminal else None  # 1: status
        text = render(
            shown.report,
            self.fmt,
            self.colour,
            actions=watching(grade_command(), self.keys),
            focus=shown.focus,
            rows=rows,
            details=shown.details,
        )
        if self.fmt == "json":
            text = json.dumps(json.loads(text)) + "\n"
        # the keys' line where the screen has room for it, else the keys on the status line
        keys_line = self.keys and (rows is None or text.count("\n") < rows)
        if self.live:
            self._open = False
            text = CLEAR_SCREEN + text
        self._write(self.out, text + (f"{KEYS_LINE}\n" if keys_line else ""))
        for notice in shown.notices:
            self.error(notice)
        stop = "" if keys_line else self._stop
        self._status(self._status_line(shown.summary, shown.how, stop))

    def _status_line(self, summary: str, how: str, end: str) -> str:
        """``[summary · watching FOLDER (how)end]``; on a terminal, where that does not fit
        the width, without ``(how)``, then with the folder cut to its end."""
        where = self.where
        whole = f"[{summary} · watching {where} ({how}){end}]"
        over = len(whole) - self._width()
        if not self.terminal or over <= 0:
            return whole
        over -= len(how) + 3
        if over > 0:
            where = "…" + where[over + 1 :] if over + 4 < len(where) else "…"
        return f"[{summary} · watching {where}{end}]"

    @staticmethod
    def _rows() -> int:
        return max(shutil.get_terminal_size((80, MIN_ROWS)).lines, MIN_ROWS)

    @staticmethod
    def _width() -> int:
        """The longest line that does not wrap (the last column left free)."""
        return shutil.get_terminal_size((80, MIN_ROWS)).columns - 1

    def _show_busy(self) -> None:
        what, since = self._busy
        seconds = int(time.monotonic() - since)
        line = f"[grading {what} …"
        if seconds >= 1:
            line += f" {seconds} s · time limit {self.limit:g} s per call (--timeout)"
        self._status(line + "]")

    def _status(self, line: str) -> None:
        """Live: ``line`` in place of the last status or busy line, left open; elsewhere a
        line of its own. On a terminal it is cut to the width: a wrapped line takes two rows,
        and could not be written over."""
        width = self._width()
        if self.terminal and len(line) > width:
            line = line[: max(width - 2, 0)] + "…]"
        if not self.live:
            self._write(self.status_stream, line + "\n")
            return
        self._write(self.status_stream, (RETURN if self._open else "") + line)
        self._open = True

    def _end_line(self) -> None:
        if self._open:
            self._write(self.status_stream, "\n")
            self._open = False

    @staticmethod
    def _write(stream: TextIO, text: str) -> None:
        stream.write(text)
        stream.flush()


def ticking(screen: Screen, stop: threading.Event) -> None:
    """Count the busy line's seconds until ``stop``: a thread of its own, when live."""
    if screen.live:
        threading.Thread(target=_tick, args=(screen, stop), daemon=True).start()


def _tick(screen: Screen, stop: threading.Event) -> None:
    while not stop.wait(TICK_SECONDS):
        screen.tick()
