"""Shared helpers for the grader's own tests (imported by the test modules)."""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.exercises import by_name, solutions_dir
from grader.runner import grade
from grader.sandbox import Limits, bubblewrap_works

# short limits keep the hostile-submission tests fast
FAST = Limits(wall=1.5, cpu=1.0, cpu_total=20.0, memory_bytes=256 << 20)

ISOLATIONS = ["bubblewrap", "rlimits"] if bubblewrap_works() else ["rlimits"]


def write_submission(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def solution_text(name: str) -> str:
    return (solutions_dir() / by_name(name).file).read_text(encoding="utf-8")


def copy_solution(name: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    exercise = by_name(name)
    shutil.copy(solutions_dir() / exercise.file, folder / exercise.file)
    return folder / exercise.file


def grade_one(
    folder: Path, name: str, *, hidden: bool = True, isolation: str = "auto", limits: Limits = FAST
):
    return grade(
        folder, [name], include_hidden=hidden, limits=limits, isolation=isolation
    ).exercises[0]


# mutants are wrong, not hostile: a slow wrong loop should fail on its values, not on time
MUTANT_LIMITS = Limits(wall=20.0, cpu=20.0)
