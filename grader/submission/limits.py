"""Every bound the grading process puts on what a learner hands in, in one table.

Each reader takes its numbers from here, so ``grade``, watch, the notebook ``check()``,
``grade batch`` and the autograder accept and refuse exactly the same files.

``FILE_BYTES``  the largest exercise file of each format: a ``.py`` file is a few kB; a
                notebook carries its outputs (plots) and may be a few MB.
``SOURCE_CHARS`` the most Python source one file may hand the sandbox (a notebook's kept code
                 is bounded like a ``.py`` file).
``NOTEBOOK_*``  what a notebook may hold before its code is parsed: cells, and the characters
                and lines of all its code cells together.
``UPLOAD_*``    how far a folder or zip is searched for exercise files.
"""

from __future__ import annotations

from pathlib import PurePath

FILE_BYTES = {
    ".py": 1_000_000,  # 1 MB
    ".ipynb": 16 << 20,  # 16 MiB
}
SOURCE_CHARS = 1 << 20
# a notebook's code cells, all together, before any is parsed (a week's notebook has a few
# hundred lines, ~20 kB; parsing costs time and memory in proportion to them, up to ~750 bytes
# of the grading process's memory per character: a 1 MB list literal cost 769 MB, so 256 kB)
NOTEBOOK_CODE_CHARS = 256 << 10
NOTEBOOK_CODE_LINES = 20_000
NOTEBOOK_CELLS = 2_000

UPLOAD_DEPTH = 8  # folders below the upload's root
UPLOAD_ENTRIES = 10_000  # folder entries or zip members looked at, in all
UPLOAD_ARCHIVE_BYTES = 64 << 20  # the zip file itself


def file_bytes(name: str) -> int:
    """The most bytes a file called ``name`` may hold (the ``.py`` bound for other suffixes)."""
    return FILE_BYTES.get(PurePath(name).suffix.lower(), FILE_BYTES[".py"])


def human(size: int) -> str:
    """A size as a person reads it: ``1.0 MB``, ``16.8 MB``, ``512 bytes``."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"
