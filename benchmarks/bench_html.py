"""What does `grade --html REPORT.html` add to `grade`? Wall time of grading a whole week with
and without the page, interleaved in the same run (a busy machine slows both alike):

- the week's solutions: every check passes, the page has no figure (matplotlib not imported);
- a week whose curves part: a mistake in each of the eight exercises with a trajectory or a
  loss curve (parabola, momentum, thermometers, linear and logistic regression, mini-batch,
  Adam, learning rate), so that the page draws a figure for every failing curve check (the
  most a learner's week draws).

    .venv/bin/python benchmarks/bench_html.py [--runs 7]

Prints a table. Target (issue 19): `grade --html` at most 1.5 s more than `grade`, on both.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.5
# a mistake per curve exercise whose trajectory or loss curve parts from the reference
MISTAKES = {
    "parabola": "sign_flipped",
    "momentum": "ema_velocity",
    "thermometers": "one_step_short",
    "linear_regression": "missing_half",
    "logistic_regression": "gradient_sum_not_mean",
    "minibatch": None,  # its first mistake
    "adam": "no_bias_correction",
    "learning_rate": "step_off_by_one",
}


def parting_week(folder: Path) -> None:
    """The solutions, with MISTAKES applied (the mutants the self-test proves)."""
    from grader.authoring.mutants import apply_mutant
    from grader.exercises import load_exercises, solutions_dir

    for exercise in load_exercises():
        source = (solutions_dir() / exercise.file).read_text(encoding="utf-8")
        if exercise.name in MISTAKES:
            mistake_id = MISTAKES[exercise.name] or exercise.mistakes[0].id
            source = apply_mutant(source, exercise.mistake(mistake_id), exercise.file)
        (folder / exercise.file).write_text(source, encoding="utf-8")


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def walls(commands: dict[str, list[str]], runs: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds of each command's runs (output discarded), after one warm-up run
    each; the commands take turns, run by run. CPU time (the command and its sandbox workers)
    says what a run costs whatever else the machine is doing."""
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    for attempt in range(runs + 1):
        for label, command in commands.items():
            start, cpu = time.perf_counter(), children_cpu()
            subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if attempt:
                times[label].append((time.perf_counter() - start, children_cpu() - cpu))
    return times


def figures_in(week: Path, python: str) -> tuple[int, int]:
    """(failed checks of the week that carry curves, figures the page draws of them)."""
    from grader.report import figures
    from grader.report.results import CheckResult

    command = [python, "-m", "grader.cli", str(week), "--format", "json"]
    data = json.loads(subprocess.run(command, capture_output=True, text=True).stdout)
    with_curves = sum(bool(c["curves"]) for e in data["exercises"] for c in e["checks"])
    drawn = 0
    for exercise in data["exercises"]:
        checks = [
            CheckResult(exercise["name"], c["name"], c["description"], c["points"],
                        c["visibility"], c["status"], diagnosis=c["diagnosis"], curves=c["curves"])
            for c in exercise["checks"]
        ]  # fmt: skip
        drawn += len(figures.to_draw(checks))
    return with_curves, drawn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    python = sys.executable
    scratch = Path(tempfile.mkdtemp(prefix="gdkit-bench-html-"))
    try:
        parting = scratch / "parting"
        parting.mkdir()
        parting_week(parting)
        weeks = {"solutions": REPO / "solutions", "curves parting": parting}
        commands = {}
        for name, week in weeks.items():
            grade = [python, "-m", "grader.cli", str(week)]
            commands[f"grade  ({name})"] = grade
            commands[f"grade --html  ({name})"] = [*grade, "--html", str(scratch / "r.html")]
        times = walls(commands, args.runs)
        drawn = {name: figures_in(week, python) for name, week in weeks.items()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    load = os.getloadavg()[0]
    print(
        f"grade --html benchmark ({os.cpu_count()} CPUs, load average {load:.2f}; median of "
        f"{args.runs} interleaved runs, min in brackets)\n"
    )
    print(f"{'command':<36} {'median s':>9} {'min s':>7} {'CPU s':>7}")
    for label, samples in times.items():
        wall = [w for w, _ in samples]
        cpu = statistics.median(c for _, c in samples)
        print(f"{label:<36} {statistics.median(wall):>9.3f} {min(wall):>7.3f} {cpu:>7.3f}")
    print()
    for name in weeks:
        plain, page = times[f"grade  ({name})"], times[f"grade --html  ({name})"]
        added = statistics.median(w for w, _ in page) - statistics.median(w for w, _ in plain)
        cpu = statistics.median(c for _, c in page) - statistics.median(c for _, c in plain)
        ratio = statistics.median(w for w, _ in page) / statistics.median(w for w, _ in plain)
        with_curves, figures = drawn[name]
        print(
            f"{name}: {with_curves} failed checks with curves, {figures} figures; --html adds "
            f"{added:.3f} s wall ({ratio:.2f}× grade), {cpu:.3f} s CPU; target ≤ "
            f"{TARGET_SECONDS} s: {'met' if added <= TARGET_SECONDS else 'NOT met'} (wall), "
            f"{'met' if cpu <= TARGET_SECONDS else 'NOT met'} (CPU)"
        )


if __name__ == "__main__":
    main()
