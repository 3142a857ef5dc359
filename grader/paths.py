"""Where the project's own folders are: the checks, the reference solutions and the learner's
exercises beside the installed grader (a clone, an editable install or a student release), and
the copy of the exercise stubs that ships with the grader."""

from __future__ import annotations

from pathlib import Path

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
# the exercise stubs as the grader ships them (grade --reset), written by gdkit exercises sync
STUBS_FILE = Path(__file__).resolve().parent / "exercise_stubs.json"
REPO_ROOT = Path(__file__).resolve().parent.parent


def solutions_dir() -> Path:
    return REPO_ROOT / "solutions"


def exercises_dir() -> Path:
    return REPO_ROOT / "exercises"
