"""How fast is `grade`? Wall time of grading the week's solutions with each sandbox backend
against the floor `python -c "import numpy, pytest"` measured in the same run (interleaved, so
that a busy machine slows all alike), each backend's cost per call, and what importing click
(the command line's framework) adds to the floor.

    .venv/bin/python benchmarks/bench_grade.py [--runs 7]

Prints a table. Target: `grade solutions` within 2.2× the floor with either backend.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


TARGETS = {"bubblewrap": 2.2, "process": 2.2}  # issue 16: simplicity over the last 5 %


def walls(
    commands: dict[str, list[str]], runs: int, before: dict[str, Callable] | None = None
) -> dict[str, tuple[float, float]]:
    """Median and minimum wall time of each command (stdout discarded), after one warm-up
    run each; the commands take turns, run by run. ``before[label]``, if any, is called before
    each run of that command, outside its time."""
    times: dict[str, list[float]] = {label: [] for label in commands}
    for attempt in range(runs + 1):
        for label, command in commands.items():
            (before or {}).get(label, lambda: None)()
            start = time.perf_counter()
            subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if attempt:
                times[label].append(time.perf_counter() - start)
    return {label: (statistics.median(t), min(t)) for label, t in times.items()}


def per_call(isolation: str, calls: int) -> dict[str, float]:
    import numpy as np

    from grader.sandbox.sandbox import Sandbox

    source = "import numpy as np\ndef step(w, g, lr):\n    return w - lr * g\n"
    start = time.perf_counter()
    with Sandbox(isolation=isolation) as sandbox:
        loaded = sandbox.load(source, "01_parabola.py")
        loaded.call("step", 1.0, 1.0, 0.1)
        first = time.perf_counter() - start
        results = {"start (worker + load + first call)": first}
        for label, args in (
            ("scalar call", (3.0, 2.5, 0.1)),
            ("call with 2 arrays of 1000", (np.ones(1000), np.ones(1000), 0.1)),
        ):
            samples = []
            for _ in range(5):
                t = time.perf_counter()
                for _ in range(calls):
                    loaded.call("step", *args)
                samples.append((time.perf_counter() - t) / calls)
            results[label] = statistics.median(samples)
    return results


def click_import(python: str, runs: int) -> tuple[float, float]:
    """(CPU seconds of ``import numpy, pytest``, CPU seconds of ``import click`` after them), the
    median of ``runs`` fresh interpreters: what parsing `grade`'s command line with click costs at
    start-up beyond the modules both share. CPU time, not wall time: a ~10 ms import on a busy
    machine waits for a CPU longer than it runs."""
    code = (
        "import time\n"
        "start = time.process_time()\n"
        "import numpy, pytest\n"
        "floor = time.process_time()\n"
        "import click\n"
        "print(floor - start, time.process_time() - floor)\n"
    )
    samples = [
        [float(x) for x in subprocess.run([python, "-c", code], capture_output=True).stdout.split()]
        for _ in range(runs)
    ]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def per_exercise(python: str) -> None:
    """Where the time goes: each exercise's checks (grader + learner code), one process."""
    import json

    command = [python, "-m", "grader.cli", "solutions", "--format", "json"]
    output = subprocess.run(command, cwd=REPO, capture_output=True, text=True).stdout
    data = json.loads(output)
    print(f"{'checks of one exercise (public, one process)':<52} {'ms':>9} {'checks':>7}")
    total = 0.0
    for exercise in data["exercises"]:
        seconds = sum(c["duration"] for c in exercise["checks"])
        total += seconds
        print(f"  {exercise['name']:<50} {seconds * 1e3:>9.1f} {len(exercise['checks']):>7}")
    print(f"  {'all checks':<50} {total * 1e3:>9.1f}")
    print(f"  {'whole grade() call, one process':<50} {data['duration'] * 1e3:>9.1f}")


def byte_compile() -> str:
    """Write the bytecode caches of gdkit's packages, as `pip install` does for numpy and pytest
    (and as the first `grade` does for an editable install). Without this, a shell that sets
    PYTHONDONTWRITEBYTECODE compiles grader/ and gdref/ from source on every run (~0.1 s), while
    the floor's packages come precompiled: the comparison would not be like for like."""
    import compileall

    folders = [REPO / name for name in ("grader", "gdref")]
    ok = all(compileall.compile_dir(folder, quiet=1) for folder in folders)
    flag = "set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "not set"
    return (
        f"bytecode of grader/ and gdref/ written{'' if ok else ' (with errors)'}; "
        f"PYTHONDONTWRITEBYTECODE {flag}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    python = sys.executable
    compiled = byte_compile()
    env_note = f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {compiled}"
    from grader.sandbox.backends import available

    grade = [python, "-m", "grader.cli", "solutions"]
    commands = {'python -c "import numpy, pytest"  (floor)': [python, "-c", "import numpy, pytest"]}
    for isolation in available():
        commands[f"grade solutions --isolation {isolation}"] = [*grade, "--isolation", isolation]
    commands["grade solutions --hidden  (auto)"] = [*grade, "--hidden"]
    commands["grade solutions -e parabola  (auto)"] = [*grade, "-e", "parabola"]
    cold = "grade solutions, store removed  (auto, cold)"
    commands[cold] = grade
    # the runs keep their reference values in a store of their own, filled by the warm-up
    # runs; the cold row is the first run after a change to gdref or the checks
    cache = tempfile.TemporaryDirectory(prefix="bench-grade-cache-")  # removed at exit
    os.environ["GDKIT_CACHE_DIR"] = cache.name
    from grader.checking.record import store_file

    measured = walls(commands, args.runs, {cold: lambda: store_file().unlink(missing_ok=True)})
    floor = measured['python -c "import numpy, pytest"  (floor)'][0]

    print(f"grade benchmark ({env_note}; median of {args.runs} runs, min in brackets)\n")
    print(f"{'command':<52} {'median s':>9} {'min s':>7} {'× floor':>8}")
    for label, (median, minimum) in measured.items():
        print(f"{label:<52} {median:>9.3f} {minimum:>7.3f} {median / floor:>8.2f}")
    print()
    isolations = available()
    print(
        f"{'sandbox (per call, median of 5 × ' + str(args.calls) + ')':<52} "
        + " ".join(f"{i:>12}" for i in isolations)
    )
    per = [per_call(i, args.calls) for i in isolations]
    for key in per[0]:
        cells = []
        for result in per:
            value = result[key]
            cells.append(f"{value * 1e3:>9.1f} ms" if value > 0.01 else f"{value * 1e6:>9.0f} µs")
        print(f"{key:<52} " + " ".join(f"{c:>12}" for c in cells))
    floor_cpu, click_cpu = click_import(python, 3 * args.runs)
    print(
        f"{'import click after numpy and pytest (CPU)':<52} {click_cpu * 1e3:>6.1f} ms "
        f"({click_cpu / floor_cpu:.1%} of the floor's {floor_cpu * 1e3:.0f} ms)"
    )
    print()
    per_exercise(python)
    print()
    for isolation in isolations:
        ratio = measured[f"grade solutions --isolation {isolation}"][0] / floor
        target = TARGETS[isolation]
        verdict = "met" if ratio <= target else "NOT met"
        print(
            f"target `grade solutions` with {isolation} ≤ {target}× floor: {verdict} ({ratio:.3f}×)"
        )


if __name__ == "__main__":
    main()
