"""The limits learner code runs under: per call and per worker (:class:`Limits`), and for a
whole grading run (:class:`Deadline`). Both the sandbox and each worker process read them."""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass


def positive_seconds(value: str | float) -> float:
    """``value`` as a number of seconds that a limit can be: positive and finite (not 0, a
    negative number, nan or inf). Raises ValueError otherwise. Every timeout, time limit and
    deadline a person sets (an option or GDKIT_TIMEOUT) is checked here."""
    seconds = float(value)
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"not a positive number of seconds: {value!r}")
    return seconds


@dataclass(frozen=True)
class Limits:
    """Resource limits for learner code. Times in seconds, sizes in bytes."""

    wall: float = 10.0  # per call, measured by the grading process
    cpu: float = 10.0  # per call (RLIMIT_CPU soft limit)
    cpu_total: float = 120.0  # per worker (RLIMIT_CPU hard limit)
    memory_bytes: int = 1 << 30  # on top of what the worker uses after importing NumPy
    output_bytes: int = 1 << 20  # printed output per call; every file written (RLIMIT_FSIZE)
    open_files: int = 64  # file descriptors open at once (RLIMIT_NOFILE): with RLIMIT_FSIZE,
    # what memfd files can hold, which RLIMIT_AS does not count
    temp_bytes: int = 32 << 20  # bubblewrap: the size of its private /tmp, and of /dev/shm
    output_keep: int = 4000  # printed output kept for the report, per call
    output_keep_file: int = 16_000  # and of all one file's calls (an exercise's): see Printed
    message_bytes: int = 256 << 20  # largest reply accepted
    callback_entries: int = 1 << 20  # what learner code may hand a grader function (wire.entries)
    start: float = 30.0  # for a worker to start (import NumPy) on a busy machine

    @classmethod
    def from_env(cls, **overrides: float | None) -> Limits:
        """Defaults, overridden by GDKIT_TIMEOUT (per-call wall and CPU seconds) if set."""
        timeout = os.environ.get("GDKIT_TIMEOUT")
        values: dict = {}
        if timeout:
            try:
                seconds = positive_seconds(timeout)
            except ValueError:
                raise ValueError(
                    f"GDKIT_TIMEOUT must be a positive number of seconds, got {timeout!r}"
                ) from None
            values = {"wall": seconds, "cpu": seconds}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


@dataclass(frozen=True)
class Deadline:
    """The end of a whole grading run (every file, every call): ``at`` on the
    ``time.monotonic()`` clock; ``seconds`` is the run's whole budget, named to the learner."""

    seconds: float
    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        """The deadline ``seconds`` from now."""
        return cls(seconds, time.monotonic() + seconds)

    def left(self) -> float:
        return self.at - time.monotonic()

    @property
    def reached(self) -> str:
        return f"the time limit for the whole submission ({self.seconds:g} s) was reached"
