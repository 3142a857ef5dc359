"""What a grading run found: per check, per exercise, per submission."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.framework import Exercise

# check statuses
PASSED = "passed"
FAILED = "failed"
NOT_STARTED = "not_started"  # the function still raises NotImplementedError
MISSING = "missing"  # the exercise file is not in the submission
ERROR = "error"  # the check itself broke: an instructor's bug, not the learner's


@dataclass
class CheckResult:
    exercise: str
    name: str  # the test function's name
    description: str  # first line of its docstring
    points: int
    visibility: str  # public | hidden
    status: str
    message: str = ""  # one or two lines for the learner
    diagnosis: str | None = None  # mistake id
    diagnosis_message: str = ""
    hint: str = ""
    details: str = ""  # where it went wrong (traceback lines of the learner's file, index, …)
    output: str = ""  # what the learner's code printed
    duration: float = 0.0

    @property
    def score(self) -> int:
        return self.points if self.status == PASSED else 0

    @property
    def passed(self) -> bool:
        return self.status == PASSED


@dataclass
class ExerciseResult:
    exercise: Exercise
    file: str  # path of the graded file
    checks: list[CheckResult] = field(default_factory=list)
    hidden_not_run: int = 0
    hidden_points_not_run: int = 0

    @property
    def score(self) -> int:
        return sum(c.score for c in self.checks)

    @property
    def max_score(self) -> int:
        return sum(c.points for c in self.checks)

    @property
    def status(self) -> str:
        """done | failing | not started | missing | error."""
        if any(c.status == ERROR for c in self.checks):
            return "error"
        if self.checks and all(c.status == MISSING for c in self.checks):
            return "missing"
        if self.checks and all(c.passed for c in self.checks):
            return "done"
        if all(c.status == NOT_STARTED for c in self.checks if not c.passed) and not any(
            c.passed for c in self.checks
        ):
            return "not started"
        return "failing"

    @property
    def first_failure(self) -> CheckResult | None:
        for check in self.checks:
            if not check.passed:
                return check
        return None


@dataclass
class Report:
    submission: str
    isolation: str
    include_hidden: bool
    exercises: list[ExerciseResult]
    duration: float = 0.0
    note: str = ""  # e.g. why the sandbox fell back to rlimits only

    @property
    def score(self) -> int:
        return sum(e.score for e in self.exercises)

    @property
    def max_score(self) -> int:
        return sum(e.max_score for e in self.exercises)

    @property
    def done(self) -> int:
        return sum(e.status == "done" for e in self.exercises)

    @property
    def hidden_not_run(self) -> int:
        return sum(e.hidden_not_run for e in self.exercises)

    @property
    def hidden_points_not_run(self) -> int:
        return sum(e.hidden_points_not_run for e in self.exercises)

    @property
    def all_passed(self) -> bool:
        return all(c.passed for e in self.exercises for c in e.checks)

    @property
    def current(self) -> ExerciseResult | None:
        """The exercise to work on next: the first one, in course order, that is not done."""
        for exercise in self.exercises:
            if exercise.status != "done":
                return exercise
        return None
