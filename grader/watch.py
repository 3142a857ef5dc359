"""``grade --watch``: grade an exercise again the moment its file is saved.

One sandbox stays open for the whole session. Saves are seen through the operating system's
file-system events (the ``watchfiles`` library: inotify, FSEvents, ReadDirectoryChangesW), with
a short debounce because an editor's save can be several writes. Where ``watchfiles`` cannot be
imported or cannot start, or when ``GDKIT_WATCH_POLL`` is set, the files' (modification time,
size, inode) are polled instead. Only the exercises whose file changed are graded again; every
report still lists all exercises (the others from their last result), the progress line and
the next step. A save that breaks the sandbox (a loop, a crash) costs that save's results only:
the sandbox is replaced when it fails, and the next save is graded from scratch.

    watch(Path("exercises"), None, include_hidden=False, limits=Limits(), isolation="auto",
          fmt="text")                                  # returns the exit status after Ctrl-C
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol, TextIO

from grader.exercises import load_exercises
from grader.report.results import ExerciseResult, Report
from grader.report.sanitize import clean_name, clean_text
from grader.runner import GraderError, grade
from grader.sandbox.sandbox import Limits, Sandbox, SandboxError
from grader.submission.resolve import candidates

STEP_MS = 10  # events are grouped until none has come for this long (the debounce)
MAX_DEBOUNCE_MS = 500  # ... but for no longer than this
POLL_SECONDS = 0.05  # the polling fallback's interval
POLL_ENV = "GDKIT_WATCH_POLL"  # set (non-empty) to poll even where file-system events work

Stamp = tuple[int, int, int] | None  # (mtime_ns, size, inode); None: no such file


class Saves(Protocol):
    """Where saves come from. ``wait`` blocks until at least one watched file changed and
    returns the changed file names; ``how`` says how saves are found (shown to the learner)."""

    how: str

    def wait(self) -> set[str]: ...

    def close(self) -> None: ...


def stamps(folder: Path, files: Iterable[str]) -> dict[str, Stamp]:
    """The (mtime, size, inode) of each file: a save changes at least one of them, even on a
    file system with a coarse clock. lstat: a FIFO or a link is never opened here."""
    found: dict[str, Stamp] = {}
    for name in files:
        try:
            status = os.lstat(folder / name)
        except OSError:
            found[name] = None
        else:
            found[name] = (status.st_mtime_ns, status.st_size, status.st_ino)
    return found


def changed_since(folder: Path, before: dict[str, Stamp]) -> set[str]:
    now = stamps(folder, before)
    return {name for name, stamp in now.items() if stamp != before[name]}


class PollingSaves:
    """The portable fallback: look at the files' stamps every POLL_SECONDS."""

    how = f"polling every {POLL_SECONDS:g} s"

    def __init__(self, folder: Path, files: Iterable[str]) -> None:
        self.folder = folder
        self._stamps = stamps(folder, files)

    def wait(self) -> set[str]:
        while True:
            time.sleep(POLL_SECONDS)
            changed = changed_since(self.folder, self._stamps)
            if changed:
                time.sleep(STEP_MS / 1000)  # let a save of several writes finish
                changed |= changed_since(self.folder, self._stamps)
                self._stamps = stamps(self.folder, self._stamps)
                return changed

    def close(self) -> None:
        pass


class EventSaves:
    """File-system events through watchfiles' Rust backend (its documented direct use): the
    watch starts when this object is made, so a save made while a report is being graded is
    not missed."""

    how = "file-system events"

    def __init__(self, folder: Path, files: Iterable[str]) -> None:
        from watchfiles._rust_notify import RustNotify

        self.files = set(files)
        # paths, debug, force_polling, poll_delay_ms, recursive, ignore_permission_denied
        self._notify = RustNotify([str(folder)], False, False, 0, False, True)

    def wait(self) -> set[str]:
        while True:
            raw = self._notify.watch(MAX_DEBOUNCE_MS, STEP_MS, 0, None)
            if raw == "signal":  # watchfiles noticed Ctrl-C (and swallowed the exception)
                raise KeyboardInterrupt
            if isinstance(raw, set):
                changed = {Path(path).name for _kind, path in raw} & self.files
                if changed:
                    return changed

    def close(self) -> None:
        self._notify.close()


def open_saves(folder: Path, files: Iterable[str]) -> tuple[Saves, str]:
    """File-system events where they work, else polling; and a note saying why we poll."""
    files = list(files)
    if os.environ.get(POLL_ENV):
        return PollingSaves(folder, files), ""
    try:
        return EventSaves(folder, files), ""
    except ImportError:
        reason = "the watchfiles package is not installed"
    except (OSError, RuntimeError, TypeError) as error:  # TypeError: a backend's new arguments
        reason = f"file-system events are not available here ({error})"
    return PollingSaves(folder, files), f"{reason}: polling instead"


def open_sandbox(limits: Limits, isolation: str) -> Sandbox:
    """The session's one sandbox, started now (a worker imports NumPy while the checks load)."""
    sandbox = Sandbox(limits, isolation)
    try:
        sandbox.start()
    except BaseException:  # Ctrl-C too: no half-started sandbox is left running
        sandbox.close()
        raise
    return sandbox


def watched_files(exercises: Iterable, given: dict[str, str]) -> dict[str, str]:
    """File name -> exercise name: each exercise's NN_name.py and NN_name.ipynb (which one is
    graded is grader/submission/resolve.py's rule), or the one file given for it."""
    files = {}
    for exercise in exercises:
        names = [given[exercise.name]] if exercise.name in given else candidates(exercise)
        files.update((name, exercise.name) for name in names)
    return files


class Session:
    """One watch session: its sandbox, and the latest result of every exercise."""

    def __init__(
        self,
        folder: Path,
        names: Iterable[str] | None,
        include_hidden: bool,
        limits: Limits,
        isolation: str,
        given: dict[str, str] | None = None,
    ) -> None:
        wanted = None if names is None else set(names)
        self.exercises = [e for e in load_exercises() if wanted is None or e.name in wanted]
        self.folder, self.include_hidden = folder, include_hidden
        self.limits, self.isolation = limits, isolation
        self.given = given or {}  # exercise name -> the file given as PATH
        self.files = watched_files(self.exercises, self.given)
        self.results: dict[str, ExerciseResult] = {}
        self.sandbox: Sandbox | None = open_sandbox(limits, isolation)

    def names_of(self, files: Iterable[str]) -> set[str]:
        """The exercises whose files these are."""
        return {self.files[file] for file in files if file in self.files}

    def regrade(self, names: set[str]) -> Report:
        """Grade ``names`` again; the report shows every exercise, the others from their last
        result. A failing grader or sandbox is closed (the next call opens a new one)."""
        if self.sandbox is None:
            self.sandbox = open_sandbox(self.limits, self.isolation)
        order = [e.name for e in self.exercises if e.name in names]
        try:
            fresh = grade(
                self.folder,
                order,
                include_hidden=self.include_hidden,
                sandbox=self.sandbox,
                files={name: self.given[name] for name in order if name in self.given},
            )
        except (GraderError, SandboxError):
            self.close()
            raise
        self._top_up()
        self.results.update((result.exercise.name, result) for result in fresh.exercises)
        shown = [self.results[e.name] for e in self.exercises if e.name in self.results]
        return Report(
            submission=fresh.submission,
            isolation=fresh.isolation,
            include_hidden=self.include_hidden,
            exercises=shown,
            duration=fresh.duration,
            note=fresh.note,
            course=fresh.course,
        )

    def _top_up(self) -> None:
        """A worker warm for the next save (this run used the last one up)."""
        try:
            self.sandbox.start()
        except SandboxError:
            self.close()  # the next save opens a new sandbox, or says why it cannot

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None


class View:
    """What the learner sees: each report (on a terminal, after clearing it), then one status
    line. With ``--format json`` each report is one line (JSON Lines) and the status lines go
    to stderr, so that stdout stays a stream of reports."""

    def __init__(self, folder: Path, fmt: str, out: TextIO, err: TextIO) -> None:
        from grader.report.terminal import use_colour

        self.where = clean_name(str(folder))  # a folder's name can hold escape sequences
        self.fmt, self.out, self.err = fmt, out, err
        self.colour = fmt == "text" and use_colour(out)
        self.status_stream = out if fmt == "text" else err

    def report(self, report: Report) -> None:
        from grader.report.actions import watching
        from grader.report.invocation import grade_command
        from grader.report.render import render
        from grader.report.terminal import CLEAR_SCREEN

        text = render(report, self.fmt, self.colour, actions=watching(grade_command()))
        if self.fmt == "json":
            text = json.dumps(json.loads(text)) + "\n"
        if self.colour:
            text = CLEAR_SCREEN + text
        self._write(self.out, text)

    def status(self, summary: str, how: str) -> None:
        line = f"[{summary} · watching {self.where} for saves ({how}) · Ctrl-C to stop]\n"
        self._write(self.status_stream, line)

    def error(self, message: str) -> None:
        self._write(self.err, f"grade: {clean_text(message)}\n")

    @staticmethod
    def _write(stream: TextIO, text: str) -> None:
        stream.write(text)
        stream.flush()


class Signals:
    """Ctrl-C, SIGTERM and SIGHUP (a closed terminal) end the session, so that the sandbox is
    closed on the way out. pytest catches KeyboardInterrupt inside a run, so the signal is
    also remembered: ``check`` raises it again once the run is over."""

    NAMES = ("SIGINT", "SIGTERM", "SIGHUP")

    def __init__(self) -> None:
        self.received = False
        self._saved: dict[int, object] = {}

    def __enter__(self) -> Signals:
        if _in_main_thread():  # signal handlers can only be set there
            for name in self.NAMES:
                if hasattr(signal, name):
                    number = getattr(signal, name)
                    self._saved[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._saved.items():
            signal.signal(number, handler)

    def _handle(self, signum: int, frame: object) -> None:
        if self.received:
            return  # already on the way out: let the sandbox be closed
        self.received = True
        raise KeyboardInterrupt

    def check(self) -> None:
        if self.received:
            raise KeyboardInterrupt


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _regrade(session: Session, view: View, signals: Signals, names: set[str]):
    """Grade ``names`` and show the report: (exit status, names to retry, summary)."""
    started = time.perf_counter()
    try:
        report = session.regrade(names)
    except (GraderError, SandboxError) as error:
        signals.check()
        view.error(f"{error}\n(the grader failed, not your code: it tries again on the next save)")
        return 3, names, "not graded"
    signals.check()
    view.report(report)
    graded = [e.name for e in session.exercises if e.name in names]
    whole = len(graded) == len(session.exercises) > 1
    what = f"all {len(graded)} exercises" if whole else ", ".join(graded)
    return report.exit_status, set(), f"graded {what} in {_ms(started)} ms"


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def watch(
    folder: Path,
    names: Iterable[str] | None,
    *,
    include_hidden: bool,
    limits: Limits,
    isolation: str,
    fmt: str = "text",
    out: TextIO | None = None,
    err: TextIO | None = None,
    max_reports: int | None = None,
    files: dict[str, str] | None = None,
    make_saves: Callable[[Path, Iterable[str]], tuple[Saves, str]] = open_saves,
) -> int:
    """Grade ``folder``, then again on every save, until Ctrl-C (exit status 0) or after
    ``max_reports`` reports (the last report's exit status). ``files`` names the file to
    grade for some exercises (as for grade()). Raises SandboxError when no sandbox can start."""
    view = View(folder, fmt, out or sys.stdout, err or sys.stderr)
    session = None
    with Signals() as signals:
        try:
            session = Session(folder, names, include_hidden, limits, isolation, files)
            return _loop(session, view, signals, make_saves, max_reports)
        except KeyboardInterrupt:
            return 0
        finally:
            if session is not None:
                session.close()


def _loop(session: Session, view: View, signals: Signals, make_saves, max_reports) -> int:
    before = stamps(session.folder, session.files)
    code, retry, summary = _regrade(session, view, signals, set(session.files.values()))
    saves, note = make_saves(session.folder, session.files)
    try:
        if note:
            view.error(note)
        view.status(summary, saves.how)
        changed = changed_since(session.folder, before)  # saved while the first run graded
        reports = 1
        while max_reports is None or reports < max_reports:
            if not changed:
                saves, changed = _wait(saves, session, view)
            names = session.names_of(changed) | retry
            changed = set()
            if names:
                code, retry, summary = _regrade(session, view, signals, names)
                view.status(summary, saves.how)
                reports += 1
        return code
    finally:
        saves.close()


def _wait(saves: Saves, session: Session, view: View) -> tuple[Saves, set[str]]:
    """The next saves; if file-system events fail (say, the folder was removed and made
    again), poll from now on, and count every file as saved once."""
    try:
        return saves, saves.wait()
    except (OSError, RuntimeError) as error:
        saves.close()
        view.error(f"file-system events stopped ({error}): polling instead")
        return PollingSaves(session.folder, session.files), set(session.files)
