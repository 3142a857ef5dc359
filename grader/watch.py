"""``grade --watch``: grade an exercise again the moment its file is saved.

One sandbox stays open for the whole session. Saves are seen through the operating system's
file-system events (the ``watchfiles`` library: inotify, FSEvents, ReadDirectoryChangesW), with
a short debounce because an editor's save can be several writes. Where ``watchfiles`` cannot be
imported or cannot start, or when ``GDKIT_WATCH_POLL`` is set, the files' (modification time,
size, inode) are polled instead. Only the exercises whose file changed are graded again; every
report still lists all exercises (the others from their last result), the progress line and
the next step. A save that breaks the sandbox (a loop, a crash) costs that save's results only:
the sandbox is replaced when it fails, and the next save is graded from scratch.

Saves are watched in a thread of their own, also while a run is graded: the screen says at once
which exercise is being graded (grader/watch_screen.py), and a new save of an exercise being
graded stops that run (its workers are killed: Sandbox.cancel) and grades the new save at once,
instead of waiting out a loop's time limits. Keys are read in another thread where stdin is a
terminal (grader/keys.py): ``h`` the next hint, ``n``/``p`` the next or previous exercise's
details, ``r`` grade it again, ``q`` quit. The session's loop, in the main thread, takes what
the threads saw from one queue and grades.

    watch(Path("exercises"), None, include_hidden=False, limits=Limits(), isolation="auto",
          fmt="text")                              # returns the exit status after q or Ctrl-C
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol, TextIO

from grader.checking.remember import across_runs
from grader.exercises import load_exercises
from grader.keys import Keys, NoKeys, open_keys
from grader.report.results import ExerciseResult, Report
from grader.runner import GraderError, grade
from grader.sandbox.sandbox import Limits, Sandbox, SandboxError
from grader.submission.resolve import candidates
from grader.watch_screen import Screen, ticking

STEP_MS = 10  # events are grouped until none has come for this long (the debounce)
MAX_DEBOUNCE_MS = 500  # ... but for no longer than this
POLL_SECONDS = 0.05  # the polling fallback's interval
POLL_ENV = "GDKIT_WATCH_POLL"  # set (non-empty) to poll even where file-system events work
WAKE_SECONDS = 0.2  # the loop wakes this often while it waits (Ctrl-C gets through everywhere)
KEY_WAIT = 0.1  # the keys thread looks at its stop event this often
QUIT_KEYS = ("q", "\x03")  # \x03: Ctrl-C where the console hands it over as a key

Stamp = tuple[int, int, int] | None  # (mtime_ns, size, inode); None: no such file


class Saves(Protocol):
    """Where saves come from. ``wait`` blocks until at least one watched file changed and
    returns the changed file names, or until ``stop`` is set (then an empty set); ``how`` says
    how saves are found (shown to the learner)."""

    how: str

    def wait(self, stop: threading.Event) -> set[str]: ...

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

    def wait(self, stop: threading.Event) -> set[str]:
        while not stop.wait(POLL_SECONDS):
            changed = changed_since(self.folder, self._stamps)
            if changed:
                time.sleep(STEP_MS / 1000)  # let a save of several writes finish
                changed |= changed_since(self.folder, self._stamps)
                self._stamps = stamps(self.folder, self._stamps)
                return changed
        return set()

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

    def wait(self, stop: threading.Event) -> set[str]:
        while not stop.is_set():
            raw = self._notify.watch(MAX_DEBOUNCE_MS, STEP_MS, 0, stop)
            if isinstance(raw, set):
                changed = {Path(path).name for _kind, path in raw} & self.files
                if changed:
                    return changed
        return set()

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
    """One watch session: its sandbox, the latest result of every exercise, and the run being
    graded (``grading``), which a save from another thread can stop (:meth:`saved`)."""

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
        self.grading: set[str] = set()  # the exercises of the run in progress
        self._lock = threading.Lock()  # grading and the sandbox, between the threads

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.exercises]

    def names_of(self, files: Iterable[str]) -> set[str]:
        """The exercises whose files these are."""
        return {self.files[file] for file in files if file in self.files}

    def saved(self, names: set[str]) -> str | None:
        """``names`` were saved (the saves thread): a save of an exercise being graded stops
        the run, which is then graded again at once. What the busy line should say now, or
        None when nothing is being graded."""
        with self._lock:
            if not self.grading:
                return None
            if names & self.grading:
                self.sandbox.cancel()
                return f"{self.describe(self.grading | names)} (saved again: starting over)"
            return f"{self.describe(self.grading)}, then {self.describe(names)}"

    def stop_run(self) -> None:
        """Stop the run in progress, if any (the learner quits)."""
        with self._lock:
            if self.grading:
                self.sandbox.cancel()

    def describe(self, names: Iterable[str]) -> str:
        graded = [name for name in self.names if name in names]
        whole = len(graded) == len(self.exercises) > 1
        return f"all {len(graded)} exercises" if whole else ", ".join(graded)

    def regrade(self, names: set[str]) -> Report | None:
        """Grade ``names`` again; the report shows every exercise, the others from their last
        result. None when the run was stopped by a newer save (its results are dropped). A
        failing grader or sandbox is closed (the next call opens a new one)."""
        order = [name for name in self.names if name in names]
        with self._lock:
            if self.sandbox is None:
                self.sandbox = open_sandbox(self.limits, self.isolation)
            self.sandbox.resume()
            self.grading = set(order)
        try:
            with across_runs():  # the learner's machine: reference values kept for next time
                fresh = grade(
                    self.folder,
                    order,
                    include_hidden=self.include_hidden,
                    sandbox=self.sandbox,
                    files={name: self.given[name] for name in order if name in self.given},
                )
        except (GraderError, SandboxError):
            self._end()
            self.close()
            raise
        stopped = self._end()
        self._top_up()
        if stopped:
            return None
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

    def _end(self) -> bool:
        """The run is over: whether it was stopped."""
        with self._lock:
            self.grading = set()
            return self.sandbox is not None and self.sandbox.cancelled

    def _top_up(self) -> None:
        """A worker warm for the next save (this run used the last one up)."""
        try:
            self.sandbox.start()
        except SandboxError:
            self.close()  # the next save opens a new sandbox, or says why it cannot

    def close(self) -> None:
        with self._lock:
            if self.sandbox is not None:
                self.sandbox.close()
                self.sandbox = None


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
    return threading.current_thread() is threading.main_thread()


class Inbox:
    """What the threads saw, for the session's loop: ("saved", names), ("key", key) and
    ("saves failed", error); ``stop`` ends the threads."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, object]] = queue.Queue()
        self.stop = threading.Event()

    def put(self, kind: str, value: object) -> None:
        self._queue.put((kind, value))

    def take(self, wait: bool) -> list[tuple[str, object]]:
        """Everything waiting; with ``wait``, first wait for something to come."""
        events = []
        while wait and not events:
            try:
                events.append(self._queue.get(timeout=WAKE_SECONDS))
            except queue.Empty:
                pass
        while True:
            try:
                events.append(self._queue.get_nowait())
            except queue.Empty:
                return events


def _background(target: Callable, *args: object) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def _watch_saves(saves: Saves, session: Session, screen: Screen, inbox: Inbox) -> None:
    """The saves thread: each save goes to the loop, and to the running grade (which a save
    of its own exercise stops) and the busy line at once."""
    while not inbox.stop.is_set():
        try:
            changed = saves.wait(inbox.stop)
        except Exception as error:  # noqa: BLE001 - any failure: the loop polls instead
            inbox.put("saves failed", error)
            return
        names = session.names_of(changed)
        if names:
            busy = session.saved(names)
            if busy is not None:  # before the loop takes the save and says what it grades
                screen.busy(busy)
            inbox.put("saved", names)


def _read_keys(keys: Keys, session: Session, inbox: Inbox) -> None:
    """The keys thread: each key goes to the loop; quitting also stops the run in progress."""
    while not inbox.stop.is_set():
        key = keys.read(KEY_WAIT)
        if key in QUIT_KEYS:
            session.stop_run()
            inbox.put("key", "q")
        elif key is not None:
            inbox.put("key", key)


class Watcher:
    """The saves thread and the way saves are found; polling from the moment events fail."""

    def __init__(self, saves: Saves, session: Session, screen: Screen, inbox: Inbox) -> None:
        self.saves, self.session, self.screen, self.inbox = saves, session, screen, inbox
        self.thread = _background(_watch_saves, saves, session, screen, inbox)

    def poll_instead(self, error: BaseException) -> str:
        """Events failed (say, the folder was removed and made again): poll from now on.
        Returns the notice to show."""
        self.saves.close()
        self.saves = PollingSaves(self.session.folder, self.session.files)
        self.thread = _background(_watch_saves, self.saves, self.session, self.screen, self.inbox)
        return f"file-system events stopped ({error}): polling instead"

    def close(self) -> None:
        self.inbox.stop.set()
        self.thread.join(timeout=1.0)
        self.saves.close()


class Loop:
    """The session's loop in the main thread: grade what is pending, then act on what the
    threads saw (saves, keys) until ``q``, Ctrl-C, or ``max_reports`` reports."""

    def __init__(
        self, session: Session, screen: Screen, signals: Signals, inbox: Inbox, watcher: Watcher
    ) -> None:
        self.session, self.screen, self.signals = session, screen, signals
        self.inbox, self.watcher = inbox, watcher
        self.pending = set(session.names)  # the first run grades every exercise
        self.notices: list[str] = []
        self.focus: str | None = None  # the exercise whose details are shown, when chosen
        self.retry: set[str] = set()  # not graded (the grader failed): again on the next save
        self.code, self.reports = 0, 0

    def run(self, max_reports: int | None) -> int:
        while max_reports is None or self.reports < max_reports:
            if self.pending:
                self._grade()
                if max_reports is not None and self.reports >= max_reports:
                    break
            for kind, value in self.inbox.take(wait=not self.pending):
                if self._act(kind, value) == "quit":
                    return 0
        return self.code

    def _grade(self) -> None:
        names, self.pending = self.pending, set()
        started = time.perf_counter()
        self.screen.busy(self.session.describe(names))
        try:
            report = self.session.regrade(names)
        except (GraderError, SandboxError) as error:
            self.signals.check()
            why = f"{error}\n(the grader failed, not your code: it tries again on the next save)"
            self.screen.not_graded(why, self.watcher.saves.how)
            self.code, self.retry = 3, names
            self.reports += 1
            return
        self.signals.check()
        if report is None:  # stopped by a newer save: graded again with it
            self.pending |= names
            return
        self.retry = set()
        summary = f"graded {self.session.describe(names)} in {_ms(started)} ms"
        self.screen.report(report, summary, self.watcher.saves.how, self.notices)
        self.code, self.notices = report.exit_status, []
        self.reports += 1

    def _act(self, kind: str, value: object) -> str | None:
        if kind == "saved":
            self.pending |= value | self.retry
            self.focus = None
        elif kind == "saves failed":
            self.notices.append(self.watcher.poll_instead(value))
            self.pending |= set(self.session.names)
        elif kind == "key":
            return self._key(value)
        return None

    def _key(self, key: str) -> str | None:
        if key == "q":
            return "quit"
        shown = self._shown()
        if key == "r":
            self.pending |= {shown} if shown else set(self.session.names)
        elif key in ("n", "p"):
            self.focus = self._step(shown, 1 if key == "n" else -1)
            self.screen.redraw(self.focus)
        elif key == "h":
            self.screen.redraw(self.focus, self._hint(shown))
        return None

    def _shown(self) -> str | None:
        """The exercise whose details the screen shows."""
        shown = self.screen.shown
        if self.focus is not None or shown is None:
            return self.focus
        current = shown.report.current
        return None if current is None else current.exercise.name

    def _step(self, shown: str | None, by: int) -> str:
        names = self.session.names
        if shown is None:
            return names[0] if by > 0 else names[-1]
        return names[min(max(names.index(shown) + by, 0), len(names) - 1)]

    def _hint(self, shown: str | None) -> list[str]:
        """The next hint of the exercise shown, in place of its details (each ``h`` one more;
        after the last, the last again)."""
        from grader.exercises import by_name
        from grader.hints import next_hint

        if shown is None:
            return ["Every exercise passes: press n or p to pick one, then h for its hints."]
        hints = by_name(shown).hints
        if not hints:
            return [f"{shown}: this exercise has no hints."]
        number, note = next_hint(by_name(shown))
        more = "press h for the next" if 0 < number < len(hints) else "the last one"
        number = number or len(hints)
        lines = [f"{shown}, hint {number} of {len(hints)} ({more}):", f"  {hints[number - 1]}"]
        return [*lines, note] if note else lines


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _no_keys() -> Keys:
    return NoKeys("not asked for")


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
    make_keys: Callable[[], Keys] | None = None,
) -> int:
    """Grade ``folder``, then again on every save, until ``q`` or Ctrl-C (exit status 0) or
    after ``max_reports`` reports (the last report's exit status). ``files`` names the file to
    grade for some exercises (as for grade()). Keys are read from stdin when it is a terminal
    and the format is text (``make_keys``: another source). Raises SandboxError when no sandbox
    can start."""
    if make_keys is None:
        make_keys = (lambda: open_keys(sys.stdin)) if fmt == "text" else _no_keys
    session = keys = screen = None
    with Signals() as signals:
        try:
            session = Session(folder, names, include_hidden, limits, isolation, files)
            keys = make_keys()
            screen = Screen(
                folder, fmt, out or sys.stdout, err or sys.stderr, not keys.why_not, limits.wall
            )
            return _session(session, screen, signals, keys, make_saves, max_reports)
        except KeyboardInterrupt:
            return 0
        finally:
            if keys is not None:
                keys.close()  # the terminal as it was, first
            if screen is not None:
                screen.close()
            if session is not None:
                session.close()


def _session(session, screen, signals, keys, make_saves, max_reports) -> int:
    inbox = Inbox()
    saves, note = make_saves(session.folder, session.files)
    watcher = Watcher(saves, session, screen, inbox)  # before the first run: no save is missed
    try:
        if not keys.why_not:
            _background(_read_keys, keys, session, inbox)
        ticking(screen, inbox.stop)
        loop = Loop(session, screen, signals, inbox, watcher)
        loop.notices = [note] if note else []
        return loop.run(max_reports)
    finally:
        watcher.close()
