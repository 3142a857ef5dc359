"""Mutation self-test: every catalogued mistake, built as a mutant of the solution, loses
points and is diagnosed as itself (and as nothing else)."""

from __future__ import annotations

import contextlib
import os

import pytest
from grader_helpers import ISOLATIONS, MUTANT_LIMITS

from grader.authoring.mutants import MutantError, apply_mutant
from grader.checking.framework import Mistake
from grader.exercises import load_exercises, solutions_dir
from grader.runner import grade
from grader.sandbox.sandbox import Sandbox

CASES = [
    pytest.param(exercise, mistake, id=f"{exercise.name}-{mistake.id}")
    for exercise in load_exercises()
    for mistake in exercise.mistakes
]


@pytest.fixture(scope="module", params=ISOLATIONS)
def mutants_root(tmp_path_factory, request):
    """One sandbox per backend for every mutant (each in its own sub-folder): the next
    mutant's worker is started while one is graded."""
    root = tmp_path_factory.mktemp(f"mutants-{request.param}")
    with Sandbox(MUTANT_LIMITS, request.param) as sandbox:
        yield root, sandbox


@pytest.mark.parametrize("exercise, mistake", CASES)
def test_mutant_is_caught_and_diagnosed(mutants_root, exercise, mistake):
    root, sandbox = mutants_root
    folder = root / f"{exercise.name}-{mistake.id}"
    folder.mkdir()
    source = (solutions_dir() / exercise.file).read_text(encoding="utf-8")
    (folder / exercise.file).write_text(apply_mutant(source, mistake, exercise.file))
    sandbox.start()  # a worker warms up while pytest starts
    report = grade(folder, [exercise.name], include_hidden=True, sandbox=sandbox)
    result = report.exercises[0]
    # a check that reports itself broken (in strict mode: inputs that cannot tell two of its
    # mistakes apart) would score 0 and look like a caught mutant
    broken = [f"{c.name}: {c.message}" for c in result.checks if c.status == "error"]
    assert not broken, f"{mistake.id}: checks in error: " + "; ".join(broken)
    assert result.score < result.max_score, f"{mistake.id}: the mutant scored full marks"
    named = {c.diagnosis for c in result.checks if c.diagnosis}
    assert mistake.id in named, f"{mistake.id} was not diagnosed; failures: " + "; ".join(
        f"{c.name}: {c.message}" for c in result.checks if not c.passed
    )
    assert named == {mistake.id}, f"{mistake.id} was also diagnosed as {named - {mistake.id}}"
    diagnosed = next(c for c in result.checks if c.diagnosis == mistake.id)
    assert diagnosed.diagnosis_message == mistake.message and diagnosed.hint == mistake.hint


def test_a_mutant_that_does_not_apply_is_an_error():
    drifted = Mistake("x", "m.", "h", mutant=[("no such line\n", "other\n")])
    with pytest.raises(MutantError, match="occurs 0 times"):
        apply_mutant("a = 1\n", drifted)
    twice = Mistake("x", "m.", "h", mutant=[("a", "b")])
    with pytest.raises(MutantError, match="occurs 2 times"):
        apply_mutant("a = a\n", twice)


def test_a_mistake_is_about_the_function_it_edits_and_its_callers():
    from grader.checking.affected import affected_functions

    source = (
        "def loss(r):\n    return r @ r / 2\n\n\n"
        "def grads(r):\n    return r\n\n\n"
        "def fit(r):\n    return loss(r), grads(r)\n\n\n"
        "def report(r):\n    return fit(r)\n"
    )
    mistake = Mistake("x", "m.", "h", mutant=[("    return r @ r / 2\n", "    return r @ r\n")])
    assert affected_functions(source, mistake) == {"loss", "fit", "report"}
    mistake = Mistake("y", "m.", "h", mutant=[("    return r\n", "    return -r\n")])
    assert affected_functions(source, mistake) == {"grads", "fit", "report"}


def test_a_check_in_error_is_not_a_caught_mutant(monkeypatch):
    """A check that reports itself broken scores 0, so the mutant loses points and may still be
    named by another check: `gdkit exercises mutants` must call that a failure, not a catch."""
    from click.testing import CliRunner

    from grader.authoring import mutants
    from grader.authoring.exercises_cli import exercises
    from grader.exercises import by_name
    from grader.report.results import ERROR, FAILED, CheckResult, ExerciseResult

    exercise = by_name("parabola")
    mistake = exercise.mistakes[0]
    result = ExerciseResult(exercise, "01_parabola.py")
    result.checks = [
        CheckResult("parabola", "test_a", "a", 1, "public", FAILED, diagnosis=mistake.id),
        CheckResult("parabola", "test_b", "b", 1, "public", ERROR, message="the check is wrong"),
    ]
    found = mutants.outcome(exercise, mistake, result)
    assert found.caught and found.diagnosed and found.broken == ["test_b"]
    monkeypatch.setattr(mutants, "run_mutants", lambda *args, **kwargs: [found])
    ran = CliRunner().invoke(exercises, ["mutants"])
    assert ran.exit_code == 1 and "CHECK IN ERROR: test_b" in ran.output, ran.output


@pytest.mark.parametrize("before", [None, "0", "1"])
def test_the_self_test_is_strict_while_it_runs_and_only_then(monkeypatch, before):
    """run_mutants grades in strict mode, and leaves the setting as it found it (also when
    grading fails): a grade later in the same process is not strict."""
    import grader.runner
    import grader.sandbox.sandbox
    from grader.authoring import mutants
    from grader.checking import framework

    if before is None:
        monkeypatch.delenv(framework.STRICT_ENV, raising=False)
    else:
        monkeypatch.setenv(framework.STRICT_ENV, before)
    seen = []

    def grade_each(folders, on_report, names, **kwargs):
        seen.append(framework.strict())
        raise RuntimeError("the grading failed")

    monkeypatch.setattr(grader.runner, "grade_each", grade_each)
    monkeypatch.setattr(grader.sandbox.sandbox, "Sandbox", lambda: contextlib.nullcontext())
    with pytest.raises(RuntimeError, match="the grading failed"):
        mutants.run_mutants(["parabola"])
    assert seen == [True]
    assert os.environ.get(framework.STRICT_ENV) == before
