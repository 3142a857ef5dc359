"""Grade a submission folder: run the checks (pytest, in this process) against the learner's
code (in the sandbox), and return a :class:`grader.results.Report`.

    report = grade(Path("exercises"))                   # public checks of every exercise
    report = grade(Path("hw"), names=["momentum"], include_hidden=True)
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from grader import timings
from grader.exercises import checks_module_path, load_exercises
from grader.results import CheckResult, ExerciseResult, Report
from grader.sandbox import Limits, Sandbox, SandboxError, Worker

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


def _jobs(count: int) -> int:
    """How many grading processes to use: 2 on a multi-core machine with enough exercises.

    The second process is forked, which is only safe while this process has a single thread
    (not, for example, inside a pytest-xdist worker); GDKIT_JOBS=1 turns it off.
    """
    wanted = os.environ.get("GDKIT_JOBS")
    jobs = int(wanted) if wanted and wanted.isdigit() else min(2, os.cpu_count() or 1)
    if count < 4 or threading.active_count() > 1 or not hasattr(os, "fork"):
        return 1
    return max(1, min(jobs, 2))


def _start_workers(submission: Path, sandbox: Sandbox, exercises: list) -> dict[str, Worker]:
    """Every exercise's child, started now: the files load while pytest starts and collects."""
    workers = {}
    for exercise in exercises:
        worker = workers[exercise.name] = sandbox.worker(submission / exercise.file)
        try:
            worker.prestart()
        except (OSError, SandboxError):
            pass  # the first call will try again and report what went wrong
    return workers


def _run_checks(submission: Path, sandbox: Sandbox, exercises: list, include_hidden: bool):
    """Run the checks of ``exercises`` in this process: (results, hidden not run, problems)."""
    import pytest

    from grader.plugin import GradingPlugin

    workers = _start_workers(submission, sandbox, exercises)
    plugin = GradingPlugin(
        submission, sandbox, {e.name for e in exercises}, include_hidden, workers
    )
    folder = str(checks_module_path(exercises[0]).parent)
    args = [str(checks_module_path(e)) for e in exercises] + [
        *_DISABLED_PLUGINS,
        "--assert=plain",
        "--noconftest",
        # the checks' folder is the root, and collection does not walk (and list) its parents
        "-c",
        os.devnull,
        "--rootdir",
        folder,
        "--confcutdir",
        folder,
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        "-o",
        "markers=check: a graded check",
    ]
    with _quiet_pytest_env(), contextlib.redirect_stdout(io.StringIO()):
        code = pytest.main(args, plugins=[plugin])
    problems = list(plugin.problems)
    if int(code) not in (0, 1, 5) and not problems:
        problems.append(f"pytest exited with {code}")
    return plugin.results, plugin.hidden_not_run, problems


def _run_checks_in_child(submission, sandbox, exercises, include_hidden) -> tuple[int, int]:
    """Fork; the child runs the checks of ``exercises`` and writes them as JSON to a pipe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        try:
            results, hidden, problems = _run_checks(submission, sandbox, exercises, include_hidden)
            payload = {
                "results": [asdict(r) for r in results],
                "hidden": hidden,
                "problems": problems,
            }
        except BaseException as error:  # noqa: BLE001 - reported by the parent
            payload = {"results": [], "hidden": {}, "problems": [f"grading process: {error!r}"]}
        data = json.dumps(payload).encode()
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        os._exit(0)
    os.close(write_end)
    return pid, read_end


def _collect_child(pid: int, read_end: int):
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    try:
        payload = json.loads(data)
    except ValueError:
        return [], {}, ["the second grading process died without a result"]
    results = [CheckResult(**r) for r in payload["results"]]
    return results, payload["hidden"], payload["problems"]


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

    ``sandbox`` may be one the caller started earlier (to overlap its start-up with other work,
    or to reuse it for many submissions below its root folder); the caller then closes it.
    On a multi-core machine the exercises are split between this process and a forked one
    (see _jobs); both use the same sandbox, whose zygote then forks children for both.
    """
    started = time.perf_counter()
    submission = Path(submission).resolve()
    owned = sandbox is None
    if sandbox is None:
        sandbox = Sandbox(submission, limits, isolation)
    sandbox.start()  # NumPy loads in the zygote while pytest starts and collects the checks
    exercises = list(load_exercises())
    if names is not None:
        wanted = set(names)
        exercises = [e for e in exercises if e.name in wanted]
    results: list[CheckResult] = []
    hidden_not_run: dict[str, list[int]] = {}
    problems: list[str] = []
    try:
        if _jobs(len(exercises)) == 2:
            first, other = timings.split_in_two([e.name for e in exercises], timings.load())
            mine = [e for e in exercises if e.name in first]
            theirs = [e for e in exercises if e.name in other]
            import pytest  # noqa: F401 - imported before the fork, once for both processes

            sandbox.wait_ready()  # before the fork: then the forked process shares the zygote
            pid, pipe = _run_checks_in_child(submission, sandbox, theirs, include_hidden)
            parts = [
                _run_checks(submission, sandbox, mine, include_hidden),
                _collect_child(pid, pipe),
            ]
        elif exercises:
            parts = [_run_checks(submission, sandbox, exercises, include_hidden)]
        else:
            parts = []
    finally:
        if owned:
            sandbox.close()
    for part_results, part_hidden, part_problems in parts:
        results += part_results
        hidden_not_run.update(part_hidden)
        problems += part_problems
    if problems:
        raise GraderError("the checks could not run:\n" + "\n".join(problems))
    timings.save(
        {e.name: sum(c.duration for c in results if c.exercise == e.name) for e in exercises}
    )
    report_exercises = []
    for exercise in exercises:
        result = ExerciseResult(exercise, str(submission / exercise.file))
        result.checks = [c for c in results if c.exercise == exercise.name]
        hidden = hidden_not_run.get(exercise.name, [])
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
