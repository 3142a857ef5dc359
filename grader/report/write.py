"""Writing a finished document to disk: the one way every report, gradebook and results file
is written.

    write_whole(Path("results/results.json"), text)

The text goes to a temporary file beside the target, which then replaces it in one step
(``os.replace``): a failure (a full disk, an interrupt, a killed process) leaves the previous
file as it was, and no reader ever sees half a document.
"""

from __future__ import annotations

import contextlib
import os
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
