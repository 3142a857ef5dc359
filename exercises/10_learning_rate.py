"""Exercise 10 — The learning rate: schedules, and reading a loss trace.

The story
---------
The learning rate α is the one knob that decides whether gradient descent works:

    too small    the loss goes down, but it inches: after many steps it has barely moved
    about right  the loss falls quickly and smoothly to a low value
    too large    the steps overshoot the minimum: the loss bounces, goes up, or blows up to inf/nan

A common remedy is a *schedule*: large steps early (fast progress), smaller steps later (so the
iterate settles instead of bouncing around the minimum). The update with index k = 0, 1, 2, …
uses the rate α_k (k counts updates, starting at 0, so the very first update uses α₀ = the initial
rate). The three classic schedules (the same values as PyTorch's StepLR and ExponentialLR, and
Keras's InverseTimeDecay without staircase):

    step decay          α_k = α₀ · γ^⌊k / s⌋          multiply by γ every s updates
    exponential decay   α_k = α₀ · γ^k                multiply by γ every update
    inverse-time decay  α_k = α₀ / (1 + d · k / s)    d = decay rate, s = decay steps

⌊·⌋ rounds down (integer division ``//``).

Reading a loss trace
--------------------
Given the losses J₀, J₁, …, J_{K−1} of a full-batch run (J_k measured before update k), decide,
in this order:
  1. "too large"   if some loss is not finite (inf or nan — the first one included), or the
                   loss ever goes up: J_{k+1} > J_k for some k (an equal loss is no rise);
  2. "too small"   otherwise, if the final loss is still more than half the first one:
                   J_{K−1} > 0.5 · J₀ (exactly half is not more than half);
  3. "about right" otherwise.
A trace may hold a single loss (K = 1): then J_{K−1} = J₀.
(These thresholds are our rule of thumb for traces whose best possible loss is near 0.)

What to write (k: np.ndarray of non-negative ints, shape (K,); each schedule returns shape (K,))
-------------------------------------------------------------------------------------------------
k may be in any order and may be empty (entry i of the result is the rate for k[i]);
decay_steps may be fractional.

    step_decay(lr0, step_size, gamma, k) -> np.ndarray
    exponential_decay(lr0, gamma, k) -> np.ndarray
    inverse_time_decay(lr0, decay_rate, decay_steps, k) -> np.ndarray
    classify_trace(losses) -> str        "too small", "about right" or "too large"

Worked example (check yourself): step_decay(0.1, 3, 0.5, [0, 1, 2, 3, 4, 5, 6]) =
[0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]; inverse_time_decay(1.0, 0.5, 1, [0, 1, 2]) =
[1, 2/3, 1/2].

Numbers are compared within 1e-7 relative and 1e-9 absolute error (a check that compares
otherwise, e.g. step counts exactly, says so when it fails).

Use only NumPy and the standard library. Check your work with

    grade -e learning_rate

(`grade --hint learning_rate` gives a hint, `grade --watch` re-grades every time you save.)
"""

from __future__ import annotations

import numpy as np


def step_decay(lr0: float, step_size: int, gamma: float, k: np.ndarray) -> np.ndarray:
    """α_k = α₀ · γ^⌊k / step_size⌋ for every k."""
    raise NotImplementedError("step_decay is not written yet")


def exponential_decay(lr0: float, gamma: float, k: np.ndarray) -> np.ndarray:
    """α_k = α₀ · γ^k for every k."""
    raise NotImplementedError("exponential_decay is not written yet")


def inverse_time_decay(
    lr0: float, decay_rate: float, decay_steps: float, k: np.ndarray
) -> np.ndarray:
    """α_k = α₀ / (1 + decay_rate · k / decay_steps) for every k."""
    raise NotImplementedError("inverse_time_decay is not written yet")


def classify_trace(losses: np.ndarray) -> str:
    """Label a full-batch loss trace "too small", "about right" or "too large"."""
    raise NotImplementedError("classify_trace is not written yet")
