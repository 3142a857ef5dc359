"""Exercise 1 — Gradient descent by hand on a parabola.

The loss
    L(w) = (w − 2)²
has its minimum at w = 2. Its derivative (the slope of the curve) is
    dL/dw = 2(w − 2).
One step of gradient descent with learning rate α moves w against the slope:
    w_new = w − α · dL/dw
When the slope is positive (the loss rises to the right) w moves left, and the other way round.
With many parameters θ = (θ₁, …, θₙ) the same rule updates every component at once:
θ_new = θ − α ∇L(θ).

Worked example: w = 3.0, dL/dw = 2.5, α = 0.1 gives w_new = 3.0 − 0.1 × 2.5 = 2.75.

What to write (every function receives plain numbers, or NumPy arrays, as arguments):

    parabola_loss(w)         -> float      L(w) = (w − 2)²
    parabola_grad(w)         -> float      dL/dw = 2(w − 2)
                                           w is a number (an int or a float) or an array: for an
                                           array, both work entry by entry and return an array of
                                           its shape, so do not convert with float() or math.*
    gd_step(w, grad, lr)     -> same type as w
                                           one update w − lr · grad; w and grad may be floats or
                                           arrays of the same shape (then every entry is updated,
                                           and w is not changed in place: return a new array)
    trajectory(w0, lr, steps) -> (ws, losses)
                                           run `steps` updates on the parabola starting at w0,
                                           using parabola_grad and gd_step; ws[k] is w *after*
                                           update k+1 and losses[k] = L(ws[k]); both are lists of
                                           length `steps` (w0 itself is not in the list). w0 may
                                           be an int (trajectory(6, 0.3, 5) gives the same floats
                                           as trajectory(6.0, 0.3, 5)); steps = 0 gives two empty
                                           lists
    error_ratio(lr)          -> float      the number r with (w_new − 2) = r · (w − 2) for one
                                           update on this parabola (work it out on paper from
                                           the two formulas above); |r| < 1 means the distance to
                                           the minimum shrinks every step

Try it: with w0 = 6 and α = 0.3 the first update is 6 − 0.3 × 2(6 − 2) = 3.6; the next ones are
2.64 and 2.256. With α = 1.2 each step overshoots: w jumps to the other side of the minimum and
lands further away than it started, so the loss grows instead of shrinking.

Numbers are compared within 1e-7 relative and 1e-9 absolute error (a check that compares
otherwise, e.g. step counts exactly, says so when it fails).

Check your work:  grade -e parabola        (or `grade --watch` to re-check on every save)
Stuck?            grade --hint parabola
"""


def parabola_loss(w: float) -> float:
    """L(w) = (w − 2)²."""
    ### BEGIN SOLUTION
    return (w - 2.0) ** 2
    ### END SOLUTION


def parabola_grad(w: float) -> float:
    """dL/dw = 2(w − 2)."""
    ### BEGIN SOLUTION
    return 2.0 * (w - 2.0)
    ### END SOLUTION


def gd_step(w, grad, lr: float):
    """One gradient-descent update: w − lr · grad (floats, or arrays of one shape)."""
    ### BEGIN SOLUTION
    return w - lr * grad
    ### END SOLUTION


def trajectory(w0: float, lr: float, steps: int) -> tuple[list[float], list[float]]:
    """w and L(w) after each of `steps` updates from w0: two lists of length `steps`."""
    ### BEGIN SOLUTION
    ws, losses = [], []
    w = w0
    for _ in range(steps):
        w = gd_step(w, parabola_grad(w), lr)
        ws.append(w)
        losses.append(parabola_loss(w))
    return ws, losses
    ### END SOLUTION


def error_ratio(lr: float) -> float:
    """r such that one update maps the distance to the minimum w − 2 to r · (w − 2)."""
    ### BEGIN SOLUTION
    return 1.0 - 2.0 * lr
    ### END SOLUTION
