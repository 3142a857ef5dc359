"""Checks for exercise 6: the sign perceptron — the chain rule through sign gives zero."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from gdref import activations, losses, models, optim
from gdref.descent import descend
from grader.checking.framework import Exercise, Forms, Mistake, any_of, check, expect_close
from grader.checking.remember import remembered

if TYPE_CHECKING:
    from collections.abc import Callable

EXERCISE = Exercise(
    name="sign_perceptron",
    order=6,
    file="06_sign_perceptron.py",
    to_write=("predict", "sign_derivative", "loss", "gradients", "train"),
    title="The sign perceptron: why gradient descent cannot train it",
    summary="Write the honest chain rule for a sign-activated perceptron with squared error and "
    "watch the gradient vanish and the parameters freeze.",
    hints=(
        "predict is np.sign(X @ W + b): values −1, 0 or +1 (labels are ±1, not 0/1).",
        "sign is flat on both sides of 0, so its derivative is 0 everywhere we can take it.",
        "gradients: dJ/dz = (ŷ − y)/m · sign'(z), then dW = Xᵀ dJ/dz and db = Σ dJ/dz.",
        "train makes `steps` updates, but with a zero gradient W and b stay where they started.",
    ),
    mistakes=(
        Mistake(
            id="sign_derivative_as_one",
            message="You treated the derivative of sign as 1 (a 'straight-through' gradient); "
            "sign is flat, so its derivative is 0 and so is the whole gradient.",
            hint="d sign(z)/dz = 0 for every z ≠ 0 (and we use 0 at z = 0): np.zeros_like(z); "
            "gradients must multiply by it, not skip it.",
            mutant=[
                (
                    "    return np.zeros_like(np.asarray(z, dtype=float))\n",
                    "    return np.ones_like(np.asarray(z, dtype=float))\n",
                )
            ],
        ),
        Mistake(
            id="smooth_derivative",
            message="You used the sigmoid's derivative σ(z)(1 − σ(z)) for sign; sign is a hard "
            "step whose derivative is 0.",
            hint="The sigmoid fixes the problem in exercise 07; here, sign'(z) = 0.",
            mutant=[
                (
                    "    return np.zeros_like(np.asarray(z, dtype=float))\n",
                    "    s = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))\n"
                    "    return s * (1.0 - s)\n",
                )
            ],
        ),
        Mistake(
            id="gradient_skips_sign_derivative",
            message="Your gradients do not go through your sign_derivative: they come out as "
            "zeros whatever sign_derivative returns (a shortcut the instructions rule out).",
            hint="Compute dJ/dz = (ŷ − y)/m * sign_derivative(z), then dW = Xᵀ dJ/dz and "
            "db = Σ dJ/dz.",
            mutant=[
                (
                    "    dJ_dz = dJ_dyhat * sign_derivative(z)\n",
                    "    dJ_dz = np.zeros_like(dJ_dyhat)\n",
                )
            ],
            functions=("gradients",),
        ),
        Mistake(
            id="zero_one_predictions",
            message="Your predictions are 0/1; the sign perceptron outputs −1/+1 (and 0 at z = 0) "
            "to match labels ±1.",
            hint="Use np.sign(X @ W + b).",
            mutant=[
                (
                    "    return np.sign(np.asarray(X, dtype=float) @ np.asarray(W, dtype=float) "
                    "+ float(b))\n",
                    "    z = np.asarray(X, dtype=float) @ np.asarray(W, dtype=float) + float(b)\n"
                    "    return (z > 0).astype(float)\n",
                )
            ],
        ),
        Mistake(
            id="sign_of_zero",
            message="Your predict returns ±1 where z = 0; sign(0) is 0.",
            hint="np.sign gives −1, 0 or +1; np.where(z >= 0, 1, -1) does not.",
            mutant=[
                (
                    "    return np.sign(np.asarray(X, dtype=float) @ np.asarray(W, dtype=float) "
                    "+ float(b))\n",
                    "    z = np.asarray(X, dtype=float) @ np.asarray(W, dtype=float) + float(b)\n"
                    "    return np.where(z >= 0, 1.0, -1.0)\n",
                )
            ],
        ),
        Mistake(
            id="loss_missing_mean",
            message="Your loss is missing the 1/m: you computed ½ Σ (ŷ − y)² instead of "
            "1/(2m) Σ (ŷ − y)².",
            hint="J = 1/(2m) Σ (ŷ − y)²: divide by 2m.",
            mutant=[("    return float(r @ r / (2 * r.size))\n", "    return float(r @ r / 2)\n")],
        ),
        Mistake(
            id="loss_missing_half",
            message="Your loss is missing the ½: you computed 1/m Σ (ŷ − y)² (the mean squared "
            "error, as PyTorch's MSELoss) instead of 1/(2m) Σ (ŷ − y)².",
            hint="J = 1/(2m) Σ (ŷ − y)²: divide the sum by 2m, not by m.",
            mutant=[
                ("    return float(r @ r / (2 * r.size))\n", "    return float(r @ r / r.size)\n")
            ],
        ),
    ),
)

WORKED = (np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, 1.0]), np.array([1.0, -1.0]), 0.0)


def random_problem(
    rng: np.random.Generator, m: int, n: int, *, with_zero: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Random ±1 labels (half of them wrong for the random W), optionally one row with z = 0."""
    X = rng.normal(size=(m, n))
    W, b = rng.normal(size=n), float(rng.normal())
    y = np.where(rng.random(m) < 0.5, 1.0, -1.0)
    if with_zero:
        X[0] = 0.0
        X[1] = -X[2]
        b = 0.0  # row 0 then has z = 0 exactly; rows 1 and 2 have opposite signs
    return X, y, W, b


def z_of(X: np.ndarray, W: np.ndarray, b: float) -> np.ndarray:
    return X @ W + b  # inputs only; every expected value below comes from gdref


@remembered
def predict_mistakes(X: np.ndarray, W: np.ndarray, b: float) -> dict[str, object]:
    z = z_of(X, W, b)
    sign = activations.sign(z)
    return {
        "zero_one_predictions": (sign > 0).astype(float),
        # both conventions: z = 0 taken as +1 (z ≥ 0) or as −1 (z > 0, else −1)
        "sign_of_zero": any_of(np.where(sign >= 0, 1.0, -1.0), np.where(sign > 0, 1.0, -1.0)),
    }


@remembered
def loss_mistakes(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float) -> dict[str, object]:
    m = y.size
    z = z_of(X, W, b)
    sign = activations.sign(z)
    right = models.sign_perceptron_loss(X, y, W, b)
    return {
        "loss_missing_mean": m * right,
        "loss_missing_half": 2 * right,
        "zero_one_predictions": losses.mse((sign > 0).astype(float), y),
        "sign_of_zero": any_of(
            losses.mse(np.where(sign >= 0, 1.0, -1.0), y),
            losses.mse(np.where(sign > 0, 1.0, -1.0), y),
        ),
    }


@remembered
def worked_loss_mistakes(
    X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float
) -> dict[str, object]:
    """On the worked example m = 2, so ½·Σ and 1/m·Σ (no ½) are the same: neither is named
    there (the random problems, checked first, have m ≠ 2)."""
    mistakes = loss_mistakes(X, y, W, b)
    del mistakes["loss_missing_mean"], mistakes["loss_missing_half"]
    return mistakes


@remembered
def chain_rule(
    X: np.ndarray,
    y: np.ndarray,
    W: np.ndarray,
    b: float,
    derivative: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, float]:
    """dW, db through an activation whose derivative is ``derivative`` (gdref's dJ/dŷ)."""
    z = z_of(X, W, b)
    dz = losses.mse_grad(activations.sign(z), y) * derivative(z)
    return X.T @ dz, float(np.sum(dz))


@remembered
def gradient_mistakes(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float) -> dict[str, tuple]:
    return {
        "sign_derivative_as_one": chain_rule(X, y, W, b, np.ones_like),
        "smooth_derivative": chain_rule(X, y, W, b, activations.sigmoid_grad),
    }


@remembered
def variant_train(
    X: np.ndarray,
    y: np.ndarray,
    W0: np.ndarray,
    b0: float,
    lr: float,
    steps: int,
    derivative: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, float, np.ndarray]:
    """Gradient descent with a wrong (non-zero) derivative of sign, from gdref's pieces."""
    W, b, trace = np.array(W0, dtype=float), float(b0), []
    for _ in range(steps):
        trace.append(models.sign_perceptron_loss(X, y, W, b))
        dW, db = chain_rule(X, y, W, b, derivative)
        W, b = W - lr * dW, b - lr * db
    return W, b, np.array(trace)


def perceptron_objective(
    params: tuple[np.ndarray, float], X: np.ndarray, y: np.ndarray
) -> tuple[float, tuple[np.ndarray, float]]:
    W, b = params
    return models.sign_perceptron_loss(X, y, W, b), models.sign_perceptron_grads(X, y, W, b)


@remembered
def reference_train(
    X: np.ndarray, y: np.ndarray, W0: np.ndarray, b0: float, lr: float, steps: int
) -> tuple[np.ndarray, float, np.ndarray]:
    """The right answer: gdref.descend with the chain-rule gradient (identically zero)."""
    trace = descend(
        perceptron_objective,
        (np.asarray(W0, float), float(b0)),
        optim.sgd(lr),
        X=X,
        y=y,
        max_steps=steps,
    )
    assert trace.steps == steps, trace.message
    W, b = trace.params
    return np.asarray(W), float(b), np.array(trace.losses)


@remembered
def train_mistakes(
    X: np.ndarray, y: np.ndarray, W0: np.ndarray, b0: float, lr: float, steps: int
) -> dict[str, tuple]:
    right = reference_train(X, y, W0, b0, lr, steps)
    mistakes = {
        "sign_derivative_as_one": variant_train(X, y, W0, b0, lr, steps, np.ones_like),
        "smooth_derivative": variant_train(X, y, W0, b0, lr, steps, activations.sigmoid_grad),
    }
    for key, value in loss_mistakes(X, y, W0, b0).items():
        if isinstance(value, Forms):
            mistakes[key] = any_of(*((right[0], right[1], np.full(steps, v)) for v in value))
        else:
            mistakes[key] = (right[0], right[1], np.full(steps, value))
    return mistakes


TRAIN_MISTAKES = [
    "sign_derivative_as_one",
    "smooth_derivative",
    "zero_one_predictions",
    "sign_of_zero",
    "loss_missing_mean",
    "loss_missing_half",
]


@remembered
def reference_predict(X: np.ndarray, W: np.ndarray, b: float) -> np.ndarray:
    """gdref's sign perceptron predictions."""
    return models.sign_perceptron_predict(X, W, b)


@remembered
def reference_loss(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float) -> float:
    """gdref's sign perceptron loss."""
    return models.sign_perceptron_loss(X, y, W, b)


@remembered
def reference_grads(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float) -> tuple:
    """gdref's sign perceptron gradients (dW, db)."""
    return models.sign_perceptron_grads(X, y, W, b)


@remembered
def derivative_with_mistakes(z: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """sign'(z) by gdref, and what each derivative mistake returns."""
    return activations.sign_grad(z), {
        "sign_derivative_as_one": np.ones_like(z),
        "smooth_derivative": activations.sigmoid_grad(z),
    }


@check(1, mistakes=["zero_one_predictions", "sign_of_zero"])
def test_predict(student, rng):
    """predict: sign(XW + b) with values −1, 0, +1 (a row with z = 0 included)."""
    cases = [WORKED, random_problem(rng, 6, 3), random_problem(rng, 5, 2, with_zero=True)]
    for X, _, W, b in cases:
        expect_close(
            student.predict(X, W, b),
            reference_predict(X, W, b),
            what=f"predict(X of shape {X.shape}, W, {b:.3g})",
            mistakes=predict_mistakes(X, W, b),
        )


@check(1, mistakes=["sign_derivative_as_one", "smooth_derivative"])
def test_sign_derivative(student, rng):
    """sign_derivative: 0 for every z, including z = 0 (sign is flat on both sides)."""
    for z in (np.array([-2.0, -0.1, 0.0, 0.1, 3.0]), rng.normal(size=(3, 4))):
        expected, mistakes = derivative_with_mistakes(z)
        expect_close(
            student.sign_derivative(z),
            expected,
            what=f"sign_derivative(<array of shape {z.shape}>)",
            mistakes=mistakes,
        )


@check(
    1, mistakes=["loss_missing_mean", "loss_missing_half", "zero_one_predictions", "sign_of_zero"]
)
def test_loss(student, rng):
    """loss: 1/(2m) Σ (sign(XW + b) − y)² on random problems and the worked example."""
    cases = [
        (*random_problem(rng, 8, 3), loss_mistakes),
        (*random_problem(rng, 5, 2, with_zero=True), loss_mistakes),
        (*WORKED, worked_loss_mistakes),
    ]
    for X, y, W, b, mistakes in cases:
        expect_close(
            student.loss(X, y, W, b),
            reference_loss(X, y, W, b),
            what=f"loss(X of shape {X.shape}, y, W, {b:.3g})",
            mistakes=mistakes(X, y, W, b),
        )


@check(2, mistakes=["sign_derivative_as_one", "smooth_derivative"])
def test_gradients_vanish(student, rng):
    """gradients: the chain rule through sign'(z) = 0 gives dW = 0 and db = 0, even when wrong."""
    cases = [WORKED, random_problem(rng, 10, 3), random_problem(rng, 4, 5, with_zero=True)]
    for X, y, W, b in cases:
        expect_close(
            student.gradients(X, y, W, b),
            reference_grads(X, y, W, b),
            what=f"gradients(X of shape {X.shape}, y, W, {b:.3g}) (misclassifies "
            f"{int(np.sum(reference_predict(X, W, b) != y))} of {y.size})",
            mistakes=gradient_mistakes(X, y, W, b),
            names=("dW", "db"),
        )


def ones_derivative(z: object) -> np.ndarray:
    """Stands in for the learner's sign_derivative: 1 everywhere (plain data in and out)."""
    return np.ones_like(np.asarray(z, dtype=float))


def half_z_derivative(z: object) -> np.ndarray:
    """Another stand-in, z/2: a gradient through it depends on z, not just on the shapes."""
    return np.asarray(z, dtype=float) / 2.0


@check(1, mistakes=["gradient_skips_sign_derivative"])
def test_gradients_use_sign_derivative(student, rng):
    """gradients goes through sign_derivative: with it replaced by 1 (then by z/2), dW and db are
    the chain rule through that stand-in, not zeros."""
    for derivative, label in ((ones_derivative, "1"), (half_z_derivative, "z/2")):
        X, y, W, b = random_problem(rng, 7, 3)
        instrumented = student.instrumented(replace={"sign_derivative": derivative})
        expected = chain_rule(X, y, W, b, derivative)
        expect_close(
            instrumented.gradients(X, y, W, b),
            expected,
            what=f"gradients(X of shape {X.shape}, y, W, {b:.3g}) with your sign_derivative "
            f"replaced by one that returns {label}",
            mistakes={"gradient_skips_sign_derivative": (np.zeros_like(W), 0.0)},
            names=("dW", "db"),
        )


@check(1, mistakes=["zero_one_predictions", "sign_of_zero"])
def test_predict_edges(student):
    """predict with one example (m = 1), int inputs, and z = 0 exactly on a boundary row."""
    cases = [
        (np.array([[2.0, -1.0]]), np.array([0.5, 1.0]), 0.0),  # m = 1, z = 0
        (np.array([[1, 2], [3, -1], [0, 0]]), np.array([1, 1]), -3),  # ints: z = 0, 2, −3
    ]
    for X, W, b in cases:
        expect_close(
            student.predict(X, W, b),
            reference_predict(X, W, b),
            what=f"predict(X = {X.tolist()}, W = {W.tolist()}, b = {b})",
            mistakes=predict_mistakes(X.astype(float), W.astype(float), float(b)),
        )


@check(2, mistakes=TRAIN_MISTAKES)
def test_train_never_moves(student, rng):
    """train: 25 updates with lr = 0.5 leave W and b exactly where they started."""
    X, y, W0, b0 = random_problem(rng, 12, 3)
    expected = reference_train(X, y, W0, b0, 0.5, 25)
    # the point of the exercise, asserted on gdref's own run: nothing moves
    assert np.array_equal(expected[0], W0) and expected[1] == b0, "reference moved"
    expect_close(
        student.train(X, y, W0, b0, 0.5, 25),
        expected,
        what="train(X, y, W0, b0, 0.5, 25) (W and b should never move)",
        mistakes=partial(train_mistakes, X, y, W0, b0, 0.5, 25),
        names=("W", "b", "losses"),
    )


@check(1, hidden=True, mistakes=TRAIN_MISTAKES)
def test_train_random(student, rng):
    """train on random problems with random learning rates and step counts."""
    for m, n in ((7, 2), (15, 4)):
        X, y, W0, b0 = random_problem(rng, m, n)
        lr, steps = float(rng.uniform(0.01, 2.0)), int(rng.integers(1, 30))
        expect_close(
            student.train(X, y, W0, b0, lr, steps),
            reference_train(X, y, W0, b0, lr, steps),
            what=f"train(X of shape {X.shape}, y, W0, b0, {lr:.3g}, {steps})",
            mistakes=partial(train_mistakes, X, y, W0, b0, lr, steps),
            names=("W", "b", "losses"),
        )
