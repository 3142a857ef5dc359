"""A learner's function that returns the wrong kind of value (None, a str, a dict, a tuple of
the wrong length, an array of the wrong shape, …) costs that learner the checks that use it,
with a clear message — never "the check crashed (not your fault)".

For every exercise and every function the learner writes, a generated submission replaces that
function with one that returns a wrong value (the rest of the file is the reference solution,
so the learner's other functions call the broken one as a learner's would). Folder
(value, k) holds, for every exercise, the solution with its k-th function broken: one grading
run per folder covers all exercises. The broken function prints a marker, so each check's
captured output says whether the check reached it (directly or through another function).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from grader_helpers import solution_text

from grader.authoring.stubs import BEGIN
from grader.exercises import load_exercises
from grader.report import render as report_module
from grader.report.renderers import RENDERERS
from grader.runner import grade
from grader.sandbox.sandbox import Sandbox

MARKER = "<<wrong value returned>>"

# source text of each wrong value (the child builds it; numpy is imported as np there)
WRONG_VALUES = {
    "none": "None",
    "str": "'0.5'",
    "empty_list": "[]",
    "dict": "{'x': 1.0}",
    "tuple_of_five": "(0.125, -3.5, 7.25, 1e-3, 42.0)",
    "one_none": "(None,)",
    "two_nones": "(None, None)",
    "three_nones": "(None, None, None)",
    "four_nones": "(None, None, None, None)",
    "zero_d_array": "np.array(0.375)",
    "wrong_shape_array": "np.full((2, 3, 5), 0.375)",
    "huge_int": "10 ** 400",
    "nan": "float('nan')",
    "bool": "True",
    "complex_array": "np.array([1 + 2j, 3j])",
    "ragged_list": "[[1.0], [2.0, 3.0]]",
}


def learner_functions(source: str) -> list[str]:
    """The top-level functions with a solution block: those a learner writes."""
    tree = ast.parse(source)
    lines = source.splitlines()
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(line.strip() == BEGIN for line in lines[node.lineno - 1 : node.end_lineno])
    ]


def broken(source: str, function: str, value: str) -> str:
    """The solution, with ``function`` redefined at the end to return ``value``."""
    return (
        source
        + "\n\nimport numpy as np\n\n\n"
        + f"def {function}(*args, **kwargs):\n    print({MARKER!r})\n    return {value}\n"
    )


FUNCTIONS = {e.name: learner_functions(solution_text(e.name)) for e in load_exercises()}
SLOTS = range(max(len(functions) for functions in FUNCTIONS.values()))


def test_every_exercise_has_learner_functions():
    assert all(FUNCTIONS.values()), FUNCTIONS
    assert FUNCTIONS["thermometers"] == ["loss", "subgradient", "descend"]


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as opened:
        yield opened


def grade_folder(root: Path, sandbox: Sandbox, value: str, slot: int):
    """Folder (value, slot): every exercise with its slot-th function broken."""
    folder = root / f"{value}-{slot}"
    folder.mkdir()
    broken_functions = {}
    for exercise in load_exercises():
        if slot < len(FUNCTIONS[exercise.name]):
            function = FUNCTIONS[exercise.name][slot]
            text = broken(solution_text(exercise.name), function, WRONG_VALUES[value])
            (folder / exercise.file).write_text(text, encoding="utf-8")
            broken_functions[exercise.name] = function
    sandbox.start()
    report = grade(folder, list(broken_functions), include_hidden=True, sandbox=sandbox)
    return report, broken_functions


def describe(check) -> str:
    return f"{check.exercise}/{check.name}: {check.status}: {check.message} {check.details}"


def assert_renders_in_every_format(report) -> None:
    documents = {name: report_module.render(report, name) for name in RENDERERS}
    assert documents["text"]
    jsonschema.validate(
        json.loads(documents["gradescope"]),
        json.loads(report_module.schema_path("gradescope-results.schema.json").read_text()),
    )
    json.loads(documents["json"])
    xsd = xmlschema.XMLSchema(str(report_module.schema_path("junit-10.xsd")))
    xsd.validate(documents["junit"])


@pytest.mark.slow  # ~100 grading runs of up to eleven files
@pytest.mark.parametrize("value", list(WRONG_VALUES))
def test_a_wrong_kind_of_result_is_the_learners_failure(tmp_path, sandbox, value):
    for slot in SLOTS:
        report, broken_functions = grade_folder(tmp_path, sandbox, value, slot)
        assert_renders_in_every_format(report)
        for result in report.exercises:
            function = broken_functions[result.exercise.name]
            errors = [describe(c) for c in result.checks if c.status == "error"]
            assert not errors, f"{function} returning {WRONG_VALUES[value]}: " + "; ".join(errors)
            reached = [c for c in result.checks if MARKER in c.output]
            assert reached, f"no check of {result.exercise.name} calls {function}"
            unearned = [describe(c) for c in reached if c.passed]
            assert not unearned, f"{function} returning {WRONG_VALUES[value]}: " + "; ".join(
                unearned
            )
            assert result.score <= result.max_score - sum(c.points for c in reached)
