"""Benchmark: how long building the week-2 Anki deck takes, with and without figures.

    python benchmarks/bench_decks.py [--runs N]

Measured in one run, median of N:
- cold CLI builds (`gdkit decks build -o TMP [--no-figures]` in a fresh interpreter, as a learner
  runs it), against the floor `python -c "import gdref"` measured the same way;
- warm in-process builds (imports already paid), split into figures / no figures;
- import hygiene of the learner's `grade` path: `import gdref, grader.cli` must not load
  matplotlib or genanki (reported; the test suite enforces it in tests/decks).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable


def _wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _median(fn, runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def cold_cli(figures: bool, runs: int) -> float:
    def once() -> float:
        with tempfile.TemporaryDirectory() as out:
            cmd = [PYTHON, "-c", "from decks.cli import decks; decks()", "build", "-o", out]
            if not figures:
                cmd.append("--no-figures")
            return _wall(cmd)

    return _median(once, runs)


def warm_build(figures: bool, runs: int) -> tuple[float, int, int]:
    from decks.build import build

    counts = (0, 0)

    def once() -> float:
        nonlocal counts
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            (result,) = build([], Path(out), figures=figures)
            elapsed = time.perf_counter() - start
            counts = (result.note_count, result.card_count)
            return elapsed

    once()  # pay the imports (matplotlib, genanki) outside the measurement
    return _median(once, runs), *counts


def grade_path_modules() -> str:
    code = (
        "import importlib.util, sys\n"
        "if importlib.util.find_spec('grader.cli') is None:\n"
        "    print('grader.cli not present'); raise SystemExit\n"
        "import gdref, grader.cli\n"
        "bad = [m for m in ('matplotlib', 'genanki', 'decks') if m in sys.modules]\n"
        "print('clean' if not bad else 'LOADS ' + ', '.join(bad))\n"
    )
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    args = parser.parse_args()
    runs = max(1, args.runs)

    floor = _median(lambda: _wall([PYTHON, "-c", "import gdref"]), runs)
    cli_figures = cold_cli(True, runs)
    cli_plain = cold_cli(False, runs)
    warm_figures, notes_f, cards_f = warm_build(True, runs)
    warm_plain, notes_p, cards_p = warm_build(False, runs)

    rows = [
        ("floor: python -c 'import gdref'", floor, "1.00×", ""),
        (
            "gdkit decks build (cold, figures)",
            cli_figures,
            f"{cli_figures / floor:.1f}×",
            f"{notes_f} notes / {cards_f} cards",
        ),
        (
            "gdkit decks build --no-figures (cold)",
            cli_plain,
            f"{cli_plain / floor:.1f}×",
            f"{notes_p} notes / {cards_p} cards",
        ),
        ("build() in process, figures", warm_figures, "", ""),
        ("build() in process, no figures", warm_plain, "", ""),
    ]
    print(f"week-2 deck build, median of {runs} runs")
    print(f"{'measurement':<42} {'seconds':>8} {'vs floor':>9}  notes")
    for name, seconds, ratio, extra in rows:
        print(f"{name:<42} {seconds:>8.3f} {ratio:>9}  {extra}")
    print(f"figures cost (warm): {warm_figures - warm_plain:.3f} s")
    print(f"grade path (import gdref, grader.cli): {grade_path_modules()}")


if __name__ == "__main__":
    main()
