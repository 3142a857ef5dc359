"""`grade --watch`: re-grades on save (file-system events, or polling without them), grades
again only the saved exercise and shows the others from their last result, says at once what it
grades, stops a run when its file is saved again, reads keys (h, n, p, r, q) on a terminal and
works without them elsewhere, survives edits that break the sandbox, and ends on q or Ctrl-C
leaving no process behind."""

from __future__ import annotations

import io
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import click
import pytest
from grade_cli import run_grade
from grader_helpers import ISOLATIONS, copy_solution, solution_text

import grader.watch
from grader.authoring.mutants import apply_mutant
from grader.exercises import by_name, exercises_dir, load_exercises, solutions_dir
from grader.keys import NoKeys
from grader.sandbox.sandbox import Limits, SandboxError
from grader.watch import POLL_SECONDS, PollingSaves, open_saves, watch
from grader.watch_screen import KEYS_LINE

REPO = Path(__file__).resolve().parents[2]
GRADE = [sys.executable, "-m", "grader.cli"]
WAIT = 90  # seconds: a bound on waiting for a report, so that a broken watch fails, never hangs
HAS_PROC = Path("/proc/self/stat").exists()


def stub_text(name: str) -> str:
    return (exercises_dir() / by_name(name).file).read_text(encoding="utf-8")


def save(folder: Path, name: str, text: str) -> None:
    (folder / by_name(name).file).write_text(text, encoding="utf-8")


class Watching:
    """`grade FOLDER --watch …` in a subprocess; ``report()`` returns the next report with its
    status line (the line that ends every report in watch mode)."""

    def __init__(self, folder: Path, *args: str, env: dict | None = None) -> None:
        self.process = subprocess.Popen(
            [*GRADE, str(folder), "--watch", *args],
            cwd=REPO,
            stdin=subprocess.DEVNULL,  # not a terminal: no keys
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def report(self) -> str:
        lines = []
        while True:
            try:
                line = self._lines.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"no report within {WAIT} s:\n{''.join(lines)}") from None
            if line is None:
                raise AssertionError("grade --watch ended:\n" + "".join(lines))
            lines.append(line)
            if line.startswith("[") and "· watching " in line:
                return "".join(lines)

    def stop(self, signum: int = signal.SIGINT) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=WAIT)
        finally:
            self.process.kill()
            self.process.wait()


TWO = ("-e", "parabola", "-e", "momentum")  # grade --watch on these two exercises only


@pytest.fixture
def two_done(tmp_path):
    """A folder with parabola and momentum solved."""
    copy_solution("parabola", tmp_path)
    copy_solution("momentum", tmp_path)
    return tmp_path


def test_a_save_regrades_only_that_exercise(tmp_path):
    week = tmp_path / "week"
    shutil.copytree(solutions_dir(), week)
    watching = Watching(week)
    try:
        first = watching.report()
        assert "[graded all 11 exercises in " in first and "(file-system events)" in first
        assert "Progress: 11/11 done" in first
        save(week, "parabola", stub_text("parabola"))
        second = watching.report()
        assert "[graded parabola in " in second
        assert "Progress: 10/11 done" in second and "Next: start " in second
        listed = second.split("Progress")[0]
        assert all(f" {e.name} " in listed for e in load_exercises())  # the others: last result
        save(week, "parabola", solution_text("parabola"))
        assert "Progress: 11/11 done" in watching.report()
    finally:
        assert watching.stop() == 0


class Output(io.StringIO):
    """watch()'s output, which other threads can wait on: ``wait_for(n)`` returns once ``n``
    status lines (one ends every report and every redraw) have been written."""

    def __init__(self) -> None:
        super().__init__()
        self.written = threading.Condition()

    def write(self, text: str) -> int:
        with self.written:
            count = super().write(text)
            self.written.notify_all()
        return count

    def statuses(self) -> int:
        return self.getvalue().count("· watching ")

    def wait_for(self, statuses: int) -> None:
        with self.written:
            if not self.written.wait_for(lambda: self.statuses() >= statuses, timeout=WAIT):
                raise AssertionError(f"no report {statuses} within {WAIT} s:\n{self.getvalue()}")


class ScriptedSaves:
    """Saves for watch(): each step waits for the report before it (a person saves after
    reading), then edits files and announces the files it names; then no more saves."""

    how = "scripted"

    def __init__(self, steps, out: Output) -> None:
        self.steps, self.out, self.done = list(steps), out, 0

    def wait(self, stop: threading.Event) -> set[str]:
        if not self.steps:
            stop.wait()
            return set()
        self.done += 1
        self.out.wait_for(self.done)
        return self.steps.pop(0)()

    def close(self) -> None:
        pass


class ScriptedKeys:
    """Keys for watch(): each key is pressed once the screen has ``after`` status lines."""

    why_not = ""

    def __init__(self, presses: list[tuple[int, str]], out: Output) -> None:
        self.presses, self.out = list(presses), out

    def read(self, timeout: float) -> str | None:
        if not self.presses:
            time.sleep(timeout)
            return None
        after, key = self.presses.pop(0)
        self.out.wait_for(after)
        return key

    def close(self) -> None:
        pass


def run_watch(folder: Path, steps, keys=None, **options) -> list[str]:
    """watch() in this process with scripted saves (and keys): the reports and redraws it
    printed, in order; it stops after a report for each step, unless told otherwise."""
    out = Output()
    options.setdefault("max_reports", len(steps) + 1)
    status = watch(
        folder,
        ["parabola", "momentum"],
        include_hidden=False,
        limits=Limits(wall=5, cpu=5),
        isolation="auto",
        out=out,
        err=out,
        make_saves=lambda *_: (ScriptedSaves(steps, out), ""),
        make_keys=lambda: ScriptedKeys(keys, out) if keys else NoKeys("scripted"),
        **options,
    )
    if keys:
        assert status == 0  # q
    return screens(out.getvalue())


def screens(text: str) -> list[str]:
    """``text`` cut after each status line (one ends every report and every redraw)."""
    parts, lines = [], []
    for line in text.splitlines(keepends=True):
        lines.append(line)
        if line.startswith("[") and "· watching " in line:
            parts.append("".join(lines))
            lines = []
    return parts


def test_only_the_announced_file_is_graded_again(two_done):
    def break_both_announce_parabola():
        save(two_done, "parabola", stub_text("parabola"))
        save(two_done, "momentum", stub_text("momentum"))
        return {by_name("parabola").file}

    def announce_momentum():
        return {by_name("momentum").file}

    reports = run_watch(two_done, [break_both_announce_parabola, announce_momentum])
    assert len(reports) == 3
    assert "Progress: 2/2 done" in reports[0]
    # momentum's file is a stub now, but it was not announced: its last result is shown
    assert "graded parabola in" in reports[1] and "Progress: 1/2 done" in reports[1]
    assert "graded momentum in" in reports[2] and "Progress: 0/2 done" in reports[2]


def test_a_failing_sandbox_is_replaced_and_the_save_graded_later(two_done, monkeypatch):
    real_grade, sandboxes = grader.watch.grade, []

    def fails_the_second_time(*args, **kwargs):
        sandboxes.append(kwargs["sandbox"])
        if len(sandboxes) == 2:
            raise SandboxError("the sandbox broke")
        return real_grade(*args, **kwargs)

    def break_parabola():
        save(two_done, "parabola", stub_text("parabola"))
        return {by_name("parabola").file}

    def break_momentum():
        save(two_done, "momentum", stub_text("momentum"))
        return {by_name("momentum").file}

    monkeypatch.setattr(grader.watch, "grade", fails_the_second_time)
    reports = run_watch(two_done, [break_parabola, break_momentum])
    assert "the sandbox broke" in reports[1] and "[not graded · watching" in reports[1]
    assert "graded all 2 exercises in" in reports[2] and "Progress: 0/2 done" in reports[2]
    assert sandboxes[2] is not sandboxes[0]  # a new sandbox after the failure


def test_a_folder_name_with_escape_sequences_is_shown_safely(tmp_path):
    folder = tmp_path / "work\x1b]52;c;aGk=\x07\x1b[2J"
    copy_solution("parabola", folder)
    copy_solution("momentum", folder)
    reports = run_watch(folder, [])
    assert "· watching " in reports[0] and "\x1b" not in reports[0] and "\x07" not in reports[0]


def test_a_save_made_while_the_first_report_is_graded_stops_it_and_is_graded(two_done, monkeypatch):
    """A save of an exercise being graded stops the run (its worker killed) and the new save
    is graded at once: the first report already shows it."""
    real_grade, announced = grader.watch.grade, threading.Event()

    def save_while_grading(*args, **kwargs):
        if not announced.is_set():
            save(two_done, "momentum", stub_text("momentum"))
            announced.set()
            stopped = _wait_until(lambda: kwargs["sandbox"].cancelled)
            assert stopped, "the save did not stop the run"
        return real_grade(*args, **kwargs)

    class SaveDuringTheFirstRun(ScriptedSaves):
        def wait(self, stop):
            if not self.steps:
                stop.wait()
                return set()
            announced.wait(WAIT)
            return self.steps.pop(0)()

    monkeypatch.setattr(grader.watch, "grade", save_while_grading)
    out = Output()
    steps = [lambda: {by_name("momentum").file}]
    watch(
        two_done,
        ["parabola", "momentum"],
        include_hidden=False,
        limits=Limits(wall=5, cpu=5),
        isolation="auto",
        out=out,
        err=out,
        max_reports=1,
        make_saves=lambda *_: (SaveDuringTheFirstRun(steps, out), ""),
        make_keys=lambda: NoKeys("scripted"),
    )
    shown = out.getvalue()
    assert "(saved again: starting over)" in shown
    assert shown.count("· watching ") == 1  # the stopped run was not reported
    assert "graded all 2 exercises in" in shown and "Progress: 1/2 done" in shown


def _wait_until(condition, seconds=WAIT) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_the_busy_line_comes_before_each_report(two_done):
    def break_parabola():
        save(two_done, "parabola", stub_text("parabola"))
        return {by_name("parabola").file}

    out = run_watch(two_done, [break_parabola])
    assert out[0].index("[grading all 2 exercises …]") < out[0].index("Progress: 2/2 done")
    assert out[1].index("[grading parabola …]") < out[1].index("Progress: 1/2 done")


def test_polling_sees_saves_of_the_same_size(tmp_path):
    target = tmp_path / "01_parabola.py"
    target.write_text("a = 1\n")
    saves = PollingSaves(tmp_path, ["01_parabola.py", "03_momentum.py"])
    target.write_text("a = 2\n")  # same size; a new mtime (or, on a coarse clock, the same)
    os.utime(target, ns=(1, 1))
    (tmp_path / "03_momentum.py").write_text("b = 1\n")  # a file that appears
    assert saves.wait(threading.Event()) == {"01_parabola.py", "03_momentum.py"}


def test_events_that_cannot_start_fall_back_to_polling(tmp_path, monkeypatch):
    def refuse(*args):
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(grader.watch, "EventSaves", refuse)
    saves, note = open_saves(tmp_path, ["01_parabola.py"])
    assert isinstance(saves, PollingSaves)
    assert "inotify watch limit reached" in note and note.endswith("polling instead")


def test_events_that_stop_working_fall_back_to_polling(two_done):
    def events_fail():
        raise RuntimeError("error in underlying watcher")

    reports = run_watch(two_done, [events_fail])
    assert "file-system events stopped (error in underlying watcher)" in reports[1]
    assert "[graded all 2 exercises in " in reports[1] and "(polling every" in reports[1]


BLOCK_WATCHFILES = "import sys; sys.modules['watchfiles'] = None\n"


@pytest.mark.parametrize("how", ["environment", "no watchfiles"])
def test_polling_fallback(tmp_path, how):
    """GDKIT_WATCH_POLL=1, or a Python where watchfiles cannot be imported: saves are polled."""
    copy_solution("parabola", tmp_path / "work")
    env = {"GDKIT_WATCH_POLL": "1"}
    if how == "no watchfiles":
        (tmp_path / "site").mkdir()
        (tmp_path / "site" / "sitecustomize.py").write_text(BLOCK_WATCHFILES)
        env = {"PYTHONPATH": str(tmp_path / "site")}
    watching = Watching(tmp_path / "work", "-e", "parabola", env=env)
    try:
        first = watching.report()
        assert f"(polling every {POLL_SECONDS:g} s)" in first
        if how == "no watchfiles":
            assert "the watchfiles package is not installed: polling instead" in first
        save(tmp_path / "work", "parabola", stub_text("parabola"))
        second = watching.report()
        assert "graded parabola in" in second and "Progress: 0/1 done" in second
    finally:
        assert watching.stop() == 0


BROKEN = {
    "endless loop in a function": "\ndef gd_step(w, grad, lr):\n    while True:\n        pass\n",
    "endless loop on import": "\nwhile True:\n    pass\n",
    "os._exit on import": "\nimport os\nos._exit(3)\n",
    "os._exit in a function": "\ndef parabola_loss(w):\n    import os\n    os._exit(0)\n",
    "a syntax error": "\ndef gd_step(w, grad, lr:\n",
    "kills its own process group": "\nimport os, signal\nos.killpg(0, signal.SIGKILL)\n",
}


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_broken_edits_do_not_break_the_next_regrade(two_done, isolation):
    watching = Watching(two_done, *TWO, "--timeout", "1", "--isolation", isolation)
    correct = solution_text("parabola")
    try:
        assert "Progress: 2/2 done" in watching.report()
        for kind, tail in BROKEN.items():
            save(two_done, "parabola", correct + tail)
            broken = watching.report()
            assert "graded parabola in" in broken and "Progress: 1/2 done" in broken, kind
            save(two_done, "parabola", correct)
            fixed = watching.report()
            assert "graded parabola in" in fixed and "Progress: 2/2 done" in fixed, kind
    finally:
        assert watching.stop() == 0


def process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, start time) of every process, from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry.name)] = (int(fields[1]), fields[19])
    return table


def descendants(root: int) -> set[tuple[int, str]]:
    table = process_table()
    found, frontier = set(), {root}
    while frontier:
        children = {pid for pid, (parent, _) in table.items() if parent in frontier}
        found |= {(pid, table[pid][1]) for pid in children}
        frontier = children
    return found


def still_running(processes: set[tuple[int, str]]) -> set[tuple[int, str]]:
    table = process_table()
    return {(pid, start) for pid, start in processes if table.get(pid, (0, ""))[1] == start}


def _left_after(processes, seconds=10.0):
    """The processes still running after up to ``seconds`` (a process of a bubblewrap sandbox
    is killed by the kernel just after its parent: give it that moment)."""
    deadline = time.monotonic() + seconds
    while still_running(processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    return still_running(processes)


@pytest.mark.skipif(not HAS_PROC, reason="reads the process table from /proc")
@pytest.mark.parametrize("isolation", ISOLATIONS)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stopping_leaves_no_process(two_done, signum, isolation):
    watching = Watching(two_done, *TWO, "--isolation", isolation)
    watching.report()
    sandbox = descendants(watching.process.pid)
    assert sandbox, "the watch session should keep its sandbox's processes running"
    assert watching.stop(signum) == 0
    assert not _left_after(sandbox)


@pytest.mark.slow
@pytest.mark.skipif(not HAS_PROC, reason="reads the process table from /proc")
def test_ctrl_c_while_a_loop_is_graded_leaves_no_process(two_done):
    watching = Watching(two_done, *TWO, "--timeout", "5")
    watching.report()
    save(two_done, "parabola", solution_text("parabola") + BROKEN["endless loop in a function"])
    time.sleep(1.0)  # the save is seen within ~0.05 s: the loop is being graded now
    processes = descendants(watching.process.pid)
    assert watching.stop() == 0
    assert not _left_after(processes)


def test_json_watch_stream_is_one_report_per_line(two_done):
    done = subprocess.run(
        [*GRADE, str(two_done), *TWO, "--watch", "--watch-runs", "1", "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["done"] == 2
    assert "[graded all 2 exercises in " in done.stderr  # the status line, off stdout


def test_watch_with_output_file_is_bad_usage(two_done, tmp_path):
    result = run_grade([two_done, *TWO, "--watch", "-o", tmp_path / "r.json"])
    assert result.exit_code == 2 and "leave out -o" in result.output


def test_watch_when_no_sandbox_can_start(two_done, monkeypatch):
    """A sandbox that cannot start at all: exit 3 with the reason, as for one `grade` run."""

    def cannot_start(*args):
        raise SandboxError("no sandbox backend can start here: install bubblewrap")

    monkeypatch.setattr(grader.watch, "open_sandbox", cannot_start)
    result = run_grade([two_done, *TWO, "--watch"])
    assert result.exit_code == 3 and "install bubblewrap" in result.output


def test_a_save_by_renaming_a_new_file_over_the_old_one_is_seen(tmp_path):
    """Editors that save atomically write a new file and rename it over the old one."""
    copy_solution("parabola", tmp_path)
    watching = Watching(tmp_path, "-e", "parabola")
    try:
        assert "Progress: 1/1 done" in watching.report()
        (tmp_path / ".01_parabola.py.swp").write_text(stub_text("parabola"), encoding="utf-8")
        os.replace(tmp_path / ".01_parabola.py.swp", tmp_path / "01_parabola.py")
        assert "Progress: 0/1 done" in watching.report()
    finally:
        assert watching.stop() == 0


def test_keys_pick_an_exercise_show_a_hint_grade_again_and_quit(two_done, monkeypatch, tmp_path):
    """n/p: another exercise's details (marked >); h: its next hint; r: graded again; q: the
    end, exit status 0. The screen lists the keys and offers the hint as a key."""
    monkeypatch.setenv("GDKIT_CACHE_DIR", str(tmp_path / "cache"))
    save(two_done, "parabola", stub_text("parabola"))
    keys = [(1, "n"), (2, "h"), (3, "p"), (4, "r"), (5, "q")]
    shown = run_watch(two_done, [], keys, max_reports=None)
    assert len(shown) == 5
    first, picked, hinted, back, again = shown
    assert "Keys: h hint · n/p next/previous exercise · r re-run · q quit" in first
    assert "press h if you get stuck" in first and "--hint" not in first.split("Progress")[1]
    assert "parabola: not started" in first and "Ctrl-C to stop" not in first
    assert ">  3  momentum" in picked and "momentum: done — " in picked
    assert "momentum, hint 1 of " in hinted and "(press h for the next):" in hinted
    assert by_name("momentum").hints[0] in hinted
    assert ">  1  parabola" in back and "parabola: not started" in back
    assert "[grading parabola …]" in again and "[graded parabola in " in again


PTY = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")


def watch_in_a_terminal(folder: Path, *args: str, cwd: Path = REPO):
    """`grade FOLDER --watch …` in a pseudo-terminal of 80×24, as a learner runs it."""
    pexpect = pytest.importorskip("pexpect")
    return pexpect.spawn(
        GRADE[0],
        [*GRADE[1:], str(folder), "--watch", *args],
        cwd=str(cwd),
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=WAIT,
        env={k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "LINES", "COLUMNS")},
    )


@PTY
def test_in_a_terminal_a_save_during_a_hang_is_graded_at_once(two_done):
    """The busy line the moment a save is seen; a save of the fix while the loop is graded
    stops that run and is graded at once — with a time limit of 600 s per call, the report
    comes (within WAIT) only if the run was stopped; q ends the session."""
    terminal = watch_in_a_terminal(two_done, *TWO, "--timeout", "600")
    correct = solution_text("parabola")
    try:
        terminal.expect_exact("[graded all 2 exercises in ")
        save(two_done, "parabola", correct + BROKEN["endless loop in a function"])
        terminal.expect_exact("[grading parabola …")
        terminal.expect_exact(" s · time limit 600 s per call (--timeout)]")  # still counting
        save(two_done, "parabola", correct)
        terminal.expect_exact("(saved again: starting over)")
        terminal.expect_exact("[graded parabola in ")
        screen = terminal.before
        assert "Progress: 2/2 done" in screen and "took longer than" not in screen
        assert "Keys: h hint · n/p next/previous exercise · r re-run · q quit" in screen
        terminal.send("q")
        wait_for_the_end(terminal)
    finally:
        terminal.close(force=True)
    assert terminal.exitstatus == 0


def wait_for_the_end(terminal) -> None:
    """Until the session ends (its side of the terminal closes)."""
    import pexpect

    terminal.expect(pexpect.EOF)


def last_screen(text: str) -> list[str]:
    """The lines of the last screen drawn (after the last clear), as the terminal shows them."""
    from grader.report.terminal import CLEAR_SCREEN as CLEAR

    return click.unstyle(text.rsplit(CLEAR, 1)[-1]).replace("\r\n", "\n").split("\n")


@PTY
def test_in_a_terminal_each_screen_fits_80_by_24(tmp_path):
    """A fresh copy of the exercises (a learner's first run), then the details of another
    exercise (n) and a hint (h): each screen, keys and status line included, fits 24 rows of
    80 columns, and none repeats a line."""
    week = tmp_path / "week"
    shutil.copytree(exercises_dir(), week)
    terminal = watch_in_a_terminal(Path("week"), cwd=tmp_path)
    try:
        for key in ("", "n", "h"):
            terminal.send(key)
            terminal.expect(r"\[graded all 11 exercises in \d+ ms · watching [^\]]*\]")
            screen = last_screen(terminal.before + terminal.after)
            assert len(screen) <= 24 and max(map(len, screen)) <= 80, "\n".join(screen)
            lines = [line for line in screen if line.strip()]
            assert len(lines) == len(set(lines)), "\n".join(screen)
        assert "bce_gradient, hint 1 of " in "\n".join(screen)
        parabola = by_name("parabola")
        mistake = next(m for m in parabola.mistakes if m.mutant)
        save(week, "parabola", apply_mutant(solution_text("parabola"), mistake))
        terminal.expect(r"\[graded parabola in \d+ ms · watching [^\]]*\]")
        screen = last_screen(terminal.before + terminal.after)  # a mistake's details fill it
        assert len(screen) <= 24 and max(map(len, screen)) <= 80, "\n".join(screen)
        assert mistake.message[:30] in " ".join("\n".join(screen).split())
        assert screen[-1].endswith(" · keys h n p r q]") or KEYS_LINE in screen  # the keys
        terminal.send("q")
        wait_for_the_end(terminal)
    finally:
        terminal.close(force=True)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_without_escape_codes_gets_each_line_once(two_done, monkeypatch):
    """NO_COLOR (or a Windows console without virtual-terminal mode): no screen clearing and
    no line written over — the busy line and the status line are lines of their own."""
    from grader.watch_screen import Screen

    monkeypatch.setenv("NO_COLOR", "1")
    out = Terminal()
    screen = Screen(two_done, "text", out, out, keys=True, limit=10)
    assert screen.terminal and not screen.live
    screen.busy("parabola")
    screen.tick()  # no count where the line cannot be written over
    assert out.getvalue() == "[grading parabola …]\n"
    monkeypatch.setenv("NO_COLOR", "")
    live = Screen(two_done, "text", Terminal(), Terminal(), keys=True, limit=10)
    live.busy("parabola")
    live.busy("parabola, then momentum")
    assert live.out.getvalue() == "[grading parabola …]\r\x1b[K[grading parabola, then momentum …]"


@PTY
@pytest.mark.skipif(not HAS_PROC, reason="reads the process table from /proc")
def test_in_a_terminal_q_during_a_hang_stops_it_and_leaves_no_process(two_done):
    """q while a loop is graded (time limit 600 s per call): the run is stopped, the session
    ends with exit status 0, and none of its processes is left."""
    terminal = watch_in_a_terminal(two_done, *TWO, "--timeout", "600")
    try:
        terminal.expect_exact("[graded all 2 exercises in ")
        save(two_done, "parabola", solution_text("parabola") + BROKEN["endless loop in a function"])
        terminal.expect_exact(" s · time limit 600 s per call (--timeout)]")  # the loop runs
        processes = descendants(terminal.pid)
        terminal.send("q")
        wait_for_the_end(terminal)
    finally:
        terminal.close(force=True)
    assert terminal.exitstatus == 0
    assert not _left_after(processes)
