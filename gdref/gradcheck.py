"""Gradient checking with central differences.

    ∂f/∂θᵢ ≈ [f(θ + h eᵢ) − f(θ − h eᵢ)] / (2h)          error O(h²), vs O(h) one-sided
    rel_error(a, b) = max over i of |aᵢ − bᵢ| / max(1e-8, |aᵢ| + |bᵢ|)   (CS231n)

In float64 with h = 1e-6 a correct analytic gradient typically agrees to ~1e-8 or better; an
error above ~1e-4 almost always means a bug (or a kink, such as |x| at 0, within h of θ).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdref._checks import as_float_array, require_positive
from gdref.tree import Tree, as_float_tree, tree_leaves, tree_map, tree_paths


def numerical_gradient(f: Callable[[Tree], float], params: Tree, eps: float = 1e-6) -> Tree:
    """Central-difference estimate of ∇f at ``params``, with the same structure as ``params``.

    Costs 2 evaluations of f per component. ``params`` is not modified: each component is nudged
    in a private copy.
    """
    require_positive(eps, "eps")
    base = as_float_tree(params)
    leaves = tree_leaves(base)
    estimates = [np.zeros_like(leaf) for leaf in leaves]
    for leaf, estimate in zip(leaves, estimates, strict=True):
        flat_leaf, flat_estimate = leaf.reshape(-1), estimate.reshape(-1)
        for i in range(flat_leaf.size):
            original = flat_leaf[i]
            flat_leaf[i] = original + eps
            f_plus = float(f(_copy(base)))
            flat_leaf[i] = original - eps
            f_minus = float(f(_copy(base)))
            flat_leaf[i] = original
            flat_estimate[i] = (f_plus - f_minus) / (2 * eps)
    return _rebuild(base, estimates)


def rel_error(a: object, b: object) -> float:
    """max over components of |a − b| / max(1e-8, |a| + |b|) (CS231n's relative error)."""
    a_leaves = [as_float_array(x, "a").reshape(-1) for x in tree_leaves(a)]
    b_leaves = [as_float_array(x, "b").reshape(-1) for x in tree_leaves(b)]
    if [x.shape for x in a_leaves] != [x.shape for x in b_leaves]:
        raise ValueError("a and b must have the same structure and shapes")
    a_flat, b_flat = np.concatenate(a_leaves), np.concatenate(b_leaves)
    if a_flat.size == 0:
        return 0.0
    return float(np.max(_elementwise_rel(a_flat, b_flat)))


@dataclass(frozen=True)
class GradCheckResult:
    """The outcome of :func:`check_gradient`: the worst component and where it is."""

    max_rel_error: float
    worst_path: str  # which leaf, e.g. "[0]" for W in params (W, b)
    worst_index: tuple[int, ...]  # index inside that leaf
    analytic: float  # analytic derivative at the worst component
    numeric: float  # central-difference derivative there
    ok: bool  # max_rel_error <= threshold

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "MISMATCH"
        return (
            f"gradient check {verdict}: max relative error {self.max_rel_error:.2e} at "
            f"{self.worst_path}{list(self.worst_index)} "
            f"(analytic {self.analytic:.6g}, numeric {self.numeric:.6g})"
        )


def check_gradient(
    f: Callable[[Tree], float],
    grad_f: Callable[[Tree], Tree],
    params: Tree,
    eps: float = 1e-6,
    threshold: float = 1e-7,
) -> GradCheckResult:
    """Compare ``grad_f(params)`` with :func:`numerical_gradient` and report the worst component."""
    analytic = as_float_tree(grad_f(params), "grad_f(params)")
    numeric = numerical_gradient(f, params, eps)
    worst = (-1.0, "", (), 0.0, 0.0)
    pairs = zip(tree_paths(numeric), tree_leaves(analytic), tree_leaves(numeric), strict=True)
    for path, a_leaf, n_leaf in pairs:
        if a_leaf.shape != n_leaf.shape:
            raise ValueError(
                f"grad_f returned shape {a_leaf.shape} for {path}, expected {n_leaf.shape}"
            )
        if a_leaf.size == 0:
            continue
        errors = _elementwise_rel(a_leaf, n_leaf)
        index = np.unravel_index(int(np.argmax(errors)), errors.shape)
        if errors[index] > worst[0]:
            worst = (
                float(errors[index]),
                path,
                tuple(int(i) for i in index),
                float(a_leaf[index]),
                float(n_leaf[index]),
            )
    max_error, path, index, a_value, n_value = worst
    max_error = max(max_error, 0.0)
    return GradCheckResult(max_error, path, index, a_value, n_value, max_error <= threshold)


def _elementwise_rel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))


def _copy(tree: Tree) -> Tree:
    return tree_map(np.copy, tree)


def _rebuild(structure: Tree, leaves: list[np.ndarray]) -> Tree:
    remaining = iter(leaves)
    return tree_map(lambda _: next(remaining), structure)
