"""Small data sets for week 2, and the helpers to prepare them.

parabola          L(w) = (w − 2)²,  dL/dw = 2(w − 2),  minimum at w = 2
thermometers      three readings x₁, x₂, x₃ of one temperature (invented);
                  L(θ) = 1/3 Σ |θ − xᵢ| is minimised by their median
commute_times     t ≈ w·d + b: minutes against distance in km (invented, seeded)
breast_cancer     569 × 30 diagnostic features, y = 1 malignant / 0 benign (UCI, CC BY 4.0;
                  see gdref/data/README.md)
standardize       xⱼ ← (xⱼ − μⱼ) / sⱼ with the training set's mean and standard deviation
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from gdref._checks import as_float_array, require_finite

PARABOLA_MIN = 2.0


def parabola_loss(w: float | np.ndarray) -> float | np.ndarray:
    """L(w) = (w − 2)²."""
    w = as_float_array(w, "w")
    result = (w - PARABOLA_MIN) ** 2
    return float(result) if result.ndim == 0 else result


def parabola_grad(w: float | np.ndarray) -> float | np.ndarray:
    """dL/dw = 2(w − 2)."""
    w = as_float_array(w, "w")
    result = 2.0 * (w - PARABOLA_MIN)
    return float(result) if result.ndim == 0 else result


def parabola_objective(w: float | np.ndarray) -> tuple[float, np.ndarray]:
    """(L(w), dL/dw) for :func:`gdref.descent.descend`."""
    w = as_float_array(w, "w")
    return float(np.sum((w - PARABOLA_MIN) ** 2)), 2.0 * (w - PARABOLA_MIN)


def thermometers() -> np.ndarray:
    """Three readings (°C) of one room temperature; invented. Median 20.6, mean 20.666…"""
    return np.array([20.1, 21.3, 20.6])


def commute_times(m: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Invented commute data: X (m, 1) distance in km, y (m,) minutes.

    Drawn as d ~ Uniform(1, 25) km and t = 2.2·d + 6 + ε with ε ~ N(0, 3²) minutes, from
    ``numpy.random.default_rng(seed)``, so the same (m, seed) always gives the same data.
    """
    if int(m) != m or m < 1:
        raise ValueError(f"m must be an integer >= 1, got {m!r}")
    rng = np.random.default_rng(seed)
    distance = rng.uniform(1.0, 25.0, size=m)
    minutes = 2.2 * distance + 6.0 + rng.normal(0.0, 3.0, size=m)
    return distance.reshape(m, 1), minutes


def breast_cancer() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The Breast Cancer Wisconsin (Diagnostic) data: X (569, 30), y (569,) with 1 = malignant,
    and the 30 feature names. Read from the CSV shipped inside gdref (no download)."""
    with resources.files("gdref").joinpath("data/breast_cancer.csv").open() as handle:
        handle.readline()  # comment line
        names = handle.readline().strip().split(",")
        table = np.loadtxt(handle, delimiter=",")
    return table[:, :-1], table[:, -1], names[:-1]


def standardize(
    X: object, mean: object = None, std: object = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (X − μ) / s column by column, with μ and s.

    Without ``mean``/``std`` they are computed from X (population std, ddof = 0). Pass the
    training set's μ and s to transform a test set the same way.
    """
    X = as_float_array(X, "X")
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be 2-D with shape (m, n), m >= 1; got {X.shape}")
    require_finite(X, "X")
    mean = X.mean(axis=0) if mean is None else as_float_array(mean, "mean")
    std = X.std(axis=0) if std is None else as_float_array(std, "std")
    for value, name in ((mean, "mean"), (std, "std")):
        if value.shape != (X.shape[1],):
            raise ValueError(f"{name} must have shape (n,) = ({X.shape[1]},); got {value.shape}")
    constant = np.flatnonzero(~(std > 0))
    if constant.size:
        raise ValueError(f"std must be > 0; columns {constant.tolist()} are constant")
    return (X - mean) / std, mean, std


def train_test_split(
    X: object, y: object, test_fraction: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle with ``default_rng(seed).permutation(m)`` and hold out round(test_fraction · m)
    rows: returns (X_train, X_test, y_train, y_test)."""
    X = as_float_array(X, "X")
    y = as_float_array(y, "y")
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (m, n) and y (m,); got {X.shape} and {y.shape}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    m = X.shape[0]
    n_test = int(round(test_fraction * m))
    if not 1 <= n_test < m:
        raise ValueError(f"test_fraction {test_fraction} leaves no test or no training rows")
    order = np.random.default_rng(seed).permutation(m)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]
