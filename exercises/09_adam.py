"""Exercise 09 — Adam, with bias correction and explicit state.

The story
---------
Adam (Kingma & Ba, 2015) combines momentum with a per-parameter step size. It keeps two running
averages of the gradient g: the first moment m (an average of g, like momentum's velocity) and
the second moment v (an average of g², element-wise). Both start at 0, so early on they are
biased towards 0; dividing by (1 − βᵗ) corrects that bias. With t = 1 on the first update:

    t ← t + 1
    m ← β₁ m + (1 − β₁) g
    v ← β₂ v + (1 − β₂) g²
    m̂ = m / (1 − β₁ᵗ)
    v̂ = v / (1 − β₂ᵗ)
    θ ← θ − α m̂ / (√v̂ + ε)

ε is added *after* the square root, as in PyTorch's ``torch.optim.Adam`` (Keras/TensorFlow put
their ε elsewhere, which changes the numbers slightly when v is tiny). Defaults: α = 0.001,
β₁ = 0.9, β₂ = 0.999, ε = 1e-8. β₁ sets how long the memory of past gradients is (about
1/(1 − β₁) = 10 steps); β₂ does the same, over a longer window, for the gradient's scale. Each
parameter's step is about α in size, whatever the size of its gradient.

State is explicit: nothing is kept in globals or function attributes. The state is a dict
``{"m": array, "v": array, "t": int}`` that ``adam_step`` receives and returns.

What to write (params and grads: np.ndarray of any shape, the same for both)
---------------------------------------------------------------------------
    adam_init(params) -> dict
        {"m": zeros like params, "v": zeros like params, "t": 0}
    adam_step(params, grads, state, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8) -> (new_params, new_state)
        One update as above. Return new arrays; do not modify params, grads or state in place.
        Keep the parameter names and defaults: the grader calls it with some of them left
        out and others given by name (e.g. eps=0.05).
    adam_minimize_quadratic(A, c, w0, lr, steps, b1=0.9, b2=0.999, eps=1e-8) -> np.ndarray
        Minimise f(w) = ½ (w − c)ᵀ A (w − c) (A: (n, n) symmetric, c and w0: (n,)), whose
        gradient is ∇f(w) = A (w − c). Start from w0 with ``adam_init``, make ``steps`` calls
        to ``adam_step`` (carrying the state from one call to the next, and passing on this
        function's own lr, b1, b2 and eps) and return every iterate including w0: shape
        (steps + 1, n), floats even when w0 holds ints; steps = 0 gives just [w0].

Worked example (check yourself): the first step of Adam moves every parameter by almost exactly
α against the sign of its gradient — with g = [2, −0.5] and α = 0.1, θ = [0, 0] becomes
[−0.1, 0.1] (to about 1e-8), because m̂ = g and v̂ = g² at t = 1.

Numbers are compared within 1e-7 relative and 1e-9 absolute error (a check that compares
otherwise, e.g. step counts exactly, says so when it fails).

Use only NumPy and the standard library. Check your work with

    grade -e adam

(`grade --hint adam` gives a hint, `grade --watch` re-grades every time you save.)
"""

from __future__ import annotations

import numpy as np


def adam_init(params: np.ndarray) -> dict:
    """Zero first and second moments shaped like params, and the step counter t = 0."""
    raise NotImplementedError("adam_init is not written yet")


def adam_step(
    params: np.ndarray,
    grads: np.ndarray,
    state: dict,
    lr: float = 1e-3,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[np.ndarray, dict]:
    """One Adam update with bias correction; returns (new_params, new_state)."""
    raise NotImplementedError("adam_step is not written yet")


def adam_minimize_quadratic(
    A: np.ndarray,
    c: np.ndarray,
    w0: np.ndarray,
    lr: float,
    steps: int,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
) -> np.ndarray:
    """Adam on f(w) = ½(w − c)ᵀA(w − c) from w0; returns the iterates, shape (steps + 1, n)."""
    raise NotImplementedError("adam_minimize_quadratic is not written yet")
