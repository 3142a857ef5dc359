"""Where the project's own folders are: the checks, the reference solutions and the learner's
exercises beside the installed grader (a clone, an editable install or a student release), the
copy of the exercise stubs that ships with the grader, and the learner's cache folder."""

from __future__ import annotations

import os
from pathlib import Path

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
# the exercise stubs as the grader ships them (grade --reset), written by gdkit exercises sync
STUBS_FILE = Path(__file__).resolve().parent / "exercise_stubs.json"
REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE_ENV = "GDKIT_CACHE_DIR"  # the learner's cache folder, instead of the platform's own


def solutions_dir() -> Path:
    return REPO_ROOT / "solutions"


def exercises_dir() -> Path:
    return REPO_ROOT / "exercises"


def cache_dir() -> Path:
    """The learner's cache folder: ``$GDKIT_CACHE_DIR``, else platformdirs' user cache folder for
    gdkit (``~/.cache/gdkit`` on Linux, ``~/Library/Caches/gdkit`` on macOS). It may not exist
    yet. What is kept there (the hints seen, the checks' reference values) is a convenience: a
    folder that cannot be read or written never stops a command."""
    folder = os.environ.get(CACHE_ENV)
    if not folder:
        import platformdirs

        folder = platformdirs.user_cache_dir("gdkit", appauthor=False)
    return Path(folder)
