"""Checks for exercise 1: gradient descent by hand on the parabola L(w) = (w − 2)²."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gdref import datasets, optim
from grader.checking.framework import Exercise, Mistake, check, expect_close
from grader.checking.remember import remembered

if TYPE_CHECKING:
    from collections.abc import Callable

EXERCISE = Exercise(
    name="parabola",
    order=1,
    file="01_parabola.py",
    to_write=("parabola_loss", "parabola_grad", "gd_step", "trajectory", "error_ratio"),
    title="Gradient descent by hand on a parabola",
    summary="One update step, a five-step trajectory, and what a too-large learning rate does.",
    hints=(
        "The update is w_new = w − α · dL/dw: subtract, and multiply the slope by α.",
        "For L(w) = (w − 2)² the chain rule gives dL/dw = 2(w − 2): do not drop the 2.",
        "trajectory records w after each update, so for w0 = 6, α = 0.3 it starts with 3.6.",
        "Put the update into the distance to the minimum: w_new − 2 = (w − 2) − α · 2(w − 2).",
    ),
    mistakes=(
        Mistake(
            id="sign_flipped",
            message="You added the gradient step instead of subtracting it (w + α·g).",
            hint="Gradient descent walks downhill: w_new = w − α · dL/dw.",
            mutant=[("    return w - lr * grad\n", "    return w + lr * grad\n")],
        ),
        Mistake(
            id="lr_ignored",
            message="The learning rate is missing from the update (w − g instead of w − α·g).",
            hint="Multiply the gradient by lr before subtracting it.",
            mutant=[("    return w - lr * grad\n", "    return w - grad\n")],
        ),
        Mistake(
            id="grad_missing_factor_2",
            message="Your derivative is (w − 2); the derivative of (w − 2)² is 2(w − 2).",
            hint="d/dw (w − 2)² = 2(w − 2) by the chain rule (or expand the square).",
            mutant=[("    return 2.0 * (w - 2.0)\n", "    return w - 2.0\n")],
        ),
        Mistake(
            id="recorded_before_step",
            message="Your trajectory records w before each update, so it starts with w0 and "
            "misses the last value.",
            hint="Update first, then append the new w and its loss.",
            mutant=[
                (
                    "        w = gd_step(w, parabola_grad(w), lr)\n"
                    "        ws.append(w)\n"
                    "        losses.append(parabola_loss(w))\n",
                    "        ws.append(w)\n"
                    "        losses.append(parabola_loss(w))\n"
                    "        w = gd_step(w, parabola_grad(w), lr)\n",
                )
            ],
        ),
        Mistake(
            id="ratio_missing_two",
            message="Your error ratio is 1 − α; the factor 2 of the derivative is missing "
            "(it is 1 − 2α).",
            hint="w_new − 2 = (w − 2) − α · 2(w − 2) = (1 − 2α)(w − 2).",
            mutant=[("    return 1.0 - 2.0 * lr\n", "    return 1.0 - lr\n")],
        ),
    ),
)

FLASHCARDS = [(3.0, 2.5, 0.1), (5.0, -3.0, 0.2)]  # the two worked examples from the lesson


@remembered
def step(w: float | np.ndarray, grad: float | np.ndarray, lr: float) -> float | np.ndarray:
    """The right update, from gdref."""
    sgd = optim.sgd(lr)
    new_w, _ = sgd.step(w, grad, sgd.init(w))
    return new_w


@remembered
def loss_and_slope(w: float | np.ndarray) -> tuple[float | np.ndarray, float | np.ndarray]:
    """gdref's parabola loss and slope at w."""
    return datasets.parabola_loss(w), datasets.parabola_grad(w)


@remembered
def error_ratio(lr: float) -> float:
    """(w₁ − 2) / (w₀ − 2) for one gdref step from w₀ = 6: measured, not assumed."""
    w = 6.0
    return (step(w, datasets.parabola_grad(w), lr) - datasets.PARABOLA_MIN) / (
        w - datasets.PARABOLA_MIN
    )


@remembered
def reference_trajectory(
    w0: float,
    lr: float,
    steps: int,
    *,
    grad: Callable[[float], float | np.ndarray] = datasets.parabola_grad,
    update: Callable[[float, float | np.ndarray, float], float | np.ndarray] = step,
) -> tuple[list[float], list[float]]:
    """(ws after each update, their losses), by gdref; grad/update may be swapped for mistakes."""
    ws, w = [], w0
    for _ in range(steps):
        w = float(update(w, grad(w), lr))
        ws.append(w)
    return ws, [float(datasets.parabola_loss(w)) for w in ws]


@remembered
def mistaken_trajectories(
    w0: float, lr: float, steps: int
) -> dict[str, tuple[list[float], list[float]]]:
    ws, losses = reference_trajectory(w0, lr, steps)
    return {
        "sign_flipped": reference_trajectory(w0, lr, steps, update=lambda w, g, a: step(w, -g, a)),
        "lr_ignored": reference_trajectory(w0, lr, steps, update=lambda w, g, a: step(w, g, 1.0)),
        "grad_missing_factor_2": reference_trajectory(
            w0, lr, steps, grad=lambda w: datasets.parabola_grad(w) / 2
        ),
        "recorded_before_step": (
            [w0] + ws[:-1],
            [float(datasets.parabola_loss(w0))] + losses[:-1],
        ),
    }


@check(2, mistakes=["grad_missing_factor_2"])
def test_loss_and_slope(student, rng):
    """parabola_loss and parabola_grad at the worked points and at random points."""
    points = [6.0, 3.6, 2.0, -1.5] + list(rng.uniform(-10, 10, size=4))
    for w in points:
        loss, slope = loss_and_slope(w)
        expect_close(student.parabola_loss(w), loss, what=f"parabola_loss({w:g})")
        expect_close(
            student.parabola_grad(w),
            slope,
            what=f"parabola_grad({w:g})",
            mistakes={"grad_missing_factor_2": slope / 2},
        )


@check(2, mistakes=["sign_flipped", "lr_ignored"])
def test_one_step_flashcards(student):
    """gd_step on the two worked examples: w=3.0, g=2.5, α=0.1 and w=5.0, g=−3.0, α=0.2."""
    for w, g, lr in FLASHCARDS:
        expect_close(
            student.gd_step(w, g, lr),
            step(w, g, lr),
            what=f"gd_step({w}, {g}, {lr})",
            mistakes={"sign_flipped": step(w, -g, lr), "lr_ignored": step(w, g, 1.0)},
        )


@check(1, hidden=True, mistakes=["sign_flipped", "lr_ignored"])
def test_step_updates_every_parameter(student, rng):
    """gd_step on parameter vectors: every entry moves by −α times its own gradient."""
    for size in (1, 3, 7):
        w, g, lr = rng.normal(size=size), rng.normal(size=size), float(rng.uniform(0.01, 0.5))
        expect_close(
            student.gd_step(w, g, lr),
            step(w, g, lr),
            what=f"gd_step(w, g, {lr:.3g}) on arrays of shape ({size},)",
            mistakes={"sign_flipped": step(w, -g, lr), "lr_ignored": step(w, g, 1.0)},
        )


@check(1, mistakes=["grad_missing_factor_2"])
def test_loss_and_slope_on_arrays(student, rng):
    """parabola_loss and parabola_grad on a 2 × 3 array: entry by entry, an array of its shape."""
    w = np.array([[6.0, 2.0, -1.5], [3.6, 0.25, float(rng.uniform(-10, 10))]])
    loss, slope = loss_and_slope(w)
    expect_close(student.parabola_loss(w), loss, what="parabola_loss(<2×3 array>)")
    expect_close(
        student.parabola_grad(w),
        slope,
        what="parabola_grad(<2×3 array>)",
        mistakes={"grad_missing_factor_2": slope / 2},
    )


@check(1, mistakes=["sign_flipped", "lr_ignored"])
def test_step_on_arrays(student):
    """gd_step on arrays: w = [3, 5, −1], g = [2.5, −3, 0.5], α = 0.1 — every entry moves."""
    w, g = np.array([3.0, 5.0, -1.0]), np.array([2.5, -3.0, 0.5])
    for lr in (0.1, 0.2):
        expect_close(
            student.gd_step(w, g, lr),
            step(w, g, lr),
            what=f"gd_step([3, 5, −1], [2.5, −3, 0.5], {lr})",
            mistakes={"sign_flipped": step(w, -g, lr), "lr_ignored": step(w, g, 1.0)},
        )


@check(1, mistakes=["sign_flipped", "lr_ignored", "grad_missing_factor_2", "recorded_before_step"])
def test_trajectory_edges(student):
    """trajectory from an int w0 (trajectory(6, 0.3, 5): floats, not truncated), 1 and 0 steps."""
    expect_close(
        student.trajectory(6, 0.3, 5),
        reference_trajectory(6.0, 0.3, 5),
        what="trajectory(6, 0.3, 5) (w0 an int)",
        mistakes=mistaken_trajectories(6.0, 0.3, 5),
        names=("ws", "losses"),
        curves=("ws", "losses"),
    )
    expect_close(
        student.trajectory(6.0, 0.3, 1),
        reference_trajectory(6.0, 0.3, 1),
        what="trajectory(6.0, 0.3, 1)",
        names=("ws", "losses"),
    )
    expect_close(
        student.trajectory(6.0, 0.3, 0),
        ([], []),
        what="trajectory(6.0, 0.3, 0)",
        names=("ws", "losses"),
    )


@check(3, mistakes=["sign_flipped", "lr_ignored", "grad_missing_factor_2", "recorded_before_step"])
def test_five_steps_from_six(student):
    """trajectory(6.0, 0.3, 5): w = 3.6, 2.64, 2.256, … and the loss after each step."""
    expected = reference_trajectory(6.0, 0.3, 5)
    got = student.trajectory(6.0, 0.3, 5)
    expect_close(
        got,
        expected,
        what="trajectory(6.0, 0.3, 5)",
        mistakes=mistaken_trajectories(6.0, 0.3, 5),
        names=("ws", "losses"),
        curves=("ws", "losses"),
    )


@check(2, mistakes=["sign_flipped", "lr_ignored", "grad_missing_factor_2", "recorded_before_step"])
def test_too_large_learning_rate_diverges(student):
    """trajectory(6.0, 1.2, 5): w overshoots, lands further away each step, the loss grows."""
    expected = reference_trajectory(6.0, 1.2, 5)
    expect_close(
        student.trajectory(6.0, 1.2, 5),
        expected,
        what="trajectory(6.0, 1.2, 5)",
        mistakes=mistaken_trajectories(6.0, 1.2, 5),
        names=("ws", "losses"),
        curves=("ws", "losses"),
    )


@check(1, hidden=True, mistakes=["sign_flipped", "lr_ignored", "grad_missing_factor_2"])
def test_random_trajectories(student, rng):
    """trajectory from random starts, learning rates and step counts."""
    for _ in range(3):
        w0, lr = float(rng.uniform(-5, 9)), float(rng.uniform(0.05, 0.9))
        steps = int(rng.integers(1, 9))
        mistakes = mistaken_trajectories(w0, lr, steps)
        del mistakes["recorded_before_step"]
        expect_close(
            student.trajectory(w0, lr, steps),
            reference_trajectory(w0, lr, steps),
            what=f"trajectory({w0:.4g}, {lr:.3g}, {steps})",
            mistakes=mistakes,
            names=("ws", "losses"),
            curves=("ws", "losses"),
        )


@check(2, mistakes=["ratio_missing_two"])
def test_error_ratio(student, rng):
    """error_ratio(α): 0.4 for α = 0.3 (converges), −1.4 for α = 1.2 (|w − 2| grows 1.4× a step)."""
    for lr in [0.3, 1.2, 0.5, 1.0] + list(rng.uniform(0.01, 1.5, size=3)):
        expect_close(
            student.error_ratio(lr),
            error_ratio(lr),
            what=f"error_ratio({lr:.3g})",
            mistakes={"ratio_missing_two": 1.0 - lr},
        )
