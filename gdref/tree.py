"""Parameter structures ("trees"): one array or scalar, or nested tuples / lists / dicts of them.

Optimizers and gradient checking walk these with :func:`tree_map` and :func:`tree_leaves`. Leaves
come out as float64 arrays (0-d for scalars); inputs are never modified.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Tree = Any


def is_branch(tree: Tree) -> bool:
    return isinstance(tree, (tuple, list, dict))


def tree_map(fn: Callable[..., Any], tree: Tree, *rest: Tree) -> Tree:
    """Apply ``fn`` leaf by leaf to trees of the same structure."""
    if isinstance(tree, dict):
        for other in rest:
            if not isinstance(other, dict) or other.keys() != tree.keys():
                raise ValueError(
                    "structures differ: expected a dict with keys "
                    f"{sorted(tree)}, got {_describe(other)}"
                )
        return {key: tree_map(fn, tree[key], *(other[key] for other in rest)) for key in tree}
    if isinstance(tree, (tuple, list)):
        for other in rest:
            if not isinstance(other, (tuple, list)) or len(other) != len(tree):
                raise ValueError(
                    f"structures differ: expected a sequence of {len(tree)}, got {_describe(other)}"
                )
        mapped = [tree_map(fn, *items) for items in zip(tree, *rest, strict=True)]
        return type(tree)(mapped) if not hasattr(tree, "_fields") else type(tree)(*mapped)
    for other in rest:
        if is_branch(other):
            raise ValueError(f"structures differ: expected an array, got {_describe(other)}")
    return fn(tree, *rest)


def tree_leaves(tree: Tree) -> list[Any]:
    """The leaves in a fixed order (dicts by insertion order)."""
    if isinstance(tree, dict):
        return [leaf for key in tree for leaf in tree_leaves(tree[key])]
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in tree_leaves(item)]
    return [tree]


def tree_paths(tree: Tree, prefix: str = "") -> list[str]:
    """Human-readable paths of the leaves, in :func:`tree_leaves` order (``[0]``, ``['W']``)."""
    if isinstance(tree, dict):
        return [p for key in tree for p in tree_paths(tree[key], f"{prefix}[{key!r}]")]
    if isinstance(tree, (tuple, list)):
        return [p for i, item in enumerate(tree) for p in tree_paths(item, f"{prefix}[{i}]")]
    return [prefix or "params"]


def as_float_tree(tree: Tree, name: str = "params") -> Tree:
    """Every leaf as a float64 array (a new array: the caller's arrays are never aliased)."""

    def convert(leaf: Any) -> np.ndarray:
        try:
            return np.array(leaf, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name} leaves must be numeric, got {type(leaf).__name__}") from error

    return tree_map(convert, tree)


def global_norm(tree: Tree) -> float:
    """‖g‖ = sqrt(Σ over every component of every leaf of g²)."""
    return float(np.sqrt(sum(float(np.square(leaf).sum()) for leaf in tree_leaves(tree))))


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return f"a dict with keys {sorted(value)}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"an array of shape {np.shape(value)}"


def require_matching(params: Tree, grads: Tree) -> None:
    """Raise ValueError unless ``grads`` has the structure of ``params`` and leaf shapes equal
    (NumPy would otherwise broadcast a length-1 gradient over a whole weight vector)."""
    tree_map(lambda p, g: None, params, grads)  # same structure, or a ValueError
    pairs = zip(tree_leaves(params), tree_leaves(grads), strict=True)
    for index, (p, g) in enumerate(pairs):
        if np.shape(p) != np.shape(g):
            path = tree_paths(params)[index]  # named only when needed: it costs a walk
            where = "" if path == "params" else path
            raise ValueError(
                f"grads{where} must have shape {np.shape(p)} to match params{where}; "
                f"got {np.shape(g)}"
            )
