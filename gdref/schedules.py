"""Learning-rate schedules: functions of the update index k = 0, 1, 2, … returning η_k.

    constant             η_k = η₀
    step decay           η_k = η₀ · γ^⌊k / s⌋          (PyTorch StepLR(step_size=s, gamma=γ))
    exponential decay    η_k = η₀ · γ^k                (PyTorch ExponentialLR(gamma=γ))
    inverse-time decay   η_k = η₀ / (1 + d · k / s)    (Keras InverseTimeDecay, staircase=False)

"k" counts optimizer updates: with PyTorch's usual loop (``opt.step(); sched.step()`` once per
update) the k-th update uses the same rate as ours. Large steps early make fast progress; small
steps late let the iterate settle instead of bouncing around the minimum.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

from gdref._checks import require_in_range, require_positive

Schedule = Callable[[int], float]


def _check_index(k: int) -> int:
    if k < 0:
        raise ValueError(f"the step index k must be >= 0, got {k}")
    return k


def constant(lr: float) -> Schedule:
    """η_k = η₀."""
    lr = require_positive(lr, "lr")

    def schedule(k: int) -> float:
        _check_index(k)
        return lr

    return schedule


def step_decay(lr: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """η_k = η₀ · γ^⌊k / step_size⌋: multiply by γ every ``step_size`` updates."""
    lr = require_positive(lr, "lr")
    if int(step_size) != step_size or step_size < 1:
        raise ValueError(f"step_size must be an integer >= 1, got {step_size!r}")
    gamma = require_positive(gamma, "gamma")

    def schedule(k: int) -> float:
        return lr * gamma ** (_check_index(k) // step_size)

    return schedule


def exponential_decay(lr: float, gamma: float) -> Schedule:
    """η_k = η₀ · γ^k."""
    lr = require_positive(lr, "lr")
    gamma = require_positive(gamma, "gamma")

    def schedule(k: int) -> float:
        return lr * gamma ** _check_index(k)

    return schedule


def inverse_time_decay(lr: float, decay_rate: float, decay_steps: int = 1) -> Schedule:
    """η_k = η₀ / (1 + decay_rate · k / decay_steps)."""
    lr = require_positive(lr, "lr")
    require_in_range(decay_rate, "decay_rate", 0.0, math.inf)
    decay_steps = require_positive(decay_steps, "decay_steps")

    def schedule(k: int) -> float:
        return lr / (1.0 + decay_rate * _check_index(k) / decay_steps)

    return schedule


SCHEDULES: dict[str, Callable[..., Schedule]] = {
    "constant": constant,
    "step": step_decay,
    "exponential": exponential_decay,
    "inverse_time": inverse_time_decay,
}


def get_schedule(name: str, **kwargs: float) -> Schedule:
    """Build a schedule by name: ``constant``, ``step``, ``exponential`` or ``inverse_time``."""
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; expected one of {sorted(SCHEDULES)}")
    factory = SCHEDULES[name]
    signature = inspect.signature(factory)
    try:
        signature.bind(**kwargs)
    except TypeError as error:
        raise ValueError(
            f"schedule {name!r} takes arguments ({', '.join(signature.parameters)}): {error}"
        ) from error
    return factory(**kwargs)


def as_schedule(lr: float | Schedule) -> Schedule:
    """A float becomes a constant schedule; a callable is used as given."""
    if callable(lr):
        return lr
    return constant(lr)
