"""What a checks module is made of: exercise metadata, mistakes, the ``check`` marker and the
comparison helpers that name a mistake when the learner's answer matches it.

A checks module (``grader/checks/check_<name>.py``) defines one ``EXERCISE = Exercise(...)`` and a
few ``@check(...)``-decorated pytest tests. See ``grader/CHECKS.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pytest

VISIBILITIES = ("public", "hidden")


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong implementation, how to recognise it, and how to fix it.

    ``mutant`` is a list of ``(old, new)`` source substitutions that turn the reference solution
    into this mistake; each ``old`` must occur exactly once in the solution file. The mutation
    self-test (tests/grader/test_mutants.py) applies them and proves that the mutant loses
    points *and* is diagnosed as this mistake.
    """

    id: str
    message: str  # one plain sentence, e.g. "You added the gradient instead of subtracting it."
    hint: str  # what to do about it
    mutant: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class Exercise:
    """Everything the grader knows about one exercise, kept in its checks module."""

    name: str  # for `grade -e NAME`
    order: int
    file: str  # same name in solutions/ and exercises/
    title: str
    summary: str  # one sentence: what the learner builds
    hints: Sequence[str]
    mistakes: Sequence[Mistake] = field(default_factory=tuple)

    def mistake(self, mistake_id: str) -> Mistake:
        for mistake in self.mistakes:
            if mistake.id == mistake_id:
                return mistake
        raise KeyError(f"exercise {self.name!r} has no mistake {mistake_id!r}")


def check(points: int, *, hidden: bool = False, mistakes: Sequence[str] = ()) -> Callable:
    """Mark a pytest test as a graded check worth ``points``.

    ``mistakes`` lists the ids (from the module's ``EXERCISE.mistakes``) this check can diagnose;
    :func:`expect_close` refuses to name a mistake the check did not declare.
    """
    if points < 0:
        raise ValueError("points must be >= 0")
    return pytest.mark.check(
        points=points, visibility="hidden" if hidden else "public", mistakes=tuple(mistakes)
    )


class CheckFailed(AssertionError):
    """A check's verdict: the answer is wrong. ``diagnosis`` names a catalogued mistake, if any."""

    def __init__(self, summary: str, diagnosis: str | None = None, details: str = "") -> None:
        super().__init__(summary)
        self.summary = summary
        self.diagnosis = diagnosis
        self.details = details


class CheckBug(Exception):
    """The check itself is wrong (an instructor's error, never the learner's)."""


# the plugin sets this to the running check's declared mistakes, to keep checks honest
_current_declared: set[str] | None = None


def _set_declared(mistakes: Sequence[str] | None) -> None:
    global _current_declared
    _current_declared = None if mistakes is None else set(mistakes)


# ---------------------------------------------------------------------------------------------
# comparing results


def _is_number(value: object) -> bool:
    return type(value) in (int, float, bool) or (isinstance(value, np.ndarray) and value.ndim == 0)


def _kind(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if type(value) in (list, tuple):
        return f"a {type(value).__name__} of length {len(value)}"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def mismatch(got: object, expected: object, rtol: float = 1e-7, atol: float = 1e-9) -> str | None:
    """None when ``got`` equals ``expected`` to the tolerances, else why not (one phrase).

    ``expected`` is a number, an array, or a tuple/list of those (for functions returning
    several values). ``got`` is whatever came back from the sandbox: plain data only.
    """
    if isinstance(expected, tuple | list):
        if type(got) not in (tuple, list):
            return f"returned {_kind(got)}, expected a tuple of {len(expected)} values"
        if len(got) != len(expected):
            return f"returned {len(got)} values, expected {len(expected)}"
        for index, (g, e) in enumerate(zip(got, expected, strict=True)):
            problem = mismatch(g, e, rtol, atol)
            if problem:
                return f"value {index}: {problem}"
        return None
    if isinstance(expected, bool | np.bool_):
        if type(got) is not bool and not (isinstance(got, np.ndarray) and got.dtype == bool):
            return f"returned {_kind(got)}, expected True or False"
        return None if bool(got) == bool(expected) else "wrong truth value"
    if type(got) in (list, tuple):
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return f"returned {_kind(got)} that is not a list of numbers"
    if not (_is_number(got) or isinstance(got, np.ndarray)):
        return f"returned {_kind(got)}, expected a number or an array"
    got_array = np.asarray(got, dtype=complex if np.iscomplexobj(got) else float)
    expected_array = np.asarray(expected, dtype=float)
    if expected_array.ndim == 0 and got_array.ndim > 0 and got_array.size != 1:
        return f"returned {_kind(got)}, expected a single number"
    if expected_array.ndim > 0 and got_array.shape != expected_array.shape:
        return f"returned {_kind(got)}, expected shape {expected_array.shape}"
    got_array = got_array.reshape(expected_array.shape)
    if not np.all(np.isfinite(got_array)) and np.all(np.isfinite(expected_array)):
        return "the result contains nan or inf"
    if _allclose(got_array, expected_array, rtol, atol):
        return None
    return "wrong value"


def _allclose(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    """np.allclose(got, expected, rtol, atol, equal_nan=True) (the same test, as NumPy writes
    it in np.isclose) without its overhead: a third of the time on the small arrays of checks."""
    with np.errstate(invalid="ignore", over="ignore"):
        close = (np.abs(got - expected) <= atol + rtol * np.abs(expected)) & np.isfinite(expected)
    close |= got == expected
    close |= np.isnan(got) & np.isnan(expected)
    return bool(close.all())


def show(value: object) -> str:
    """A compact one-line rendering of a number, array or tuple of them."""
    if type(value) in (tuple, list):
        inner = ", ".join(show(v) for v in value)
        return f"({inner})" if type(value) is tuple else f"[{inner}]"
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return show(value.item())
        if value.ndim == 1 and value.dtype.kind in "fiub":
            items = [show(v) for v in value.tolist()]
            if len(items) > 8:
                items = items[:3] + ["…"] + items[-3:]
            return "[" + ", ".join(items) + "]"
        text = np.array2string(
            value, precision=6, threshold=8, edgeitems=3, separator=", ", max_line_width=10_000
        )
        return " ".join(text.split())
    return repr(value)


def _where_differs(got: object, expected: object) -> str:
    try:
        g = np.asarray(got, dtype=float)
        e = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return ""
    if g.shape != e.shape or g.ndim == 0 or g.size <= 1:
        return ""
    difference = np.abs(g - e)
    index = np.unravel_index(int(np.nanargmax(difference)), g.shape)
    where = tuple(int(i) for i in index)
    return f"largest difference at index {where}: got {show(g[index])}, expected {show(e[index])}"


def expect_close(
    got: object,
    expected: object,
    *,
    what: str,
    mistakes: Mapping[str, object] | Callable[[], Mapping[str, object]] | None = None,
    rtol: float = 1e-7,
    atol: float = 1e-9,
) -> None:
    """Pass when ``got`` ≈ ``expected``; otherwise fail, naming a mistake if ``got`` matches one.

    ``what`` says what was computed, e.g. ``"gd_step(3.0, 2.5, 0.1)"``. ``mistakes`` maps mistake
    ids to what that mistake would have returned here (computed with gdref), or to a function of
    no arguments computing it — called only when ``got`` is wrong, so an expensive mistake costs
    nothing on a right answer. ``mistakes`` may also be a function of no arguments returning the
    whole mapping (when building the candidates shares one costly computation). A mistake is named
    only when its value differs from the right one and ``got`` matches it.
    """
    if not callable(mistakes):
        _require_declared(mistakes or {})
    problem = mismatch(got, expected, rtol, atol)
    if problem is None:
        return
    if callable(mistakes):
        mistakes = mistakes()
        _require_declared(mistakes)
    for mistake_id, wrong in (mistakes or {}).items():
        if callable(wrong):
            wrong = wrong()
        if mismatch(wrong, expected, rtol, atol) is None:
            continue  # this mistake makes no difference on this input: cannot be told apart
        if mismatch(got, wrong, rtol, atol) is None:
            raise CheckFailed(
                f"{what} returned {show(got)}, expected {show(expected)}", diagnosis=mistake_id
            )
    if problem == "wrong value":
        summary = f"{what} returned {show(got)}, expected {show(expected)}"
        raise CheckFailed(summary, details=_where_differs(got, expected))
    raise CheckFailed(f"{what} {problem}", details=f"got {show(got)}, expected {show(expected)}")


def _require_declared(mistakes: Mapping[str, object]) -> None:
    for mistake_id in mistakes:
        if _current_declared is not None and mistake_id not in _current_declared:
            raise CheckBug(
                f"expect_close names mistake {mistake_id!r}, which the check's @check(mistakes=…) "
                "does not declare"
            )


def expect(condition: bool, summary: str, *, mistake: str | None = None) -> None:
    """Fail with ``summary`` (and a diagnosis, if given) unless ``condition`` holds."""
    if mistake is not None and _current_declared is not None and mistake not in _current_declared:
        raise CheckBug(f"expect names mistake {mistake!r}, which the check does not declare")
    if not condition:
        raise CheckFailed(summary, diagnosis=mistake)


def first_match(got: object, candidates: Mapping[str, object], rtol: float = 1e-7) -> str | None:
    """The id of the first candidate value that ``got`` matches (for hand-written diagnoses)."""
    for key, value in candidates.items():
        if mismatch(got, value, rtol) is None:
            return key
    return None
