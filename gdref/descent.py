"""The descent loop: batch, mini-batch and stochastic gradient descent with stopping rules.

    repeat:  draw a batch B;  (J_B, g) = objective(θ, X_B, y_B);  θ, state = step(θ, g, state)
    until    converged | max_steps / epochs reached | diverged

Batches. ``batch_size=None`` uses all m examples every step, in their given order (batch GD).
``batch_size=k`` (1 ≤ k ≤ m) shuffles at the start of every epoch with
``rng.permutation(m)``, where ``rng = numpy.random.default_rng(seed)`` is created once per call,
and cuts the permutation into consecutive batches of k; the last batch of an epoch holds the
m mod k leftovers when k does not divide m. ``batch_size=1`` is stochastic GD.

Stopping, checked in this order at every step (before the update is applied):
- diverged: the loss or the gradient is NaN/inf, or the loss exceeds ``divergence_factor`` times
  the first loss (an exploding iterate, e.g. too large a learning rate);
- converged: the relative loss change |J_k − J_{k−1}| ≤ tol · |J_{k−1}| (``tol``), or the gradient
  norm ‖g‖ ≤ grad_tol (``grad_tol``). With mini-batches the loss test compares the full-data loss
  at the end of consecutive epochs, since batch losses fluctuate by design;
- max_steps: ``max_steps`` updates (or ``epochs`` passes over the data) were made.
The change is relative so that a loss creeping towards 0 forever (logistic regression on
separable data, whose weights grow without bound) is not mistaken for convergence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gdref._checks import as_float_array, require_finite, require_positive
from gdref.models import linear_loss_and_grads, logistic_loss_and_grads
from gdref.optim import Optimizer
from gdref.tree import Tree, as_float_tree, global_norm, tree_leaves

Objective = Callable[..., tuple[float, Tree]]


@dataclass
class Trace:
    """What a run of :func:`descend` did, step by step.

    losses[k], lrs[k], grad_norms[k] belong to update k (the loss and gradient norm evaluated at
    params_history[k], before the update). params_history has one more entry than updates made:
    the starting point. Lengths: after "max_steps", losses/lrs/grad_norms hold ``steps`` entries;
    after "converged" they hold ``steps + 1`` (the evaluation that met the criterion, at the final
    params, is kept); after "diverged" the offending non-finite or exploding loss is not recorded
    (``message`` gives it). ``epoch_losses`` (mini-batch runs): the full-data loss after each
    epoch.
    """

    params: Tree
    params_history: list[Tree] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    lrs: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)
    epoch_losses: list[float] = field(default_factory=list)
    steps: int = 0
    epochs: int = 0
    stop_reason: str = "max_steps"
    message: str = ""


def _check_data(X: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    X = as_float_array(X, "X")
    y = as_float_array(y, "y")
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be 2-D with shape (m, n), m >= 1; got {X.shape}")
    if y.shape[:1] != X.shape[:1]:
        raise ValueError(f"y must have m = {X.shape[0]} rows to match X {X.shape}; got {y.shape}")
    require_finite(X, "X")
    require_finite(y, "y")
    return X, y


def _batches(m: int, batch_size: int | None, rng: np.random.Generator):
    """Yield (epoch, index array or None for 'all rows in order', last_in_epoch) forever."""
    epoch = 0
    while True:
        if batch_size is None:
            yield epoch, None, True
        else:
            order = rng.permutation(m)
            for start in range(0, m, batch_size):
                yield epoch, order[start : start + batch_size], start + batch_size >= m
        epoch += 1


Stop = tuple[str, str]
"""Why a run ended: (stop_reason, message), as stored in the Trace."""


def _check_budget(
    max_steps: int | None,
    epochs: int | None,
    tol: float | None,
    grad_tol: float | None,
    divergence_factor: float,
) -> None:
    if max_steps is None and epochs is None:
        raise ValueError("give max_steps or epochs (or both): the loop needs a budget")
    if max_steps is not None and (int(max_steps) != max_steps or max_steps < 0):
        raise ValueError(f"max_steps must be an integer >= 0, got {max_steps!r}")
    if epochs is not None and (int(epochs) != epochs or epochs < 1):
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    if tol is not None:
        require_positive(tol, "tol")
    if grad_tol is not None:
        require_positive(grad_tol, "grad_tol")
    require_positive(divergence_factor, "divergence_factor")


def _check_inputs(
    X: object, y: object, batch_size: int | None
) -> tuple[tuple[np.ndarray, np.ndarray] | None, int]:
    """Return (data or None for a fixed function, m), with m = 1 for a fixed function."""
    if X is None:
        if y is not None or batch_size is not None:
            raise ValueError("y and batch_size need X: pass the data as X=..., y=...")
        m = 1
        data = None
    else:
        if y is None:
            raise ValueError("X was given without y")
        data = _check_data(X, y)
        m = data[0].shape[0]
    if batch_size is not None and (int(batch_size) != batch_size or not 1 <= batch_size <= m):
        raise ValueError(f"batch_size must be an integer in [1, m] = [1, {m}], got {batch_size!r}")
    return data, m


def _evaluate(
    objective: Objective,
    data: tuple[np.ndarray, np.ndarray] | None,
    theta: Tree,
    rows: np.ndarray | None,
) -> tuple[float, Tree]:
    """(J, g) at theta on the rows of the data (None: all rows in order; no data: objective(θ))."""
    if data is None:
        return objective(theta)
    if rows is None:
        return objective(theta, data[0], data[1])
    return objective(theta, data[0][rows], data[1][rows])


def _budget_spent(steps: int, epoch: int, max_steps: int | None, epochs: int | None) -> Stop | None:
    if max_steps is not None and steps >= max_steps:
        return "max_steps", f"reached max_steps = {max_steps}"
    if epochs is not None and epoch >= epochs:
        return "max_steps", f"reached epochs = {epochs}"
    return None


def _diverged(
    loss: float, grads: Tree, first_loss: float, divergence_factor: float, step: int
) -> Stop | None:
    """Diverged when J or g is NaN/inf, or J > divergence_factor · J_0 (with J_0 > 0)."""
    if not np.isfinite(loss) or not all(np.isfinite(g).all() for g in tree_leaves(grads)):
        return "diverged", f"loss or gradient became non-finite at step {step}"
    if first_loss > 0 and loss > divergence_factor * first_loss:
        return (
            "diverged",
            f"loss {loss:.3g} exceeds {divergence_factor:g} × the first loss "
            f"{first_loss:.3g} at step {step}: the learning rate is probably too large",
        )
    return None


def _step_converged(
    loss: float,
    previous: float | None,
    grad_norm: float,
    tol: float | None,
    grad_tol: float | None,
) -> Stop | None:
    """Batch GD: converged when ‖g‖ ≤ grad_tol, or |J_k − J_{k−1}| ≤ tol · |J_{k−1}|."""
    if grad_tol is not None and grad_norm <= grad_tol:
        return "converged", f"gradient norm {grad_norm:.3g} <= grad_tol = {grad_tol:g}"
    if tol is not None and previous is not None and abs(loss - previous) <= tol * abs(previous):
        return "converged", f"relative loss change <= tol = {tol:g}"
    return None


def _epoch_converged(
    epoch_losses: list[float], full_grads: Tree, tol: float | None, grad_tol: float | None
) -> Stop | None:
    """Mini-batch: the same tests on the full-data loss and gradient at the end of an epoch."""
    if grad_tol is not None and global_norm(full_grads) <= grad_tol:
        return "converged", f"full-data gradient norm <= grad_tol = {grad_tol:g}"
    if tol is not None and len(epoch_losses) >= 2:
        a, b = epoch_losses[-2], epoch_losses[-1]
        if abs(b - a) <= tol * abs(a):
            return "converged", f"relative epoch-loss change <= tol = {tol:g}"
    return None


def _finish(trace: Trace, params: Tree, stop: Stop) -> Trace:
    trace.params = params
    trace.stop_reason, trace.message = stop
    return trace


def descend(
    objective: Objective,
    params: Tree,
    optimizer: Optimizer,
    *,
    X: object = None,
    y: object = None,
    batch_size: int | None = None,
    max_steps: int | None = 1000,
    epochs: int | None = None,
    tol: float | None = None,
    grad_tol: float | None = None,
    seed: int | np.random.Generator = 0,
    divergence_factor: float = 1e6,
    record_params: bool = True,
) -> Trace:
    """Minimise ``objective`` from ``params`` with ``optimizer``; see the module docstring.

    ``objective(params, X_batch, y_batch) -> (loss, grads)`` when X is given, otherwise
    ``objective(params) -> (loss, grads)`` (a fixed function such as the parabola).
    """
    _check_budget(max_steps, epochs, tol, grad_tol, divergence_factor)
    data, m = _check_inputs(X, y, batch_size)
    minibatch = batch_size is not None
    rng = np.random.default_rng(seed)
    params = as_float_tree(params)
    for leaf in tree_leaves(params):
        require_finite(leaf, "params")
    state = optimizer.init(params)
    trace = Trace(params=params, params_history=[params] if record_params else [])

    first_loss: float | None = None
    for epoch, rows, last_in_epoch in _batches(m, batch_size, rng):
        stop = _budget_spent(trace.steps, epoch, max_steps, epochs)
        if stop is not None:
            return _finish(trace, params, stop)

        loss, grads = _evaluate(objective, data, params, rows)
        loss = float(loss)
        grad_norm = global_norm(as_float_tree(grads, "grads"))
        if first_loss is None:
            first_loss = loss
        stop = _diverged(loss, grads, first_loss, divergence_factor, trace.steps)
        if stop is not None:
            return _finish(trace, params, stop)

        previous = trace.losses[-1] if trace.losses else None
        trace.losses.append(loss)
        trace.lrs.append(float(optimizer.learning_rate(trace.steps)))
        trace.grad_norms.append(grad_norm)
        stop = None if minibatch else _step_converged(loss, previous, grad_norm, tol, grad_tol)
        if stop is not None:
            return _finish(trace, params, stop)

        params, state = optimizer.step(params, grads, state)
        trace.steps += 1
        if record_params:
            trace.params_history.append(params)

        if not minibatch:
            trace.epochs = trace.steps
        elif last_in_epoch:
            trace.epochs = epoch + 1
            full_loss, full_grads = _evaluate(objective, data, params, None)
            trace.epoch_losses.append(float(full_loss))
            stop = _epoch_converged(trace.epoch_losses, full_grads, tol, grad_tol)
            if stop is not None:
                return _finish(trace, params, stop)
    raise AssertionError("unreachable: _batches never ends")


def linear_objective(params: tuple, X: np.ndarray, y: np.ndarray) -> tuple[float, tuple]:
    """Objective for linear regression with params (W, b): J = MSE, grads (dW, db)."""
    W, b = params
    return linear_loss_and_grads(X, y, W, b)


def logistic_objective(l2: float = 0.0) -> Objective:
    """Objective for (optionally L2-regularised) logistic regression with params (W, b)."""

    def objective(params: tuple, X: np.ndarray, y: np.ndarray) -> tuple[float, tuple]:
        W, b = params
        return logistic_loss_and_grads(X, y, W, b, l2)

    return objective
