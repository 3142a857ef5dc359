"""Let the grading process and its sandbox worker share one CPU while they take turns (Linux).

A check and the learner's function never run at once: the check sends a call and waits, the
worker answers and waits. On two CPUs every call wakes the other CPU twice, which on this
project's virtual machines costs ~60 µs each way; on one CPU a call costs ~76 µs in all
instead of ~150 µs, and no parallel work is lost. A worker starts on any CPU (it imports NumPy
while the grading process starts up) and moves to the shared one once it is ready; the
grading process moves there while it has a worker, and back when it has none.

Where a platform cannot set CPU affinity (macOS, Windows) every function here does nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


def choose(preferred: int | None = None) -> int | None:
    """The CPU to share: ``preferred`` (e.g. a batch grader's index) among the CPUs this
    process may use, else the one it runs on now; None where affinity cannot be set or only
    one CPU is allowed anyway."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None
    if preferred is not None:
        return allowed[preferred % len(allowed)]
    current = _current_cpu()
    return current if current in allowed else allowed[0]


def _current_cpu() -> int | None:
    """The CPU this process last ran on (/proc/self/stat, field 39)."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            return int(stat.read().rpartition(b")")[2].split()[36])
    except (OSError, ValueError, IndexError):
        return None


def move_to(cpu: int | None) -> frozenset[int] | None:
    """Run this process on ``cpu`` only; returns the CPUs it was allowed before (for
    :func:`restore`), or None if nothing changed."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return None
    before = frozenset(os.sched_getaffinity(0))
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:  # e.g. the CPU went offline, or a container's cpuset changed
        return None
    return before


def restore(before: frozenset[int] | None) -> None:
    if before is not None:
        try:
            os.sched_setaffinity(0, before)
        except OSError:
            pass


@contextlib.contextmanager
def unpinned(before: frozenset[int] | None) -> Iterator[None]:
    """Within: this process may run on the CPUs ``before`` again (a process started here
    inherits them, and imports NumPy wherever there is room), then it moves back."""
    if before is None:
        yield
        return
    current = frozenset(os.sched_getaffinity(0))
    restore(before)
    try:
        yield
    finally:
        restore(current)
