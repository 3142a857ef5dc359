"""How fast is the autograder? A whole-week submission (the reference solutions) graded with
hidden checks by the autograder, from its start to results.json written, against
`grade DIR --hidden --format gradescope -o FILE` on the same folder, measured in the same run
(the commands take turns, so a busy machine slows both alike).

    .venv/bin/python benchmarks/bench_autograde.py [--runs 7]

Targets (issue 16): the autograder within 1.5 s, and within 1.3× the `grade` run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_grade import byte_compile

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS, TARGET_RATIO = 1.5, 1.3


def cpu_of_children() -> float:
    """CPU seconds (user + system) of the finished children so far (NaN where unknown)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def written_after(command: list[str], result: Path) -> tuple[float, float, float]:
    """(seconds from the start until ``result`` was last written, seconds until the command
    ended, CPU seconds it and its children used). The first is what a platform waits for; the
    second includes the process's exit; the third depends least on how busy the machine is."""
    result.unlink(missing_ok=True)
    cpu = cpu_of_children()
    started_wall, started = time.time(), time.perf_counter()
    subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ended = time.perf_counter() - started
    written = result.stat().st_mtime - started_wall if result.exists() else float("nan")
    return written, ended, cpu_of_children() - cpu


def measure(commands: dict[str, tuple[list[str], Path]], runs: int) -> dict[str, list]:
    """Each command's (written, ended) times, one warm-up run each, then ``runs`` turns."""
    times: dict[str, list] = {label: [] for label in commands}
    for attempt in range(runs + 1):
        for label, (command, result) in commands.items():
            sample = written_after(command, result)
            if attempt:
                times[label].append(sample)
    return times


def same_results(autograder: Path, grade: Path) -> bool:
    """The two doors wrote the same tests, score and output (the time taken aside, and the
    autograder's own test for instructors, of visibility "hidden")."""

    def comparable(path: Path) -> dict:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("execution_time", None)
        data["tests"] = [t for t in data["tests"] if t.get("visibility") != "hidden"]
        return data

    return comparable(autograder) == comparable(grade)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    compiled = byte_compile()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as work:
        upload = Path(work) / "upload" / "week2"
        shutil.copytree(REPO / "solutions", upload)
        out = Path(work) / "out"
        out.mkdir()
        autograder_results, grade_results = out / "results.json", out / "grade.json"
        commands = {
            "autograder (whole week, hidden checks)": (
                [python, "-m", "grader.instructor.autograde", "--submission", str(upload.parent),
                 "--results", str(autograder_results), "--format", "gradescope"],
                autograder_results,
            ),
            "grade DIR --hidden --format gradescope -o FILE": (
                [python, "-m", "grader.cli", str(upload), "--hidden", "--format", "gradescope",
                 "-o", str(grade_results)],
                grade_results,
            ),
        }  # fmt: skip
        times = measure(commands, args.runs)
        agree = same_results(autograder_results, grade_results)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"autograder benchmark ({os.cpu_count()} CPUs, load average {load:.2f}; {compiled}; "
        f"median of {args.runs} runs, min in brackets)\n"
    )
    print(f"{'command':<50} {'results written s':>18} {'process ended s':>16} {'CPU s':>7}")
    medians, cpus = {}, {}
    for label, samples in times.items():
        written, ended, cpu = ([sample[i] for sample in samples] for i in range(3))
        medians[label], cpus[label] = statistics.median(written), statistics.median(cpu)
        print(
            f"{label:<50} {statistics.median(written):>10.3f} ({min(written):.3f})"
            f" {statistics.median(ended):>8.3f} ({min(ended):.3f}) {cpus[label]:>7.3f}"
        )
    autograder, grade = medians.values()
    ratio = autograder / grade
    cpu_ratio = cpus[next(iter(cpus))] / list(cpus.values())[1]
    print(f"\nCPU time, autograder / grade: {cpu_ratio:.3f}×")
    print(f"the same tests, score and output through both: {'yes' if agree else 'NO'}")
    verdict = "met" if autograder <= TARGET_SECONDS else "NOT met"
    print(f"target autograder ≤ {TARGET_SECONDS} s: {verdict} ({autograder:.3f} s)")
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"target autograder ≤ {TARGET_RATIO}× the grade run: {verdict} ({ratio:.3f}×)")


if __name__ == "__main__":
    main()
