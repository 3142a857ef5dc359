"""Mutation self-test: every catalogued mistake, applied to the reference solution, must lose
points and be diagnosed as itself.

A mistake's mutant is a list of ``(old, new)`` substitutions on the solution file; each ``old``
must occur exactly once (so a mutant can never silently drift from the solution it mutates).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.checking.framework import Exercise, Mistake, strict_mode
from grader.exercises import load_exercises, solutions_dir
from grader.report.results import ERROR, ExerciseResult


class MutantError(ValueError):
    """A mutant that does not apply to the current solution file."""


def apply_mutant(source: str, mistake: Mistake, filename: str = "<solution>") -> str:
    if not mistake.mutant:
        raise MutantError(f"mistake {mistake.id!r} declares no mutant")
    for old, new in mistake.mutant:
        count = source.count(old)
        if count != 1:
            raise MutantError(
                f"{filename}: mutant {mistake.id!r}: {old!r} occurs {count} times (must be once)"
            )
        if old == new:
            raise MutantError(f"mutant {mistake.id!r}: a substitution that changes nothing")
        source = source.replace(old, new)
    return source


@dataclass
class MutantOutcome:
    exercise: str
    mistake: str
    score: int
    max_score: int
    diagnoses: list[str]  # mistake ids named by the failing checks
    broken: list[str] = field(default_factory=list)  # checks that reported themselves broken

    @property
    def caught(self) -> bool:
        return self.score < self.max_score

    @property
    def diagnosed(self) -> bool:
        return self.mistake in self.diagnoses


def outcome(exercise: Exercise, mistake: Mistake, result: ExerciseResult) -> MutantOutcome:
    return MutantOutcome(
        exercise.name,
        mistake.id,
        result.score,
        result.max_score,
        [c.diagnosis for c in result.checks if c.diagnosis],
        [c.name for c in result.checks if c.status == ERROR],
    )


def run_mutants(
    names: list[str] | None = None, solutions: Path | None = None, notebooks: bool = False
) -> list[MutantOutcome]:
    """Grade every mutant (all checks, hidden included) and report what each one scored.
    With ``notebooks``, each mutant is graded in notebook form (NN_name.ipynb, the mutated
    functions in their code cells)."""
    from grader.authoring.notebook_stubs import solution_notebook
    from grader.runner import grade_each
    from grader.sandbox.sandbox import Sandbox

    solutions = solutions or solutions_dir()
    outcomes = []
    # strict: inputs that cannot tell two mistakes apart are an error here (and only here)
    with (
        strict_mode(),
        Sandbox() as sandbox,
        tempfile.TemporaryDirectory(prefix="gdkit-mutants-") as root,
    ):
        for exercise in load_exercises():
            if names and exercise.name not in names:
                continue
            source = (solutions / exercise.file).read_text(encoding="utf-8")
            folders = []
            for mistake in exercise.mistakes:
                folder = Path(root) / f"{exercise.name}-{mistake.id}"
                folder.mkdir()
                path, text = folder / exercise.file, apply_mutant(source, mistake, exercise.file)
                if notebooks:
                    path, text = path.with_suffix(".ipynb"), solution_notebook(text, exercise.name)
                path.write_text(text, encoding="utf-8")
                folders.append(folder)
            # one grading session per exercise: its mutants one after another, as a batch
            reports: list = []
            grade_each(
                folders, reports.append, [exercise.name], include_hidden=True, sandbox=sandbox
            )
            outcomes += [
                outcome(exercise, mistake, report.exercises[0])
                for mistake, report in zip(exercise.mistakes, reports, strict=True)
            ]
    return outcomes
