"""Which edition of gdkit is installed: the full project, or a student release.

``gdkit release`` writes ``grader/release.json`` into the release. Its presence means: no
hidden checks and no solutions are installed, and the ``grade`` command says so.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

RELEASE_FILE_NAME = "release.json"
RELEASE_FILE = Path(__file__).resolve().parent / RELEASE_FILE_NAME


@lru_cache(maxsize=1)
def release_info() -> dict | None:
    """The release marker's content (hidden checks and points removed), or None for the full
    project. A marker that cannot be read still means a release."""
    if not RELEASE_FILE.is_file():
        return None
    try:
        data = json.loads(RELEASE_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def release_note() -> str:
    """One sentence for the report header of a release, or "" in the full project."""
    info = release_info()
    if info is None:
        return ""
    count, points = info.get("hidden_checks_removed"), info.get("hidden_points_removed")
    more = ""
    if isinstance(count, int) and isinstance(points, int) and count:
        more = f" (your instructor's grading runs {count} more, worth {points} points)"
    return f"this release has no hidden checks{more}."


SOLUTIONS_NOT_IN_RELEASE = (
    "solutions are not in this release; ask your instructor for the reference solution"
)
