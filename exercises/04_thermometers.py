"""Exercise 04 — The three thermometers: absolute error, its subgradient, and a stubborn iterate.

The story
---------
Three thermometers hang in the same room and disagree a little. We want one number w for the
room's temperature. A robust choice is the w that minimises the *mean absolute error*
between w and the readings t₁, …, t_m:

    L(w) = (1/m) Σᵢ |w − tᵢ|

This loss is minimised by the **median** of the readings. It has a kink at every reading, so it
has no derivative there; gradient descent uses a *subgradient* instead:

    g(w) = (1/m) Σᵢ sign(w − tᵢ)        with sign(0) = 0 (a reading exactly at w adds nothing)

where sign(u) = −1 for u < 0, 0 for u = 0 and +1 for u > 0 (this is ``np.sign``).

Gradient descent with a fixed learning rate α repeats

    w_{k+1} = w_k − α · g(w_k)

Because |g(w)| never shrinks as w approaches the median (it is ±1/m just either side of it for
an odd number of readings), the steps never get smaller: the iterate ends up hopping back and
forth across the median forever, unless it happens to land on it exactly. A fixed learning rate
plus a kinked loss gives an oscillation — the first hint that the learning rate matters.

The grader passes in the three readings of the course's example (and other, random ones).

What to write
-------------
All inputs are plain Python floats / ints or NumPy arrays; ``readings`` has shape (m,), m ≥ 1
(a single thermometer is fine), and may hold ints. Results are floats even when w0 and the
readings are ints.

    loss(w, readings) -> float
        L(w) above: the *mean* of |w − tᵢ| over the m readings.

    subgradient(w, readings) -> float
        g(w) above: the mean of sign(w − tᵢ); a reading equal to w contributes 0.

    descend(w0, readings, lr, steps) -> np.ndarray of shape (steps + 1,)
        Run ``steps`` updates w ← w − lr · g(w) starting from w0. Return every iterate
        *including* the starting point: [w0, w1, …, w_steps] (just [w0] for steps = 0). Use
        your ``subgradient``.

Worked example (check yourself): readings [1, 2, 4], w = 0 → L = 7/3, g = −1; with lr = 1.5
the first update gives w₁ = 1.5.

Numbers are compared within 1e-7 relative and 1e-9 absolute error (a check that compares
otherwise, e.g. step counts exactly, says so when it fails).

Use only NumPy and the standard library. Check your work with

    grade -e thermometers

(`grade --hint thermometers` gives a hint, `grade --watch` re-grades every time you save.)
"""

from __future__ import annotations

import numpy as np


def loss(w: float, readings: np.ndarray) -> float:
    """Mean absolute error L(w) = (1/m) Σ |w − tᵢ| of one estimate w against m readings."""
    raise NotImplementedError("loss is not written yet")


def subgradient(w: float, readings: np.ndarray) -> float:
    """A subgradient of L at w: g(w) = (1/m) Σ sign(w − tᵢ), with sign(0) = 0."""
    raise NotImplementedError("subgradient is not written yet")


def descend(w0: float, readings: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """Subgradient descent on L from w0: returns [w0, w1, …, w_steps], shape (steps + 1,)."""
    raise NotImplementedError("descend is not written yet")
