"""Exercise 06 — The sign perceptron: why gradient descent cannot train it.

The story
---------
The classic perceptron classifies with a hard threshold,

    z = X W + b,        ŷ = sign(z),        labels y ∈ {−1, +1}

where sign(z) = −1 for z < 0, 0 for z = 0 and +1 for z > 0 (``np.sign``). Suppose we try to
train it like linear regression, with the squared error

    J(W, b) = 1/(2m) Σᵢ (ŷᵢ − yᵢ)²

The chain rule says

    ∂J/∂W = Xᵀ [ (∂J/∂ŷ) ⊙ sign'(z) ]        ∂J/∂b = Σᵢ (∂J/∂ŷᵢ) · sign'(zᵢ)
    with ∂J/∂ŷᵢ = (ŷᵢ − yᵢ) / m

(⊙ is the element-wise product). But sign is flat everywhere except at 0, where it jumps:
sign'(z) = 0 for z ≠ 0, and at z = 0 it has no derivative (like every autodiff framework, use 0
there too). So every gradient is exactly zero, the update W ← W − α·0 does nothing, and the
parameters never move — however wrong the predictions are. Changing the loss does not help: the
zero comes from sign, so the cure is a differentiable activation (the sigmoid, exercise 07).

Your job is to *demonstrate* this by writing the honest chain-rule computation: do not shortcut
to "return zeros" in ``gradients``; multiply by your ``sign_derivative``, called by that name
(the grader swaps in another derivative, e.g. one that returns 1 everywhere, and expects your
gradients to follow it).

What to write (X: (m, n), y: (m,) with values ±1, W: (n,), b: float)
--------------------------------------------------------------------
    predict(X, W, b) -> np.ndarray (m,)             sign(XW + b), values in {−1, 0, +1};
                                                    m may be 1, and X, W, b may hold ints
    sign_derivative(z) -> np.ndarray (same shape)   d sign(z)/dz (0 everywhere, see above)
    loss(X, y, W, b) -> float                       J(W, b) with the 1/(2m) factor
    gradients(X, y, W, b) -> (dW: np.ndarray (n,), db: float)   by the chain rule above
    train(X, y, W0, b0, lr, steps) -> (W: np.ndarray (n,), b: float, losses: np.ndarray (steps,))
        ``steps`` gradient-descent updates from (W0, b0); losses[k] = J before update k.

Worked example (check yourself): X = [[1, 0], [0, 1]], y = [1, 1], W = [1, −1], b = 0 →
z = [1, −1], ŷ = [1, −1], J = (0 + 4) / 4 = 1.0, and both gradients are 0.

Numbers are compared within 1e-7 relative and 1e-9 absolute error (a check that compares
otherwise, e.g. step counts exactly, says so when it fails).

Use only NumPy and the standard library. Check your work with

    grade -e sign_perceptron

(`grade --hint sign_perceptron` gives a hint, `grade --watch` re-grades every time you save.)
"""

from __future__ import annotations

import numpy as np


def predict(X: np.ndarray, W: np.ndarray, b: float) -> np.ndarray:
    """ŷ = sign(X W + b), shape (m,), values in {−1, 0, +1}."""
    raise NotImplementedError("predict is not written yet")


def sign_derivative(z: np.ndarray) -> np.ndarray:
    """d sign(z)/dz, element-wise: 0 for z ≠ 0, and 0 by convention at z = 0."""
    raise NotImplementedError("sign_derivative is not written yet")


def loss(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float) -> float:
    """J(W, b) = 1/(2m) Σ (sign(xᵢ·W + b) − yᵢ)²."""
    raise NotImplementedError("loss is not written yet")


def gradients(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float) -> tuple[np.ndarray, float]:
    """Chain rule: dJ/dz = (ŷ − y)/m ⊙ sign'(z); dW = Xᵀ dJ/dz; db = Σ dJ/dz."""
    raise NotImplementedError("gradients is not written yet")


def train(
    X: np.ndarray, y: np.ndarray, W0: np.ndarray, b0: float, lr: float, steps: int
) -> tuple[np.ndarray, float, np.ndarray]:
    """Gradient descent from (W0, b0): returns (W, b, losses), losses[k] = J before update k."""
    raise NotImplementedError("train is not written yet")
