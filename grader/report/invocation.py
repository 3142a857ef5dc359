"""How the learner ran ``grade``, so that the commands a report prints run where they are shown.

``grade`` found on PATH (an activated venv, an installed tool) is shown as ``grade``; a script
run by its path (``.venv/bin/grade`` after the quickstart) is shown by that path, relative to
the current folder when it lies inside it; ``python -m grader.cli`` is shown that way, with the
interpreter as it was typed.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence

PLAIN = "grade"
MODULE = "grader.cli"


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def _quoted(word: str) -> str:
    return f'"{word}"' if any(c.isspace() for c in word) else word


def _bare(word: str) -> bool:
    """A name without a folder: the shell looks it up on PATH."""
    return os.sep not in word and (os.altsep is None or os.altsep not in word)


def _stem(script: str) -> str:
    """``grade`` for .../bin/grade, ...\\Scripts\\grade.exe and grade-script.py."""
    name = os.path.basename(script).lower()
    for ending in (".exe", "-script.py", ".py"):
        name = name.removesuffix(ending)
    return name


def _shown_path(path: str) -> str:
    """``path`` as a learner types it here: relative (``.venv/bin/grade``) when inside the
    current folder, else absolute."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # another drive (Windows)
        return _quoted(absolute)
    if relative.startswith(".."):
        return _quoted(absolute)
    if _bare(relative):
        relative = os.curdir + os.sep + relative  # a bare name would be looked up on PATH
    return _quoted(relative)


def grade_command(argv: Sequence[str] | None = None, orig_argv: Sequence[str] | None = None) -> str:
    """The words that run ``grade`` again in the learner's shell (the defaults: this process's
    ``sys.argv`` and ``sys.orig_argv``)."""
    argv = list(sys.argv if argv is None else argv)
    orig = list(getattr(sys, "orig_argv", []) if orig_argv is None else orig_argv)
    if "-m" in orig[:-1] and orig[orig.index("-m") + 1] == MODULE:
        python = orig[0]
        return f"{python if _bare(python) else _shown_path(python)} -m {MODULE}"
    script = argv[0] if argv else ""
    if _stem(script) != PLAIN or not os.path.isfile(script):
        return PLAIN  # not the grade script (a notebook kernel, a test calling main())
    on_path = shutil.which(PLAIN)
    if on_path is not None and _same_file(on_path, script):
        return PLAIN
    return _shown_path(script)
