"""Checks for exercise 2: stable sigmoid, BCE, dJ/dz = (ŷ − y)/m, vectorised dW and db."""

from __future__ import annotations

import numpy as np

import gdref
from grader.checking.framework import Exercise, Mistake, check, expect, expect_close
from grader.checking.remember import remembered

SOLUTION_DZ = "    return (y_hat - y) / len(y)\n"

EXERCISE = Exercise(
    name="bce_gradient",
    order=2,
    file="02_bce_gradient.py",
    to_write=("sigmoid", "bce", "dloss_dz", "logistic_grads"),
    title="The BCE gradient through the sigmoid",
    summary="A stable sigmoid, the mean BCE, dJ/dz = (ŷ − y)/m, and vectorised dW and db.",
    hints=(
        "For a stable sigmoid compute e = np.exp(-np.abs(z)) (never larger than 1), then pick "
        "1/(1+e) where z >= 0 and e/(1+e) where z < 0 with np.where.",
        "BCE is a mean over the m examples: np.mean, not np.sum; clip ŷ with np.clip first.",
        "After the chain rule everything cancels: ∂J/∂z = (ŷ − y)/m. Do not multiply by "
        "σ'(z) again — it is already inside that formula.",
        "With X of shape (m, n) and dz of shape (m,), X.T @ dz has shape (n,): that is dW.",
    ),
    mistakes=(
        Mistake(
            id="sigmoid_overflow",
            message="Your sigmoid computes np.exp(-z) directly, which overflows (a RuntimeWarning) "
            "for large negative z.",
            hint="Use e = np.exp(-np.abs(z)) and choose 1/(1+e) or e/(1+e) by the sign of z.",
            functions=("sigmoid",),
            mutant=[
                (
                    "    e = np.exp(-np.abs(z))\n"
                    "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n",
                    "    return 1.0 / (1.0 + np.exp(-z))\n",
                )
            ],
        ),
        Mistake(
            id="missing_1_over_m",
            message="Your gradient is m times too large: the 1/m of the mean is missing "
            "(ŷ − y instead of (ŷ − y)/m).",
            hint="J is a mean over m examples, so every derivative of J carries the factor 1/m.",
            functions=("dloss_dz", "logistic_grads"),
            mutant=[(SOLUTION_DZ, "    return y_hat - y\n")],
        ),
        Mistake(
            id="sign_flipped",
            message="Your gradient has the wrong sign: you computed (y − ŷ)/m instead of "
            "(ŷ − y)/m.",
            hint="If ŷ is above y the loss falls when z falls, so ∂J/∂z must be positive: ŷ − y.",
            functions=("dloss_dz", "logistic_grads"),
            mutant=[(SOLUTION_DZ, "    return (y - y_hat) / len(y)\n")],
        ),
        Mistake(
            id="extra_sigmoid_derivative",
            message="You multiplied by σ'(z) = ŷ(1 − ŷ) on top of (ŷ − y)/m; that factor already "
            "cancelled in the derivation.",
            hint="∂J/∂ŷ · dŷ/dz simplifies to (ŷ − y)/m exactly; use that result alone.",
            functions=("dloss_dz", "logistic_grads"),
            mutant=[(SOLUTION_DZ, "    return (y_hat - y) * y_hat * (1.0 - y_hat) / len(y)\n")],
        ),
        Mistake(
            id="bce_sum_not_mean",
            message="Your BCE is a sum over the examples; it should be the mean (divide by m).",
            hint="Use np.mean(...) (or divide the sum by len(y)).",
            functions=("bce",),
            mutant=[("    return float(-np.mean(", "    return float(-np.sum(")],
        ),
        Mistake(
            id="bce_unclipped",
            message="Your BCE takes log(0) when ŷ is exactly 0 or 1 (nan or inf); clip ŷ first.",
            hint="p = np.clip(y_hat, 1e-12, 1 - 1e-12) before the logs.",
            functions=("bce",),
            mutant=[("    p = np.clip(y_hat, EPS, 1.0 - EPS)\n", "    p = y_hat\n")],
        ),
    ),
)

GRADIENT_MISTAKES = ["missing_1_over_m", "sign_flipped", "extra_sigmoid_derivative"]


@remembered
def reference_sigmoid(z: np.ndarray) -> np.ndarray:
    """gdref's stable sigmoid."""
    return gdref.sigmoid(z)


@remembered
def reference_bce(y_hat: np.ndarray, y: np.ndarray) -> float:
    """gdref's BCE (clipped)."""
    return gdref.bce(y_hat, y)


@remembered
def unclipped_bce(y_hat: np.ndarray, y: np.ndarray) -> float:
    """What BCE without clipping returns (nan/inf at ŷ ∈ {0, 1}), for the diagnosis."""
    with np.errstate(divide="ignore", invalid="ignore"):
        y_hat, y = np.asarray(y_hat, float), np.asarray(y, float)
        return float(-np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))


@remembered
def dz_with_mistakes(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, dict]:
    """∂J/∂z from gdref, and what each gradient mistake returns instead."""
    dz = gdref.bce_with_logits_grad(z, y)
    return dz, {
        "missing_1_over_m": dz * len(y),
        "sign_flipped": -dz,
        "extra_sigmoid_derivative": dz * gdref.sigmoid_grad(z),
    }


@remembered
def grads_with_mistakes(
    X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float
) -> tuple[tuple, dict]:
    expected = gdref.logistic_grads(X, y, W, b)
    z = gdref.linear_predict(X, W, b)
    _, wrong_dz = dz_with_mistakes(z, y)
    return expected, {key: (X.T @ dz, float(np.sum(dz))) for key, dz in wrong_dz.items()}


def random_problem(
    rng: np.random.Generator, m: int, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    X = rng.normal(size=(m, n))
    y = (rng.random(m) < 0.5).astype(float)
    W = rng.normal(size=n)
    return X, y, W, float(rng.normal())


@check(2)
def test_sigmoid_values(student, rng):
    """sigmoid at 0, ±1, ±5 and at random points, element-wise on arrays."""
    for z in (
        np.array([0.0, 1.0, -1.0, 5.0, -5.0]),
        rng.normal(scale=4, size=12),
        rng.normal(size=(3, 4)),
    ):
        expect_close(
            student.sigmoid(z), reference_sigmoid(z), what=f"sigmoid(array of shape {z.shape})"
        )


@check(2, mistakes=["sigmoid_overflow"])
def test_sigmoid_is_stable(student):
    """sigmoid for |z| up to 1e4: right values, no overflow — not even one that np.errstate,
    np.seterr or a warnings filter keeps quiet (the grader lets NumPy's warnings through)."""
    z = np.array([-1e4, -1000.0, -745.0, -100.0, -30.0, 0.0, 30.0, 100.0, 745.0, 1000.0, 1e4])
    unsilenced = student.instrumented(unsilenced=True)
    got = unsilenced.sigmoid(z)
    overflow = [w for w in student.warnings if "overflow" in w]
    expect(
        not overflow,
        f"sigmoid(z) for z in ±1e4 overflowed (with NumPy's warnings let through): "
        f"{'; '.join(student.warnings)}",
        mistake="sigmoid_overflow",
    )
    # the default tolerance (1e-9 absolute): the instructions ask for no overflow and the right
    # values, not for relative accuracy in the far tail (σ(−745) ≈ 5e-324)
    expect_close(got, reference_sigmoid(z), what="sigmoid([-1e4, …, 1e4])")


@check(2, mistakes=["bce_sum_not_mean"])
def test_bce_worked_example(student, rng):
    """bce on four examples, then on random ones."""
    cases = [(np.array([0.9, 0.2, 0.6, 0.4]), np.array([1.0, 0.0, 1.0, 0.0]))]
    p = reference_sigmoid(rng.normal(size=9))
    cases.append((p, (rng.random(9) < 0.5).astype(float)))
    for y_hat, y in cases:
        expected = reference_bce(y_hat, y)
        expect_close(
            student.bce(y_hat, y),
            expected,
            what=f"bce(ŷ, y) with m = {len(y)}",
            mistakes={"bce_sum_not_mean": expected * len(y)},
        )


@check(1, mistakes=["bce_unclipped"])
def test_bce_at_certainty(student):
    """bce when some ŷ are exactly 0 or 1: finite, thanks to clipping."""
    y_hat, y = np.array([0.0, 1.0, 1.0, 0.5]), np.array([0.0, 1.0, 0.0, 1.0])
    # rtol 1e-4: how exactly log(1 − p) is taken at p = 1 − 1e-12 is not the point here
    # (gdref clips 1 − p itself, a plain np.clip(p) is off by 1e-5 relative): finiteness is
    expect_close(
        student.bce(y_hat, y),
        reference_bce(y_hat, y),
        what="bce([0, 1, 1, 0.5], [0, 1, 0, 1])",
        mistakes={"bce_unclipped": unclipped_bce(y_hat, y)},
        rtol=1e-4,
    )


@check(2, mistakes=GRADIENT_MISTAKES)
def test_dloss_dz(student, rng):
    """dloss_dz(ŷ, y) = (ŷ − y)/m on random logits."""
    for m in (1, 4, 25):
        z = rng.normal(scale=2, size=m)
        y = (rng.random(m) < 0.5).astype(float)
        expected, mistakes = dz_with_mistakes(z, y)
        expect_close(
            student.dloss_dz(reference_sigmoid(z), y),
            expected,
            what=f"dloss_dz(ŷ, y) with m = {m}",
            mistakes=mistakes,
        )


@check(3, mistakes=GRADIENT_MISTAKES)
def test_logistic_grads_small(student):
    """logistic_grads on a 4 × 2 example: dW of shape (2,), db a number."""
    X = np.array([[1.0, 2.0], [2.0, -1.0], [-1.5, 0.5], [0.0, 1.0]])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    W, b = np.array([0.5, -0.25]), 0.1
    expected, mistakes = grads_with_mistakes(X, y, W, b)
    expect_close(
        student.logistic_grads(X, y, W, b),
        expected,
        what="logistic_grads(X 4×2, y, W, b)",
        mistakes=mistakes,
        names=("dW", "db"),
    )


@check(1, mistakes=GRADIENT_MISTAKES)
def test_logistic_grads_edges(student):
    """logistic_grads with one example (m = 1), with more features than examples (2 × 5), and
    with int X and y."""
    cases = [
        (np.array([[0.5, -1.0, 2.0]]), np.array([1.0]), np.array([0.3, 0.1, -0.2]), -0.4),
        (
            np.array([[1.0, 0.0, -2.0, 0.5, 1.5], [-1.0, 2.0, 0.5, 0.0, -0.5]]),
            np.array([0.0, 1.0]),
            np.array([0.2, -0.1, 0.4, 0.0, 0.3]),
            0.25,
        ),
        (np.array([[1, 2], [3, -1], [0, 2]]), np.array([1, 0, 1]), np.array([0.5, -0.5]), 0.0),
    ]
    for X, y, W, b in cases:
        m, n = X.shape
        expected, mistakes = grads_with_mistakes(X.astype(float), y.astype(float), W, b)
        expect_close(
            student.logistic_grads(X, y, W, b),
            expected,
            what=f"logistic_grads(X {m}×{n}{' of ints' if X.dtype.kind == 'i' else ''}, y, W, b)",
            mistakes=mistakes,
            names=("dW", "db"),
        )


@check(2, hidden=True, mistakes=GRADIENT_MISTAKES)
def test_logistic_grads_random(student, rng):
    """logistic_grads on random problems of several shapes (rows are examples)."""
    for m, n in ((1, 1), (7, 3), (3, 7), (60, 5)):
        X, y, W, b = random_problem(rng, m, n)
        expected, mistakes = grads_with_mistakes(X, y, W, b)
        expect_close(
            student.logistic_grads(X, y, W, b),
            expected,
            what=f"logistic_grads(X {m}×{n}, y, W, b)",
            mistakes=mistakes,
            names=("dW", "db"),
        )
