"""Three one-neuron models: linear regression, logistic regression, the sign perceptron.

Layout: X is (m, n), one example per row (NumPy / scikit-learn); y is (m,); W is (n,); b is a
scalar. Notes that store examples as columns (X of shape (n, m), as in the "Demystifying Deep
Learning" post) use ``X.T`` where we use ``X``: their dW = 1/m (Ŷ − Y) Xᵀ is our
dW = 1/m Xᵀ(ŷ − y) = 1/m (ŷ − y) @ X.

    linear      z = XW + b,  ŷ = z,         J = 1/(2m) Σ (ŷ − y)²
    logistic    z = XW + b,  ŷ = σ(z),      J = −1/m Σ [y log ŷ + (1 − y) log(1 − ŷ)] + λ/2 ‖W‖²
    perceptron  z = XW + b,  ŷ = sign(z),   J = 1/(2m) Σ (ŷ − y)²

For the first two the chain rule ends in the same place:
    dJ/dz = (ŷ − y)/m,   dW = Xᵀ dJ/dz (+ λW),   db = Σ dJ/dz.
For the perceptron it passes through sign'(z) = 0 and the gradient is identically zero.
"""

from __future__ import annotations

import numpy as np

from gdref._checks import as_float_array, check_design, finite_logits, require_finite
from gdref.activations import sigmoid, sign, sign_grad
from gdref.losses import bce_with_logits, mse


def _predict_inputs(X: object, W: object, b: object) -> tuple[np.ndarray, np.ndarray, float]:
    X = as_float_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D with shape (m, n), one example per row; got {X.shape}")
    W = as_float_array(W, "W")
    if W.shape != (X.shape[1],):
        raise ValueError(f"W must have shape (n,) = ({X.shape[1]},) to match X; got {W.shape}")
    b = as_float_array(b, "b")
    if b.ndim != 0:
        raise ValueError(f"b must be a scalar, got shape {b.shape}")
    require_finite(W, "W")
    require_finite(b, "b")
    return X, W, float(b)


def linear_predict(X: object, W: object, b: float) -> np.ndarray:
    """ŷ = XW + b, shape (m,)."""
    X, W, b = _predict_inputs(X, W, b)
    return _logits(X, W, b)


def _logits(X: np.ndarray, W: np.ndarray, b: float) -> np.ndarray:
    """z = XW + b, raising ValueError (not a NumPy warning) when X holds NaN or inf."""
    with np.errstate(invalid="ignore", over="ignore"):
        z = X @ W + b
    return finite_logits(z)


def _backprop_z(X: np.ndarray, dz: np.ndarray) -> tuple[np.ndarray, float]:
    """Given dJ/dz (m,), return dW = Xᵀ dz (n,) and db = Σ dz.

    ``dz @ X`` is Xᵀdz written so NumPy walks C-ordered X row by row (several times faster than
    ``X.T @ dz`` on large X).
    """
    return dz @ X, float(np.sum(dz))


def linear_loss(X: object, y: object, W: object, b: float) -> float:
    """J(W, b) = 1/(2m) Σ (xᵢ·W + b − yᵢ)²."""
    X, y, W, b = check_design(X, y, W, b)
    return mse(_logits(X, W, b), y)


def linear_grads(X: object, y: object, W: object, b: float) -> tuple[np.ndarray, float]:
    """dW = 1/m Xᵀ(ŷ − y),  db = 1/m Σ (ŷ − y)."""
    X, y, W, b = check_design(X, y, W, b)
    dz = (_logits(X, W, b) - y) / X.shape[0]
    return _backprop_z(X, dz)


def linear_loss_and_grads(
    X: object, y: object, W: object, b: float
) -> tuple[float, tuple[np.ndarray, float]]:
    """(J, (dW, db)) of :func:`linear_loss` and :func:`linear_grads` from one z = XW + b."""
    X, y, W, b = check_design(X, y, W, b)
    y_hat = _logits(X, W, b)
    return mse(y_hat, y), _backprop_z(X, (y_hat - y) / X.shape[0])


def logistic_predict_proba(X: object, W: object, b: float) -> np.ndarray:
    """ŷ = σ(XW + b) = P(y = 1 | x), shape (m,)."""
    X, W, b = _predict_inputs(X, W, b)
    return sigmoid(_logits(X, W, b))


def logistic_predict(X: object, W: object, b: float, threshold: float = 0.5) -> np.ndarray:
    """Class labels 1 where σ(XW + b) ≥ threshold, else 0 (int64)."""
    return (logistic_predict_proba(X, W, b) >= threshold).astype(np.int64)


def _check_l2(l2: float) -> float:
    if not np.isfinite(l2) or l2 < 0:
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
    return float(l2)


def logistic_loss(X: object, y: object, W: object, b: float, l2: float = 0.0) -> float:
    """J = −1/m Σ [y log σ(z) + (1 − y) log(1 − σ(z))] + λ/2 ‖W‖²,  z = XW + b.

    Computed from the logits (``bce_with_logits``), so it is finite for any weights. The bias
    is not penalised (as in scikit-learn, whose C relates to λ by C = 1/(mλ)).
    """
    X, y, W, b = check_design(X, y, W, b)
    l2 = _check_l2(l2)
    return bce_with_logits(_logits(X, W, b), y) + 0.5 * l2 * float(W @ W)


def logistic_grads(
    X: object, y: object, W: object, b: float, l2: float = 0.0
) -> tuple[np.ndarray, float]:
    """dJ/dz = (σ(z) − y)/m,  dW = Xᵀ dJ/dz + λW,  db = Σ dJ/dz."""
    X, y, W, b = check_design(X, y, W, b)
    l2 = _check_l2(l2)
    dz = (sigmoid(_logits(X, W, b)) - y) / X.shape[0]
    dW, db = _backprop_z(X, dz)
    return dW + l2 * W, db


def logistic_loss_and_grads(
    X: object, y: object, W: object, b: float, l2: float = 0.0
) -> tuple[float, tuple[np.ndarray, float]]:
    """(J, (dW, db)) of :func:`logistic_loss` and :func:`logistic_grads` from one z = XW + b,
    so a descent step reads X twice (forward, backward) instead of three times."""
    X, y, W, b = check_design(X, y, W, b)
    l2 = _check_l2(l2)
    z = _logits(X, W, b)
    loss = bce_with_logits(z, y) + 0.5 * l2 * float(W @ W)
    dW, db = _backprop_z(X, (sigmoid(z) - y) / X.shape[0])
    return loss, (dW + l2 * W, db)


def sign_perceptron_predict(X: object, W: object, b: float) -> np.ndarray:
    """ŷ = sign(XW + b) ∈ {−1, 0, +1}."""
    X, W, b = _predict_inputs(X, W, b)
    return sign(_logits(X, W, b))


def sign_perceptron_loss(X: object, y: object, W: object, b: float) -> float:
    """J = 1/(2m) Σ (sign(xᵢ·W + b) − yᵢ)², labels yᵢ ∈ {−1, +1}."""
    X, y, W, b = check_design(X, y, W, b)
    return mse(sign(_logits(X, W, b)), y)


def sign_perceptron_grads(X: object, y: object, W: object, b: float) -> tuple[np.ndarray, float]:
    """The chain rule, factor by factor:

        dJ/dŷ = (ŷ − y)/m,   dŷ/dz = sign'(z) = 0,   dz/dW = x,   dz/db = 1
        ⇒ dW = Xᵀ[(ŷ − y)/m · sign'(z)] = 0,   db = 0.

    Computed literally (not returned as a constant), so the zero is the chain rule's own answer:
    whatever the data and weights, the update W ← W − η·0 leaves W where it was.
    """
    X, y, W, b = check_design(X, y, W, b)
    z = _logits(X, W, b)
    dz = (sign(z) - y) / X.shape[0] * sign_grad(z)
    return _backprop_z(X, dz)


__all__ = [
    "linear_predict",
    "linear_loss",
    "linear_grads",
    "linear_loss_and_grads",
    "logistic_predict_proba",
    "logistic_predict",
    "logistic_loss",
    "logistic_grads",
    "logistic_loss_and_grads",
    "sign_perceptron_predict",
    "sign_perceptron_loss",
    "sign_perceptron_grads",
]
