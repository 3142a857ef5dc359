"""The pytest plugin that turns check outcomes into result objects
(:class:`grader.report.results.CheckResult`, in the spirit of Exercism's Python test runner),
and gives checks their fixtures.

Fixtures available to every check:

``student``  calls the learner's functions in the sandbox: ``student.gd_step(3.0, 2.5, 0.1)``.
``rng``      a ``numpy.random.Generator`` seeded from the check's name (same inputs every run).
"""

from __future__ import annotations

import inspect
import zlib
from collections.abc import Callable, Generator, Iterable
from typing import Protocol

import numpy as np
import pytest

from grader.checking import framework, judge, remember
from grader.checking.framework import CheckBug, CheckFailed, Exercise
from grader.report.results import ERROR, FAILED, MISSING, NOT_STARTED, PASSED, CheckResult
from grader.sandbox.sandbox import Instruments, LoadedFile, SubmissionError

OUTPUT_KEEP = 2000


class Student:
    """A handle on one submission file: attribute access calls the function in the sandbox.

    ``loaded`` is the file's :class:`LoadedFile`, or the SubmissionError every call raises (a
    file that could not be read)."""

    def __init__(self, loaded: LoadedFile | SubmissionError) -> None:
        self._file = loaded
        self._output: list[str] = []
        self._dropped = 0  # characters of printed output the sandbox did not keep
        self.warnings: list[str] = []  # warnings raised by the last call, e.g. "RuntimeWarning: …"
        self.called: set[str] = set()  # the learner functions this check called
        self.record = judge.CheckRecord()  # its calls in order, and what its comparisons showed

    def call(self, function: str, *args: object, **kwargs: object) -> object:
        return self._call(Instruments(), function, args, kwargs)

    def instrumented(
        self, *, replace: dict[str, Callable] | None = None, unsilenced: bool = False
    ) -> Instrumented:
        """A handle whose calls swap the learner's functions named in ``replace`` for the
        check's (e.g. ``sign_derivative``, to see that ``gradients`` uses it), and, with
        ``unsilenced``, make NumPy's overflow/invalid/divide errors warn however the learner's
        code tries to silence them (``np.errstate``, ``np.seterr``, warning filters)."""
        return Instrumented(self, Instruments(dict(replace or {}), unsilenced))

    def _call(self, instruments: Instruments, function: str, args, kwargs) -> object:
        if judge.resolving():  # the judgement asks gdref only, after the check has ended
            raise judge.LearnerCallRefused(function)
        self.called.add(function)
        self.record.calls.append(function)
        if isinstance(self._file, SubmissionError):
            raise self._file
        try:
            result = self._file.call_instrumented(instruments, function, *args, **kwargs)
        except SubmissionError as error:
            self._output.append(error.output)
            self._dropped += error.dropped
            raise
        self._output.append(self._file.last_output)
        self._dropped += self._file.last_dropped
        self.warnings = list(self._file.last_warnings)
        return result

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    @property
    def output(self) -> str:
        text, more = "".join(self._output), self._dropped
        if isinstance(self._file, LoadedFile):
            text, more = self._file.load_output + text, more + self._file.load_dropped
        more += max(0, len(text) - OUTPUT_KEEP)
        if more:
            text = text[:OUTPUT_KEEP] + f"\n… ({more} more characters of output not kept)"
        return text


class Instrumented:
    """``student.instrumented(...)``: calls the learner's functions with instruments on."""

    def __init__(self, student: Student, instruments: Instruments) -> None:
        self._student, self._instruments = student, instruments

    def call(self, function: str, *args: object, **kwargs: object) -> object:
        return self._student._call(self._instruments, function, args, kwargs)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)


class Round(Protocol):
    """One submission's turn in a grading session (grader/runner.py makes them)."""

    files: dict[str, LoadedFile | SubmissionError]  # exercise name -> its file (loading)
    names: set[str]  # the exercises whose checks run in this round

    def finish(self, results: list[CheckResult], hidden_not_run: dict[str, list[int]]) -> None:
        """Its checks ran: make its report."""

    def release(self) -> None:
        """Kill its worker process (called whether or not it finished)."""


class GradingPlugin:
    """Collects the checks once, then runs them for each :class:`Round` that ``rounds``
    yields, in turn (``pytest_runtestloop``): one submission for ``grade``, one after another
    for a batch grader. Between two rounds every fixture is torn down."""

    def __init__(self, names: set[str], include_hidden: bool, rounds: Iterable[Round]) -> None:
        self.names = names
        self.include_hidden = include_hidden
        self.rounds = rounds
        self.results: list[CheckResult] = []
        self.hidden_not_run: dict[str, list[int]] = {}
        self.problems: list[str] = []  # collection errors and unmarked tests: grader bugs
        self.failure: BaseException | None = None  # what stopped the rounds, raised by the runner
        self._files: dict[str, LoadedFile | SubmissionError] = {}
        self._students: dict[str, Student] = {}
        self._judged: list[JudgedCheck] = []

    # -- fixtures -----------------------------------------------------------------------------
    @pytest.fixture
    def student(self, request: pytest.FixtureRequest) -> Student:
        handle = Student(self._files[_exercise_of(request.node).name])
        self._students[request.node.nodeid] = handle
        return handle

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        return np.random.default_rng(zlib.crc32(request.node.name.encode()))

    # -- collection ---------------------------------------------------------------------------
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.problems.append(f"{report.nodeid}: could not be collected\n{report.longreprtext}")

    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        keep, dropped = [], []
        for item in items:
            marker = item.get_closest_marker("check")
            exercise = getattr(getattr(item, "module", None), "EXERCISE", None)
            if marker is None or not isinstance(exercise, Exercise):
                self.problems.append(f"{item.nodeid}: not marked with @check or no EXERCISE")
                dropped.append(item)
                continue
            if exercise.name not in self.names:
                dropped.append(item)
                continue
            if marker.kwargs["visibility"] == "hidden" and not self.include_hidden:
                self.hidden_not_run.setdefault(exercise.name, []).append(marker.kwargs["points"])
                dropped.append(item)
                continue
            unknown = set(marker.kwargs["mistakes"]) - {m.id for m in exercise.mistakes}
            if unknown:
                self.problems.append(f"{item.nodeid}: declares unknown mistakes {sorted(unknown)}")
            keep.append(item)
        # hidden checks last, after every public check of every exercise: a later public call
        # never runs after learner code has seen a hidden input (and could report it)
        items[:] = sorted(keep, key=_is_hidden)
        if dropped:
            config.hook.pytest_deselected(items=dropped)

    # -- running ------------------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        try:
            for turn in self.rounds:
                try:
                    if self.problems:  # the checks cannot run: the runner says why
                        return True
                    self._run_round(session.items, turn)
                finally:
                    turn.release()
        except Exception as error:  # noqa: BLE001 - raised again by the runner, outside pytest
            self.failure = error
        return True

    def _run_round(self, items: list[pytest.Item], turn: Round) -> None:
        self._files, self._students, self.results = turn.files, {}, []
        self._judged = []
        items = [item for item in items if _exercise_of(item).name in turn.names]
        for index, item in enumerate(items):
            following = items[index + 1] if index + 1 < len(items) else None  # None: tear down
            item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
        self._judge()
        turn.finish(self.results, self.hidden_not_run)

    def _judge(self) -> None:
        """The exercise's judgement over all its checks (grader/checking/judge.py)."""
        by_exercise: dict[str, list[JudgedCheck]] = {}
        for judged in self._judged:
            by_exercise.setdefault(judged.exercise.name, []).append(judged)
        for name, checks in by_exercise.items():
            exercise = checks[0].exercise
            loaded = self._files.get(name)
            source = loaded.source if isinstance(loaded, LoadedFile) else None
            judge.judge_exercise(
                checks, source, lambda mistake_id, e=exercise: mistake_functions(e, mistake_id)
            )

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        marker = item.get_closest_marker("check")
        framework._set_declared(marker.kwargs["mistakes"])
        remember.public_check(marker.kwargs["visibility"] == "public")  # may keep its values
        student = self._students.get(item.nodeid)
        judge.set_current(student.record if student else judge.CheckRecord())
        try:
            return (yield)
        finally:
            framework._set_declared(None)
            remember.public_check(False)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo
    ) -> pytest.TestReport:
        """Record the check's result, and hand pytest a lightweight report.

        pytest's own report renders a full traceback for every failure (~0.3 s each, reading
        source files); learners never see it, so it is not built.
        """
        if call.when == "call" or (call.when == "setup" and call.excinfo is not None):
            student = self._students.get(item.nodeid)
            result = check_result(item, call, student)
            self.results.append(result)
            record = judge.current() if call.when == "call" else None
            error = call.excinfo.value if call.excinfo is not None else None
            self._judged.append(JudgedCheck(result, item.module.EXERCISE, record, error))
            judge.set_current(None)
        if call.excinfo is None:
            outcome, longrepr = "passed", None
        elif call.excinfo.errisinstance(pytest.skip.Exception):
            outcome, longrepr = "skipped", (str(item.path), 0, str(call.excinfo.value))
        else:
            outcome, longrepr = "failed", f"{call.excinfo.typename}: {call.excinfo.value}"[:500]
        return pytest.TestReport(
            item.nodeid,
            item.location,
            {},
            outcome,
            longrepr,
            call.when,
            (),
            call.duration,
            call.start,
            call.stop,
        )


def check_description(function: object, name: str) -> str:
    """What a check tests, for the report: the first paragraph of its docstring, whole (a
    sentence that runs over two lines is not cut at the first), or its name in words."""
    doc = inspect.getdoc(function) or ""
    paragraph = doc.strip().split("\n\n", 1)[0]
    return " ".join(paragraph.split()) or name.replace("test_", "").replace("_", " ")


def check_result(item: pytest.Item, call: pytest.CallInfo, student: Student | None) -> CheckResult:
    """The outcome of one check (its call, or a setup that failed) as a CheckResult."""
    marker = item.get_closest_marker("check")
    exercise: Exercise = item.module.EXERCISE
    result = CheckResult(
        exercise=exercise.name,
        name=item.name,
        description=check_description(getattr(item, "function", None), item.name),
        points=int(marker.kwargs["points"]),
        visibility=marker.kwargs["visibility"],
        status=PASSED,
        duration=call.duration,
        output=student.output if student else "",
    )
    unrelated = _unrelated_mistakes(exercise, marker.kwargs["mistakes"], student)
    if unrelated and call.excinfo is None:
        result.status = ERROR
        result.message = f"the check is wrong (not your fault): {unrelated}"
        return result
    if call.excinfo is None:
        return result
    error = call.excinfo.value
    if isinstance(error, CheckFailed):
        _describe_failure(result, exercise, error)
    elif isinstance(error, SubmissionError):
        result.status = {"not_implemented": NOT_STARTED, "missing_file": MISSING}.get(
            error.kind, FAILED
        )
        result.message = error.message
        result.details = error.where
        if error.output and not result.output:
            result.output = error.output
    else:
        result.status = ERROR
        kind = "the check is wrong" if isinstance(error, CheckBug) else "the check crashed"
        result.message = f"{kind} (not your fault): {type(error).__name__}: {error}"
        result.details = call.excinfo.getrepr(style="short").__str__()[-2000:]
    return result


def _describe_failure(result: CheckResult, exercise: Exercise, error: CheckFailed) -> None:
    """What the value shows first, then (if a mistake is named) its likely cause and the fix."""
    result.status = FAILED
    result.message = error.summary
    result.details = error.details
    result.curves = tuple(error.curves)
    shows = error.observation
    if error.diagnosis:
        mistake = exercise.mistake(error.diagnosis)
        shows = mistake.shows or shows
        result.diagnosis = mistake.id
        result.diagnosis_message = mistake.message
        result.hint = mistake.hint
    if shows:
        result.message += f": {shows}"


class JudgedCheck(judge.Judged):
    """A CheckResult as the exercise's judgement sees it: a name it withdraws and the
    sentences it adds about the function at fault are written back into the result."""

    def __init__(
        self,
        result: CheckResult,
        exercise: Exercise,
        record: judge.CheckRecord | None,
        error: BaseException | None,
    ) -> None:
        self.result, self.exercise = result, exercise
        self.record = record or judge.CheckRecord()
        self.failed = result.status == FAILED
        self.diagnosis = result.diagnosis
        self.error = error if isinstance(error, CheckFailed) else None
        self.observation = self.error.observation if self.error else ""
        self._message = result.message
        self._added: list[str] = []

    def withdraw(self, why: str) -> None:
        self.diagnosis = None
        result = self.result
        result.diagnosis, result.diagnosis_message, result.hint = None, "", ""
        if self.error is not None:
            shown = self.error.observation
            self._message = f"{self.error.summary}: {shown}" if shown else self.error.summary
        self._write()

    def point_at(self, sentence: str) -> None:
        self._added.append(sentence)
        self._write()

    def _write(self) -> None:
        self.result.message = (
            " ".join([self._message + ".", *self._added]) if self._added else (self._message)
        )


def _unrelated_mistakes(exercise: Exercise, declared, student: Student | None) -> str:
    """In the self-test: a declared mistake about functions this check never calls (its message
    would talk about code the check does not look at)."""
    if not framework.strict() or student is None:
        return ""
    for mistake_id in declared:
        functions = mistake_functions(exercise, mistake_id)
        if functions and not functions & student.called:
            return (
                f"it declares mistake {mistake_id!r}, which is about {sorted(functions)}, but "
                f"calls only {sorted(student.called)}"
            )
    return ""


_FUNCTIONS: dict[tuple[str, str], frozenset[str]] = {}


def mistake_functions(exercise: Exercise, mistake_id: str) -> frozenset[str]:
    """The learner functions a mistake is about: its ``functions``, or else those its mutant
    changes in the reference solution (the function it edits and every caller)."""
    from grader.checking.affected import affected_functions
    from grader.paths import solutions_dir

    key = (exercise.name, mistake_id)
    if key not in _FUNCTIONS:
        mistake = exercise.mistake(mistake_id)
        solution = solutions_dir() / exercise.file
        if mistake.functions:
            _FUNCTIONS[key] = frozenset(mistake.functions)
        elif mistake.mutant and solution.is_file():  # a student release has no solutions
            source = solution.read_text(encoding="utf-8")
            _FUNCTIONS[key] = frozenset(affected_functions(source, mistake))
        else:
            _FUNCTIONS[key] = frozenset()
    return _FUNCTIONS[key]


def _is_hidden(item: pytest.Item) -> bool:
    return item.get_closest_marker("check").kwargs["visibility"] == "hidden"


def _exercise_of(node: pytest.Item) -> Exercise:
    return node.module.EXERCISE
