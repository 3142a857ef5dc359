"""Optimizers as pairs of pure functions, in the style of optax:

    state = opt.init(params)
    params, state = opt.step(params, grads, state)

``params`` is one array (or scalar) or a nested tuple / list / dict of arrays; ``grads`` has the
same structure. Nothing is modified in place and nothing hides in globals: all memory (velocity,
moments, the update counter) is in ``state``. ``lr`` is a float or a schedule k ↦ η_k
(:mod:`gdref.schedules`); update number k = 0, 1, … uses η_k.

    sgd        θ ← θ − η g
    momentum   v ← βv + g,  θ ← θ − ηv                       (PyTorch / TF1 form, v₀ = 0)
               nesterov:  θ ← θ − η(g + βv)
               form="sutskever":  v ← βv − ηg,  θ ← θ + v    (Sutskever et al. 2013 / Keras)
    adam       m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,
               m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ),  θ ← θ − η m̂ / (√v̂ + ε)

The two momentum forms are the same trajectory when η is constant (the Sutskever velocity is −η
times the PyTorch one) and different under a schedule: PyTorch scales the whole accumulated
velocity by today's η, Sutskever bakes each past η into the velocity.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from gdref._checks import require_in_range, require_positive
from gdref.schedules import Schedule, as_schedule
from gdref.tree import Tree, as_float_tree, require_matching, tree_map


class Optimizer(NamedTuple):
    """``init(params) -> state`` and ``step(params, grads, state) -> (params, state)``;
    ``learning_rate(k)`` is η_k, the base rate of update k (for traces and plots)."""

    init: Callable[[Tree], Any]
    step: Callable[[Tree, Tree, Any], tuple[Tree, Any]]
    learning_rate: Schedule


class SGDState(NamedTuple):
    count: int  # updates done so far


class MomentumState(NamedTuple):
    count: int
    velocity: Tree


class AdamState(NamedTuple):
    count: int  # t − 1: updates done so far
    m: Tree  # first moment (running mean of g)
    v: Tree  # second moment (running mean of g²)


def _learning_rate(lr: float | Schedule) -> Schedule:
    if not callable(lr):
        require_positive(lr, "lr")
    return as_schedule(lr)


def _rate(schedule: Schedule, count: int) -> float:
    eta = schedule(count)
    require_positive(eta, f"lr at update {count}")
    return eta


def _checked(params: Tree, grads: Tree) -> tuple[Tree, Tree]:
    params, grads = as_float_tree(params), as_float_tree(grads, "grads")
    require_matching(params, grads)
    return params, grads


def _zeros_like(params: Tree) -> Tree:
    return tree_map(np.zeros_like, as_float_tree(params))


def sgd(lr: float | Schedule) -> Optimizer:
    """Plain gradient descent: θ ← θ − η g."""
    schedule = _learning_rate(lr)

    def init(params: Tree) -> SGDState:
        as_float_tree(params)  # validates the structure
        return SGDState(count=0)

    def step(params: Tree, grads: Tree, state: SGDState) -> tuple[Tree, SGDState]:
        eta = _rate(schedule, state.count)
        params, grads = _checked(params, grads)
        new_params = tree_map(lambda theta, g: theta - eta * g, params, grads)
        return new_params, SGDState(count=state.count + 1)

    return Optimizer(init, step, schedule)


def momentum(
    lr: float | Schedule, beta: float = 0.9, nesterov: bool = False, form: str = "pytorch"
) -> Optimizer:
    """Gradient descent with momentum (heavy ball), velocity starting at 0.

    form="pytorch" (default; also TF1's MomentumOptimizer):
        v ← βv + g,  θ ← θ − ηv;   nesterov=True: θ ← θ − η(g + βv)   (= torch.optim.SGD)
    form="sutskever" (Sutskever et al. 2013; Keras SGD):
        v ← βv − ηg,  θ ← θ + v;   nesterov=True: θ ← θ + βv − ηg
    """
    schedule = _learning_rate(lr)
    beta = require_in_range(beta, "beta", 0.0, 1.0)
    if form not in ("pytorch", "sutskever"):
        raise ValueError(f"form must be 'pytorch' or 'sutskever', got {form!r}")

    def init(params: Tree) -> MomentumState:
        return MomentumState(count=0, velocity=_zeros_like(params))

    def step(params: Tree, grads: Tree, state: MomentumState) -> tuple[Tree, MomentumState]:
        eta = _rate(schedule, state.count)
        params, grads = _checked(params, grads)
        if form == "pytorch":
            velocity = tree_map(lambda v, g: beta * v + g, state.velocity, grads)
            if nesterov:
                direction = tree_map(lambda g, v: g + beta * v, grads, velocity)
            else:
                direction = velocity
            new_params = tree_map(lambda theta, d: theta - eta * d, params, direction)
        else:
            velocity = tree_map(lambda v, g: beta * v - eta * g, state.velocity, grads)
            if nesterov:
                new_params = tree_map(
                    lambda theta, v, g: theta + beta * v - eta * g, params, velocity, grads
                )
            else:
                new_params = tree_map(lambda theta, v: theta + v, params, velocity)
        return new_params, MomentumState(count=state.count + 1, velocity=velocity)

    return Optimizer(init, step, schedule)


def adam(
    lr: float | Schedule = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> Optimizer:
    """Adam (Kingma & Ba 2015, Algorithm 1), with ε added after √v̂ as PyTorch does:

        m ← β₁m + (1 − β₁)g           running mean of gradients (momentum)
        v ← β₂v + (1 − β₂)g²          running mean of squared gradients (per-parameter scale)
        m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)   undo the pull towards the zero start
        θ ← θ − η m̂ / (√v̂ + ε)

    t = 1 on the first update. Keras/TF instead add ε̂ to √v before the bias correction,
    θ ← θ − η_t m / (√v + ε̂) with η_t = η √(1 − β₂ᵗ)/(1 − β₁ᵗ); the two agree up to the value of
    ε, which only matters when v is tiny.
    """
    schedule = _learning_rate(lr)
    b1 = require_in_range(b1, "b1", 0.0, 1.0)
    b2 = require_in_range(b2, "b2", 0.0, 1.0)
    eps = require_positive(eps, "eps")

    def init(params: Tree) -> AdamState:
        return AdamState(count=0, m=_zeros_like(params), v=_zeros_like(params))

    def step(params: Tree, grads: Tree, state: AdamState) -> tuple[Tree, AdamState]:
        eta = _rate(schedule, state.count)
        t = state.count + 1
        params, grads = _checked(params, grads)
        m = tree_map(lambda m_, g: b1 * m_ + (1.0 - b1) * g, state.m, grads)
        v = tree_map(lambda v_, g: b2 * v_ + (1.0 - b2) * g * g, state.v, grads)

        def update(theta: np.ndarray, m_: np.ndarray, v_: np.ndarray) -> np.ndarray:
            m_hat = m_ / (1.0 - b1**t)
            v_hat = v_ / (1.0 - b2**t)
            return theta - eta * m_hat / (np.sqrt(v_hat) + eps)

        new_params = tree_map(update, params, m, v)
        return new_params, AdamState(count=t, m=m, v=v)

    return Optimizer(init, step, schedule)
