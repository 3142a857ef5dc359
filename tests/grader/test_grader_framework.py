"""expect_close and friends: when to name a mistake, and how to say what is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checking import framework
from grader.checking.framework import CheckBug, CheckFailed, expect, expect_close, mismatch, show


def fails(got, expected, **kwargs) -> CheckFailed:
    with pytest.raises(CheckFailed) as info:
        expect_close(got, expected, what="f(x)", **kwargs)
    return info.value


def test_right_answers_pass():
    expect_close(2.75, 2.75 + 1e-12, what="f")
    expect_close([1.0, 2.0], np.array([1.0, 2.0]), what="f")
    expect_close((np.ones(2), 3.0), (np.ones(2), 3.0), what="f")
    expect_close(np.float64(1.0).item(), 1, what="f")


def test_wrong_value_is_shown_compactly():
    error = fails(3.25, 2.75)
    assert error.summary == "f(x) returned 3.25, expected 2.75" and error.diagnosis is None
    error = fails(np.arange(100.0), np.arange(100.0) + np.eye(1, 100, 37).ravel())
    assert "shape (100,)" in error.summary and len(error.summary) < 200
    assert "index (37,)" in error.details


def test_the_first_entry_out_of_tolerance_is_shown_with_the_tolerance():
    """Not the largest absolute difference: a 1e-3 error on 1e6 is within 1e-7·1e6 = 0.1? no —
    but a 0.5 error on 1e8 is within tolerance, and must not be pointed at."""
    expected = np.array([1e8, 1.0, 2.0, 1.0])
    got = expected + np.array([0.5, 0.0, 0.0, 1e-3])
    error = fails(got, expected)
    assert "first entry out of tolerance: index (3,): got 1.001, expected 1" in error.details
    assert "1e-09 + 1e-07·|expected|" in error.details
    assert "1 of 4 entries" in error.details
    # digits enough to see the difference
    error = fails(1.0000012, 1.0)
    assert error.summary == "f(x) returned 1.0000012, expected 1"


def test_large_arrays_are_summarised_around_the_first_bad_entry():
    expected = np.arange(400.0).reshape(20, 20)
    got = expected.copy()
    got[7, 11] += 1.0
    got[15, 2] += 5.0
    error = fails(got, expected)
    assert "index (7, 11)" in error.details
    assert "the furthest off is index (15, 2)" in error.details
    assert "row 7, columns [8:15]" in error.details
    assert len(error.summary) + len(error.details) < 600


def test_members_are_named_as_the_instructions_name_them():
    error = fails((np.ones(2), 2.0), (np.ones(2), 0.5), names=("dW", "db"))
    assert error.summary == "f(x): db is 2, expected 0.5"
    assert error.observation == "dW is right; db is 4 times too large"
    error = fails({"m": np.ones(2), "t": 1}, {"m": np.ones(2), "t": 2})
    assert error.summary.startswith("f(x): t is 1, expected 2")
    assert "without the key 'v'" in fails({"m": 1.0}, {"m": 1.0, "v": 2.0}).summary
    assert "(dW, db)" in fails(1.0, (1.0, 2.0), names=("dW", "db")).summary
    # a dict inside a tuple is opened: Adam's (new_params, new_state)
    state = {"m": np.array([0.2]), "t": 1}
    error = fails(
        (np.ones(1), {"m": np.array([2.0]), "t": 1}),
        (np.ones(1), state),
        names=("new_params", "new_state"),
    )
    assert error.summary.startswith("f(x): new_state.m is [2], expected [0.2]")
    assert error.observation == (
        "new_params and new_state.t are right; new_state.m is 10 times too large"
    )


def test_what_a_wrong_value_shows():
    assert fails(-2.5, 2.5).observation == "your value has the opposite sign"
    assert fails(np.array([2.0, 4.0]), np.array([1.0, 2.0])).observation == (
        "your value is 2 times too large"
    )
    assert fails(np.array([0.5, 1.0]), np.array([1.0, 2.0])).observation == (
        "your value is 2 times too small"
    )
    assert "one place late" in fails(np.array([6.0, 1, 2, 3]), np.array([1.0, 2, 3, 4])).observation
    assert "same amount (0.5)" in fails(np.array([1.5, 2.5]), np.array([1.0, 2.0])).observation


def test_a_mistake_shared_by_two_values_is_never_named(monkeypatch):
    monkeypatch.delenv(framework.STRICT_ENV, raising=False)
    # with m = 2, ½·Σ and Σ/m agree: a learner matching both is told neither
    error = fails(3.0, 1.5, mistakes={"half_sum": 3.0, "mean": 3.0, "other": 7.0})
    assert error.diagnosis is None
    # in the self-test, the same inputs are a bug in the check, even for a right answer
    monkeypatch.setenv(framework.STRICT_ENV, "1")
    with pytest.raises(CheckBug, match="'half_sum' and 'mean' give the same value"):
        expect_close(1.5, 1.5, what="f", mistakes={"half_sum": 3.0, "mean": 3.0})
    expect_close(1.5, 1.5, what="f", mistakes={"half_sum": 3.0, "mean": 4.5})


def test_a_mistake_in_several_forms_is_named_in_each():
    ties = {"tie": framework.any_of(np.array([1.0, 1.0]), np.array([1.0, -1.0]))}
    assert fails(np.array([1.0, -1.0]), np.array([1.0, 0.0]), mistakes=ties).diagnosis == "tie"
    assert fails(np.array([1.0, 1.0]), np.array([1.0, 0.0]), mistakes=ties).diagnosis == "tie"
    assert fails(np.array([1.0, 5.0]), np.array([1.0, 0.0]), mistakes=ties).diagnosis is None
    assert framework.first_match(2.0, {"a": 2.0, "b": 2.0}) is None


def test_a_mistake_is_named_only_when_the_answer_matches_it():
    error = fails(3.25, 2.75, mistakes={"sign_flipped": 3.25, "lr_ignored": 0.5})
    assert error.diagnosis == "sign_flipped"
    assert fails(9.0, 2.75, mistakes={"sign_flipped": 3.25}).diagnosis is None
    # a "mistake" that gives the right value on this input cannot be told apart: never named
    assert fails(2.0, 2.75, mistakes={"harmless": 2.75}).diagnosis is None


def test_lazy_mistakes_are_computed_only_for_wrong_answers(monkeypatch):
    monkeypatch.delenv(framework.STRICT_ENV, raising=False)
    calls = []

    def expensive():
        calls.append(1)
        return 3.25

    expect_close(2.75, 2.75, what="f", mistakes={"slow": expensive})
    assert calls == []
    assert fails(3.25, 2.75, mistakes={"slow": expensive}).diagnosis == "slow"
    assert calls == [1]


def test_a_whole_lazy_mapping_is_built_only_for_wrong_answers(monkeypatch):
    monkeypatch.delenv(framework.STRICT_ENV, raising=False)
    calls = []

    def candidates():
        calls.append(1)
        return {"slow": 3.25, "other": 9.0}

    expect_close(2.75, 2.75, what="f", mistakes=candidates)
    assert calls == []
    assert fails(3.25, 2.75, mistakes=candidates).diagnosis == "slow"
    assert calls == [1]


def test_shapes_types_and_nan():
    assert "expected shape (3,)" in fails(np.ones(2), np.ones(3)).summary
    assert "tuple of 2 values" in fails(1.0, (1.0, 2.0)).summary
    assert "3 values, expected 2" in fails([1.0, 2.0, 3.0], (1.0, 2.0)).summary
    assert "nan" in fails(np.array([np.nan]), np.array([1.0])).summary
    assert "a str" in fails("2.75", 2.75).summary
    assert "a dict" in fails({"a": 1}, 2.0).summary
    assert mismatch(True, True) is None and mismatch(1.0, True) is not None


def test_undeclared_mistakes_are_a_bug_in_the_check():
    framework._set_declared(["sign_flipped"])
    try:
        with pytest.raises(CheckBug):
            expect_close(1.0, 1.0, what="f", mistakes={"other": 2.0})
        with pytest.raises(CheckBug):
            expect_close(1.0, 2.0, what="f", mistakes=lambda: {"other": 1.0})
        with pytest.raises(CheckBug):
            expect(True, "x", mistake="other")
        expect(True, "fine", mistake="sign_flipped")
    finally:
        framework._set_declared(None)


def test_expect_and_show():
    with pytest.raises(CheckFailed) as info:
        expect(False, "momentum took as many steps", mistake="velocity_not_carried")
    assert info.value.diagnosis == "velocity_not_carried"
    assert show((np.array([1.0, 2.0]), 0.5)) == "([1, 2], 0.5)"
    assert show(np.array([0.767577123, -0.15362])) == "[0.767577, -0.15362]"
    assert show(np.eye(2)) == "[[1., 0.], [0., 1.]]"


def test_allclose_is_numpys_allclose_with_equal_nan():
    """mismatch's own closeness test gives np.allclose(…, equal_nan=True)'s answer, including
    infinities, NaN, tiny and huge values, complex results and broadcasting 0-d arrays."""
    import itertools

    from grader.checking.framework import _allclose

    values = [
        0.0,
        1.0,
        -1.0,
        1e-10,
        1e-9,
        2e-9,
        1 + 1e-7,
        1 + 2e-7,
        5.0,
        5.0000004,
        1e300,
        -1e300,
        1e-300,
        np.inf,
        -np.inf,
        np.nan,
    ]
    for got, expected in itertools.product(values, repeat=2):
        for dtype in (float, complex):
            g, e = np.array([got, 1.0], dtype=dtype), np.array([expected, 1.0])
            assert _allclose(g, e, 1e-7, 1e-9) == np.allclose(
                g, e, rtol=1e-7, atol=1e-9, equal_nan=True
            ), (got, expected)
            assert _allclose(np.array(got), np.array(expected), 1e-5, 1e-8) == np.allclose(
                got, expected, equal_nan=True
            ), (got, expected)


def test_a_mistake_about_another_function_is_a_bug_in_the_check(monkeypatch):
    """In the self-test, a check that declares a mistake about functions it never calls is
    broken: its message would talk about code the check does not look at."""
    from types import SimpleNamespace

    from grader.checking.framework import Exercise, Mistake
    from grader.checking.plugin import _unrelated_mistakes

    exercise = Exercise(
        "e", 1, "e.py", "t", "s", ("h",), (Mistake("loss_sum", "m.", "h.", functions=("loss",)),)
    )
    student = SimpleNamespace(called={"gradients"})
    monkeypatch.setenv(framework.STRICT_ENV, "1")
    assert "'loss_sum', which is about ['loss']" in _unrelated_mistakes(
        exercise, ["loss_sum"], student
    )
    student.called.add("loss")
    assert _unrelated_mistakes(exercise, ["loss_sum"], student) == ""
    monkeypatch.delenv(framework.STRICT_ENV)
    assert _unrelated_mistakes(exercise, ["loss_sum"], SimpleNamespace(called=set())) == ""


def test_subclasses_of_the_plain_types_compare_as_those_types():
    """Whatever the wire hands over, a NamedTuple is a tuple, numpy.str_ a str, NumPy scalars
    numbers; their kinds are named by the plain type, never by an internal module name."""
    from typing import NamedTuple

    class Pair(NamedTuple):
        ws: list
        losses: list

    expect_close(Pair([1.0], [2.0]), ([1.0], [2.0]), what="f")
    expect_close(np.str_("too large"), "too large", what="f")
    expect_close(np.float64(2.5), 2.5, what="f")
    expect_close(np.int64(3), 3, what="f", rtol=0, atol=0)
    assert "returned a str, expected a number" in fails(np.str_("x"), 1.0).summary
    assert "returned 'too small', expected 'too large'" in fails("too small", "too large").summary
    assert show(np.int64(5)) == "5"
    assert "compared exactly" in fails(4, 5, rtol=0, atol=0).details


def test_a_mistake_in_a_called_function_is_named_only_when_that_function_shows_it():
    """fit adding the step looks like a flipped gradient on fit's result; the gradient mistake
    is kept for fit's check only if the learner's own gradient is flipped."""
    from grader.checking.framework import keep_confirmed, shown_by

    framework._set_declared(["lr_ignored"])  # shown_by needs no declaration
    try:
        right_gradient = shown_by(2.0, 2.0, {"residual_sign": -2.0}, what="gradients")
        flipped_gradient = shown_by(-2.0, 2.0, {"residual_sign": -2.0}, what="gradients")
    finally:
        framework._set_declared(None)
    fit = {"residual_sign": 5.0, "lr_ignored": 7.0}
    assert keep_confirmed(fit, ["residual_sign"], right_gradient) == {"lr_ignored": 7.0}
    assert keep_confirmed(fit, ["residual_sign"], flipped_gradient) == fit


def refused(helper, got, *args) -> str:
    with pytest.raises(CheckFailed) as info:
        helper(got, *args)
    assert info.value.diagnosis is None
    return info.value.summary


def test_a_result_is_taken_apart_only_once_its_kind_is_right():
    """unpack / as_number / as_int / as_array: a wrong kind fails the check in words, so a check
    never crashes indexing, unpacking or converting what the learner returned."""
    names = ("W", "b", "losses")
    assert framework.unpack([1, 2, 3], names, "fit(…)") == (1, 2, 3)
    assert refused(framework.unpack, (1, 2), names, "fit(…)") == (
        "fit(…) returned a tuple of length 2, expected a tuple of 3 values (W, b, losses)"
    )
    assert "returned None" in refused(framework.unpack, None, names, "fit(…)")
    assert framework.as_number(np.array(2.5), "f") == 2.5 and framework.as_number(3, "f") == 3.0
    for wrong in (None, "0.5", True, [1.0], {"x": 1.0}, np.zeros(2)):
        assert refused(framework.as_number, wrong, "f").endswith("expected a number")
    assert "too large for a float" in refused(framework.as_number, 10**400, "f")
    assert framework.as_int(np.int64(7), "n") == 7
    for wrong in (7.0, None, True, "7"):
        assert refused(framework.as_int, wrong, "n").endswith("expected an int")
    assert framework.as_array([1, 2], "p").tolist() == [1.0, 2.0]
    for wrong in (None, "1", {"a": 1}, [1, None, "x"], [[1], [2, 3]], 10**400, [1j]):
        assert refused(framework.as_array, wrong, "p").endswith("expected an array of numbers")
    assert refused(framework.as_array, np.zeros(3), "p", (2,)) == (
        "p returned an array of shape (3,), expected shape (2,)"
    )


def test_complex_and_ragged_results_are_described_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "contains nan or inf" not in fails(np.array([1 + 2j, 3j]), np.ones(2)).summary
        assert "not a list of numbers" in fails([[1.0], [2.0, 3.0]], np.ones(2)).summary
