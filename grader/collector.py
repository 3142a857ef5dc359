"""The cyclic garbage collector while ``grade`` starts: one owner of what the grader asks of it.

    with collector.paused():   # the grade command, from its start (grader/cli.py)
        ...
        collector.settle()     # the first checks are about to run (grader/runner.py)

Starting, the grading process imports NumPy, pytest and the checks and opens the sandbox:
~80,000 objects that live as long as the process, and next to no garbage. A collection ran
every 700 new objects and walked all of them again, and each full one during the checks walked
them once more. So the collector is off while the grader starts, and when the first checks are
about to run, everything then alive is frozen out of its sight (``gc.freeze``, once per
process) and it is on again: what the checks, and later runs (watch, ``grade batch``'s graders,
a notebook's kernel), make stays collectable. A block that ends without checks (``--list``,
``--hint``, an error) turns it on again as it found it. Switched off, a ``grade solutions`` run
costs 5–8 % more (benchmarks/bench_mechanisms.py, ``startup_collector``).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_paused: list[bool] = []  # a paused() block turned the collector off and it is still off
_settled: list[bool] = []  # gc.freeze() done in this process


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No collection within the block until :func:`settle` (see the module's docstring)."""
    if not gc.isenabled():  # off already: the caller's choice, or a pause outside this one
        yield
        return
    gc.disable()
    _paused.append(True)
    try:
        yield
    finally:
        _resume()


def settle() -> None:
    """The checks are about to run: what exists is frozen (once per process), and a pause
    ends."""
    if not _settled:
        gc.freeze()
        _settled.append(True)
    _resume()


def _resume() -> None:
    if _paused:
        _paused.clear()
        gc.enable()
