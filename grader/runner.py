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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from grader import collector
from grader.exercises import checks_module_path, load_exercises
from grader.report.results import CheckResult, ExerciseResult, Report
from grader.sandbox.sandbox import Limits, LoadedFile, Sandbox, SubmissionError
from grader.submission.files import SubmissionFileError
from grader.submission.resolve import Resolution, resolve

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


def load_files(
    submission: Path, sandbox: Sandbox, resolutions: dict[str, Resolution], which: int = 0
) -> tuple[dict, dict]:
    """For each exercise, its ``which``-th file (grader/submission/resolve.py chose them),
    read here and handed to the sandbox; its source goes to the submission's worker process
    on the first call. An unreadable file is a SubmissionError for every check. Also returns
    what reading each file noted (e.g. that it is a link, or which cells of a notebook were
    left out)."""
    files: dict[str, LoadedFile | SubmissionError] = {}
    notes: dict[str, list[str]] = {}
    for name, resolution in resolutions.items():
        filename = resolution.files[which]
        notes[name] = []
        try:
            source = resolution.source(submission, filename)
        except SubmissionFileError as error:
            kind = "missing_file" if error.missing else "unreadable"
            files[name] = SubmissionError(kind, str(error))
            continue
        files[name] = sandbox.load(source.text, filename, str(submission))
        notes[name] += source.notes
    return files, notes


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
    """One turn of a submission: the ``which``-th file of each exercise in ``resolutions``
    read and handed to the sandbox; then its results, one ExerciseResult per exercise."""

    def __init__(
        self, submission: Path, resolutions: dict[str, Resolution], sandbox: Sandbox, which: int
    ) -> None:
        self.submission, self.sandbox, self.which = submission, sandbox, which
        self.resolutions = resolutions
        self.names = set(resolutions)
        self.results: dict[str, ExerciseResult] = {}
        sandbox.start()
        self.files, self.notes = load_files(submission, sandbox, resolutions, which)

    def release(self) -> None:
        self.sandbox.release(str(self.submission))  # no process of it outlives its turn

    def finish(self, results: list[CheckResult], hidden_not_run: dict[str, list[int]]) -> None:
        for name, resolution in self.resolutions.items():
            filename = resolution.files[self.which]
            result = ExerciseResult(resolution.exercise, str(self.submission / filename))
            result.checks = [c for c in results if c.exercise == name]
            hidden = hidden_not_run.get(name, [])
            result.hidden_not_run, result.hidden_points_not_run = len(hidden), sum(hidden)
            result.notes = tuple(self.notes.get(name, ()))
            self.results[name] = result


def _keep_better(first: ExerciseResult, second: ExerciseResult) -> ExerciseResult:
    """Both files of an exercise were started and graded: the better score is kept (the first
    on a tie), with one note naming both."""
    kept, other = (second, first) if second.score > first.score else (first, second)
    kept_name, other_name = Path(kept.file).name, Path(other.file).name
    kept.notes = (
        f"{kept_name} and {other_name} are both started: graded both, kept {kept_name} "
        f"({kept.score}/{kept.max_score}; {other_name}: {other.score}/{other.max_score})",
        *kept.notes,
    )
    return kept


class _Submission:
    """One submission's way through a grading session: it is resolved (which file of each
    exercise), graded in one round, and — for exercises where both files are started — in a
    second round over the other files; then its one report."""

    def __init__(
        self,
        folder: Path,
        exercises: list,
        sandbox: Sandbox,
        files: dict[str, str] | None,
        include_hidden: bool,
    ) -> None:
        self.started = time.perf_counter()
        self.folder = Path(folder).resolve()
        self.exercises, self.sandbox, self.include_hidden = exercises, sandbox, include_hidden
        self.resolutions = resolve(self.folder, exercises, files)

    def rounds(self) -> Iterator[_Round]:
        first = _Round(self.folder, self.resolutions, self.sandbox, 0)
        yield first
        self.results = first.results
        both = {n: r for n, r in self.resolutions.items() if len(r.files) > 1}
        if both:
            second = _Round(self.folder, both, self.sandbox, 1)
            yield second
            for name, result in second.results.items():
                self.results[name] = _keep_better(self.results[name], result)

    def report(self) -> Report:
        return Report(
            submission=str(self.folder),
            isolation=self.sandbox.isolation.name,
            include_hidden=self.include_hidden,
            exercises=[self.results[e.name] for e in self.exercises],
            duration=time.perf_counter() - self.started,
            note=_isolation_note(self.sandbox),
            course=load_exercises(),
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
    it: a batch grader reads its next folder from a pipe). The checks are collected once;
    each folder gets its own worker process, killed before the next folder is taken.
    Raises :class:`GraderError` if the checks cannot run, or what stopped a folder's turn
    (e.g. :class:`grader.sandbox.SandboxError`), after reporting the folders before it.
    """
    import pytest

    from grader.checking.plugin import GradingPlugin

    exercises = _selected(names)

    def rounds() -> Iterator[_Round]:
        for folder in submissions:
            submission = _Submission(folder, exercises, sandbox, files, include_hidden)
            yield from submission.rounds()
            sandbox.raise_lost()  # a worker stopped or killed from outside: no report to trust
            on_report(submission.report())

    if not exercises:
        for folder in submissions:
            on_report(_Submission(folder, [], sandbox, files, include_hidden).report())
        return
    plugin = GradingPlugin({e.name for e in exercises}, include_hidden, rounds())
    collector.settle()
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
    them (else the rule of grader/submission/resolve.py picks NN_name.py or NN_name.ipynb).

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
