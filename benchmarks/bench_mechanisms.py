"""Does each speed mechanism pay? Every mechanism the grader has for speed, switched off one at
a time (benchmarks/switched.py), against the same grader with everything on, in the same run:
`grade solutions`, `grade` on a fresh clone (exercises/), `grade --watch` save -> report, and
`grade batch`; on a quiet machine and
with another process keeping one CPU busy. The runs keep their reference values in a cache
folder of their own (``$GDKIT_CACHE_DIR``), which the first, uncounted round fills; the row
``cold_store`` is `grade solutions` with that store removed before the run (the first run after
a change to gdref or the checks), not a switch. The variants take turns, round by round, and each
round's times are divided by that round's all-on time, so that load from elsewhere slows
both sides of a ratio alike.

    .venv/bin/python benchmarks/bench_mechanisms.py [--rounds 5] [--students 16] [--saves 8]

A mechanism is kept when switching it off costs at least 3 % in some workload, quiet or busy:
the median of `off / on` over the rounds is at least 1.03 and off was slower in at least 3 of
every 4 rounds (on these shared machines one round alone can be off by 30 %). A mechanism a
workload never uses is not run there ("—").
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

from bench_batch import make_class  # noqa: E402
from bench_grade import byte_compile  # noqa: E402
from bench_watch import save_to_report  # noqa: E402
from switched import SWITCHES  # noqa: E402

from grader.checking.record import store_file  # noqa: E402
from grader.exercises import exercises_dir, solutions_dir  # noqa: E402

PYTHON = sys.executable
SWITCHED = [PYTHON, str(REPO / "benchmarks" / "switched.py")]
PAYS = 1.03  # off / on at which a mechanism is kept
ON = ""  # the variant with nothing switched off
SPIN = "import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n    pass\n"  # till we end

COLD = "cold_store"  # not a switch: `grade solutions` with the learner's store removed first

# the mechanisms each workload uses (the others change nothing there: watch remembers its
# values in its process from the first save on, and grade batch opens no store)
USED = {
    "grade solutions": [m for m in SWITCHES if m != "quick_notebooks"] + [COLD],
    "grade a fresh clone": list(SWITCHES),
    "watch save -> report": [
        m for m in SWITCHES if m not in ("early_start", "quick_notebooks", "stored_values")
    ],
    "grade batch": [m for m in SWITCHES if m not in ("early_start", "stored_values")],
}


@contextlib.contextmanager
def condition(busy: bool) -> Iterator[None]:
    """Quiet, or with a process spinning on the CPU for the whole measurement."""
    if not busy:
        yield
        return
    spinner = subprocess.Popen([PYTHON, "-c", SPIN])
    try:
        time.sleep(0.2)
        yield
    finally:
        spinner.kill()
        spinner.wait()


def environment(off: str) -> dict[str, str]:
    return {**os.environ, "GDKIT_BENCH_OFF": off}


def timed(command: list[str], off: str) -> float:
    start = time.perf_counter()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run(command, cwd=REPO, env=environment(off), **quiet)
    return time.perf_counter() - start


def grade_solutions(off: str, _work: Path) -> float:
    if off == COLD:
        store_file().unlink(missing_ok=True)
        off = ON
    return timed([*SWITCHED, "solutions"], off)


def grade_fresh_clone(off: str, _work: Path) -> float:
    """`grade` on the exercises as cloned: every stub, a .py and a notebook each."""
    return timed([*SWITCHED, str(exercises_dir())], off)


def watch(exercise: str, saves: int) -> Callable[[str, Path], float]:
    def median_save(off: str, work: Path) -> float:
        folder = work / "watched"
        if not folder.exists():
            shutil.copytree(solutions_dir(), folder)
        times, _, _ = save_to_report(folder, exercise, saves, {"GDKIT_BENCH_OFF": off}, SWITCHED)
        return statistics.median(times)

    return median_save


def batch(students: int) -> Callable[[str, Path], float]:
    def whole_batch(off: str, work: Path) -> float:
        folders = work / "class"
        if not folders.exists():
            make_class(folders, students)
        out = work / "out"
        shutil.rmtree(out, ignore_errors=True)
        return timed([*SWITCHED, "batch", str(folders), "-o", str(out), "--jobs", "2"], off)

    return whole_batch


def measure(
    run: Callable[[str, Path], float],
    variants: list[str],
    rounds: int,
    work: Path,
    warm_up: int = 1,
) -> dict[bool, dict[str, list[float]]]:
    """busy? -> variant -> each round's time divided by that round's all-on time (and, under
    ON, the all-on seconds themselves), after ``warm_up`` rounds that are not counted."""
    ratios: dict[bool, dict[str, list[float]]] = {
        busy: {v: [] for v in [ON, *variants]} for busy in (False, True)
    }
    for attempt in range(rounds + warm_up):
        for busy in (False, True):
            with condition(busy):
                seconds = {v: run(v, work) for v in [ON, *variants]}
            if attempt >= warm_up:
                ratios[busy][ON].append(seconds[ON])
                for variant in variants:
                    ratios[busy][variant].append(seconds[variant] / seconds[ON])
    return ratios


def pays(ratios: list[float]) -> bool:
    """Off costs 3 % or more (the median), and off was slower in 3 of every 4 rounds."""
    slower = sum(r > 1 for r in ratios)
    return statistics.median(ratios) >= PAYS and slower >= 0.75 * len(ratios)


def summary(ratios: list[float]) -> str:
    """The median ratio, and in how many rounds off was slower: "1.046 4/5"."""
    slower = sum(r > 1 for r in ratios)
    return f"{statistics.median(ratios):.3f} {slower}/{len(ratios)}"


def floor_ratio(rounds: int) -> dict[bool, float]:
    """`grade solutions` (all on, as shipped: python -m grader.cli) over the floor
    `python -c "import numpy, pytest"`, the median of per-round ratios."""
    ratios: dict[bool, list[float]] = {False: [], True: []}
    grade = [PYTHON, "-m", "grader.cli", "solutions"]
    floor = [PYTHON, "-c", "import numpy, pytest"]
    for attempt in range(rounds + 1):
        for busy in (False, True):
            with condition(busy):
                graded, floored = timed(grade, ON), timed(floor, ON)
            if attempt:
                ratios[busy].append(graded / floored)
    return {busy: statistics.median(r) for busy, r in ratios.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--students", type=int, default=16)
    parser.add_argument("--saves", type=int, default=8)
    parser.add_argument("--exercise", default="logistic_regression", help="the one watched")
    parser.add_argument("--only", nargs="*", help="workloads to run (default: all)")
    parser.add_argument("--mechanisms", nargs="*", help="mechanisms to switch (default: all)")
    args = parser.parse_args()
    compiled = byte_compile()
    load = f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    print(f"speed mechanisms, off / on ({load}; {compiled}; median of {args.rounds} rounds)\n")
    workloads = {
        "grade solutions": grade_solutions,
        "grade a fresh clone": grade_fresh_clone,
        "watch save -> report": watch(args.exercise, args.saves),
        "grade batch": batch(args.students),
    }
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-mechanisms-") as tmp:
        os.environ["GDKIT_CACHE_DIR"] = str(Path(tmp) / "cache")  # the runs' own store
        for index, (name, run) in enumerate(workloads.items()):
            if args.only and name not in args.only:
                continue
            work = Path(tmp) / f"workload{index}"
            work.mkdir()
            warm_up = (
                1 if name.startswith("grade") and name != "grade batch" else 0
            )  # batch: seconds
            variants = [m for m in USED[name] if not args.mechanisms or m in args.mechanisms]
            results[name] = measure(run, variants, args.rounds, work, warm_up)
            show(name, results[name])
    if results:
        verdicts(results)
    if not args.only or "grade solutions" in args.only:
        for busy, ratio in floor_ratio(args.rounds).items():
            state = "busy" if busy else "quiet"
            print(f"`grade solutions` / floor, {state}: {ratio:.3f}× (target 2.2×)")


def verdicts(results: dict[str, dict[bool, dict[str, list[float]]]]) -> None:
    print("verdicts (pays: off costs >= 3 %, in 3 of every 4 rounds or more)")
    for mechanism in SWITCHES:
        if not any(mechanism in ratios[False] for ratios in results.values()):
            print(f"  {mechanism:<20} not measured in this run")
            continue
        measured = [
            (statistics.median(ratios[b][mechanism]), n, "busy" if b else "quiet")
            for n, ratios in results.items()
            for b in (False, True)
            if mechanism in ratios[b] and pays(ratios[b][mechanism])
        ]
        verdict = "pays: keep" if measured else "does not pay"
        where = ", ".join(f"{r:.3f} in {n} ({b})" for r, n, b in measured)
        print(f"  {mechanism:<20} {verdict}{': ' + where if where else ''}")


def show(name: str, ratios: dict[bool, dict[str, list[float]]]) -> None:
    """One workload's table: per mechanism, off / on (median) and the rounds off was slower."""
    on = [statistics.median(ratios[busy][ON]) * 1e3 for busy in (False, True)]
    print(f"{name}: all on {on[0]:.0f} ms quiet, {on[1]:.0f} ms busy (medians)")
    print(f"  {'switched off':<20} {'quiet: off/on, slower':>24} {'busy: off/on, slower':>24}")
    for mechanism in [m for m in USED[name] if m in ratios[False]]:
        cells = [summary(ratios[busy][mechanism]) for busy in (False, True)]
        print(f"  {mechanism:<20} {cells[0]:>24} {cells[1]:>24}")
    print(flush=True)


if __name__ == "__main__":
    main()
