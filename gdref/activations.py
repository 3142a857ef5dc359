"""Activations and their derivatives.

sign(z)     = −1 if z < 0, 0 if z = 0, +1 if z > 0      sign'(z) = 0 for z ≠ 0 (undefined at 0)
σ(z)        = 1 / (1 + e^(−z))                           σ'(z)    = σ(z) (1 − σ(z))
"""

from __future__ import annotations

import numpy as np

from gdref._checks import as_float_array_keep


def sign(z: np.ndarray | float) -> np.ndarray:
    """The perceptron's hard activation: sign(z) ∈ {−1, 0, +1}."""
    return np.sign(as_float_array_keep(z, "z"))


def sign_grad(z: np.ndarray | float) -> np.ndarray:
    """d sign(z)/dz: 0 wherever it exists (z ≠ 0). At z = 0 sign jumps and has no derivative;
    like every autodiff framework we use 0 there too. This factor is why gradient descent
    cannot train a sign-activated perceptron: the chain rule multiplies everything by it.
    """
    return np.zeros_like(as_float_array_keep(z, "z"))


def sigmoid(z: np.ndarray | float) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)), computed without overflow for every finite z.

    The textbook formula evaluates e^(−z), which overflows for z < −710 (float64) or
    z < −89 (float32). We use the two mirror forms so the exponent is never positive:
        z ≥ 0:  σ(z) = 1 / (1 + e^(−z))
        z < 0:  σ(z) = e^(z) / (1 + e^(z))
    float32 input gives float32 output; anything else is computed in float64.
    """
    z = as_float_array_keep(z, "z")
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def sigmoid_grad(z: np.ndarray | float) -> np.ndarray:
    """σ'(z) = σ(z) (1 − σ(z)); at most 1/4 (at z = 0), and → 0 in the saturated tails."""
    s = sigmoid(z)
    return s * (1.0 - s)
