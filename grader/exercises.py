"""The exercise registry: every ``grader/checks/check_<name>.py`` module and its ``EXERCISE``."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.checking.framework import Exercise

from grader.paths import CHECKS_DIR, REPO_ROOT, exercises_dir, solutions_dir

__all__ = [
    "CHECKS_DIR",
    "REPO_ROOT",
    "by_name",
    "by_name_or_number",
    "checks_module_path",
    "exercises_dir",
    "load_exercises",
    "solutions_dir",
]


@lru_cache(maxsize=1)
def load_exercises() -> tuple[Exercise, ...]:
    """All exercises, in course order. Raises ValueError if the metadata is inconsistent."""
    import grader.checks as package
    from grader.checking.framework import Exercise

    found: list[Exercise] = []
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("check_"):
            continue
        module = importlib.import_module(f"grader.checks.{info.name}")
        exercise = getattr(module, "EXERCISE", None)
        if not isinstance(exercise, Exercise):
            raise ValueError(f"grader/checks/{info.name}.py defines no EXERCISE = Exercise(...)")
        if info.name != f"check_{exercise.name}":
            raise ValueError(
                f"grader/checks/{info.name}.py holds exercise {exercise.name!r}; "
                f"name the module check_{exercise.name}.py"
            )
        found.append(exercise)
    found.sort(key=lambda e: e.order)
    for kind in ("name", "order", "file"):
        values = [getattr(e, kind) for e in found]
        duplicates = {v for v in values if values.count(v) > 1}
        if duplicates:
            raise ValueError(f"two exercises share the {kind} {sorted(duplicates)}")
    for exercise in found:
        ids = [m.id for m in exercise.mistakes]
        if len(ids) != len(set(ids)):
            raise ValueError(f"exercise {exercise.name!r} lists a mistake id twice")
    return tuple(found)


def by_name(name: str) -> Exercise:
    for exercise in load_exercises():
        if exercise.name == name:
            return exercise
    known = ", ".join(e.name for e in load_exercises())
    raise KeyError(f"no exercise named {name!r} (known: {known})")


def by_name_or_number(word: str) -> Exercise:
    """The exercise a learner named: its name (``parabola``) or its number in the course
    (``1``, ``01``). KeyError, naming the known ones, for anything else."""
    if word.strip().isdigit():
        for exercise in load_exercises():
            if exercise.order == int(word):
                return exercise
        orders = [e.order for e in load_exercises()]
        raise KeyError(
            f"no exercise number {word.strip()} (the exercises are {min(orders)}–{max(orders)})"
        )
    return by_name(word)


def checks_module_path(exercise: Exercise) -> Path:
    return CHECKS_DIR / f"check_{exercise.name}.py"
