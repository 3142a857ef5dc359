"""Run the `grade` command inside the test's process, and see what a terminal would show.

Shared by the grader's and the instructor's tests (pytest puts this folder on sys.path, see
``pythonpath`` in pyproject.toml)."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from unittest import mock


@dataclass(frozen=True)
class Ran:
    exit_code: int
    stdout: str
    stderr: str
    output: str  # both streams, interleaved in the order they were written

    @property
    def usage_error(self) -> str | None:
        """The sentence of a usage error as click shows it (``Usage: …`` first, ``Error: …``
        last, on stderr), or None when the run was not one: another exit status than 2,
        anything on stdout, or no such lines."""
        lines = self.stderr.splitlines()
        if self.exit_code != 2 or self.stdout or not lines or not lines[0].startswith("Usage: "):
            return None
        last = lines[-1]
        return last.removeprefix("Error: ") if last.startswith("Error: ") else None


class _Stream(io.StringIO):
    """One of the two streams; every write also goes to the shared ``both``."""

    def __init__(self, both: list[str]) -> None:
        super().__init__()
        self.both = both

    def write(self, text: str) -> int:
        written = super().write(text)  # raises TypeError for bytes (click then writes text)
        self.both.append(text)
        return written


def _status(exit: SystemExit) -> int:
    if exit.code is None or isinstance(exit.code, int):
        return exit.code or 0
    return 1  # sys.exit("message"): Python prints it and ends with status 1


def run_grade(args: Sequence[str], env: Mapping[str, str] | None = None) -> Ran:
    """``grade ARGS`` (grader.cli.main, a click command run as its program would be: usage
    errors are shown and end with status 2) with ``env`` added to the environment for the
    call."""
    from grader.cli import main

    both: list[str] = []
    stdout, stderr = _Stream(both), _Stream(both)
    code = 0
    with mock.patch.dict(os.environ, env or {}), contextlib.redirect_stdout(stdout):
        with contextlib.redirect_stderr(stderr):
            try:
                main([str(arg) for arg in args])
            except SystemExit as exit:
                code = _status(exit)
    return Ran(code, stdout.getvalue(), stderr.getvalue(), "".join(both))
