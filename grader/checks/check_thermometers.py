"""Checks for exercise 4: the three thermometers — absolute error, subgradient, oscillation."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from gdref import datasets, losses, optim
from gdref.descent import descend as gd_descend
from grader.checking.framework import (
    Confirmed,
    Exercise,
    Mistake,
    any_of,
    check,
    expect_close,
    keep_confirmed,
    shown_by,
)
from grader.checking.remember import remembered

if TYPE_CHECKING:
    from collections.abc import Callable

    from grader.checking.plugin import Student

EXERCISE = Exercise(
    name="thermometers",
    order=4,
    file="04_thermometers.py",
    to_write=("loss", "subgradient", "descend"),
    title="The three thermometers: absolute error and its subgradient",
    summary="The mean absolute error of one estimate, its subgradient, and subgradient descent "
    "that ends up hopping around the median.",
    hints=(
        "L(w) is the mean of |w − tᵢ|: np.mean(np.abs(w - readings)).",
        "The subgradient is the mean of sign(w − tᵢ); np.sign(0) is 0, which is what we want.",
        "descend returns steps + 1 values: the start w0 first, then one value per update.",
        "Near the median |g| is 1/m, so every step has size lr/m: the iterate keeps hopping.",
    ),
    mistakes=(
        Mistake(
            id="sum_not_mean",
            message="You summed the absolute errors instead of averaging them (missing 1/m).",
            hint="Divide by the number of readings m: use np.mean, not np.sum.",
            functions=("loss",),
            mutant=[
                (
                    "    return float(np.mean(np.abs(w - t)))\n",
                    "    return float(np.sum(np.abs(w - t)))\n",
                )
            ],
        ),
        Mistake(
            id="subgradient_sum_not_mean",
            message="Your subgradient sums the signs instead of averaging them (missing 1/m), "
            "so every step is m times too long.",
            hint="g(w) is the mean of sign(w − tᵢ): use np.mean, not np.sum.",
            mutant=[("np.mean(np.sign(w - t))", "np.sum(np.sign(w - t))")],
            functions=("subgradient", "descend"),
        ),
        Mistake(
            id="sign_of_mean",
            message="Your subgradient is the sign of the mean difference, sign(mean(w − t)); it "
            "should be the mean of the signs, mean(sign(w − tᵢ)).",
            hint="Take np.sign of each difference first, then average: np.mean(np.sign(w - t)).",
            mutant=[("np.mean(np.sign(w - t))", "np.sign(np.mean(w - t))")],
            functions=("subgradient", "descend"),
        ),
        Mistake(
            id="sign_flipped",
            message="Your step has the wrong sign: the subgradient of |w − t| is sign(w − t), "
            "not sign(t − w), so your iterate walks away from the median.",
            hint="d|w − t|/dw = +1 when w > t: the slope points away from the reading.",
            mutant=[("np.mean(np.sign(w - t))", "np.mean(np.sign(t - w))")],
        ),
        Mistake(
            id="squared_error_gradient",
            message="You used the gradient of the squared error, mean(w − t), instead of the "
            "subgradient of the absolute error, mean(sign(w − t)).",
            hint="Each reading contributes only its direction (−1, 0 or +1), not its distance.",
            mutant=[("np.mean(np.sign(w - t))", "np.mean(w - t)")],
        ),
        Mistake(
            id="tie_counts_as_one",
            message="At a reading equal to w you count +1 or −1 (a ≥ or ≤ test); the subgradient "
            "there should use sign(0) = 0.",
            hint="Use np.sign, which gives 0 for a difference of exactly 0.",
            mutant=[("np.mean(np.sign(w - t))", "np.mean(np.where(w - t >= 0, 1.0, -1.0))")],
        ),
        Mistake(
            id="lr_ignored",
            message="Your update leaves out the learning rate (w − g instead of w − α·g).",
            hint="Multiply the subgradient by lr before subtracting it.",
            mutant=[
                (
                    "        w = w - lr * subgradient(w, readings)\n",
                    "        w = w - subgradient(w, readings)\n",
                )
            ],
        ),
        Mistake(
            id="missing_start",
            message="Your trajectory leaves out the starting point w0.",
            hint="Return [w0, w1, …, w_steps]: put w0 in the list before the first update.",
            mutant=[("    ws = [float(w0)]\n", "    ws = []\n")],
        ),
        Mistake(
            id="one_step_short",
            message="Your loop makes one update too few (steps − 1 instead of steps).",
            hint="Run exactly `steps` updates: for _ in range(steps).",
            mutant=[("    for _ in range(steps):\n", "    for _ in range(steps - 1):\n")],
        ),
    ),
)

WORKED_READINGS = np.array([1.0, 2.0, 4.0])  # the docstring's worked example


@remembered
def thermometers() -> np.ndarray:
    """The lesson's thermometer readings."""
    return datasets.thermometers()


@remembered
def loss_of(w: float, readings: np.ndarray) -> float:
    """gdref's mean absolute error of the estimate w."""
    return losses.absolute_error(np.full(readings.shape, float(w)), readings)


@remembered
def subgradient_of(w: float, readings: np.ndarray) -> float:
    """dL/dw = Σᵢ ∂J/∂ŷᵢ · ∂ŷᵢ/∂w with ŷᵢ = w, so the sum of gdref's per-example subgradient."""
    return float(np.sum(losses.absolute_error_grad(np.full(readings.shape, float(w)), readings)))


@remembered
def trajectory(
    w0: float,
    readings: np.ndarray,
    lr: float,
    steps: int,
    *,
    grad_sign: float = 1.0,
    grad: Callable[[float, np.ndarray], float] = subgradient_of,
) -> np.ndarray:
    """All iterates [w0, …, w_steps] of subgradient descent, run by gdref.descend."""

    def objective(w):
        return loss_of(w, readings), grad_sign * np.asarray(grad(float(w), readings))

    trace = gd_descend(objective, float(w0), optim.sgd(lr), max_steps=steps)
    assert trace.steps == steps, trace.message  # the check's own inputs must not diverge
    return np.array([float(w) for w in trace.params_history])


def confirmed_trajectories(
    student: Student, w0: float, readings: np.ndarray, lr: float, steps: int
) -> Confirmed:
    """descend's mistakes; a subgradient mistake only if the learner's subgradient shows it at
    w0 (descend adding the step looks like a flipped subgradient, but is not)."""

    def confirm(wrong: dict[str, object]) -> dict[str, object]:
        mistakes = subgradient_mistakes if readings.size in (4, 5) else three_reading_mistakes
        shown = shown_by(
            student.subgradient(w0, readings),
            subgradient_of(w0, readings),
            mistakes(w0, readings),
            what=f"subgradient({w0:g}, …)",
        )
        return keep_confirmed(wrong, ["sign_flipped", "squared_error_gradient"], shown)

    return Confirmed(partial(mistaken_trajectories, w0, readings, lr, steps), confirm)


@remembered
def mistaken_trajectories(
    w0: float, readings: np.ndarray, lr: float, steps: int
) -> dict[str, np.ndarray]:
    right = trajectory(w0, readings, lr, steps)
    return {
        "sign_flipped": trajectory(w0, readings, lr, steps, grad_sign=-1.0),
        "squared_error_gradient": trajectory(
            w0, readings, lr, steps, grad=lambda w, t: float(np.mean(w - t))
        ),
        "lr_ignored": trajectory(w0, readings, 1.0, steps) if lr != 1.0 else right,
        "missing_start": right[1:],
        "one_step_short": right[:-1],
    }


@remembered
def subgradient_mistakes(w: float, readings: np.ndarray) -> dict[str, float]:
    m = readings.size
    return {
        "sign_flipped": -subgradient_of(w, readings),
        "squared_error_gradient": float(np.sum(losses.mse_grad(np.full(m, float(w)), readings))),
        "subgradient_sum_not_mean": m * subgradient_of(w, readings),
        "sign_of_mean": float(np.sign(np.mean(w - readings))),
        # both tie conventions: a reading at w counted as +1 (w − t ≥ 0) or as −1 (w − t > 0)
        "tie_counts_as_one": any_of(
            float(np.mean(np.where(w - readings >= 0, 1.0, -1.0))),
            float(np.mean(np.where(w - readings > 0, 1.0, -1.0))),
        ),
    }


# Readings that tell the subgradient's mistakes apart (three readings cannot: there m·g = ±1
# is also the sign of the mean difference, and at the outer readings so is a tie counted ±1).
# Between readings, four of them make m·g even; at an inner one of five readings, the four
# other signs make m·g even and a tie counted ±1 gives an odd fifth, never ±1. One reading far
# below the rest (a thermometer by the window) puts the mean below the median, so that between
# them sign(w − mean) and sign(w − median) differ: the first point of each check lies there, and
# a subgradient pointing at the median (a bug outside the catalogue) is not taken for
# sign_of_mean. Symmetric readings (mean = median) could not tell those two apart.
FOUR_READINGS = np.array([17.4, 20.1, 20.6, 21.3])  # mean 19.85, median 20.35
FIVE_READINGS = np.array([16.0, 20.1, 20.6, 21.3, 22.0])  # mean 20.0, median 20.6
TIE_READINGS = np.array([1.0, 2.5, 4.0])  # readings 1, 2, 4 make a tie at 2 look like mean(w − t)


@check(1, mistakes=["sum_not_mean"])
def test_loss_worked_example(student):
    """loss at the worked example (readings 1, 2, 4) and at the thermometer readings."""
    # the worked example w = 0 comes last: there Σ|w − t| = 7 equals the mean squared error
    # (1 + 4 + 16)/3, a bug the catalogue does not hold; the other points tell them apart
    cases = [(2.5, WORKED_READINGS)]
    cases += [(w, thermometers()) for w in (18.0, 20.6, 22.75)]
    cases += [(0.0, WORKED_READINGS)]
    for w, readings in cases:
        expect_close(
            student.loss(w, readings),
            loss_of(w, readings),
            what=f"loss({w:g}, {readings.tolist()})",
            mistakes={"sum_not_mean": readings.size * loss_of(w, readings)},
        )


@check(1, hidden=True, mistakes=["sum_not_mean"])
def test_loss_random(student, rng):
    """loss for random readings (3 to 9 of them) and random estimates."""
    for _ in range(4):
        readings = rng.normal(20.0, 2.0, size=int(rng.integers(3, 10)))
        w = float(rng.normal(20.0, 3.0))
        expect_close(
            student.loss(w, readings),
            loss_of(w, readings),
            what=f"loss({w:.4g}, <{readings.size} readings>)",
            mistakes={"sum_not_mean": readings.size * loss_of(w, readings)},
        )


SUBGRADIENT_MISTAKES = [
    "sign_flipped",
    "squared_error_gradient",
    "subgradient_sum_not_mean",
    "sign_of_mean",
    "tie_counts_as_one",
]


@remembered
def three_reading_mistakes(w: float, readings: np.ndarray) -> dict[str, object]:
    """With three readings m·g = ±1 is also the sign of the mean difference: neither is named
    here (the four- and five-reading cases, checked first, name them)."""
    mistakes = subgradient_mistakes(w, readings)
    del mistakes["subgradient_sum_not_mean"], mistakes["sign_of_mean"]
    return mistakes


@check(2, mistakes=SUBGRADIENT_MISTAKES)
def test_subgradient_between_readings(student, rng):
    """subgradient away from the readings: the mean of the directions, ±1/m steps."""
    cases = [(w, FOUR_READINGS, subgradient_mistakes) for w in (20.0, 0.0, 20.3, 21.0)]
    readings = thermometers()
    points = [0.0, 20.3, 20.9, 30.0] + list(rng.uniform(15.0, 25.0, size=3))
    cases += [(w, readings, three_reading_mistakes) for w in points]
    for w, readings, mistakes in cases:
        expect_close(
            student.subgradient(w, readings),
            subgradient_of(w, readings),
            what=f"subgradient({w:.4g}, {readings.tolist()})",
            mistakes=mistakes(w, readings),
        )


@check(1, mistakes=SUBGRADIENT_MISTAKES)
def test_subgradient_at_a_reading(student):
    """subgradient exactly at a reading: that reading contributes sign(0) = 0."""
    cases = [(float(w), FIVE_READINGS, subgradient_mistakes) for w in FIVE_READINGS[1:-1]]
    for readings in (thermometers(), TIE_READINGS):
        cases += [(float(w), readings, three_reading_mistakes) for w in readings]
    for w, readings, mistakes in cases:
        expect_close(
            student.subgradient(w, readings),
            subgradient_of(w, readings),
            what=f"subgradient({w:g}, {readings.tolist()})",
            mistakes=mistakes(w, readings),
        )


DESCEND_MISTAKES = [
    "sign_flipped",
    "squared_error_gradient",
    "lr_ignored",
    "missing_start",
    "one_step_short",
]


@check(2, mistakes=DESCEND_MISTAKES)
def test_descend_from_18(student):
    """descend(18.0, thermometers, 0.5, 12): climbs in steps of 0.5, then hops across 20.6."""
    readings = thermometers()
    expect_close(
        student.descend(18.0, readings, 0.5, 12),
        trajectory(18.0, readings, 0.5, 12),
        what=f"descend(18.0, {readings.tolist()}, 0.5, 12)",
        mistakes=confirmed_trajectories(student, 18.0, readings, 0.5, 12),
        curves="w",
    )


@check(2, mistakes=DESCEND_MISTAKES)
def test_descend_oscillates_around_median(student):
    """descend(25.0, thermometers, 0.3, 40): late iterates hop back and forth over the median."""
    readings = thermometers()
    expected = trajectory(25.0, readings, 0.3, 40)
    ordered = np.sort(readings)  # the median, without np.median (which imports numpy.ma)
    median = float(ordered[(ordered.size - 1) // 2] + ordered[ordered.size // 2]) / 2
    tail = expected[-6:]
    # the point of the exercise, asserted on the reference itself: it never settles
    assert np.any(tail < median) and np.any(tail > median), "reference does not oscillate"
    expect_close(
        student.descend(25.0, readings, 0.3, 40),
        expected,
        what=f"descend(25.0, {readings.tolist()}, 0.3, 40) (it should end up hopping around "
        f"the median {median:g}, each hop lr/3 = 0.1 long)",
        mistakes=confirmed_trajectories(student, 25.0, readings, 0.3, 40),
        curves="w",
    )


@check(1, mistakes=["missing_start", "one_step_short"])
def test_edges(student):
    """descend from an int w0 (descend(18, …): floats, not truncated) and with 0 steps ([w0]);
    one reading (m = 1), and int readings, for loss, subgradient (also at the reading) and
    descend."""
    readings = thermometers()
    expect_close(
        student.descend(18, readings, 0.5, 12),
        trajectory(18.0, readings, 0.5, 12),
        what=f"descend(18, {readings.tolist()}, 0.5, 12) (w0 an int)",
        mistakes={"missing_start": trajectory(18.0, readings, 0.5, 12)[1:]},
        curves="w",
    )
    expect_close(
        student.descend(18.0, readings, 0.5, 0),
        trajectory(18.0, readings, 0.5, 0),
        what=f"descend(18.0, {readings.tolist()}, 0.5, 0) (no update: just w0)",
        curves="w",
    )
    one, ints = np.array([21.5]), np.array([19, 21, 20, 24])
    for function, w, t in (
        ("loss", 20.0, one),
        ("subgradient", 21.5, one),  # at the only reading: sign(0) = 0
        ("loss", 20, ints),
        ("subgradient", 20.5, ints),  # between int readings: w must not be rounded
    ):
        expected = (loss_of if function == "loss" else subgradient_of)(w, t.astype(float))
        expect_close(
            student.call(function, w, t), expected, what=f"{function}({w!r}, {t.tolist()})"
        )
    expect_close(
        student.descend(19.0, one, 0.4, 6),
        trajectory(19.0, one, 0.4, 6),
        what="descend(19.0, [21.5], 0.4, 6) (one reading)",
        mistakes={
            "missing_start": trajectory(19.0, one, 0.4, 6)[1:],
            "one_step_short": trajectory(19.0, one, 0.4, 6)[:-1],
        },
        curves="w",
    )


@check(1, hidden=True, mistakes=DESCEND_MISTAKES)
def test_descend_random(student, rng):
    """descend with random readings, starts, learning rates and step counts."""
    for _ in range(3):
        readings = rng.normal(20.0, 2.0, size=int(rng.integers(3, 8)))
        w0, lr, steps = (
            float(rng.uniform(10, 30)),
            float(rng.uniform(0.05, 2.0)),
            int(rng.integers(2, 25)),
        )
        expect_close(
            student.descend(w0, readings, lr, steps),
            trajectory(w0, readings, lr, steps),
            what=f"descend({w0:.4g}, <{readings.size} readings>, {lr:.3g}, {steps})",
            mistakes=confirmed_trajectories(student, w0, readings, lr, steps),
            curves="w",
        )
