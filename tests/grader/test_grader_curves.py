"""A failed check about a trajectory or a loss curve carries the learner's curve against the
reference's: recorded by expect_close (``curves=``) and curve_on_failure, bounded plain data
in the report model and its JSON, whatever the learner's value holds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from grader.checking.framework import CheckBug, CheckFailed, curve_on_failure, expect_close
from grader.report import curves as curves_module
from grader.report.curves import POINTS, SERIES, Curve, Series


def failure(got, expected, **kwargs) -> CheckFailed:
    with pytest.raises(CheckFailed) as info:
        expect_close(got, expected, what="train(X, y)", **kwargs)
    return info.value


RUN = (np.array([0.5]), 0.25, np.array([0.7, 0.5, 0.4, 0.35]))
NAMES = ("W", "b", "losses")


def test_a_loss_curve_that_parts_is_carried_with_the_step_where_it_parts():
    got = (np.array([0.5]), 0.25, np.array([0.7, 0.5, 0.45, 0.42]))
    (curve,) = failure(got, RUN, names=NAMES, curves="losses").curves
    assert (curve.what, curve.label, curve.parted) == ("train(X, y)", "losses", 2)
    (series,) = curve.series
    assert series.name == "losses"
    assert series.got == (0.7, 0.5, 0.45, 0.42) and series.expected == (0.7, 0.5, 0.4, 0.35)
    assert (curve.steps, curve.expected_steps) == (4, 4)


def test_no_curve_when_the_curve_agrees_and_something_else_differs():
    got = (np.array([0.9]), 0.25, RUN[2].copy())  # W wrong, the losses right
    assert failure(got, RUN, names=NAMES, curves="losses").curves == ()
    assert failure(got, RUN, names=NAMES).curves == ()  # no curve asked for


def test_a_shorter_trajectory_parts_where_it_ends():
    """A run one step short (or starting a step late) is a wrong shape: still drawn."""
    expected = np.array([18.0, 18.5, 19.0, 19.5])
    (curve,) = failure(expected[:-1], expected, curves="w").curves
    assert curve.parted == 3 and (curve.steps, curve.expected_steps) == (3, 4)
    (curve,) = failure(expected[1:], expected, curves="w").curves
    assert curve.parted == 0


def test_a_path_is_drawn_one_series_per_coordinate_up_to_the_limit():
    expected = np.arange(30.0).reshape(5, 6)
    got = expected.copy()
    got[3, 4] += 1
    (curve,) = failure(got, expected, curves="w").curves
    assert curve.parted == 3
    assert [s.name for s in curve.series] == [f"w[:, {j}]" for j in range(SERIES)]
    assert curve.series[1].got == tuple(expected[:, 1])


def test_dict_members_and_several_curves():
    expected = {"ws": [3.6, 2.64, 2.256], "losses": [2.56, 0.41, 0.066]}
    got = {"ws": [8.4, 11.0, 15.0], "losses": [41.0, 81.0, 169.0]}
    drawn = failure(got, expected, curves=("ws", "losses")).curves
    assert [(c.label, c.parted) for c in drawn] == [("ws", 0), ("losses", 0)]


@pytest.mark.parametrize(
    "got",
    [
        "not a curve",
        None,
        {"losses": [1.0]},
        [[1.0, 2.0], [3.0]],  # ragged
        np.ones((4, 3)),  # a path where a single curve is expected
        (np.array([0.5]), 0.25),  # one member short
        (np.array([0.5]), 0.25, ["a", "b", "c", "d"]),
        (np.array([0.5]), 0.25, np.array([0.7, 0.5, 0.4, 0.35]) + 1j),
    ],
)
def test_a_learner_value_that_is_no_curve_is_not_drawn(got):
    """The failure's message says what is wrong with it; nothing is drawn, nothing crashes."""
    wrong = failure(got, RUN, names=NAMES, curves="losses")
    assert wrong.curves == ()


def test_hostile_values_are_bounded_plain_data():
    """Any length, nan, ±inf, values a float cannot hold: cut to POINTS, non-finite as None,
    and the JSON of it is strict JSON."""
    expected = np.linspace(1.0, 0.1, 50)
    got = np.concatenate([expected[:10], [np.nan, np.inf, -np.inf], np.full(2_000_000, 1e308)])
    (curve,) = failure(got, expected, curves="losses").curves
    (series,) = curve.series
    assert curve.parted == 10 and curve.steps == got.size and curve.shown_steps == POINTS
    assert len(series.got) == POINTS and series.got[10:13] == (None, None, None)
    assert series.first_gap() == 10
    assert all(type(v) is float for v in series.got[13:])
    text = json.dumps(curve.to_data(), allow_nan=False)
    assert len(text) < 40_000
    # a list of Python ints too large for a float: kept out, not an OverflowError
    assert curves_module.bounded([10**400, -(10**400), 2]) == (None, None, 2.0)


def test_curve_text_is_cleaned_like_every_report_text():
    curve = Curve("f(\x1b]52;c;evil\x07)", "loss\u202e", (Series("s\x00", [1], [2]),), 0, 1, 1)
    assert "\x1b" not in curve.what and "\u202e" not in curve.label
    assert "\x00" not in curve.series[0].name


def test_naming_a_member_that_is_no_curve_is_the_checks_bug():
    with pytest.raises(CheckBug, match="'b' is no curve"):
        expect_close((np.ones(1), 0.3, [1.0]), RUN, what="f", names=NAMES, curves="b")


def test_a_chain_compared_step_by_step_carries_the_whole_chain():
    learner, reference = [1.0, 0.5, 0.3, 0.2], [1.0, 0.5, 0.25, 0.125]
    with pytest.raises(CheckFailed) as info:
        with curve_on_failure(learner, reference, what="chain", label="w"):
            for got, expected in zip(learner, reference, strict=True):
                expect_close(got, expected, what="a step")
    (curve,) = info.value.curves
    assert (curve.label, curve.parted, curve.series[0].got) == ("w", 2, tuple(learner))


def test_a_chain_that_passes_draws_nothing_and_other_errors_pass_through():
    with curve_on_failure([1.0], [1.0], what="chain", label="w"):
        expect_close(1.0, 1.0, what="a step")
    with pytest.raises(ZeroDivisionError):
        with curve_on_failure([1.0], [2.0], what="chain", label="w"):
            raise ZeroDivisionError


def test_a_result_read_back_from_json_has_its_curves_again():
    from dataclasses import asdict

    from grader.report.results import FAILED, CheckResult

    (curve,) = failure([1.0, 2.0, 4.0], [1.0, 2.0, 3.0], curves="w").curves
    check = CheckResult("e", "test_x", "x", 1, "public", FAILED, curves=(curve,))
    assert CheckResult(**json.loads(json.dumps(asdict(check)))) == check
    assert Curve.from_data(json.loads(json.dumps(curve.to_data()))) == curve
