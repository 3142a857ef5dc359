"""What a grading run found: per check, per exercise, per submission.

Learner-produced text (what the code printed, exception messages, values quoted in a failure,
file and folder names) is made safe where it enters this model: every text field is passed
through :mod:`grader.report.sanitize` whenever it is set, and bounded in length. Renderers can
therefore show any field as it is and add only their own format's escaping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, ClassVar

from grader.report.curves import Curve
from grader.report.sanitize import clean_name, clean_text

if TYPE_CHECKING:
    from grader.checking.framework import Exercise


class CheckStatus(str, Enum):
    """How one check ended. The values are what JSON reports carry."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_STARTED = "not_started"  # the function still raises NotImplementedError
    MISSING = "missing"  # the exercise file is not in the submission
    ERROR = "error"  # the check itself broke: an instructor's bug, not the learner's

    def __str__(self) -> str:
        return self.value


class ExerciseStatus(str, Enum):
    """Where a learner stands with one exercise, from its checks' statuses."""

    DONE = "done"
    FAILING = "failing"
    NOT_STARTED = "not started"
    MISSING = "missing"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


PASSED, FAILED, NOT_STARTED, MISSING, ERROR = CheckStatus

TEXT_LIMIT = 2_000  # characters of a message, a description, a hint
LONG_TEXT_LIMIT = 8_000  # characters of details and of printed output


class _SafeText:
    """Cleans the text fields a subclass lists, each time one is set."""

    _TEXT: ClassVar[dict[str, int]] = {}  # field -> length limit
    _NAMES: ClassVar[tuple[str, ...]] = ()  # fields that hold a file or folder name

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, str):
            if name in self._NAMES:
                value = clean_name(value)
            elif name in self._TEXT:
                value = clean_text(value, self._TEXT[name])
        elif name in ("notes", "instructor_notes"):  # tuples: set whole, each note cleaned here
            value = tuple(clean_text(str(note), TEXT_LIMIT) for note in value)
        super().__setattr__(name, value)


@dataclass
class CheckResult(_SafeText):
    exercise: str
    name: str  # the test function's name
    description: str  # first line of its docstring
    points: int
    visibility: str  # public | hidden
    status: CheckStatus
    message: str = ""  # one or two lines for the learner
    diagnosis: str | None = None  # mistake id
    diagnosis_message: str = ""
    hint: str = ""
    details: str = ""  # where it went wrong (traceback lines of the learner's file, index, …)
    output: str = ""  # what the learner's code printed
    duration: float = 0.0
    # a failed check about a trajectory or a loss curve: the learner's against the reference's
    # (plain, bounded data: grader/report/curves.py)
    curves: tuple[Curve, ...] = ()

    _TEXT: ClassVar[dict[str, int]] = {
        **dict.fromkeys(("exercise", "name", "description", "visibility", "message"), TEXT_LIMIT),
        **dict.fromkeys(("diagnosis", "diagnosis_message", "hint"), TEXT_LIMIT),
        **dict.fromkeys(("details", "output"), LONG_TEXT_LIMIT),
    }

    def __setattr__(self, name: str, value: object) -> None:
        if name == "status" and not isinstance(value, CheckStatus):
            value = CheckStatus(value)  # a plain string read back from JSON
        if name == "curves":  # Curve objects, or their data read back from JSON
            value = tuple(c if isinstance(c, Curve) else Curve.from_data(c) for c in value)
        super().__setattr__(name, value)

    @property
    def score(self) -> int:
        return self.points if self.status == PASSED else 0

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def summary(self) -> str:
        """The first line of the message (or the description): a one-line reason."""
        first = (self.message or self.description).strip().splitlines()
        return first[0] if first else ""


@dataclass
class ExerciseResult(_SafeText):
    exercise: Exercise
    file: str  # path of the graded file
    checks: list[CheckResult] = field(default_factory=list)
    hidden_not_run: int = 0
    hidden_points_not_run: int = 0
    notes: tuple[str, ...] = ()  # what reading the file noted, e.g. "2 cells left out"

    _NAMES: ClassVar[tuple[str, ...]] = ("file",)

    @property
    def score(self) -> int:
        return sum(c.score for c in self.checks)

    @property
    def max_score(self) -> int:
        return sum(c.points for c in self.checks)

    @property
    def status(self) -> ExerciseStatus:
        if any(c.status == ERROR for c in self.checks):
            return ExerciseStatus.ERROR
        if self.checks and all(c.status == MISSING for c in self.checks):
            return ExerciseStatus.MISSING
        if self.checks and all(c.passed for c in self.checks):
            return ExerciseStatus.DONE
        if not any(c.passed for c in self.checks) and all(
            c.status == NOT_STARTED for c in self.checks
        ):
            return ExerciseStatus.NOT_STARTED
        return ExerciseStatus.FAILING

    @property
    def failures(self) -> list[CheckResult]:
        """The checks that did not pass, in the order they ran."""
        return [check for check in self.checks if not check.passed]

    @property
    def first_failure(self) -> CheckResult | None:
        failures = self.failures
        return failures[0] if failures else None


@dataclass
class Report(_SafeText):
    submission: str
    isolation: str
    include_hidden: bool
    exercises: list[ExerciseResult]
    duration: float = 0.0
    note: str = ""  # what the isolation does not protect against; why no stronger one
    # what reading the submission as a whole noted, e.g. that an upload held a file twice
    notes: tuple[str, ...] = ()
    # every exercise of the course in order (a run with -e grades some): what comes next
    course: tuple[Exercise, ...] = ()
    # for the instructor only, never a student (the autograder's isolation and secrecy check)
    instructor_notes: tuple[str, ...] = ()

    _NAMES: ClassVar[tuple[str, ...]] = ("submission",)
    _TEXT: ClassVar[dict[str, int]] = {"isolation": TEXT_LIMIT, "note": TEXT_LIMIT}

    @property
    def score(self) -> int:
        return sum(e.score for e in self.exercises)

    @property
    def max_score(self) -> int:
        return sum(e.max_score for e in self.exercises)

    @property
    def done(self) -> int:
        return sum(e.status == ExerciseStatus.DONE for e in self.exercises)

    @property
    def hidden_not_run(self) -> int:
        return sum(e.hidden_not_run for e in self.exercises)

    @property
    def hidden_checks(self) -> list[CheckResult]:
        """The hidden checks that ran (or were due to: an exercise with no file)."""
        return [c for e in self.exercises for c in e.checks if c.visibility == "hidden"]

    @property
    def hidden_points_not_run(self) -> int:
        return sum(e.hidden_points_not_run for e in self.exercises)

    @property
    def all_passed(self) -> bool:
        return all(c.passed for e in self.exercises for c in e.checks)

    @property
    def exit_status(self) -> int:
        """What a command that graded this report ends with (``grade``, each ``grade --watch``
        report): 0 every check passed, 1 some failed, 3 a check itself crashed (the grader's
        fault: the score is not trustworthy)."""
        if any(c.status == CheckStatus.ERROR for e in self.exercises for c in e.checks):
            return 3
        return 0 if self.all_passed else 1

    @property
    def current(self) -> ExerciseResult | None:
        """The exercise to work on next: in course order, the first one the learner has
        written code for that does not pass yet (failing, or a check that could not run);
        else the first one not done (not started, then missing)."""
        pending = [e for e in self.exercises if e.status != ExerciseStatus.DONE]
        for exercise in pending:
            if exercise.status in (ExerciseStatus.FAILING, ExerciseStatus.ERROR):
                return exercise
        for exercise in pending:
            if exercise.status != ExerciseStatus.MISSING:
                return exercise
        return pending[0] if pending else None
