"""gdkit's grader. From a notebook: ``from grader import check; check("parabola")``, or
``%load_ext grader`` and ``%grade parabola`` (see grader/notebook_check.py); its hints one at a
time with ``from grader import hint; hint("parabola")``."""

from __future__ import annotations

import os


def check(
    name: str | None = None, path: str | os.PathLike | None = None, **options: object
) -> None:
    """Grade an exercise's saved notebook from inside it and print the report."""
    from grader.notebook_check import check as check_notebook

    check_notebook(name, path, **options)


def hint(name: str, *, every: bool = False) -> None:
    """The next hint of an exercise not yet shown (``every=True``: all of them)."""
    from grader.notebook_check import hint as show_hint

    show_hint(name, every=every)


def load_ipython_extension(shell: object) -> None:
    """``%load_ext grader`` registers the ``%grade NAME`` magic."""
    from grader.notebook_check import load_ipython_extension as load

    load(shell)
