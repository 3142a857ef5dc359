"""Checks for exercise 11: gradient checking with central differences and relative error."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from gdref import gradcheck, models
from grader.checking.framework import (
    Exercise,
    Mistake,
    as_number,
    check,
    expect,
    expect_close,
    unpack,
)
from grader.checking.remember import remembered

if TYPE_CHECKING:
    from collections.abc import Callable

_CENTRAL = (
    "        w[i] = old - eps\n"
    "        f_minus = f(w)\n"
    "        w[i] = old\n"
    "        grad[i] = (f_plus - f_minus) / (2 * eps)\n"
)

EXERCISE = Exercise(
    name="gradient_check",
    order=11,
    file="11_gradient_check.py",
    to_write=("numerical_gradient", "relative_error", "worst_component", "check_logistic_gradient"),
    title="Gradient checking with central differences",
    summary="Estimate a gradient by central differences, compare it with an analytic one by "
    "CS231n's relative error, and point at the worst component.",
    hints=(
        "Central difference: (f(w + h eᵢ) − f(w − h eᵢ)) / (2h), one component at a time.",
        "Put w[i] back to its old value before moving to the next component.",
        "np.ndindex(w.shape) walks every index of an array of any shape.",
        "relative error: max of |a − b| / max(1e-8, |a| + |b|), element-wise first.",
        "worst_component: np.unravel_index(np.argmax(errors), errors.shape), as a tuple of ints.",
    ),
    mistakes=(
        Mistake(
            id="forward_difference",
            message="You used the one-sided forward difference (f(w + h) − f(w))/h; its error "
            "shrinks only like h, the central difference's like h².",
            hint="Evaluate f at w + h eᵢ and at w − h eᵢ and divide the difference by 2h.",
            mutant=[
                (
                    _CENTRAL,
                    "        w[i] = old\n"
                    "        f_minus = f(w)\n"
                    "        grad[i] = (f_plus - f_minus) / eps\n",
                )
            ],
        ),
        Mistake(
            id="divided_by_h",
            message="Your central difference is twice too large: the two points are 2h apart, "
            "so divide by 2h, not h.",
            hint="(f(w + h eᵢ) − f(w − h eᵢ)) / (2 * eps).",
            mutant=[("/ (2 * eps)", "/ eps")],
        ),
        Mistake(
            id="not_restored",
            message="You do not put each component back after nudging it, so later components "
            "are measured at a shifted point.",
            hint="After evaluating f(w − h eᵢ), set w[i] back to its old value.",
            mutant=[("        w[i] = old\n", "")],
        ),
        Mistake(
            id="no_floor",
            message="Your relative error divides by |a| + |b| without the 1e-8 floor, which "
            "gives nan (0/0) where both gradients are 0.",
            hint="Divide by np.maximum(1e-8, np.abs(a) + np.abs(b)).",
            mutant=[
                (
                    "    denominator = np.maximum(1e-8, np.abs(a) + np.abs(b))\n",
                    "    denominator = np.abs(a) + np.abs(b)\n",
                )
            ],
        ),
        Mistake(
            id="max_denominator",
            message="You divided by max(|a|, |b|); CS231n's relative error (used here) divides "
            "by |a| + |b| (with a 1e-8 floor).",
            hint="denominator = np.maximum(1e-8, np.abs(a) + np.abs(b)).",
            mutant=[
                (
                    "    denominator = np.maximum(1e-8, np.abs(a) + np.abs(b))\n",
                    "    denominator = np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b)))\n",
                )
            ],
        ),
        Mistake(
            id="mean_not_max",
            message="You averaged the element-wise relative errors; a gradient check reports "
            "the worst one (the maximum), so one wrong component cannot hide.",
            hint="Use np.max over the element-wise errors.",
            mutant=[
                (
                    "    return float(np.max(numerator / denominator))\n",
                    "    return float(np.mean(numerator / denominator))\n",
                )
            ],
        ),
        Mistake(
            id="worst_by_absolute_error",
            message="Your worst_component picks the largest absolute difference |a − b|; it "
            "should pick the largest relative error.",
            hint="Rank components by |a − b| / max(1e-8, |a| + |b|).",
            mutant=[
                (
                    "    err = np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))\n",
                    "    err = np.abs(a - b)\n",
                )
            ],
        ),
        Mistake(
            id="eps_not_passed",
            message="Your check_logistic_gradient does not pass its eps on to "
            "numerical_gradient, so the step is always the default 1e-6.",
            hint="numerical_gradient(lambda t: logistic_loss(t, X, y), theta, eps).",
            mutant=[
                (
                    "    numeric = numerical_gradient(lambda t: logistic_loss(t, X, y), theta, "
                    "eps)\n",
                    "    numeric = numerical_gradient(lambda t: logistic_loss(t, X, y), theta)\n",
                )
            ],
        ),
    ),
)


# ---- functions the learner's numerical_gradient is called with (they run here, as callbacks) --


def cubic(w: np.ndarray) -> float:
    """f(w) = Σ wᵢ³ + Σ wᵢ wᵢ₊₁: curved, so forward differences are visibly off."""
    w = np.asarray(w, dtype=float).reshape(-1)
    with np.errstate(all="ignore"):  # the learner's code chooses w: inf is its answer, not ours
        return float(np.sum(w**3) + np.sum(w[:-1] * w[1:]))


def wavy(W: np.ndarray) -> float:
    """f(W) = Σ sin(Wᵢⱼ)·(i + 2j + 1) + ‖W‖², for matrix-shaped parameters."""
    W = np.asarray(W, dtype=float)
    weights = np.add.outer(np.arange(W.shape[0]), 2 * np.arange(W.shape[1])) + 1.0
    with np.errstate(all="ignore"):
        return float(np.sum(np.sin(W) * weights) + np.sum(W * W))


@remembered
def forward_difference(f: Callable[[np.ndarray], float], w: np.ndarray, eps: float) -> np.ndarray:
    w = np.array(w, dtype=float)
    grad = np.zeros_like(w)
    base = f(w.copy())
    for i in np.ndindex(w.shape):
        shifted = w.copy()
        shifted[i] += eps
        grad[i] = (f(shifted) - base) / eps
    return grad


@remembered
def never_restored(f: Callable[[np.ndarray], float], w: np.ndarray, eps: float) -> np.ndarray:
    """Central differences where each component is left at w − h after its turn."""
    w = np.array(w, dtype=float)
    grad = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        old = w[i]
        plus = w.copy()
        plus[i] = old + eps
        w[i] -= eps
        grad[i] = (f(plus) - f(w.copy())) / (2 * eps)
    return grad


@remembered
def gradient_mistakes(
    f: Callable[[np.ndarray], float], w: np.ndarray, eps: float
) -> dict[str, np.ndarray]:
    return {
        "forward_difference": forward_difference(f, w, eps),
        "divided_by_h": 2.0 * gradcheck.numerical_gradient(f, w, eps),
        "not_restored": never_restored(f, w, eps),
    }


@remembered
def numerical_gradient(f: Callable[[np.ndarray], float], w: np.ndarray, eps: float) -> np.ndarray:
    """gdref's central differences of f at w."""
    return gradcheck.numerical_gradient(f, w, eps)


@remembered
def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """gdref's relative error (CS231n's, with its 1e-8 floor)."""
    return gradcheck.rel_error(a, b)


@remembered
def elementwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """gdref's relative error of each component on its own."""
    return np.array(
        [gradcheck.rel_error(x, y) for x, y in zip(a.reshape(-1), b.reshape(-1), strict=True)]
    ).reshape(a.shape)


@remembered
def relative_mistakes(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    with np.errstate(all="ignore"):
        no_floor = float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))
        by_max = float(np.max(np.abs(a - b) / np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b)))))
    return {
        "no_floor": no_floor,
        "max_denominator": by_max,
        "mean_not_max": float(np.mean(elementwise(a, b))),
    }


@remembered
def worst_index(a: np.ndarray, b: np.ndarray) -> tuple[int, ...]:
    errors = elementwise(a, b)
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(errors)), errors.shape))


GRADIENT_MISTAKES = ["forward_difference", "divided_by_h", "not_restored"]
RELATIVE_MISTAKES = ["no_floor", "max_denominator", "mean_not_max"]


@check(2, mistakes=GRADIENT_MISTAKES)
def test_numerical_gradient_vector(student, rng):
    """numerical_gradient of f(w) = Σ wᵢ³ + Σ wᵢwᵢ₊₁ at the worked point and random points."""
    for w, eps in [
        (np.array([1.0, 2.0]), 1e-3),
        (rng.normal(size=5), 1e-3),
        (rng.normal(size=4), 1e-5),
        # a coarse step, where the h² error is 1e-4: an eps that is not used shows here
        (rng.normal(size=3), 1e-2),
    ]:
        expect_close(
            student.numerical_gradient(cubic, w, eps),
            numerical_gradient(cubic, w, eps),
            what=f"numerical_gradient(f, {np.array2string(w, precision=3)}, eps={eps:g})",
            mistakes=partial(gradient_mistakes, cubic, w, eps),
            rtol=1e-6,
        )


@check(1, mistakes=GRADIENT_MISTAKES)
def test_numerical_gradient_matrix(student, rng):
    """numerical_gradient for matrix-shaped parameters (every index of a 3×2 array)."""
    W = rng.normal(size=(3, 2))
    expect_close(
        student.numerical_gradient(wavy, W, 1e-4),
        numerical_gradient(wavy, W, 1e-4),
        what="numerical_gradient(f, <3×2 array>, eps=1e-4)",
        mistakes=partial(gradient_mistakes, wavy, W, 1e-4),
        rtol=1e-6,
    )


@check(2, mistakes=RELATIVE_MISTAKES)
def test_relative_error(student, rng):
    """relative_error: max over components of |a − b| / max(1e-8, |a| + |b|), zeros included,
    and either side of the 1e-8 floor."""
    a = rng.normal(size=6)
    cases = [
        (np.array([3.0, 12.0]), np.array([3.000001, 12.000001])),
        (np.array([0.0, 1.0, -2.0]), np.array([0.0, 1.1, -2.0])),  # a 0/0 component
        # either side of the floor: |a| + |b| = 3e-7 is above 1e-8, 4e-9 is below it
        (np.array([2e-7, 1.0]), np.array([1e-7, 1.0])),
        (np.array([3e-9, 1.0]), np.array([1e-9, 1.0])),
        (a, a * (1 + 1e-3 * rng.normal(size=6))),
        (rng.normal(size=(2, 3)), rng.normal(size=(2, 3))),
    ]
    for a, b in cases:
        expect_close(
            student.relative_error(a, b),
            rel_error(a, b),
            what=f"relative_error({np.array2string(a, precision=4)}, "
            f"{np.array2string(b, precision=4)})",
            mistakes=relative_mistakes(a, b),
        )


@check(1, mistakes=["worst_by_absolute_error"])
def test_worst_component(student, rng):
    """worst_component: the index of the largest relative (not absolute) error."""
    cases = [
        # absolute differences 1.0 and 0.1, but relative errors 0.005 and 0.5
        (np.array([100.0, 0.1, 5.0]), np.array([99.0, 0.0, 5.0])),
        (rng.normal(size=(3, 4)), rng.normal(size=(3, 4))),
    ]
    for a, b in cases:
        with np.errstate(all="ignore"):
            by_absolute = np.unravel_index(int(np.argmax(np.abs(a - b))), a.shape)
        expect_close(
            student.worst_component(a, b),
            worst_index(a, b),
            what=f"worst_component(<{a.shape} array>, <{b.shape} array>)",
            mistakes={"worst_by_absolute_error": tuple(int(i) for i in by_absolute)},
        )


def logistic_f(X: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], float]:
    def f(theta):
        theta = np.asarray(theta, dtype=float)
        return models.logistic_loss(X, y, theta[:-1], float(theta[-1]))

    return f


@remembered
def logistic_gradients(
    X: np.ndarray, y: np.ndarray, theta: np.ndarray, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """The logistic loss's gradient at θ = (W, b) by gdref, and by gdref's central differences
    of step eps: (right gradient, numerical gradient)."""
    dW, db = models.logistic_grads(X, y, theta[:-1], float(theta[-1]))
    return np.append(dW, db), gradcheck.numerical_gradient(logistic_f(X, y), theta, eps)


@remembered
def logistic_max_rel_error(X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> float:
    """gdref.gradcheck.check_gradient's verdict on the right logistic gradient."""
    right = logistic_gradients(X, y, theta, 1e-6)[0]
    return gradcheck.check_gradient(logistic_f(X, y), lambda t: right, theta).max_rel_error


def steep(w: np.ndarray) -> float:
    """f(w) = Σ e^(60 wᵢ): a third derivative large enough that h = 1e-6 and h = 1e-4 differ."""
    w = np.asarray(w, dtype=float)
    with np.errstate(all="ignore"):
        return float(np.sum(np.exp(60.0 * w)))


@check(1, mistakes=GRADIENT_MISTAKES)
def test_numerical_gradient_edges(student):
    """numerical_gradient with its default eps (1e-6, on a steep f where the step shows), at an
    int w ([1, 2]: nudging must not truncate), and for a single parameter."""
    cases = [
        (steep, np.array([0.05, 0.1]), None),
        (cubic, np.array([1, 2]), 1e-3),
        (cubic, np.array([0.5]), 1e-3),
    ]
    for f, w, eps in cases:
        args = (f, w) if eps is None else (f, w, eps)
        label = "default eps" if eps is None else f"eps={eps:g}"
        expect_close(
            student.numerical_gradient(*args),
            numerical_gradient(f, w.astype(float), 1e-6 if eps is None else eps),
            what=f"numerical_gradient(f, {w.tolist()}, {label})",
            mistakes=partial(gradient_mistakes, f, w.astype(float), 1e-6 if eps is None else eps),
            rtol=1e-6,
        )


@check(1, mistakes=["worst_by_absolute_error"])
def test_worst_component_ties(student):
    """worst_component where several components share the largest relative error (1/3): the
    first one, in a vector and in a matrix (row by row); and a single component."""
    cases = [
        (np.array([1.0, 2.0, 1.0]), np.array([2.0, 4.0, 2.0])),
        (np.array([[5.0, 1.0], [3.0, 1.0]]), np.array([[5.0, 2.0], [6.0, 2.0]])),
        (np.array([0.5]), np.array([0.25])),
    ]
    for a, b in cases:
        expect_close(
            student.worst_component(a, b),
            worst_index(a, b),
            what=f"worst_component({a.tolist()}, {b.tolist()})",
        )


@check(1, mistakes=["eps_not_passed"])
def test_check_logistic_gradient_eps(student, rng):
    """check_logistic_gradient with eps = 1e-3 (the error of the right gradient is then the
    central difference's h² error, about 1e-7), and with eps left at its default."""
    X = rng.normal(size=(20, 3))
    y = (rng.random(20) < 0.5).astype(float)
    theta = rng.normal(size=4)
    right = logistic_gradients(X, y, theta, 1e-3)[0]
    expected = {}
    for eps in (1e-3, 1e-6):
        numeric = logistic_gradients(X, y, theta, eps)[1]
        expected[eps] = (rel_error(right, numeric), worst_index(right, numeric))
    expect_close(
        student.check_logistic_gradient(X, y, theta, right, 1e-3),
        expected[1e-3],
        what="check_logistic_gradient(X, y, theta, right gradient, eps=1e-3)",
        mistakes={"eps_not_passed": expected[1e-6]},
        rtol=1e-2,
        names=("relative error", "worst component"),
    )
    got = unpack(
        student.check_logistic_gradient(X, y, theta, right),
        ("relative error", "worst component"),
        "check_logistic_gradient(X, y, theta, right gradient) (default eps)",
    )
    error = as_number(got[0], "check_logistic_gradient with the default eps: the relative error")
    expect(
        np.isfinite(error) and error <= 1e-6,
        f"check_logistic_gradient(X, y, theta, right gradient) with the default eps returned a "
        f"relative error of {error!r}; with eps = 1e-6 a right gradient agrees to about 1e-8",
    )


@check(2, mistakes=RELATIVE_MISTAKES)
def test_check_logistic_gradient(student, rng):
    """check_logistic_gradient passes the right gradient and points at a planted bug."""
    X = rng.normal(size=(30, 4))
    y = (rng.random(30) < 0.5).astype(float)
    theta = rng.normal(size=5)
    right = logistic_gradients(X, y, theta, 1e-6)[0]
    what = "check_logistic_gradient with the right gradient"
    got = unpack(
        student.check_logistic_gradient(X, y, theta, right, 1e-6),
        ("relative error", "worst component"),
        what,
    )
    error = as_number(got[0], f"{what}: the relative error")
    expect(
        np.isfinite(error) and error <= 1e-6,
        f"check_logistic_gradient with the right gradient returned a relative error of "
        f"{error!r}; a correct gradient should agree to about 1e-8 (gdref: "
        f"{logistic_max_rel_error(X, y, theta):.2e})",
    )
    buggy = right.copy()
    buggy[2] = -buggy[2]  # the kind of bug a gradient check exists to catch
    numeric = logistic_gradients(X, y, theta, 1e-6)[1]
    worst = worst_index(buggy, numeric)
    expect_close(
        student.check_logistic_gradient(X, y, theta, buggy, 1e-6),
        (rel_error(buggy, numeric), worst),
        what="check_logistic_gradient with component 2 of the gradient negated",
        # a mistake in relative_error shows here too: with one component off, the largest
        # error is 1, twice that over max(|a|, |b|), and about a fifth of it averaged
        mistakes={key: (error, worst) for key, error in relative_mistakes(buggy, numeric).items()},
        rtol=1e-5,
        names=("relative error", "worst component"),
    )
