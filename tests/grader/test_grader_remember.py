"""grader/checking/remember.py: a check's gdref values are worked out once per process, told
apart by value and type, and never shared with the caller."""

from __future__ import annotations

import json
import types

import numpy as np
import pytest

from grader.checking import framework, record, remember
from grader.checking.remember import remembered


def counted():
    calls = []

    @remembered
    def reference(*args, **kwargs):
        calls.append((args, kwargs))
        return {"w": np.array([1.0, 2.0]), "path": [np.zeros(2)], "n": len(calls)}

    return reference, calls


def test_same_arguments_are_worked_out_once():
    reference, calls = counted()
    first = reference(np.array([1.0, 2.0]), 0.1, steps=3)
    again = reference(np.array([1.0, 2.0]), 0.1, steps=3)
    assert len(calls) == 1
    assert again["n"] == first["n"] == 1
    np.testing.assert_array_equal(again["w"], first["w"])


@pytest.mark.parametrize(
    "one, other",
    [
        (1, 1.0),
        (1, True),
        (0.0, -0.0),
        (0.1, float(np.nextafter(0.1, 1.0))),
        (np.array([1.0, 2.0]), np.array([1.0, 2.0], dtype=np.float32)),
        (np.array([1.0, 2.0]), np.array([[1.0, 2.0]])),
        (np.array([1.0, 2.0]), np.array([1.0, 2.5])),
        (np.float64(1.0), 1.0),
        ((1, 2), [1, 2]),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
        ("ab", "ba"),
        (None, 0),
    ],
    ids=repr,
)
def test_values_that_differ_in_value_or_type_are_different_keys(one, other):
    reference, calls = counted()
    reference(one)
    reference(other)
    assert len(calls) == 2


def test_nan_is_remembered_like_any_other_value():
    reference, calls = counted()
    reference(float("nan"), np.array([np.nan]))
    reference(float("nan"), np.array([np.nan]))
    assert len(calls) == 1


def test_functions_are_keys_by_identity():
    reference, calls = counted()

    def square(x):
        return x * x

    reference(square)
    reference(square)
    reference(lambda x: x)
    reference(lambda x: x)
    assert len(calls) == 3


def test_other_arguments_are_not_remembered():
    reference, calls = counted()

    class Opaque:
        pass

    thing = Opaque()
    reference(thing)
    reference(thing)
    reference(np.array(["a", "b"]))
    reference(np.array(["a", "b"]))
    assert len(calls) == 4


def test_the_caller_gets_its_own_copy():
    reference, calls = counted()
    first = reference(1)
    first["w"][0] = 99.0
    first["path"][0][:] = 5.0
    first["path"].append("changed")
    again = reference(1)
    np.testing.assert_array_equal(again["w"], [1.0, 2.0])
    assert len(again["path"]) == 1
    np.testing.assert_array_equal(again["path"][0], [0.0, 0.0])
    again["w"][1] = -1.0
    np.testing.assert_array_equal(reference(1)["w"], [1.0, 2.0])
    assert len(calls) == 1


def test_an_argument_changed_after_the_call_is_a_new_key():
    reference, calls = counted()
    w = np.array([1.0, 2.0])
    reference(w)
    w[0] = 3.0
    reference(w)
    assert len(calls) == 2


def test_errors_are_not_remembered():
    attempts = []

    @remembered
    def failing(x):
        attempts.append(x)
        raise ValueError("no")

    for _ in range(2):
        with pytest.raises(ValueError):
            failing(1)
    assert attempts == [1, 1]


def test_the_least_recently_used_results_go_first(monkeypatch):
    monkeypatch.setattr(remember, "KEEP", 2)
    reference, calls = counted()
    reference(1)
    reference(2)
    reference(1)  # 1 is now the most recent
    reference(3)  # 2 goes
    reference(1)
    assert len(calls) == 3
    reference(2)
    assert len(calls) == 4


def test_a_submission_graded_from_remembered_values_gets_the_same_report(tmp_path):
    """Worked out afresh, then from what the first grading remembered (with a right answer
    graded in between): the same statuses, diagnoses and messages, check by check."""
    from grader_helpers import MUTANT_LIMITS, forget_every_check_value

    from grader.authoring.mutants import apply_mutant
    from grader.exercises import by_name, load_exercises, solutions_dir
    from grader.runner import grade
    from grader.sandbox.sandbox import Sandbox

    assert forget_every_check_value() >= len(load_exercises())
    mutants = tmp_path / "mutants"
    mutants.mkdir()
    for name, mistake_id in (
        ("momentum", "lr_in_velocity"),
        ("minibatch", "same_order_every_epoch"),
    ):
        exercise = by_name(name)
        source = (solutions_dir() / exercise.file).read_text(encoding="utf-8")
        mistake = exercise.mistake(mistake_id)
        (mutants / exercise.file).write_text(apply_mutant(source, mistake, exercise.file))

    def outcome(folder):
        report = grade(folder, ["momentum", "minibatch"], include_hidden=True, sandbox=sandbox)
        return [
            (c.name, c.status, c.diagnosis, c.message) for e in report.exercises for c in e.checks
        ]

    with Sandbox(MUTANT_LIMITS) as sandbox:
        fresh = outcome(mutants)
        right = outcome(solutions_dir())
        remembered_again = outcome(mutants)
    assert remembered_again == fresh
    assert {status for _, status, _, _ in right} == {"passed"}
    assert {"lr_in_velocity", "same_order_every_epoch"} <= {
        diagnosis for _, _, diagnosis, _ in fresh
    }


# -- the release's record (grader/checking/record.py) --------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        -0.0,
        float("nan"),
        float("inf"),
        0.1,
        np.float32(0.5),
        np.int64(3),
        np.array([[1.0, -0.0], [np.nan, 2.5]]),
        np.array([1, 2], dtype=np.int32),
        np.zeros((0, 3)),
        (1, [2.0, (3, "x")], None, True),
        {"a": np.array([1.0]), 2.5: "float key"},
        framework.any_of(1.0, np.array([2.0])),
    ],
    ids=repr,
)
def test_the_record_keeps_every_type_and_bit(value):
    back = record.decode(json.loads(json.dumps(record.encode(value, "f"))))
    assert type(back) is type(value)
    plain = tuple if isinstance(value, framework.Forms) else (lambda v: v)
    assert remember._key(plain(back)) == remember._key(plain(value))


def test_a_value_that_is_not_plain_data_cannot_be_recorded():
    with pytest.raises(record.RecordError, match="step returned 'SimpleNamespace'"):
        record.encode([types.SimpleNamespace()], "grader.checks.x.step")


def test_a_plain_function_is_keyed_by_its_name_a_lambda_not_at_all():
    other = test_only_the_outermost_call_is_recorded
    assert remember.portable_key((counted,), {}) != remember.portable_key((other,), {})
    assert remember.portable_key((counted,), {}) == (
        ("tuple", (("function", __name__, "counted"),)),
        ("dict", ()),
    )
    with pytest.raises(remember._Unkeyable):
        remember.portable_key((lambda w: w,), {})


def test_only_the_outermost_call_is_recorded():
    @remembered
    def inner(x):
        return x + 1

    @remembered
    def outer(x):
        return inner(x) * 2

    with record.recording() as values:
        outer(1)
        outer(1)  # remembered: recorded all the same
        inner(5)
    assert {name.rsplit(".", 1)[-1]: len(keys) for name, keys in values.items()} == {
        "outer": 1,
        "inner": 1,
    }


def test_a_release_answers_from_the_record_and_nothing_else(tmp_path, monkeypatch):
    def step(w, lr):
        return w - lr * 2.0

    with record.recording() as values:
        remembered(step)(np.array([1.0, 2.0]), 0.5)
    path = tmp_path / "recorded.json"
    digest = record.write_record(values, path)
    monkeypatch.setattr(record, "RECORD_FILE", path)
    monkeypatch.setattr(record, "_loaded", None)
    monkeypatch.setattr(remember, "release_info", lambda: {"record_sha256": digest})
    monkeypatch.setattr("grader.edition.release_info", lambda: {"record_sha256": digest})

    def no_body(w, lr):
        raise AssertionError("a release runs no reference code")

    no_body.__qualname__ = step.__qualname__  # the release's stub has the same name
    replayed = remembered(no_body)
    np.testing.assert_array_equal(replayed(np.array([1.0, 2.0]), 0.5), [0.0, 1.0])
    with pytest.raises(record.NotRecorded, match="no reference value of .*step"):
        replayed(np.array([1.0, 2.0]), 0.25)
    path.write_text(path.read_text().replace("1", "2", 1))
    monkeypatch.setattr(record, "_loaded", None)
    with pytest.raises(record.NotRecorded, match="changed after the release was made"):
        replayed(np.array([1.0, 2.0]), 0.5)


def test_the_records_key_knows_an_integer_by_value_whatever_its_width():
    """NumPy's default integer is 32 bits on Windows before NumPy 2: a release recorded on Linux
    must answer there. Within one process, widths stay apart (results may differ)."""
    narrow, wide = np.array([1, -2], dtype=np.int32), np.array([1, -2], dtype=np.int64)
    assert remember.portable_key((narrow, np.int32(3)), {}) == remember.portable_key(
        (wide, np.int64(3)), {}
    )
    assert remember._key(narrow) != remember._key(wide)
    assert remember.portable_key((narrow,), {}) != remember.portable_key((narrow + 1,), {})
    assert remember.portable_key((narrow,), {}) != remember.portable_key((narrow * 1.0,), {})
