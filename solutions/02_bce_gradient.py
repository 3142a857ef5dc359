"""Exercise 2 — The gradient of binary cross-entropy through the sigmoid.

Logistic regression predicts a probability for each example (one example per row of X):
    z = X W + b                        X is (m, n), W is (n,), b is a number, z is (m,)
    ŷ = σ(z) = 1 / (1 + e^(−z))        the sigmoid squashes z into (0, 1)
and is trained by minimising the mean binary cross-entropy (BCE) over the m examples:
    J = −(1/m) Σᵢ [ yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ) ]          yᵢ ∈ {0, 1}

The chain rule, one example at a time:
    ∂J/∂ŷᵢ = −(1/m) [ yᵢ/ŷᵢ − (1 − yᵢ)/(1 − ŷᵢ) ]
    dŷᵢ/dzᵢ = σ(zᵢ)(1 − σ(zᵢ)) = ŷᵢ(1 − ŷᵢ)
    ∂J/∂zᵢ = ∂J/∂ŷᵢ · dŷᵢ/dzᵢ = (ŷᵢ − yᵢ) / m        (everything else cancels)
and since zᵢ = Σⱼ Wⱼ Xᵢⱼ + b, vectorised over all examples:
    dW = Xᵀ (ŷ − y) / m        shape (n,)
    db = Σᵢ (ŷᵢ − yᵢ) / m      a number

Numerical care:
- σ(z) must not overflow: e^(−z) overflows for z below about −710. Compute e = e^(−|z|), which is
  always ≤ 1, and use σ(z) = 1/(1 + e) where z ≥ 0 and σ(z) = e/(1 + e) where z < 0 (the same
  function, rewritten). No warnings, for any finite z — and no overflow kept quiet either:
  np.errstate, np.seterr or a warnings filter around a formula that overflows does not count
  (the grader lets NumPy's warnings through while it checks sigmoid).
- log(0) is −∞: clip ŷ into [ε, 1 − ε] with ε = 1e-12 before taking logs in the BCE.

What to write (arrays are NumPy arrays of floats):

    sigmoid(z)                   -> array like z    σ(z) element-wise, stable for every finite z
    bce(y_hat, y)                -> float           mean BCE, y_hat clipped to [1e-12, 1 − 1e-12]
    dloss_dz(y_hat, y)           -> array (m,)      ∂J/∂z = (ŷ − y) / m, with m = len(y)
    logistic_grads(X, y, W, b)   -> (dW, db)        dW an array (n,), db a float; use your
                                                    sigmoid and dloss_dz. Any m ≥ 1 and n ≥ 1
                                                    (m = 1, or more features than examples)

Numbers are compared within 1e-7 relative and 1e-9 absolute error (a check that compares
otherwise, e.g. step counts exactly, says so when it fails).

Check your work:  grade -e bce_gradient        (or `grade --watch`)
Stuck?            grade --hint bce_gradient
"""

import numpy as np

EPS = 1e-12


def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)), element-wise, without overflow for any finite z."""
    z = np.asarray(z, dtype=float)
    ### BEGIN SOLUTION
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


def bce(y_hat, y) -> float:
    """Mean binary cross-entropy, with y_hat clipped to [EPS, 1 − EPS]."""
    y_hat = np.asarray(y_hat, dtype=float)
    y = np.asarray(y, dtype=float)
    ### BEGIN SOLUTION
    p = np.clip(y_hat, EPS, 1.0 - EPS)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
    ### END SOLUTION


def dloss_dz(y_hat, y):
    """∂J/∂z = (ŷ − y) / m for the mean BCE of σ(z)."""
    y_hat = np.asarray(y_hat, dtype=float)
    y = np.asarray(y, dtype=float)
    ### BEGIN SOLUTION
    return (y_hat - y) / len(y)
    ### END SOLUTION


def logistic_grads(X, y, W, b):
    """(dW, db) of the mean BCE of logistic regression, vectorised over the m rows of X."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    W = np.asarray(W, dtype=float)
    ### BEGIN SOLUTION
    dz = dloss_dz(sigmoid(X @ W + b), y)
    dW = X.T @ dz
    db = float(np.sum(dz))
    return dW, db
    ### END SOLUTION
