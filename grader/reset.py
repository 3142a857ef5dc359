"""``grade --reset NAME``: start an exercise over, losing nothing.

Each of the exercise's files — ``NN_name.py`` and ``NN_name.ipynb``, whichever the learner
works in: both are put back — becomes its stub again. A file that differs from its stub is
first kept as a numbered backup beside it (``01_parabola.backup-1.py``, by
:func:`grader.report.write.backup`, the one owner of backups, which ``gdkit exercises sync
--force`` uses too), and the backup is named; a file that is its stub already is left as it
is; a missing one is written.

The stubs come from ``grader/exercise_stubs.json`` (:data:`grader.paths.STUBS_FILE`): a copy
that ships with the grader, which the learner does not edit, present in a student release
(which has no solutions/ to make stubs from). ``gdkit exercises sync`` writes it, and a test
fails when it drifts from the stubs that solutions/ give.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grader.paths import STUBS_FILE
from grader.report.sanitize import clean_name
from grader.report.write import backup, write_whole
from grader.submission.resolve import candidates

if TYPE_CHECKING:
    from grader.checking.framework import Exercise


class ResetError(Exception):
    """The exercise cannot be reset (what is in the way, and what to do)."""


@dataclass
class Reset:
    """What :func:`reset` did: each file written (-> its backup, or None when there was
    nothing to keep), and the files that were their stub already."""

    written: dict[Path, Path | None] = field(default_factory=dict)
    unchanged: list[Path] = field(default_factory=list)


def shipped_stubs() -> dict[str, str]:
    """File name -> the stub's text, as the grader ships them."""
    try:
        return json.loads(STUBS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ResetError(f"the exercise stubs ({STUBS_FILE}) cannot be read: {error}") from None


def reset(folder: Path, exercise: Exercise, only: str | None = None) -> Reset:
    """Put the stubs of ``exercise`` back in ``folder`` (only the file ``only``, when given),
    each file that differs kept as a numbered backup first."""
    stubs = shipped_stubs()
    done = Reset()
    for name in [only] if only else candidates(exercise):
        if name not in stubs:
            raise ResetError(f"no stub of {name} ships with this grader; reinstall it")
        target = folder / name
        if os.path.lexists(target) and not target.is_file():
            raise ResetError(
                f"{clean_name(str(target))} is not a regular file (a folder, a link to nothing, "
                "a pipe, …); move it out of the way and run this again"
            )
        if target.is_file() and _text(target) == stubs[name]:
            done.unchanged.append(target)
            continue
        kept = backup(target) if target.is_file() else None
        write_whole(target, stubs[name])
        done.written[target] = kept
    return done


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def said(done: Reset) -> list[str]:
    """What the learner is told: one line per file."""
    lines = []
    for path, kept in done.written.items():
        if kept is None:
            lines.append(f"{_shown(path)}: written (the stub; there was no file)")
        else:
            lines.append(f"{_shown(path)}: the stub again; yours is kept as {_shown(kept)}")
    return lines + [f"{_shown(path)}: the stub already, left as it is" for path in done.unchanged]


def _shown(path: Path) -> str:
    """``path`` as the learner can type it: relative when inside the current folder."""
    try:
        path = path.relative_to(Path.cwd())
    except ValueError:
        pass
    return clean_name(str(path))
