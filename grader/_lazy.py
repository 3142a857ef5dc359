"""Lazy public names for the grader's subpackages (PEP 562).

Each subpackage's ``__init__`` names what it offers and the module that holds it; the module is
imported the first time a name is used, so ``import grader.sandbox`` costs nothing until a
name of it is needed, and the files behind a name can move without breaking callers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def exports(package: str, names: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` that finds ``names[attr]`` (a submodule of ``package``)."""

    def __getattr__(attr: str) -> object:
        module = names.get(attr)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {attr!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), attr)

    return __getattr__
