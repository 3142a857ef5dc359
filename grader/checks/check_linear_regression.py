"""Checks for exercise 5: linear regression — MSE with 1/(2m), its gradient, full-batch GD."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from gdref import datasets, models, optim
from gdref.descent import descend, linear_objective
from grader.checking.framework import (
    Confirmed,
    Exercise,
    Mistake,
    check,
    expect_close,
    keep_confirmed,
    shown_by,
)
from grader.checking.remember import remembered

if TYPE_CHECKING:
    from grader.checking.plugin import Student

_UPDATE = "        W = W - lr * dW\n        b = b - lr * db\n"

EXERCISE = Exercise(
    name="linear_regression",
    order=5,
    file="05_linear_regression.py",
    to_write=("predict", "mse_loss", "gradients", "fit"),
    title="Linear regression by gradient descent",
    summary="Predictions, the MSE with its 1/(2m), the gradient Xᵀ(ŷ − y)/m and a full-batch "
    "gradient-descent fit of commute times.",
    hints=(
        "J = 1/(2m) Σ (ŷ − y)²: the ½ is part of the loss (it cancels the 2 of the derivative).",
        "dW = Xᵀ(ŷ − y)/m with X of shape (m, n): X.T @ (y_hat - y) / m has shape (n,).",
        "db is the mean of the residuals ŷ − y.",
        "In fit, record the loss first, then compute the gradient at the same (W, b), then "
        "update both W and b.",
    ),
    mistakes=(
        Mistake(
            id="missing_half",
            message="Your loss is missing the ½: you computed 1/m Σ (ŷ − y)², twice the MSE "
            "used here.",
            hint="J = 1/(2m) Σ (ŷ − y)²: divide by 2m, not m.",
            functions=("mse_loss", "fit"),
            mutant=[
                ("    return float(r @ r / (2 * r.size))\n", "    return float(r @ r / r.size)\n")
            ],
        ),
        Mistake(
            id="loss_sum_not_mean",
            message="Your loss is missing the 1/m: you computed ½ Σ (ŷ − y)² instead of "
            "1/(2m) Σ (ŷ − y)².",
            hint="J = 1/(2m) Σ (ŷ − y)²: divide the sum by 2m.",
            mutant=[("    return float(r @ r / (2 * r.size))\n", "    return float(r @ r / 2)\n")],
            functions=("mse_loss", "fit"),
        ),
        Mistake(
            id="sum_not_mean",
            message="Your gradients are m times too large: you summed over the examples "
            "without dividing by m.",
            hint="Both dW = Xᵀ(ŷ − y)/m and db = Σ(ŷ − y)/m carry the 1/m.",
            mutant=[
                ("    dW = X.T @ error / m\n", "    dW = X.T @ error\n"),
                ("    db = float(np.sum(error) / m)\n", "    db = float(np.sum(error))\n"),
            ],
        ),
        Mistake(
            id="pytorch_factor_2",
            message="Your gradients are twice the right ones: that is the gradient of PyTorch's "
            "MSELoss, 1/m Σ (ŷ − y)², without the ½ of this exercise's J.",
            hint="The ½ in J = 1/(2m) Σ (ŷ − y)² cancels the 2 of the square's derivative: "
            "dW = Xᵀ(ŷ − y)/m, db = Σ(ŷ − y)/m, no factor 2.",
            mutant=[
                ("    dW = X.T @ error / m\n", "    dW = 2 * X.T @ error / m\n"),
                ("    db = float(np.sum(error) / m)\n", "    db = float(2 * np.sum(error) / m)\n"),
            ],
        ),
        Mistake(
            id="residual_sign",
            message="Your gradient has the wrong sign: you used y − ŷ where the derivative of "
            "(ŷ − y)² needs ŷ − y.",
            hint="∂J/∂ŷ = (ŷ − y)/m: prediction minus target.",
            mutant=[
                (
                    "    error = predict(X, W, b) - np.asarray(y, dtype=float)",
                    "    error = np.asarray(y, dtype=float) - predict(X, W, b)",
                )
            ],
        ),
        Mistake(
            id="x_transposed",
            message="You multiplied by X where Xᵀ is needed (the (n, m) layout of some notes); "
            "here X is (m, n), one example per row.",
            hint="dW = X.T @ (y_hat - y) / m: X.T has shape (n, m), the residual (m,).",
            mutant=[("    dW = X.T @ error / m\n", "    dW = X @ error / m\n")],
        ),
        Mistake(
            id="lr_ignored",
            message="Your fit leaves out the learning rate (W − dW instead of W − α·dW).",
            hint="Multiply both gradients by lr before subtracting them.",
            mutant=[(_UPDATE, "        W = W - dW\n        b = b - db\n")],
        ),
        Mistake(
            id="bias_not_updated",
            message="Your fit never updates the bias b.",
            hint="Update both parameters every step: b ← b − α ∂J/∂b as well as W.",
            mutant=[(_UPDATE, "        W = W - lr * dW\n")],
        ),
        Mistake(
            id="losses_after_update",
            message="Your losses are recorded after each update; losses[k] should be the loss "
            "before update k (losses[0] is the loss at the start).",
            hint="Append mse_loss(X, y, W, b) at the top of the loop, before updating.",
            mutant=[
                (
                    "        losses.append(mse_loss(X, y, W, b))\n"
                    "        dW, db = gradients(X, y, W, b)\n" + _UPDATE,
                    "        dW, db = gradients(X, y, W, b)\n"
                    + _UPDATE
                    + "        losses.append(mse_loss(X, y, W, b))\n",
                )
            ],
        ),
    ),
)

WORKED_X, WORKED_Y = np.array([[1.0], [2.0]]), np.array([1.0, 3.0])  # the docstring's example


def random_problem(
    rng: np.random.Generator, m: int, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    X = rng.normal(size=(m, n))
    W_true = rng.normal(size=n)
    y = X @ W_true + rng.normal() + 0.1 * rng.normal(size=m)
    return X, y, rng.normal(size=n), float(rng.normal())


@remembered
def gradient_mistakes(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float) -> dict[str, object]:
    m = X.shape[0]
    dW, db = models.linear_grads(X, y, W, b)
    mistakes: dict[str, object] = {
        "sum_not_mean": (m * dW, m * db),
        "pytorch_factor_2": (2 * dW, 2 * db),
        "residual_sign": (-dW, -db),
    }
    if m == 2:  # m times too large is 2 times too large: neither can be named
        del mistakes["sum_not_mean"], mistakes["pytorch_factor_2"]
    if X.shape[0] == X.shape[1]:
        residual = models.linear_predict(X, W, b) - y
        mistakes["x_transposed"] = (X @ residual / m, db)
    return mistakes


@remembered
def reference_fit(
    X: np.ndarray, y: np.ndarray, W0: np.ndarray, b0: float, lr: float, steps: int
) -> tuple[np.ndarray, float, np.ndarray]:
    """(W, b, losses) of full-batch GD, run by gdref.descend."""
    trace = descend(
        linear_objective,
        (np.asarray(W0, float), float(b0)),
        optim.sgd(lr),
        X=X,
        y=y,
        max_steps=steps,
    )
    assert trace.steps == steps, trace.message  # the check's own inputs must not diverge
    W, b = trace.params
    return np.asarray(W), float(b), np.array(trace.losses)


@remembered
def variant_fit(
    X: np.ndarray,
    y: np.ndarray,
    W0: np.ndarray,
    b0: float,
    lr: float,
    steps: int,
    *,
    update_b: bool = True,
    loss_scale: float = 1.0,
    record_after: bool = False,
) -> tuple[np.ndarray, float, np.ndarray] | None:
    """A full-batch run with one thing done wrong, built from gdref's loss and gradient.
    None if that run overflows (then it cannot be compared with anything)."""
    W, b, losses = np.array(W0, dtype=float), float(b0), []
    try:
        with np.errstate(all="ignore"):
            for _ in range(steps):
                if not record_after:
                    losses.append(loss_scale * models.linear_loss(X, y, W, b))
                dW, db = models.linear_grads(X, y, W, b)
                W, b = W - lr * dW, (b - lr * db if update_b else b)
                if record_after:
                    losses.append(loss_scale * models.linear_loss(X, y, W, b))
    except ValueError:  # gdref refuses non-finite values: this variant blew up
        return None
    if not (np.all(np.isfinite(W)) and np.isfinite(b) and np.all(np.isfinite(losses))):
        return None
    return W, b, np.array(losses)


@remembered
def commute_times() -> tuple[np.ndarray, np.ndarray]:
    """The lesson's commute data set (gdref.datasets)."""
    return datasets.commute_times()


@remembered
def reference_predict(X: np.ndarray, W: np.ndarray, b: float) -> np.ndarray:
    """gdref's linear predictions XW + b."""
    return models.linear_predict(X, W, b)


@remembered
def reference_loss(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float) -> float:
    """gdref's MSE loss of the linear model."""
    return models.linear_loss(X, y, W, b)


@remembered
def reference_grads(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float) -> tuple:
    """gdref's MSE gradients (dW, db) of the linear model."""
    return models.linear_grads(X, y, W, b)


def confirmed_fit_mistakes(
    student: Student,
    X: np.ndarray,
    y: np.ndarray,
    W0: np.ndarray,
    b0: float,
    lr: float,
    steps: int,
) -> Confirmed:
    """fit's mistakes; a gradient mistake only if the learner's gradients shows it at (W0, b0)
    (fit adding the step instead of subtracting it looks like residual_sign, but is not)."""

    def confirm(wrong: dict[str, object]) -> dict[str, object]:
        shown = shown_by(
            student.gradients(X, y, W0, b0),
            reference_grads(X, y, W0, b0),
            gradient_mistakes(X, y, W0, b0),
            what="gradients at (W0, b0)",
        )
        return keep_confirmed(wrong, GRADIENT_MISTAKES, shown)

    return Confirmed(partial(fit_mistakes, X, y, W0, b0, lr, steps), confirm)


@remembered
def fit_mistakes(
    X: np.ndarray, y: np.ndarray, W0: np.ndarray, b0: float, lr: float, steps: int
) -> dict[str, object]:
    variants = {
        "lr_ignored": variant_fit(X, y, W0, b0, 1.0, steps),
        "bias_not_updated": variant_fit(X, y, W0, b0, lr, steps, update_b=False),
        "losses_after_update": variant_fit(X, y, W0, b0, lr, steps, record_after=True),
        "missing_half": variant_fit(X, y, W0, b0, lr, steps, loss_scale=2.0),
        "loss_sum_not_mean": variant_fit(X, y, W0, b0, lr, steps, loss_scale=X.shape[0]),
        # gradient mistakes carried into fit: an m-times larger step, or steps uphill
        "sum_not_mean": variant_fit(X, y, W0, b0, lr * X.shape[0], steps),
        "pytorch_factor_2": variant_fit(X, y, W0, b0, 2 * lr, steps),
        "residual_sign": variant_fit(X, y, W0, b0, -lr, steps),
    }
    if X.shape[0] == 2:
        del variants["sum_not_mean"], variants["pytorch_factor_2"]
    return {key: value for key, value in variants.items() if value is not None}


FIT_MISTAKES = [
    "lr_ignored",
    "bias_not_updated",
    "losses_after_update",
    "missing_half",
    "loss_sum_not_mean",
    "sum_not_mean",
    "pytorch_factor_2",
    "residual_sign",
]
LOSS_MISTAKES = ["missing_half", "loss_sum_not_mean"]


@remembered
def loss_mistakes(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float) -> dict[str, float]:
    expected = reference_loss(X, y, W, b)
    if X.shape[0] == 2:  # with m = 2, ½·Σ and 1/m·Σ are the same number: neither is named
        return {}
    return {"missing_half": 2.0 * expected, "loss_sum_not_mean": X.shape[0] * expected}


GRADIENT_MISTAKES = ["sum_not_mean", "pytorch_factor_2", "residual_sign", "x_transposed"]


@check(1)
def test_predict(student, rng):
    """predict: ŷ = XW + b for the worked example and random shapes."""
    cases = [(WORKED_X, np.array([0.5]), 1.0)]
    for m, n in ((5, 3), (1, 4), (7, 1)):
        X, _, W, b = random_problem(rng, m, n)
        cases.append((X, W, b))
    for X, W, b in cases:
        expect_close(
            student.predict(X, W, b),
            reference_predict(X, W, b),
            what=f"predict(X of shape {X.shape}, W, {b:.3g})",
        )


@check(1, mistakes=LOSS_MISTAKES)
def test_loss_worked_example(student):
    """mse_loss on the commute data, on three features, on one example (m = 1) and on the
    worked example, with the 1/(2m) factor."""
    X, y = commute_times()
    X3, y3, W3, b3 = random_problem(np.random.default_rng(13), 4, 3)
    # the commute data (m = 50) first: on the worked example (m = 2) the two loss mistakes agree
    cases = [
        (X, y, np.array([2.0]), 5.0),
        (X3, y3, W3, b3),
        (X3[:1], y3[:1], W3, b3),
        (WORKED_X, WORKED_Y, np.zeros(1), 0.0),
    ]
    for X, y, W, b in cases:
        expect_close(
            student.mse_loss(X, y, W, b),
            reference_loss(X, y, W, b),
            what=f"mse_loss(X of shape {X.shape}, y, W={W.tolist()}, b={b:g})",
            mistakes=loss_mistakes(X, y, W, b),
        )


@check(1, hidden=True, mistakes=LOSS_MISTAKES)
def test_loss_random(student, rng):
    """mse_loss on random problems."""
    for m, n in ((6, 2), (11, 5), (3, 1)):
        X, y, W, b = random_problem(rng, m, n)
        expected = reference_loss(X, y, W, b)
        expect_close(
            student.mse_loss(X, y, W, b),
            expected,
            what=f"mse_loss(X of shape {X.shape}, y, W, b)",
            mistakes=loss_mistakes(X, y, W, b),
        )


@check(2, mistakes=GRADIENT_MISTAKES)
def test_gradients_worked_example(student):
    """gradients on the worked example and on the commute data: dW = Xᵀ(ŷ − y)/m, db."""
    Xc, yc = commute_times()
    for X, y, W, b in [(WORKED_X, WORKED_Y, np.zeros(1), 0.0), (Xc, yc, np.array([2.0]), 5.0)]:
        expect_close(
            student.gradients(X, y, W, b),
            reference_grads(X, y, W, b),
            what=f"gradients(X of shape {X.shape}, y, W={W.tolist()}, b={b:g})",
            mistakes=gradient_mistakes(X, y, W, b),
            names=("dW", "db"),
        )


@check(1, hidden=True, mistakes=GRADIENT_MISTAKES)
def test_gradients_random(student, rng):
    """gradients on random problems with several features."""
    for m, n in ((8, 3), (20, 6), (2, 5)):
        X, y, W, b = random_problem(rng, m, n)
        expect_close(
            student.gradients(X, y, W, b),
            reference_grads(X, y, W, b),
            what=f"gradients(X of shape {X.shape}, y, W, b)",
            mistakes=gradient_mistakes(X, y, W, b),
            names=("dW", "db"),
        )


@check(1, mistakes=GRADIENT_MISTAKES)
def test_gradients_rows_are_examples(student, rng):
    """gradients when m = n: X is (m, n) with one example per row, so dW uses Xᵀ."""
    for size in (3, 4):
        X, y, W, b = random_problem(rng, size, size)
        expect_close(
            student.gradients(X, y, W, b),
            reference_grads(X, y, W, b),
            what=f"gradients(X of shape {X.shape}, y, W, b)",
            mistakes=gradient_mistakes(X, y, W, b),
            names=("dW", "db"),
        )


@check(1, mistakes=GRADIENT_MISTAKES)
def test_gradients_edges(student):
    """gradients with one example (m = 1), with more features than examples (3 × 6), and with
    int X and y."""
    rng = np.random.default_rng(11)
    cases = [
        (np.array([[2.0, -1.0, 0.5]]), np.array([3.0]), np.array([0.5, 0.5, -1.0]), 0.25),
        random_problem(rng, 3, 6),
        (np.array([[1, 2], [3, 1], [0, -1], [2, 2]]), np.array([4, 5, -1, 6]), np.array([1, 0]), 1),
    ]
    for X, y, W, b in cases:
        Xf, yf, Wf = X.astype(float), y.astype(float), W.astype(float)
        expect_close(
            student.gradients(X, y, W, b),
            reference_grads(Xf, yf, Wf, float(b)),
            what=f"gradients(X of shape {X.shape}{' (ints)' if X.dtype.kind == 'i' else ''}, "
            "y, W, b)",
            mistakes=gradient_mistakes(Xf, yf, Wf, float(b)),
            names=("dW", "db"),
        )


@check(1, mistakes=FIT_MISTAKES)
def test_fit_edges(student):
    """fit with three features (W0 ≠ 0), from an int W0 and b0 (floats come back, W0 is left as
    it was), and with 0 steps (W0, b0 and no losses)."""
    rng = np.random.default_rng(12)
    X, y, W0, b0 = random_problem(rng, 12, 3)
    for args, label in (
        ((X, y, W0, b0, 0.2, 8), "W0 of 3 floats"),
        ((X, y, np.array([1, -1, 0]), 2, 0.2, 8), "W0 = [1, −1, 0] and b0 = 2 as ints"),
    ):
        floats = (X, y, np.asarray(args[2], float), float(args[3]), 0.2, 8)
        expect_close(
            student.fit(*args),
            reference_fit(*floats),
            what=f"fit(X of shape (12, 3), y, {label}, 0.2, 8)",
            mistakes=confirmed_fit_mistakes(student, *floats),
            names=("W", "b", "losses"),
            curves="losses",
        )
    expect_close(
        student.fit(X, y, W0, b0, 0.2, 0),
        (W0, b0, np.zeros(0)),
        what="fit(X, y, W0, b0, 0.2, 0) (no update)",
        names=("W", "b", "losses"),
        curves="losses",
    )


@check(2, mistakes=FIT_MISTAKES)
def test_fit_commute_times(student):
    """fit on the commute data: W0 = [0], b0 = 0, lr = 0.005, 50 steps (W, b and the losses)."""
    X, y = commute_times()
    args = (X, y, np.zeros(1), 0.0, 0.005, 50)
    expect_close(
        student.fit(*args),
        reference_fit(*args),
        what="fit(commute X, y, [0], 0, 0.005, 50)",
        mistakes=confirmed_fit_mistakes(student, *args),
        names=("W", "b", "losses"),
        curves="losses",
    )


@check(1, hidden=True, mistakes=FIT_MISTAKES)
def test_fit_random(student, rng):
    """fit on random problems, a few steps from random starting points."""
    for m, n in ((10, 2), (25, 4)):
        X, y, W0, b0 = random_problem(rng, m, n)
        lr, steps = float(rng.uniform(0.05, 0.3)), int(rng.integers(3, 12))
        args = (X, y, W0, b0, lr, steps)
        expect_close(
            student.fit(*args),
            reference_fit(*args),
            what=f"fit(X of shape {X.shape}, y, W0, b0, {lr:.3g}, {steps})",
            mistakes=confirmed_fit_mistakes(student, *args),
            names=("W", "b", "losses"),
            curves="losses",
        )
