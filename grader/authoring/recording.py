"""Record the public checks' reference values for a student release.

The public checks are run, in this process and with gdref, on the reference solutions and on
every catalogued mistake's mutant, with :func:`grader.checking.record.recording` on: every
outermost call of a remembered function is kept, keyed by its arguments. A check's inputs do
not depend on the learner's values (the ``rng`` fixture is seeded by the check's name; a chain
of calls is fed the right values), and in the self-test's strict mode every comparison works
out every mistake's value even for a right answer: the solution's run reaches every case of
every check, and the mutants' runs the paths a wrong answer takes. The release test grades an
independent corpus of right and wrong submissions in the release and in the project and
requires the same results.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from grader.authoring.mutants import apply_mutant
from grader.checking import record
from grader.checking.framework import strict_mode
from grader.exercises import load_exercises
from grader.report.results import ERROR, Report


def submissions(solutions: Path, root: Path) -> list[tuple[str, list[Path]]]:
    """For each exercise, a folder with its solution and one with each mistake's mutant."""
    found = []
    for exercise in load_exercises():
        source = (solutions / exercise.file).read_text(encoding="utf-8")
        texts = {"solution": source}
        texts.update(
            {m.id: apply_mutant(source, m, exercise.file) for m in exercise.mistakes if m.mutant}
        )
        folders = []
        for name, text in texts.items():
            folder = root / f"{exercise.name}-{name}"
            folder.mkdir()
            (folder / exercise.file).write_text(text, encoding="utf-8")
            folders.append(folder)
        found.append((exercise.name, folders))
    return found


def record_public_values(solutions: Path) -> dict[str, dict[str, object]]:
    """{remembered function: {key digest: encoded value}} for every call the public checks make
    on the solutions and the mutants."""
    from grader.runner import grade_each
    from grader.sandbox.sandbox import Sandbox

    broken: list[str] = []

    def verify(report: Report) -> None:
        for result in report.exercises:
            broken.extend(
                f"{check.name} ({check.message})"
                for check in result.checks
                if check.status == ERROR
            )

    # strict: every comparison works out its mistakes' values even for a right answer, so the
    # solution's run reaches every case of every check and records what any wrong answer needs
    with (
        strict_mode(),
        tempfile.TemporaryDirectory(prefix="gdkit-record-") as root,
        Sandbox() as sandbox,
        record.recording() as values,
    ):
        for name, folders in submissions(solutions, Path(root)):
            reports: list[Report] = []
            grade_each(folders, reports.append, [name], sandbox=sandbox)
            for report in reports:
                verify(report)
            if reports[0].exercises[0].score != reports[0].exercises[0].max_score:
                broken.append(f"{name}: the solution does not pass the public checks")
        if broken:
            raise record.RecordError(f"a check broke while its values were recorded: {broken[0]}")
        return dict(values)
