"""Exercise 05 — Linear regression by gradient descent (commute times).

The story
---------
You logged how far you travelled (km) and how long the commute took (minutes). Fit a straight
line ŷ = w·distance + b by gradient descent on the mean squared error. The same code works for
any number of features n. (The grader passes in the data: 50 invented commutes, X holding the
distance in km as its one column, y the minutes.)

Shapes and notation (used throughout gdkit)
-------------------------------------------
    X : (m, n)   one example per row, one feature per column
    y : (m,)     targets
    W : (n,)     weights
    b : float    bias
    ŷ = X W + b                          predictions, shape (m,)

The loss and its gradient
-------------------------
    J(W, b) = 1/(2m) Σᵢ (ŷᵢ − yᵢ)²        (the ½ is for convenience: it cancels the 2 below)

    ∂J/∂ŷᵢ = (ŷᵢ − yᵢ) / m
    ∂J/∂W  = Xᵀ (ŷ − y) / m              shape (n,)
    ∂J/∂b  = Σᵢ (ŷᵢ − yᵢ) / m            a float

(Note: some texts store X as (n, m), one example per *column*, and write dW = (ŷ − y) Xᵀ / m.
Here X is (m, n), so it is Xᵀ (ŷ − y) / m. PyTorch's MSELoss has no ½, so its gradient is twice
ours.)

Full-batch gradient descent with learning rate α repeats, using the gradient at the *current*
(W, b) for both updates:

    W ← W − α ∂J/∂W
    b ← b − α ∂J/∂b

What to write
-------------
    predict(X, W, b) -> np.ndarray (m,)
    mse_loss(X, y, W, b) -> float                      J(W, b) with the 1/(2m) factor
    gradients(X, y, W, b) -> (dW: np.ndarray (n,), db: float)
    fit(X, y, W0, b0, lr, steps) -> (W: np.ndarray (n,), b: float, losses: np.ndarray (steps,))
        Run exactly ``steps`` full-batch updates from (W0, b0). ``losses[k]`` is the loss J at
        the parameters *before* update k (so losses[0] = mse_loss(X, y, W0, b0)). Do not modify
        W0 in place. steps = 0 returns (W0, b0) and an empty losses array.

Any m ≥ 1 and n ≥ 1 (one example, or more features than examples), and X, y, W0, b0 may hold
ints: the results are floats all the same. There is no factor 2 in the gradients (that is the
gradient of PyTorch's MSELoss, which has no ½).

Worked example (check yourself): X = [[1], [2]], y = [1, 3], W = [0], b = 0 → ŷ = [0, 0],
J = (1 + 9) / 4 = 2.5, dW = [(−1·1 − 3·2) / 2] = [−3.5], db = (−1 − 3) / 2 = −2.

Numbers are compared within 1e-7 relative and 1e-9 absolute error (a check that compares
otherwise, e.g. step counts exactly, says so when it fails).

Use only NumPy and the standard library. Check your work with

    grade -e linear_regression

(`grade --hint linear_regression` gives a hint, `grade --watch` re-grades every time you save.)
"""

from __future__ import annotations

import numpy as np


def predict(X: np.ndarray, W: np.ndarray, b: float) -> np.ndarray:
    """ŷ = X W + b, shape (m,)."""
    ### BEGIN SOLUTION
    return np.asarray(X, dtype=float) @ np.asarray(W, dtype=float) + float(b)
    ### END SOLUTION


def mse_loss(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float) -> float:
    """J(W, b) = 1/(2m) Σ (ŷᵢ − yᵢ)²."""
    ### BEGIN SOLUTION
    r = predict(X, W, b) - np.asarray(y, dtype=float)
    return float(r @ r / (2 * r.size))
    ### END SOLUTION


def gradients(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float) -> tuple[np.ndarray, float]:
    """(∂J/∂W, ∂J/∂b) = (Xᵀ(ŷ − y)/m, Σ(ŷ − y)/m)."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    error = predict(X, W, b) - np.asarray(y, dtype=float)  # ŷ − y, shape (m,)
    m = X.shape[0]
    dW = X.T @ error / m
    db = float(np.sum(error) / m)
    return dW, db
    ### END SOLUTION


def fit(
    X: np.ndarray, y: np.ndarray, W0: np.ndarray, b0: float, lr: float, steps: int
) -> tuple[np.ndarray, float, np.ndarray]:
    """Full-batch gradient descent: returns (W, b, losses) with losses[k] = J before update k."""
    ### BEGIN SOLUTION
    W = np.array(W0, dtype=float)  # a copy: W0 stays untouched
    b = float(b0)
    losses = []
    for _ in range(steps):
        losses.append(mse_loss(X, y, W, b))
        dW, db = gradients(X, y, W, b)
        W = W - lr * dW
        b = b - lr * db
    return W, b, np.array(losses)
    ### END SOLUTION
