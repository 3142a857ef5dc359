"""How fast does `grade --watch` answer a save? A driver starts `grade COPY --watch` on a copy of
solutions/ (text output), saves one exercise file again and again, alternating a catalogued
mistake and the solution so that every report differs, and times each save to the busy line
that says the exercise is being graded (`[grading NAME …]`) and to the end of the complete new
report on stdout: the status line `[graded … · watching …]` that watch mode prints after every
report (the progress line and the next step come just before it). For comparison, the same run
times the one-shot `grade COPY -e NAME`.

Then a hang: with a time limit of 60 s per call, the exercise is saved with a function that
never returns, and once its run is under way the fix is saved: timed from that save to the
report that shows the exercise done (the run of the loop is stopped, its worker killed, and a
new worker started for the fix). A worker's start and first call, timed on its own in this
process, is the "worker restart" that the target allows on top.

    .venv/bin/python benchmarks/bench_watch.py [--saves 20] [--runs 7] [--hangs 5]

Targets (issues 7 and 19), on this project's 2-core machines: save -> report under 100 ms;
save -> busy line under 0.2 s; a fix saved during a hang -> its report under 1 s plus the
worker restart (medians).
"""

from __future__ import annotations

import argparse
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

from bench_grade import byte_compile  # noqa: E402

from grader.authoring.mutants import apply_mutant  # noqa: E402
from grader.exercises import by_name, solutions_dir  # noqa: E402

PYTHON = sys.executable
GRADE = [PYTHON, "-m", "grader.cli"]
PAUSE = 0.5  # seconds between a report and the next save (a person types in between; the
# sandbox meanwhile starts the worker for the next save)
WAIT = 60.0  # longest wait for a report
DONE = " done"  # how an exercise's line in the overview ends once it passes


class WatchProcess:
    """`grade FOLDER --watch`, read line by line from its stdout (a pipe, no colour, no keys)."""

    def __init__(
        self, folder: Path, env: dict[str, str], grade: list[str] = GRADE, args: tuple = ()
    ) -> None:
        self.process = subprocess.Popen(
            [*grade, str(folder), "--watch", *args],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **env},
        )
        self._buffer = b""
        self.busy_at: float | None = None  # when the last report's first busy line came

    def next_report(self) -> str:
        """Everything up to and including the next status line."""
        lines = []
        self.busy_at = None
        while True:
            line = self._readline()
            lines.append(line)
            if line.startswith("[grading ") and self.busy_at is None:
                self.busy_at = time.perf_counter()
            if line.startswith("[") and "· watching " in line:
                return "".join(lines)

    def busy_line(self, name: str) -> float:
        """Wait for the busy line naming ``name``; when it came."""
        while True:
            line = self._readline()
            if line.startswith("[grading ") and name in line:
                return time.perf_counter()

    def _readline(self) -> str:
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([fd], [], [], WAIT)
            chunk = os.read(fd, 65536) if ready else b""
            if not chunk:
                raise RuntimeError("grade --watch stopped answering")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode() + "\n"

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def versions(name: str) -> tuple[str, str, str]:
    """(the solution, the solution with the exercise's first catalogued mistake, the start of
    that mistake's message, which the report about it shows)."""
    exercise = by_name(name)
    correct = (solutions_dir() / exercise.file).read_text(encoding="utf-8")
    mistake = next(m for m in exercise.mistakes if m.mutant)
    return correct, apply_mutant(correct, mistake), mistake.message[:40]


def save_to_report(
    folder: Path, name: str, saves: int, env: dict[str, str], grade: list[str] = GRADE
) -> tuple[list[float], list[float], list[float]]:
    """Seconds from each save to the end of its report, in one watch session of the command
    ``grade``; the part of each spent grading (the status line says `graded NAME in N ms`);
    and seconds from each save to its busy line."""
    correct, wrong, named = versions(name)
    target = folder / by_name(name).file
    watching = WatchProcess(folder, env, grade)
    times, grading, busy = [], [], []
    try:
        watching.next_report()
        for index in range(saves):
            time.sleep(PAUSE)
            text, expect = (wrong, named) if index % 2 == 0 else (correct, DONE)
            start = time.perf_counter()
            target.write_text(text, encoding="utf-8")
            report = report_showing(watching, name, expect)
            times.append(time.perf_counter() - start)
            grading.append(int(report.split(f"[graded {name} in ")[1].split(" ms")[0]) / 1e3)
            busy.append(watching.busy_at - start)
    finally:
        watching.stop()
    return times, grading, busy


def hanging(name: str) -> str:
    """The solution with its first function to write replaced by one that never returns."""
    exercise = by_name(name)
    correct = (solutions_dir() / exercise.file).read_text(encoding="utf-8")
    return (
        correct
        + f"\n\ndef {exercise.to_write[0]}(*args, **kwargs):\n    while True:\n        pass\n"
    )


def fix_during_hang(folder: Path, name: str, hangs: int) -> list[float]:
    """Seconds from saving the fix, while a save that hangs is graded, to the report showing
    the exercise done; the time limit per call is 60 s, so only a stopped run answers sooner."""
    correct, _, _ = versions(name)
    target = folder / by_name(name).file
    watching = WatchProcess(folder, {}, GRADE, ("--timeout", "60"))
    times = []
    try:
        watching.next_report()
        for _ in range(hangs):
            time.sleep(PAUSE)
            target.write_text(hanging(name), encoding="utf-8")
            watching.busy_line(name)
            time.sleep(PAUSE)  # the loop is under way
            start = time.perf_counter()
            target.write_text(correct, encoding="utf-8")
            report_showing(watching, name, DONE)
            times.append(time.perf_counter() - start)
    finally:
        watching.stop()
    return times


def worker_restarts(runs: int) -> list[float]:
    """Seconds for a new sandbox worker to start and answer its first call (NumPy imported),
    in an open sandbox with no spare worker: what watch mode waits for after a stopped run."""
    from grader.sandbox.sandbox import Sandbox

    source = "def f():\n    return 1\n"
    times = []
    with Sandbox() as sandbox:
        for index in range(runs + 1):  # the first takes the spare started with the sandbox
            start = time.perf_counter()
            sandbox.load(source, "f.py", str(index)).call("f")
            times.append(time.perf_counter() - start)
            sandbox.release(str(index))
    return times[1:]


def report_showing(watching: WatchProcess, name: str, expect: str) -> str:
    """The first report about ``name`` that shows ``expect`` (its mistake named, or its line
    saying done). A save is two writes (the file is emptied, then written): on a busy machine
    they can be graded one after the other, and the first report shows the emptied file."""
    for _ in range(3):
        report = watching.next_report()
        line = next(x for x in report.splitlines() if f" {name} " in x and x[:1] != "[")
        shown = expect in line if expect == DONE else expect in report
        if shown and f"[graded {name} in " in report:
            return report
    raise RuntimeError(f"no report shows {name}: {expect!r}; the last:\n{report}")


def one_shot(folder: Path, name: str, runs: int) -> list[float]:
    command = [*GRADE, str(folder), "-e", name]
    subprocess.run(command, cwd=REPO, capture_output=True)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def describe(times: list[float]) -> str:
    quartiles = statistics.quantiles(times, n=4) if len(times) > 1 else times * 3
    return (
        f"{statistics.median(times) * 1e3:>7.0f} {min(times) * 1e3:>6.0f} "
        f"{quartiles[0] * 1e3:>6.0f}–{quartiles[2] * 1e3:<6.0f} {max(times) * 1e3:>6.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--runs", type=int, default=7, help="one-shot grade runs")
    parser.add_argument("--hangs", type=int, default=5, help="fixes saved during a hang")
    parser.add_argument("--exercises", nargs="+", default=["parabola", "logistic_regression"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "solutions"
        shutil.copytree(solutions_dir(), folder)
        compiled = byte_compile()  # as bench_grade does: the one-shot runs compile nothing
        load = f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
        print(f"grade --watch benchmark ({load}; {compiled})\n")
        header = f"{'median':>7} {'min':>6} {'q1–q3':^13} {'max':>6}"
        print(f"{'milliseconds':<56} {header}")
        restarts = worker_restarts(args.runs)
        print(f"{'a worker restart (start, NumPy, first call)':<56} {describe(restarts)}\n")
        for name in args.exercises:
            events, grading, busy = save_to_report(folder, name, args.saves, {})
            polled, _, busy_polled = save_to_report(
                folder, name, args.saves, {"GDKIT_WATCH_POLL": "1"}
            )
            fixed = fix_during_hang(folder, name, args.hangs)
            once = one_shot(folder, name, args.runs)
            rows = [
                (f"save -> busy line, {name} (events)", busy),
                (f"save -> report, {name} (events)", events),
                ("  of which grading (the status line's time)", grading),
                (f"save -> busy line, {name} (polling)", busy_polled),
                (f"save -> report, {name} (polling)", polled),
                (f"fix saved during a hang -> report, {name}", fixed),
                (f"one-shot grade -e {name}", once),
            ]
            for label, times in rows:
                print(f"{label:<56} {describe(times)}")
            ratio = statistics.median(events) / statistics.median(once)
            print(f"{'  watch (events) / one-shot':<56} {ratio:>7.2f}\n")


if __name__ == "__main__":
    main()
