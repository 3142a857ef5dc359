"""Grade a submission folder: run the checks (pytest, in this process) against the learner's
code (in the sandbox), and return a :class:`grader.results.Report`.

    report = grade(Path("exercises"))                   # public checks of every exercise
    report = grade(Path("hw"), names=["momentum"], include_hidden=True)
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Iterable
from pathlib import Path

from grader.exercises import checks_module_path, load_exercises
from grader.results import ExerciseResult, Report
from grader.sandbox import Limits, Sandbox


# pytest's built-in plugins that checks do not need (fewer imports: faster start)
_UNUSED = (
    "cacheprovider", "terminal", "faulthandler", "warnings", "logging", "stepwise", "doctest",
    "debugging", "unittest", "legacypath", "tmpdir", "pastebin", "junitxml", "setuponly",
    "setupplan", "unraisableexception", "threadexception", "recwarn", "subtests", "capture",
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


def grade(
    submission: Path,
    names: Iterable[str] | None = None,
    *,
    include_hidden: bool = False,
    limits: Limits | None = None,
    isolation: str = "auto",
    sandbox: Sandbox | None = None,
) -> Report:
    """Grade the exercise files in ``submission`` (a folder). ``names`` selects exercises.

    ``sandbox`` may be one started earlier for the same folder (to overlap its start-up with
    other work); it is closed when grading ends.
    """
    started = time.perf_counter()
    submission = Path(submission).resolve()
    if sandbox is None:
        sandbox = Sandbox(submission, limits, isolation)
    sandbox.start()  # NumPy loads in the zygote while pytest starts and collects the checks

    import pytest

    from grader.plugin import GradingPlugin

    exercises = list(load_exercises())
    if names is not None:
        wanted = set(names)
        exercises = [e for e in exercises if e.name in wanted]
    plugin = GradingPlugin(submission, sandbox, {e.name for e in exercises}, include_hidden)
    checks_dir = checks_module_path(exercises[0]).parent if exercises else None
    args = [str(checks_module_path(e)) for e in exercises] + [
        *_DISABLED_PLUGINS,
        "--assert=plain", "--noconftest",
        "-c", os.devnull, "--rootdir", str(checks_dir),
        "-W", "ignore::pytest.PytestAssertRewriteWarning",
        "-o", "markers=check: a graded check",
    ]
    try:
        if exercises:
            with _quiet_pytest_env(), contextlib.redirect_stdout(io.StringIO()):
                code = pytest.main(args, plugins=[plugin])
        else:
            code = 0
    finally:
        sandbox.close()
    if plugin.problems or int(code) not in (0, 1, 5):
        details = "\n".join(plugin.problems) or f"pytest exited with {code}"
        raise GraderError(f"the checks could not run:\n{details}")
    report_exercises = []
    for exercise in exercises:
        result = ExerciseResult(exercise, str(submission / exercise.file))
        result.checks = [c for c in plugin.results if c.exercise == exercise.name]
        hidden = plugin.hidden_not_run.get(exercise.name, [])
        result.hidden_not_run, result.hidden_points_not_run = len(hidden), sum(hidden)
        report_exercises.append(result)
    return Report(
        submission=str(submission),
        isolation=sandbox.isolation,
        include_hidden=include_hidden,
        exercises=report_exercises,
        duration=time.perf_counter() - started,
        note=sandbox.note,
    )
