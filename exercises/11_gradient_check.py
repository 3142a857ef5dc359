"""Exercise 11 — Gradient checking with central differences.

The story
---------
An analytic gradient is easy to get subtly wrong (a missing 1/m, a sign, a transpose) and the
training loop will still run — just badly. A *gradient check* compares it with a numerical
estimate. For each component i of the parameter array w, nudge it both ways by a small h and use
the **central difference**

    ∂f/∂wᵢ ≈ ( f(w + h eᵢ) − f(w − h eᵢ) ) / (2h)          (eᵢ: 1 in position i, 0 elsewhere)

Its error shrinks like h² (the one-sided forward difference (f(w + h eᵢ) − f(w)) / h only like h),
so h = 1e-6 gives about 8–10 correct digits in float64. Nudge one component at a time, and put it
back exactly as it was before moving to the next.

Compare analytic a and numeric n with the **relative error** (as in Stanford's CS231n notes),
element-wise and then the worst one:

    relerr(a, n) = max over i of  |aᵢ − nᵢ| / max(1e-8, |aᵢ| + |nᵢ|)

(the 1e-8 floor avoids 0/0 where both are 0). Rough guide in float64: below 1e-7 the gradient
is right; above 1e-4 it is almost certainly wrong. When it is wrong, the component with the
largest element-wise relative error points at the bug.

What to write
-------------
    numerical_gradient(f, w, eps=1e-6) -> np.ndarray (same shape as w)
        f takes an array shaped like w and returns a float. Do not modify w (work on a copy,
        of floats: w may hold ints, and w + h must not be rounded back to an int). Keep the
        default eps = 1e-6: the grader also calls it without eps.
    relative_error(a, b) -> float
        The formula above for two arrays of the same shape.
    worst_component(a, b) -> tuple[int, ...]
        The index (a tuple, as ``np.unravel_index`` gives it) of the largest element-wise
        relative error; the first one if there is a tie.
    check_logistic_gradient(X, y, theta, analytic, eps=1e-6) -> (float, tuple[int, ...])
        Gradient-check a claimed gradient ``analytic`` (shape (n + 1,)) of the logistic-regression
        loss ``logistic_loss(theta, X, y)`` (written for you below: theta = [W₁ … Wₙ, b]) at
        ``theta``: return (relative_error(analytic, numeric), worst_component(analytic, numeric)),
        the numeric gradient taken with this function's own eps (default 1e-6).

Worked example (check yourself): for f(w) = Σ wᵢ³ at w = [1, 2] the gradient is [3, 12]; the
central difference with h = 1e-3 gives [3.000001, 12.000001] (error h² = 1e-6); the forward
difference gives about [3.003, 12.006].

Numbers are compared within 1e-7 relative and 1e-9 absolute error (a check that compares
otherwise, e.g. step counts exactly, says so when it fails).

Use only NumPy and the standard library. Check your work with

    grade -e gradient_check

(`grade --hint gradient_check` gives a hint, `grade --watch` re-grades every time you save.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def logistic_loss(theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy of logistic regression; theta = [W₁, …, Wₙ, b] (given code)."""
    theta = np.asarray(theta, dtype=float)
    z = np.asarray(X, dtype=float) @ theta[:-1] + theta[-1]
    y = np.asarray(y, dtype=float)
    return float(np.mean(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)))


def numerical_gradient(
    f: Callable[[np.ndarray], float], w: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """Central-difference estimate of ∇f at w, one component at a time."""
    raise NotImplementedError("numerical_gradient is not written yet")


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a − b| / max(1e-8, |a| + |b|), element-wise, then the largest."""
    raise NotImplementedError("relative_error is not written yet")


def worst_component(a: np.ndarray, b: np.ndarray) -> tuple[int, ...]:
    """Index of the largest element-wise relative error between a and b."""
    raise NotImplementedError("worst_component is not written yet")


def check_logistic_gradient(
    X: np.ndarray, y: np.ndarray, theta: np.ndarray, analytic: np.ndarray, eps: float = 1e-6
) -> tuple[float, tuple[int, ...]]:
    """Compare a claimed gradient of ``logistic_loss`` at theta with central differences."""
    raise NotImplementedError("check_logistic_gradient is not written yet")
