"""How fast is `grade batch`? A generated class of N submissions of the whole week, graded with
hidden checks, against the same submissions graded one `grade DIR --hidden` at a time, in the
same run; then a resumed batch with nothing new.

    .venv/bin/python benchmarks/bench_batch.py [--students 100] [--sequential 10] [--jobs 2]

The sequential baseline runs `--sequential` of the submissions (a mix like the class's) and
is extrapolated to N, which is said in the output. Targets (issue 9): at least 8
submissions/s and 10x the sequential loop; a resumed batch of 100 under 1 s.

Run as root, it also measures what users of their own cost (issue 17: each worker a user of
its own, grader/sandbox/users.py): the batch graded again `--rounds` times each way, taking
turns, as shipped and with every worker as one user (`nobody`, benchmarks/switched.py's
`own_users`), both through switched.py; the ratio is of the medians.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def make_class(root: Path, students: int) -> list[Path]:
    """N submissions: mostly solutions, every tenth a stub set, the others one mutant each."""
    from grader.authoring.mutants import apply_mutant
    from grader.exercises import load_exercises, solutions_dir

    mutants = [(e, m) for e in load_exercises() for m in e.mistakes]
    folders = []
    for index in range(students):
        folder = root / f"student{index:03d}"
        if index % 10 == 9:
            shutil.copytree(REPO / "exercises", folder)
        else:
            shutil.copytree(solutions_dir(), folder)
            if index % 2:
                exercise, mistake = mutants[index % len(mutants)]
                path = folder / exercise.file
                path.write_text(apply_mutant(path.read_text(), mistake))
        folders.append(folder)
    return folders


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def warm_grade_seconds(sample: list[Path], root: Path) -> float:
    """Mean seconds per submission of one grading session over the sample in one process with
    one warm sandbox (grader.runner.grade_each, as a batch grader grades): the floor of the
    batch layer."""
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from grader.instructor.batch import open_sandbox\n"
        "from grader.runner import grade_each\n"
        "folders = [Path(p) for p in sys.argv[2:]]\n"
        "sandbox = open_sandbox(None, 'auto')\n"
        "grade_each(folders[:1], lambda r: None, include_hidden=True, sandbox=sandbox)\n"
        "start = time.perf_counter()\n"
        "grade_each(folders, lambda r: None, include_hidden=True, sandbox=sandbox)\n"
        "print((time.perf_counter() - start) / len(folders))\n"
        "sandbox.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(root), *map(str, sample)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--sequential", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    grade = str(Path(sys.executable).with_name("grade"))
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as work:
        root = Path(work)
        folders = make_class(root / "class", args.students)
        # a sample with the class's mix: the offsets walk through solutions, mutants and stubs
        step = max(1, len(folders) // args.sequential)
        sample = [folders[(i * step + i % step) % len(folders)] for i in range(args.sequential)]
        sequential = [timed([grade, str(f), "--hidden"]) for f in sample]
        warm = warm_grade_seconds(sample, root / "class")
        per_submission = statistics.mean(sequential)
        out = root / "out"
        batch = [grade, "batch", str(root / "class"), "-o", str(out), "--jobs", str(args.jobs)]
        batch_seconds = timed(batch)
        graded = len(list((out / "reports").glob("*.json")))
        resumed = [timed(batch) for _ in range(3)]
        users = users_cost(root / "class", root / "out-users", args.jobs, args.rounds)
    rate = graded / batch_seconds
    sequential_total = per_submission * args.students
    print(
        f"machine: {os.cpu_count()} cores, shared with other users; Python {sys.version.split()[0]}"
    )
    print("| case | time | submissions/s |")
    print("|---|---|---|")
    print(
        f"| sequential `grade DIR --hidden`, {len(sample)} of {args.students} run, "
        f"extrapolated to {args.students} | {sequential_total:.1f} s "
        f"({per_submission:.2f} s each) | {1 / per_submission:.2f} |"
    )
    print(
        f"| one grader, one warm sandbox: a `grade_each` session, per submission, same sample | "
        f"{warm:.2f} s | {1 / warm:.2f} |"
    )
    print(
        f"| `grade batch` ({args.jobs} jobs), {graded} submissions | {batch_seconds:.1f} s "
        f"| {rate:.1f} |"
    )
    print(
        "| speed-up of batch over the sequential loop | "
        f"{sequential_total / batch_seconds:.1f}x | |"
    )
    print(f"| resumed batch, nothing new (median of 3) | {statistics.median(resumed):.2f} s | |")
    for name, seconds in users.items():
        print(
            f"| `grade batch` --force, {name} (median of {args.rounds}) | {seconds:.1f} s "
            f"| {graded / seconds:.1f} |"
        )
    if users:
        own, shared = users.values()
        print(f"| users of their own / one shared user | {own / shared:.3f} | |")


def users_cost(folder: Path, out: Path, jobs: int, rounds: int) -> dict[str, float]:
    """Seconds of a whole batch (--force) with each worker a user of its own, and with one
    user for all, taking turns; empty when not run as root (users of their own need root)."""
    from grader.sandbox import users

    if not users.needed():
        return {}
    switched = [sys.executable, str(REPO / "benchmarks" / "switched.py")]
    command = [*switched, "batch", str(folder), "-o", str(out), "--jobs", str(jobs), "--force"]
    times: dict[str, list[float]] = {"a user of its own per worker": [], "one user (nobody)": []}
    for _ in range(rounds):
        for name, off in zip(times, ("", "own_users"), strict=True):
            start = time.perf_counter()
            env = {**os.environ, "GDKIT_BENCH_OFF": off}
            subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)  # fmt: skip
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(seconds) for name, seconds in times.items()}


if __name__ == "__main__":
    main()
