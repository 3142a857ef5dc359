"""Writing a finished document to disk: the one way every report, gradebook and results file
is written, and the one way a file a learner wrote is kept before anything replaces it.

    write_whole(Path("results/results.json"), text)
    kept = backup(Path("exercises/01_parabola.py"))   # exercises/01_parabola.backup-1.py

The text goes to a temporary file beside the target, which then replaces it in one step
(``os.replace``): a failure (a full disk, an interrupt, a killed process) leaves the previous
file as it was, and no reader ever sees half a document.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` in one step. A file that was there keeps its
    permissions; a new one is readable by everyone (0o644), like any file ``open`` creates."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        mode = os.stat(path).st_mode & 0o777 if path.is_file() else 0o644
        os.chmod(temporary, mode)  # mkstemp's 0o600 would hide the file from other users
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def backup(path: Path) -> Path:
    """Copy ``path`` to the first free ``NAME.backup-N.SUFFIX`` beside it (contents, times and
    permissions) and return that name. The name is no exercise file (``01_parabola.backup-1.py``
    is not ``01_parabola.py``), so grading never picks a backup up; a backup is never
    overwritten."""
    for number in range(1, 10_000):
        candidate = path.with_name(f"{path.stem}.backup-{number}{path.suffix}")
        try:
            with open(candidate, "xb") as claimed, open(path, "rb") as source:
                shutil.copyfileobj(source, claimed)
        except FileExistsError:
            continue
        shutil.copystat(path, candidate)
        return candidate
    raise FileExistsError(f"{path}: 9999 backups already; remove old ones")
