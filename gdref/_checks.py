"""Argument checks shared by gdref's public functions.

Each check raises ``ValueError`` naming the argument and what was expected, so a learner who passes
``X`` with the wrong layout reads "X must be 2-D (m, n)", not a broadcasting error deep in NumPy.
"""

from __future__ import annotations

import numpy as np


def as_float_array(value: object, name: str) -> np.ndarray:
    """Return ``value`` as a float64 array (a copy-free view when possible), or raise ValueError."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numeric, got {type(value).__name__}") from error
    return array


def as_float_array_keep(value: object, name: str) -> np.ndarray:
    """Like :func:`as_float_array` but keep float32 inputs as float32 (for activations)."""
    if isinstance(value, np.ndarray) and value.dtype in (np.float32, np.float64):
        return value
    if isinstance(value, np.float32):
        return np.asarray(value)
    return as_float_array(value, name)


def require_finite(array: np.ndarray, name: str) -> None:
    if not np.isfinite(array).all():  # the method: np.all's dispatch costs more than the test
        raise ValueError(f"{name} must contain only finite values (found NaN or inf)")


def require_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}"
        )


def _as_number(value: object) -> float | None:
    """``value`` as a float if it is a real number (not a string, list or bool), else None."""
    if isinstance(value, (bool, str, bytes)) or np.ndim(value) != 0:
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def require_positive(value: object, name: str) -> float:
    number = _as_number(value)
    if number is None or not np.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return number


def require_in_range(value: object, name: str, low: float, high: float) -> float:
    """Require ``low <= value < high``."""
    number = _as_number(value)
    if number is None or not (np.isfinite(number) and low <= number < high):
        raise ValueError(f"{name} must be in [{low}, {high}), got {value!r}")
    return number


def check_design(X: object, y: object, W: object, b: object) -> tuple[np.ndarray, ...]:
    """Validate a (X, y, W, b) quadruple of a one-output linear model.

    Shapes: X (m, n), y (m,), W (n,), b a scalar. Returns float64 arrays (b as a 0-d array).
    """
    X = as_float_array(X, "X")
    y = as_float_array(y, "y")
    W = as_float_array(W, "W")
    b = as_float_array(b, "b")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D with shape (m, n), one example per row; got {X.shape}")
    m, n = X.shape
    if m == 0:
        raise ValueError("X must have at least one row (m >= 1)")
    if y.shape != (m,):
        raise ValueError(f"y must have shape (m,) = ({m},) to match X {X.shape}; got {y.shape}")
    if W.shape != (n,):
        raise ValueError(f"W must have shape (n,) = ({n},) to match X {X.shape}; got {W.shape}")
    if b.ndim != 0:
        raise ValueError(f"b must be a scalar, got shape {b.shape}")
    # X is checked through z = XW + b by the models (NaN/inf in X always reach z), which saves
    # a full extra pass over a large X on every gradient evaluation.
    for array, name in ((y, "y"), (W, "W"), (b, "b")):
        require_finite(array, name)
    return X, y, W, b


def finite_logits(z: np.ndarray) -> np.ndarray:
    """Return z = XW + b after checking it is finite (which it is exactly when X is, given finite
    W and b, unless the product overflows)."""
    if not np.isfinite(z).all():
        raise ValueError("X must contain only finite values (X @ W + b has NaN or inf)")
    return z
