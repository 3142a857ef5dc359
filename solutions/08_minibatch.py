"""Exercise 08 — Batch, stochastic and mini-batch gradient descent.

The story
---------
Full-batch gradient descent computes the gradient on all m examples before every update. With
millions of examples that is slow, so in practice each update uses a *mini-batch* of B examples
(typically 32 to 512): the gradient is noisier but each update is far cheaper. B = m is batch
gradient descent, B = 1 is stochastic gradient descent (SGD), anything in between is mini-batch.

One *epoch* is one pass over the whole training set. Each epoch:
  1. draw a fresh random order of the examples: ``perm = rng.permutation(m)``;
  2. cut it into consecutive batches of B indices: perm[0:B], perm[B:2B], …; the last batch holds
     the remaining m mod B examples when B does not divide m (it is kept, not dropped), so an
     epoch makes ⌈m / B⌉ updates;
  3. for each batch, in order, compute the loss and gradient on that batch only (the *mean* over
     its examples) and update the parameters.

Randomness is reproducible only if it flows from one seeded generator: create
``rng = np.random.default_rng(seed)`` **once** per run and draw one permutation per epoch from it
(re-creating the generator every epoch would repeat the same order every epoch). Draw nothing
else from it. ``rng.permutation(m)`` is the call to use; shuffling ``np.arange(m)`` in place with
``rng.shuffle`` draws the very same order, so it counts too (a fresh np.arange(m) each epoch:
shuffling last epoch's order again is another order) — any other draw does not.

The model here is linear regression (exercise 05): for a batch with rows X_B (B, n), targets y_B,

    J_B = 1/(2B) Σ_{i∈batch} (xᵢ·W + b − yᵢ)²
    ∂J_B/∂W = X_Bᵀ (ŷ_B − y_B) / B,     ∂J_B/∂b = Σ (ŷ_B − y_B) / B
    W ← W − α ∂J_B/∂W,     b ← b − α ∂J_B/∂b

Note B is the size of *this* batch (the last one can be smaller), not m. Any 1 ≤ B ≤ m works,
m = 1 included; X may have several columns.

What to write (X: (m, n), y: (m,), W: (n,), b: float)
-----------------------------------------------------
    num_batches(m, batch_size) -> int                 updates per epoch, ⌈m / B⌉
    split_batches(order, batch_size) -> list[np.ndarray]
        Cut one epoch's order of row indices (an int array, shape (m,)) into consecutive
        batches: order[0:B], order[B:2B], …, the last one possibly shorter.
    batch_schedule(m, batch_size, epochs, seed) -> list[np.ndarray]
        Every batch of every epoch, in the order they are used: make one generator
        ``rng = np.random.default_rng(seed)``, then for each epoch draw ``rng.permutation(m)``
        (exactly one call per epoch) and cut it with ``split_batches``.
    minibatch_descent(X, y, W0, b0, lr, batch_size, epochs, seed)
            -> (W: np.ndarray (n,), b: float, losses: np.ndarray (epochs · ⌈m/B⌉,))
        Run the epochs above, using the batches of ``batch_schedule(m, batch_size, epochs, seed)``.
        ``losses[k]`` is the *batch* loss J_B computed just before update k.

Worked example (check yourself): m = 5, B = 2 → 3 updates per epoch;
split_batches([3, 0, 4, 1, 2], 2) = [[3, 0], [4, 1], [2]].

Numbers are compared within 1e-7 relative and 1e-9 absolute error (a check that compares
otherwise, e.g. step counts exactly, says so when it fails).

Use only NumPy and the standard library. Check your work with

    grade -e minibatch

(`grade --hint minibatch` gives a hint, `grade --watch` re-grades every time you save.)
"""

from __future__ import annotations

import numpy as np


def num_batches(m: int, batch_size: int) -> int:
    """Updates per epoch: ⌈m / batch_size⌉ (the last, partial batch counts)."""
    ### BEGIN SOLUTION
    return -(-m // batch_size)
    ### END SOLUTION


def split_batches(order: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Consecutive slices of ``order`` of length batch_size; the last may be shorter."""
    ### BEGIN SOLUTION
    order = np.asarray(order)
    return [order[start : start + batch_size] for start in range(0, order.size, batch_size)]
    ### END SOLUTION


def batch_schedule(m: int, batch_size: int, epochs: int, seed: int) -> list[np.ndarray]:
    """All batches of all epochs in order, from a single generator seeded once."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    batches: list[np.ndarray] = []
    for _ in range(epochs):
        batches.extend(split_batches(rng.permutation(m), batch_size))
    return batches
    ### END SOLUTION


def minibatch_descent(
    X: np.ndarray,
    y: np.ndarray,
    W0: np.ndarray,
    b0: float,
    lr: float,
    batch_size: int,
    epochs: int,
    seed: int,
) -> tuple[np.ndarray, float, np.ndarray]:
    """Mini-batch gradient descent for linear regression; losses[k] = batch loss before update k."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    W = np.array(W0, dtype=float)
    b = float(b0)
    losses = []
    for idx in batch_schedule(X.shape[0], batch_size, epochs, seed):
        Xb, yb = X[idx], y[idx]
        r = Xb @ W + b - yb
        size = r.size
        losses.append(float(r @ r / (2 * size)))
        W = W - lr * (Xb.T @ r / size)
        b = b - lr * float(np.sum(r) / size)
    return W, b, np.array(losses)
    ### END SOLUTION
