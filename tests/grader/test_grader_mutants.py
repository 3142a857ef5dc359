"""Mutation self-test: every catalogued mistake, built as a mutant of the solution, loses
points and is diagnosed as itself (and as nothing else)."""

from __future__ import annotations

import pytest
from grader_helpers import ISOLATIONS, MUTANT_LIMITS

from grader.exercises import load_exercises, solutions_dir
from grader.framework import Mistake
from grader.mutants import MutantError, apply_mutant
from grader.runner import grade
from grader.sandbox import Sandbox

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
    from grader.mutants import affected_functions

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
