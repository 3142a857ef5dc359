"""What recognising an LMS export costs `grade batch` before any grading: finding the students
(grader/submission/exports.py) and reading each one's exercise files, for a class of N written
in each layout, against the same class as plain folders (the baseline), in the same run.

    .venv/bin/python benchmarks/bench_exports.py [--students 200] [--rounds 5]

Each layout holds the same files (the week's solutions) for every student: Moodle folders (one
with a zip inside per ten students), the Moodle export zip, Canvas flat files and the Canvas
export zip. The time is the median of the rounds, and the ratio is to plain folders.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _files() -> dict[str, bytes]:
    from grader.exercises import load_exercises, solutions_dir

    return {e.file: (solutions_dir() / e.file).read_bytes() for e in load_exercises()}


def _plain(root: Path, students: int, files: dict[str, bytes]) -> Path:
    for index in range(students):
        folder = root / f"student{index:04d}"
        folder.mkdir(parents=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
    return root


def _moodle(root: Path, students: int, files: dict[str, bytes]) -> Path:
    for index in range(students):
        folder = root / f"Ana García {index}_{100000 + index}_assignsubmission_file_"
        folder.mkdir(parents=True)
        if index % 10 == 0:
            with zipfile.ZipFile(folder / "hw2.zip", "w") as archive:
                for name, data in files.items():
                    archive.writestr(f"hw2/{name}", data)
        else:
            for name, data in files.items():
                (folder / name).write_bytes(data)
    return root


def _canvas(root: Path, students: int, files: dict[str, bytes]) -> Path:
    root.mkdir(parents=True)
    for index in range(students):
        for number, (name, data) in enumerate(files.items()):
            (root / f"garcíaana{index}_{20000 + index}_{900000 + number}_{name}").write_bytes(data)
    return root


def _zipped(folder: Path) -> Path:
    archive_path = folder.with_suffix(".zip")
    with zipfile.ZipFile(archive_path, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return archive_path


def _read_all(export: Path, wanted: set[str]) -> tuple[int, int]:
    from grader.submission.exports import discover
    from grader.submission.uploads import close_export_zips, read_student

    students = discover([export], wanted)
    files = sum(len(read_student(s.sources, wanted).files) for s in students)
    close_export_zips()
    return len(students), files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from grader.exercises import load_exercises
    from grader.submission.uploads import wanted_names

    files, wanted = _files(), wanted_names(load_exercises())
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        layouts = {
            "plain folders (baseline)": _plain(root / "plain", args.students, files),
            "Moodle folders": _moodle(root / "moodle", args.students, files),
            "Canvas flat files": _canvas(root / "canvas", args.students, files),
        }
        layouts["Moodle export zip"] = _zipped(layouts["Moodle folders"])
        layouts["Canvas export zip"] = _zipped(layouts["Canvas flat files"])
        times: dict[str, list[float]] = {name: [] for name in layouts}
        for _round in range(args.rounds):  # interleaved: a busy moment weighs on each alike
            for name, export in layouts.items():
                started = time.perf_counter()
                found = _read_all(export, wanted)
                times[name].append(time.perf_counter() - started)
                expected = (args.students, args.students * len(files))
                assert found == expected, (name, found, expected)
        base = statistics.median(times["plain folders (baseline)"])
        print(f"| layout ({args.students} students, {len(files)} files each) | median s | ratio |")
        print("|---|---|---|")
        for name, measured in times.items():
            median = statistics.median(measured)
            print(f"| {name} | {median:.3f} | {median / base:.2f}× |")


if __name__ == "__main__":
    main()
