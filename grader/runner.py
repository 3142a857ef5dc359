"""Grade a submission folder: run the checks (pytest, in this process) against the learner's
code (in the sandbox), and return a :class:`grader.report.results.Report`.

    report = grade(Path("exercises"))                   # public checks of every exercise
    report = grade(Path("hw"), names=["momentum"], include_hidden=True)
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from grader.exercises import checks_module_path, load_exercises
from grader.report.results import CheckResult, ExerciseResult, Report
from grader.sandbox.sandbox import Limits, Sandbox, SubmissionError, Worker
from grader.submission.files import SubmissionFileError, read_source
from grader.submission.notebook import exercise_file

# pytest's built-in plugins that checks do not need (fewer imports: faster start)
_UNUSED = (
    "cacheprovider",
    "terminal",
    "faulthandler",
    "warnings",
    "logging",
    "stepwise",
    "doctest",
    "debugging",
    "unittest",
    "legacypath",
    "tmpdir",
    "pastebin",
    "junitxml",
    "setuponly",
    "setupplan",
    "unraisableexception",
    "threadexception",
    "recwarn",
    "subtests",
    "capture",
    "skipping",
    "monkeypatch",
    "assertion",
)
_DISABLED_PLUGINS = [arg for name in _UNUSED for arg in ("-p", f"no:{name}")]


class GraderError(RuntimeError):
    """The grader itself failed (a broken checks module): not the learner's fault."""


@contextlib.contextmanager
def _quiet_pytest_env():
    saved = {k: os.environ.get(k) for k in ("PYTEST_ADDOPTS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")}
    os.environ.pop("PYTEST_ADDOPTS", None)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # no third-party plugins: faster, safer
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def graded_files(submission: Path, exercises: list, files: dict[str, str] | None = None) -> dict:
    """Exercise name -> (the file graded, notes): the file ``files`` names, else NN_name.py or
    NN_name.ipynb, the one saved last when both are there (grader/submission/notebook.py
    says why)."""
    chosen = {}
    for exercise in exercises:
        if files and exercise.name in files:
            chosen[exercise.name] = (files[exercise.name], [])
        else:
            filename, note = exercise_file(submission, exercise.file)
            chosen[exercise.name] = (filename, [note] if note else [])
    return chosen


def load_workers(
    submission: Path, sandbox: Sandbox, exercises: list, chosen: dict | None = None
) -> tuple[dict, dict]:
    """Each exercise's file (``chosen`` by graded_files), read here; its source goes to the
    submission's worker process on the first call. An unreadable file is a SubmissionError for
    every check. Also returns what choosing and reading each file noted (e.g. that it is a
    link, or which cells of a notebook were left out)."""
    chosen = chosen if chosen is not None else graded_files(submission, exercises)
    workers: dict[str, Worker | SubmissionError] = {}
    notes: dict[str, list[str]] = {}
    for exercise in exercises:
        filename, choice = chosen[exercise.name]
        notes[exercise.name] = list(choice)
        try:
            source = read_source(submission, filename)
        except SubmissionFileError as error:
            kind = "missing_file" if error.missing else "unreadable"
            workers[exercise.name] = SubmissionError(kind, str(error))
            continue
        workers[exercise.name] = sandbox.load(source.text, filename, str(submission))
        notes[exercise.name] += source.notes
    return workers, notes


def _pytest_args(exercises: list) -> list[str]:
    folder = str(checks_module_path(exercises[0]).parent)
    return [str(checks_module_path(e)) for e in exercises] + [
        *_DISABLED_PLUGINS,
        "--noconftest",
        # the checks' folder is the root, and collection does not walk (and list) its parents
        "-c",
        os.devnull,
        "--rootdir",
        folder,
        "--confcutdir",
        folder,
        "-o",
        "markers=check: a graded check",
    ]


class _Round:
    """One submission's turn: its files read and handed to the sandbox; then its report."""

    def __init__(
        self,
        submission: Path,
        exercises: list,
        sandbox: Sandbox,
        files: dict[str, str] | None,
        include_hidden: bool,
        on_report: Callable[[Report], None],
    ) -> None:
        self.started = time.perf_counter()
        self.submission = Path(submission).resolve()
        self.exercises, self.sandbox, self.on_report = exercises, sandbox, on_report
        self.include_hidden = include_hidden
        self.chosen = graded_files(self.submission, exercises, files)
        sandbox.start()
        self.workers, self.notes = load_workers(self.submission, sandbox, exercises, self.chosen)

    def release(self) -> None:
        self.sandbox.release(str(self.submission))  # no process of it outlives its turn

    def finish(self, results: list[CheckResult], hidden_not_run: dict[str, list[int]]) -> None:
        report_exercises = []
        for exercise in self.exercises:
            filename = self.chosen[exercise.name][0]
            result = ExerciseResult(exercise, str(self.submission / filename))
            result.checks = [c for c in results if c.exercise == exercise.name]
            hidden = hidden_not_run.get(exercise.name, [])
            result.hidden_not_run, result.hidden_points_not_run = len(hidden), sum(hidden)
            result.notes = tuple(self.notes.get(exercise.name, ()))
            report_exercises.append(result)
        self.on_report(
            Report(
                submission=str(self.submission),
                isolation=self.sandbox.isolation.name,
                include_hidden=self.include_hidden,
                exercises=report_exercises,
                duration=time.perf_counter() - self.started,
                note=_isolation_note(self.sandbox),
            )
        )


def grade_each(
    submissions: Iterable[Path],
    on_report: Callable[[Report], None],
    names: Iterable[str] | None = None,
    *,
    include_hidden: bool = False,
    sandbox: Sandbox,
    files: dict[str, str] | None = None,
) -> None:
    """Grade folder after folder in one pytest session, passing each one's report to
    ``on_report`` before the next folder is taken from ``submissions`` (which may wait for
    it: a batch worker reads its next folder from a pipe). The checks are collected once;
    each folder gets its own worker process, killed before the next folder is taken.
    Raises :class:`GraderError` if the checks cannot run, or what stopped a folder's turn
    (e.g. :class:`grader.sandbox.sandbox.SandboxError`), after reporting the folders before it.
    """
    import pytest

    from grader.checking.plugin import GradingPlugin

    exercises = _selected(names)
    rounds = (_Round(s, exercises, sandbox, files, include_hidden, on_report) for s in submissions)
    if not exercises:
        for turn in rounds:
            turn.finish([], {})
        return
    plugin = GradingPlugin({e.name for e in exercises}, include_hidden, rounds)
    with _quiet_pytest_env(), contextlib.redirect_stdout(io.StringIO()):
        code = pytest.main(_pytest_args(exercises), plugins=[plugin])
    if plugin.problems:
        raise GraderError("the checks could not run:\n" + "\n".join(plugin.problems))
    if plugin.failure is not None:
        raise plugin.failure
    if int(code) not in (0, 1, 5):
        raise GraderError(f"the checks could not run: pytest exited with {code}")


def _selected(names: Iterable[str] | None) -> list:
    exercises = list(load_exercises())
    if names is not None:
        wanted = set(names)
        exercises = [e for e in exercises if e.name in wanted]
    return exercises


def grade(
    submission: Path,
    names: Iterable[str] | None = None,
    *,
    include_hidden: bool = False,
    limits: Limits | None = None,
    isolation: str = "auto",
    sandbox: Sandbox | None = None,
    files: dict[str, str] | None = None,
) -> Report:
    """Grade the exercise files in ``submission`` (a folder). ``names`` selects exercises;
    ``files`` (exercise name -> file name in the folder) names the file to grade for some of
    them (else NN_name.py or NN_name.ipynb, see graded_files).

    ``sandbox`` may be one the caller opened earlier and keeps open across calls and folders
    (watch mode); the caller then closes it, and calls ``sandbox.start()`` between calls to
    have a worker warm for the next one. Otherwise one is opened (with ``limits`` and
    ``isolation``) and closed here. Either way no worker of this submission outlives the call.
    To grade many folders, :func:`grade_each` collects the checks only once.
    """
    owned = sandbox is None
    if sandbox is None:
        sandbox = Sandbox(limits, isolation)
    reports: list[Report] = []
    try:
        grade_each(
            [submission],
            reports.append,
            names,
            include_hidden=include_hidden,
            sandbox=sandbox,
            files=files,
        )
    finally:
        if owned:
            sandbox.close()
    return reports[0]


def _isolation_note(sandbox: Sandbox) -> str:
    """What the isolation does not protect against, and why no stronger one was used."""
    note = f"{sandbox.isolation.name}: {sandbox.isolation.description}"
    return f"{note} (not stronger: {sandbox.note})" if sandbox.note else note
