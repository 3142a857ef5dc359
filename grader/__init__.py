"""gdkit's grader. From a notebook: ``from grader import check; check("parabola")``, or
``%load_ext grader`` and ``%grade parabola`` (see grader/notebook_check.py)."""

from __future__ import annotations

import os


def check(
    name: str | None = None, path: str | os.PathLike | None = None, **options: object
) -> None:
    """Grade an exercise's saved notebook from inside it and print the report."""
    from grader.notebook_check import check as check_notebook

    check_notebook(name, path, **options)


def load_ipython_extension(shell: object) -> None:
    """``%load_ext grader`` registers the ``%grade NAME`` magic."""
    from grader.notebook_check import load_ipython_extension as load

    load(shell)
