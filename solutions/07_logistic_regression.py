"""Exercise 07 — Logistic regression end to end (breast-cancer diagnosis).

The story
---------
Each row of X describes a breast mass by 30 measurements computed from a digitised image of a
fine-needle aspirate (radius, texture, smoothness, …); y is 1 for a malignant and 0 for a benign
mass (the Breast Cancer Wisconsin (Diagnostic) data set, 569 examples; the grader passes it in
already split into a training and a test part). You will:
standardise the features, train logistic regression by full-batch gradient descent with two
stopping criteria, and measure the accuracy on the held-out test set.

The model (X: (m, n), y: (m,) with values 0/1, W: (n,), b: float)
------------------------------------------------------------------
    z = X W + b,     ŷ = σ(z) = 1 / (1 + e^(−z))          (ŷᵢ = P(yᵢ = 1 | xᵢ))
    J(W, b) = −(1/m) Σᵢ [ yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ) ]       (binary cross-entropy)
    ∂J/∂z = (ŷ − y)/m,     ∂J/∂W = Xᵀ (ŷ − y)/m,     ∂J/∂b = Σᵢ (ŷᵢ − yᵢ)/m

Compute σ without overflow: for z ≥ 0 use 1/(1 + e^(−z)), for z < 0 use e^z/(1 + e^z), so the
exponent is never positive — for float64 and float32 arrays alike. An overflow kept quiet
(np.errstate, np.seterr, a warnings filter) still counts as one: the grader lets NumPy's
warnings through while it checks sigmoid. Compute J from z without ever taking log 0, using

    log ŷ = −log(1 + e^(−z)) = −np.logaddexp(0, −z)
    log(1 − ŷ) = −log(1 + e^z) = −np.logaddexp(0, z)

Standardisation
---------------
Features on very different scales make gradient descent crawl. Standardise each column with the
**training** mean μ and standard deviation s (``np.std``, i.e. ddof = 0), and apply the same μ and s
to the test set (the test set must not leak into the preprocessing):

    X_std = (X − μ) / s       (a column with s = 0 is left centred: divide it by 1 instead;
                              with a single training row every column is such a column)

Stopping: two criteria
----------------------
Start from W = 0, b = 0. At iteration k = 0, 1, 2, … compute the loss J_k and the gradient at the
current parameters, then:
  1. convergence: if k ≥ 1 and the loss changed by at most ``tol`` *relative* to the previous one,
         |J_k − J_{k−1}| ≤ tol · |J_{k−1}|,
     stop *without* updating; the reason is "converged";
  2. otherwise update W ← W − α ∂J/∂W, b ← b − α ∂J/∂b;
  3. max iterations: once ``max_steps`` updates have been made, stop; the reason is "max_steps".
``losses`` lists every J_k you computed, in order: its length is the number of updates made,
plus one if the run converged. (The change is relative so that a loss creeping slowly towards 0
is not mistaken for convergence.) The test is ≤ against the *previous* loss J_{k−1}: a change
exactly equal to tol · |J_{k−1}| stops, and tol may be 0 (then only an unchanged loss stops).

What to write
-------------
    sigmoid(z) -> np.ndarray                     σ, element-wise, no overflow warnings
    standardize(X_train, X_test) -> (X_train_std, X_test_std)
    loss_and_gradients(X, y, W, b) -> (J: float, dW: np.ndarray (n,), db: float)
    train(X, y, lr, max_steps, tol) -> (W, b, losses: np.ndarray, reason: str)
    predict(X, W, b) -> np.ndarray (m,) of ints   1 where σ(XW + b) ≥ 0.5, else 0 (an int
                                                  array, not bools; σ = 0.5 exactly gives 1)
    accuracy(y_true, y_pred) -> float             fraction of equal entries

The grader trains your model on the standardised training data and expects at least 95 %
accuracy on the test data.

Numbers are compared within 1e-7 relative and 1e-9 absolute error (a check that compares
otherwise, e.g. step counts exactly, says so when it fails).

Use only NumPy and the standard library. Check your work with

    grade -e logistic_regression

(`grade --hint logistic_regression` gives a hint, `grade --watch` re-grades every time you save.)
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)), element-wise, stable for every finite z."""
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


def standardize(X_train: np.ndarray, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale both sets with the training columns' mean and standard deviation."""
    ### BEGIN SOLUTION
    X_train = np.asarray(X_train, dtype=float)
    X_test = np.asarray(X_test, dtype=float)
    mu = X_train.mean(axis=0)
    s = X_train.std(axis=0)
    s = np.where(s == 0, 1.0, s)
    return (X_train - mu) / s, (X_test - mu) / s
    ### END SOLUTION


def loss_and_gradients(
    X: np.ndarray, y: np.ndarray, W: np.ndarray, b: float
) -> tuple[float, np.ndarray, float]:
    """Mean binary cross-entropy J and its gradients (∂J/∂W, ∂J/∂b)."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    z = X @ np.asarray(W, dtype=float) + float(b)
    m = y.size
    J = float(np.mean(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)))
    dz = (sigmoid(z) - y) / m
    return J, X.T @ dz, float(np.sum(dz))
    ### END SOLUTION


def train(
    X: np.ndarray, y: np.ndarray, lr: float, max_steps: int, tol: float
) -> tuple[np.ndarray, float, np.ndarray, str]:
    """Gradient descent from zeros until the relative loss change is ≤ tol, or max_steps updates."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    W = np.zeros(X.shape[1])
    b = 0.0
    losses: list[float] = []
    for k in range(max_steps):
        J, dW, db = loss_and_gradients(X, y, W, b)
        losses.append(J)
        if k >= 1 and abs(J - losses[-2]) <= tol * abs(losses[-2]):
            return W, b, np.array(losses), "converged"
        W = W - lr * dW
        b = b - lr * db
    return W, b, np.array(losses), "max_steps"
    ### END SOLUTION


def predict(X: np.ndarray, W: np.ndarray, b: float) -> np.ndarray:
    """Class labels: 1 where σ(XW + b) ≥ 0.5, else 0."""
    ### BEGIN SOLUTION
    p = sigmoid(np.asarray(X, dtype=float) @ np.asarray(W, dtype=float) + float(b))
    return (p >= 0.5).astype(int)
    ### END SOLUTION


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of positions where y_pred equals y_true."""
    ### BEGIN SOLUTION
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
    ### END SOLUTION
