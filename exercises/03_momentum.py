"""Exercise 3 — Momentum: a heavy ball rolls through a ravine.

Plain gradient descent on an ill-conditioned loss (a long, narrow valley — a "ravine") zig-zags
across the steep walls and crawls along the flat floor: the learning rate must be small enough
for the steep direction, which makes it tiny for the flat one. Momentum keeps a running
*velocity* v that accumulates past gradients, so the zig-zags cancel out and the steps along the
floor add up.

The update (the PyTorch form; v starts at 0, β is the momentum coefficient, η the learning rate):
    v_new = β · v + g
    w_new = w − η · v_new
where g = ∇L(w) is the gradient at the current w. With β = 0 this is plain gradient descent.
(Another common form, Sutskever's / Keras', keeps v' = β v' − η g and w ← w + v'; with a
constant η it takes the same steps, but its v' is −η times ours. Use the PyTorch form here.)

The state (v) is explicit: momentum_step receives the old velocity and returns the new one;
nothing is remembered between calls.

The ravine: L(w) = ½ wᵀ A w for a symmetric positive-definite matrix A (2 × 2 in the checks,
eigenvalues far apart), with gradient ∇L(w) = A w and its minimum at w = 0.

What to write:

    momentum_step(w, grad, v, lr, beta)  -> (w_new, v_new)
                      w, grad, v: arrays of one shape (n,), n ≥ 1, of floats or ints (the
                      results are floats); lr, beta: floats. v_new first, then w moves by
                      η · v_new. Return new arrays: do not change w, grad or v in place
    steps_to_tolerance(A, w0, lr, beta, tol, max_steps) -> int
                      start at w0 with v = 0 and apply momentum_step with grad = A w
                      (quadratic_grad below) until ‖w‖ ≤ tol (np.linalg.norm of w itself, not
                      of the gradient; ‖w‖ equal to tol stops, and tol may be 0); return the
                      number of updates made (0 if ‖w0‖ ≤ tol already), or max_steps if ‖w‖ is
                      still above tol after max_steps updates. w0 may hold ints: the iterates
                      are floats all the same

Then compare: with the same η, β = 0.9 reaches the tolerance in far fewer steps than β = 0
(plain gradient descent) on the ravine.

Numbers are compared within 1e-7 relative and 1e-9 absolute error (a check that compares
otherwise, e.g. step counts exactly, says so when it fails).

Check your work:  grade -e momentum        (or `grade --watch`)
Stuck?            grade --hint momentum
"""

import numpy as np


def quadratic_grad(A, w):
    """∇L(w) = A w for L(w) = ½ wᵀ A w (given; nothing to write here)."""
    return np.asarray(A, dtype=float) @ np.asarray(w, dtype=float)


def momentum_step(w, grad, v, lr: float, beta: float):
    """One momentum update in the PyTorch form: v_new = β v + g, w_new = w − η v_new."""
    w = np.asarray(w, dtype=float)
    grad = np.asarray(grad, dtype=float)
    v = np.asarray(v, dtype=float)
    raise NotImplementedError("momentum_step is not written yet")


def steps_to_tolerance(A, w0, lr: float, beta: float, tol: float, max_steps: int) -> int:
    """Updates until ‖w‖ ≤ tol on L(w) = ½ wᵀAw, starting at w0 with zero velocity."""
    raise NotImplementedError("steps_to_tolerance is not written yet")
