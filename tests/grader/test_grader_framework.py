"""expect_close and friends: when to name a mistake, and how to say what is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from grader import framework
from grader.framework import CheckBug, CheckFailed, expect, expect_close, mismatch, show


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
    assert "…" in error.summary and len(error.summary) < 200
    assert "index (37,)" in error.details


def test_a_mistake_is_named_only_when_the_answer_matches_it():
    error = fails(3.25, 2.75, mistakes={"sign_flipped": 3.25, "lr_ignored": 0.5})
    assert error.diagnosis == "sign_flipped"
    assert fails(9.0, 2.75, mistakes={"sign_flipped": 3.25}).diagnosis is None
    # a "mistake" that gives the right value on this input cannot be told apart: never named
    assert fails(2.0, 2.75, mistakes={"harmless": 2.75}).diagnosis is None


def test_lazy_mistakes_are_computed_only_for_wrong_answers():
    calls = []

    def expensive():
        calls.append(1)
        return 3.25

    expect_close(2.75, 2.75, what="f", mistakes={"slow": expensive})
    assert calls == []
    assert fails(3.25, 2.75, mistakes={"slow": expensive}).diagnosis == "slow"
    assert calls == [1]


def test_a_whole_lazy_mapping_is_built_only_for_wrong_answers():
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


def test_timings_split_evenly_and_keep_order(tmp_path, monkeypatch):
    from grader import timings

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert timings.load() == {}
    timings.save({"a": 0.5, "b": 0.1, "c": 0.1, "d": 0.3})
    seconds = timings.load()
    assert seconds["a"] == 0.5
    first, second = timings.split_in_two(["a", "b", "c", "d", "e"], seconds)
    assert sorted(first + second) == ["a", "b", "c", "d", "e"]
    assert first == ["a", "e"] and second == ["b", "c", "d"]  # 0.55 against 0.5
    (tmp_path / "gdkit" / "check-times.json").write_text("not json")
    assert timings.load() == {}


def test_allclose_is_numpys_allclose_with_equal_nan():
    """mismatch's own closeness test gives np.allclose(…, equal_nan=True)'s answer, including
    infinities, NaN, tiny and huge values, complex results and broadcasting 0-d arrays."""
    import itertools

    from grader.framework import _allclose

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
