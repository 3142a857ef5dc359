"""Losses over m examples and their derivatives with respect to the prediction.

  MSE             J = 1/(2m) Σ (ŷᵢ − yᵢ)²                       dJ/dŷᵢ = (ŷᵢ − yᵢ) / m
  BCE             J = −1/m Σ [yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)]   dJ/dpᵢ = (pᵢ − yᵢ) / (m pᵢ(1−pᵢ))
  BCE from logits J = 1/m Σ [log(1 + e^(zᵢ)) − yᵢ zᵢ]             dJ/dzᵢ = (σ(zᵢ) − yᵢ) / m
  absolute error  J = 1/m Σ |ŷᵢ − yᵢ|                           ∂J/∂ŷᵢ = sign(ŷᵢ − yᵢ) / m

m is the number of examples: the length of the first axis (the whole size for 0-d input).
Note: PyTorch's ``MSELoss`` is the mean of squares without the ½, i.e. twice our ``mse``.
"""

from __future__ import annotations

import numpy as np

from gdref._checks import as_float_array, require_finite, require_same_shape
from gdref.activations import sigmoid

BCE_EPS = 1e-12


def _pair(pred: object, y: object, pred_name: str) -> tuple[np.ndarray, np.ndarray, int]:
    pred = as_float_array(pred, pred_name)
    y = as_float_array(y, "y")
    require_same_shape(pred, y, pred_name, "y")
    if pred.size == 0:
        raise ValueError(f"{pred_name} must hold at least one example")
    require_finite(pred, pred_name)
    require_finite(y, "y")
    m = pred.shape[0] if pred.ndim else 1
    return pred, y, m


def mse(y_hat: object, y: object) -> float:
    """J = 1/(2m) Σ (ŷ − y)²."""
    y_hat, y, m = _pair(y_hat, y, "y_hat")
    r = y_hat - y
    return float(np.sum(r * r) / (2 * m))


def mse_grad(y_hat: object, y: object) -> np.ndarray:
    """dJ/dŷ = (ŷ − y) / m — the ½ cancels the 2 from the square."""
    y_hat, y, m = _pair(y_hat, y, "y_hat")
    return (y_hat - y) / m


def _clip_probabilities(p: np.ndarray, eps: float) -> np.ndarray:
    if not 0 < eps < 0.5:
        raise ValueError(f"eps must be in (0, 0.5), got {eps!r}")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p must hold probabilities in [0, 1]")
    return np.clip(p, eps, 1.0 - eps)


def bce(p: object, y: object, eps: float = BCE_EPS) -> float:
    """J = −1/m Σ [y log p + (1 − y) log(1 − p)].

    Probabilities are clipped to [eps, 1 − eps] before the logs, so p = 0 or 1 costs at most
    −log(eps) ≈ 27.6 per example instead of inf. Prefer :func:`bce_with_logits` when you
    have z: it needs no clipping and stays exact where σ(z) rounds to 0 or 1.
    """
    p, y, m = _pair(p, y, "p")
    p = _clip_probabilities(p, eps)
    # log(1 − p): log1p(−p) is exact for small p; for p ≥ ½, 1 − p is exact in floating point
    # and clipping it (not p) to eps keeps the cost of p = 1 at exactly −log(eps).
    with np.errstate(divide="ignore"):
        log_1mp = np.where(p < 0.5, np.log1p(-p), np.log(np.maximum(1.0 - p, eps)))
    return float(-np.sum(y * np.log(p) + (1.0 - y) * log_1mp) / m)


def bce_grad(p: object, y: object, eps: float = BCE_EPS) -> np.ndarray:
    """dJ/dp = −1/m [y/p − (1 − y)/(1 − p)] = (p − y) / (m p (1 − p)), with p clipped as in bce."""
    p, y, m = _pair(p, y, "p")
    p = _clip_probabilities(p, eps)
    return (p - y) / (m * p * (1.0 - p))


def bce_with_logits(z: object, y: object) -> float:
    """J = 1/m Σ [log(1 + e^z) − y z], the BCE of p = σ(z) written in z.

    log(1 + e^z) is ``logaddexp(0, z)``, which never overflows, so the loss is finite for every
    finite z; it equals ``bce(sigmoid(z), y)`` wherever σ(z) is not rounded to 0 or 1.
    """
    z, y, m = _pair(z, y, "z")
    return float(np.sum(np.logaddexp(0.0, z) - y * z) / m)


def bce_with_logits_grad(z: object, y: object) -> np.ndarray:
    """dJ/dz = (σ(z) − y) / m = (ŷ − y) / m: the σ'(z) from the chain rule cancels the
    1/(p(1 − p)) of the BCE derivative."""
    z, y, m = _pair(z, y, "z")
    return (sigmoid(z) - y) / m


def absolute_error(y_hat: object, y: object) -> float:
    """J = 1/m Σ |ŷ − y| (the thermometer loss). Its minimiser over a constant ŷ is the median."""
    y_hat, y, m = _pair(y_hat, y, "y_hat")
    return float(np.sum(np.abs(y_hat - y)) / m)


def absolute_error_grad(y_hat: object, y: object) -> np.ndarray:
    """A subgradient: ∂J/∂ŷ = sign(ŷ − y) / m, taking 0 (inside [−1, 1]/m) where ŷ = y.

    Its size never shrinks near the minimum — which is why fixed-step descent on this loss
    ends up hopping back and forth around the median instead of settling.
    """
    y_hat, y, m = _pair(y_hat, y, "y_hat")
    return np.sign(y_hat - y) / m
