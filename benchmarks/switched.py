"""`grade` with one speed mechanism switched off — for benchmarks/bench_mechanisms.py only.

    GDKIT_BENCH_OFF=remembered python benchmarks/switched.py solutions

runs the `grade` command (any arguments, `grade batch` and `--watch` included) exactly as
``python -m grader.cli`` does, except that the named mechanism is switched off by patching the
module that owns it right after that module is imported (nothing is imported earlier than
usual, so the import order, and what the sandbox's worker overlaps with, stay as shipped).
With ``GDKIT_BENCH_OFF`` empty, nothing is patched: the baseline goes through this same file.

The switches live here, not in the shipped code. A process that ``grade batch`` spawns
imports this file again as its main module, so the switch holds in the batch's grading
processes too (they inherit the environment variable).
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import os
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def _no_remembering(module) -> None:
    """Every check works its gdref values out afresh (the decorator does nothing)."""
    module.remembered = lambda function: function


def _no_store(module) -> None:
    """The doors of the learner's loop keep no reference values on disk: each run works out
    what its process does not remember (the store is neither read nor written)."""
    module.across_runs = contextlib.nullcontext


def _no_plugin_skipping(module) -> None:
    """pytest loads all its built-in plugins (the runner's list of unused ones is empty)."""
    module._DISABLED_PLUGINS = []


def _collector_as_usual(module) -> None:
    """The collector runs while the grader starts, and walks every object of the imports in
    each full collection (not paused, nothing frozen)."""
    module.paused = contextlib.nullcontext
    module.settle = lambda: None


def _late_start(module) -> None:
    """`grade` does not start the sandbox before the checks load: the worker is launched when
    the submission's turn comes (after pytest is imported and the checks are collected)."""
    module._early_sandbox = lambda options: None


def _view_per_sandbox(module) -> None:
    """bubblewrap builds NumPy's view in each sandbox's temporary folder, and removes it with
    the sandbox (no view kept in /var/tmp)."""
    module.kept_site_view = lambda: None


def _notebooks_through_nbformat(module) -> None:
    """Whether a notebook beside its .py file is started is told from nbformat's validated
    read, as its grading reads it (no quick json read)."""
    module.NotebookSource.quick_source = lambda self, text, display: None


# mechanism -> (the module that owns it, the patch that switches it off)
SWITCHES: dict[str, tuple[str, Callable]] = {
    "remembered": ("grader.checking.remember", _no_remembering),
    "stored_values": ("grader.checking.remember", _no_store),
    "skipped_plugins": ("grader.runner", _no_plugin_skipping),
    "startup_collector": ("grader.collector", _collector_as_usual),
    "early_start": ("grader.cli", _late_start),
    "kept_view": ("grader.sandbox.backends", _view_per_sandbox),
    "quick_notebooks": ("grader.submission.files", _notebooks_through_nbformat),
}


def _one_shared_user(module) -> None:
    """As root, every worker runs as one user, ``nobody`` (as before each had a user of its
    own): what users of their own cost."""
    module.lease = lambda: module.Lease(65534, -1) if module.needed() else None


# protections, not speed mechanisms: switched off only to measure what they cost (bench_batch)
PROTECTIONS: dict[str, tuple[str, Callable]] = {
    "own_users": ("grader.sandbox.users", _one_shared_user),
}


class _PatchAfterImport:
    """A meta path finder that lets a module load as usual, then patches it."""

    def __init__(self, patches: dict[str, Callable]) -> None:
        self.patches = patches

    def find_spec(self, name: str, path=None, target=None):
        patch = self.patches.get(name)
        if patch is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def load_then_patch(module) -> None:
            load(module)
            patch(module)

        spec.loader.exec_module = load_then_patch
        return spec


def switch_off(name: str) -> None:
    if not name:
        return
    known = {**SWITCHES, **PROTECTIONS}
    if name not in known:
        raise SystemExit(f"GDKIT_BENCH_OFF: unknown mechanism {name!r} (known: {list(known)})")
    owner, patch = known[name]
    if owner in sys.modules:
        patch(sys.modules[owner])
    else:
        sys.meta_path.insert(0, _PatchAfterImport({owner: patch}))


switch_off(os.environ.get("GDKIT_BENCH_OFF", ""))

if __name__ == "__main__":
    from grader.cli import run

    run()
