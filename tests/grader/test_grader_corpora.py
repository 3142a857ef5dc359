"""Independent corpora: solutions written from the exercise instructions alone, not from
solutions/ (tests/grader/corpora/<exercise>/, each folder's manifest.json says what each file is).

- every *correct* variant (loops or vectorised, other stable formulas, other allowed return
  types) scores full marks on all checks, hidden included;
- every *wrong* variant (a realistic learner bug, most of them outside the mistake catalogue)
  loses points, and is never diagnosed as a mistake it is not: a variant outside the catalogue
  gets no diagnosis, a catalogued mistake written another way is named as that mistake.

The variants are graded in batches: submission folder k holds variant k of every exercise, so
one grading run covers up to eleven files.
"""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path

import pytest

from grader.exercises import by_name, load_exercises
from grader.runner import grade

CORPORA = Path(__file__).parent / "corpora"


def manifest(exercise: str) -> list[dict]:
    return json.loads((CORPORA / exercise / "manifest.json").read_text(encoding="utf-8"))


def variants() -> list[tuple[str, dict]]:
    return [(e.name, entry) for e in load_exercises() for entry in manifest(e.name)]


def case(exercise: str, entry: dict):
    marks = []
    if entry.get("xfail"):
        marks.append(pytest.mark.xfail(reason=entry["xfail"], strict=True))
    return pytest.param(exercise, entry, id=f"{exercise}-{entry['file'][:-3]}", marks=marks)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[tuple[str, str], object]:
    """Grade every variant (all checks): {(exercise, file): ExerciseResult}."""
    root = tmp_path_factory.mktemp("corpora")
    batches: dict[int, dict[str, str]] = {}
    for exercise in load_exercises():
        for index, entry in enumerate(manifest(exercise.name)):
            batches.setdefault(index, {})[exercise.name] = entry["file"]
    results = {}
    for index, members in batches.items():
        folder = root / f"batch{index}"
        folder.mkdir()
        for name, file in members.items():
            shutil.copy(CORPORA / name / file, folder / by_name(name).file)
        report = grade(folder, list(members), include_hidden=True)
        for result in report.exercises:
            results[(result.exercise.name, members[result.exercise.name])] = result
    return results


@cache
def _cases(kind: str) -> list:
    return [case(name, entry) for name, entry in variants() if entry["kind"] == kind]


def _failures(result) -> str:
    return "; ".join(
        f"{c.name}: {c.status}: {c.message} {c.details} [{c.diagnosis}]"
        for c in result.checks
        if not c.passed
    )


def test_every_exercise_has_its_corpus():
    """At least 3 correct variants that must pass today and 5 wrong ones outside the catalogue."""
    for exercise in load_exercises():
        entries = manifest(exercise.name)
        files = {p.name for p in (CORPORA / exercise.name).glob("*.py")}
        assert files == {entry["file"] for entry in entries}, exercise.name
        correct = [e for e in entries if e["kind"] == "correct" and not e.get("xfail")]
        outside = [e for e in entries if e["kind"] == "wrong" and not e.get("is_mistake")]
        assert len(correct) >= 3 and len(outside) >= 5, exercise.name
        for entry in manifest(exercise.name):
            assert entry["what"], entry
            mistake = entry.get("is_mistake")
            assert mistake is None or exercise.mistake(mistake), entry


@pytest.mark.slow  # grading every corpus file takes ~12 s, shared by the tests below
@pytest.mark.parametrize("exercise, entry", _cases("correct"))
def test_correct_variant_scores_full_marks(graded, exercise, entry):
    result = graded[(exercise, entry["file"])]
    assert result.score == result.max_score, _failures(result)


@pytest.mark.slow
@pytest.mark.parametrize("exercise, entry", _cases("wrong"))
def test_wrong_variant_loses_points_and_is_not_misnamed(graded, exercise, entry):
    result = graded[(exercise, entry["file"])]
    assert result.score < result.max_score, f"{entry['file']} ({entry['what']}) scored full marks"
    assert all(c.status != "error" for c in result.checks), _failures(result)
    named = {c.diagnosis for c in result.checks if c.diagnosis}
    expected = {entry["is_mistake"]} if entry.get("is_mistake") else set()
    assert named == expected, f"diagnosed as {named}, expected {expected}: " + _failures(result)
