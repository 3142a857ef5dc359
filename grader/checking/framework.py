"""What a checks module is made of: exercise metadata, mistakes, the ``check`` marker and the
comparison helpers that name a mistake when the learner's answer matches it.

A checks module (``grader/checks/check_<name>.py``) defines one ``EXERCISE = Exercise(...)`` and a
few ``@check(...)``-decorated pytest tests. See ``grader/CHECKS.md``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pytest

from grader.checking import judge
from grader.checking.compare import (
    LARGE,
    as_steps,
    close,
    difference,
    kind,
    locate,
    observe,
    parting,
    show,
    show_pair,
    tolerance_text,
)
from grader.report.curves import POINTS, SERIES, Curve, Series

# what a check says each mistake would have returned (or a function computing that, or all of it)
Mistakes = Mapping[str, object] | Callable[[], Mapping[str, object]] | None

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
    message: str  # the likely cause, e.g. "You added the gradient instead of subtracting it."
    hint: str  # what to do about it
    mutant: Sequence[tuple[str, str]] = ()
    # the learner functions whose results show this mistake (where it is, and those that call
    # it); a check may declare it only if it calls one of them. Empty: derived from the mutant
    # (the functions it edits in the solution, and their callers).
    functions: Sequence[str] = ()
    # what a value with this mistake shows, when the framework's own words would not say it
    # (e.g. "your trajectory starts one step early"); shown before the likely cause
    shows: str = ""


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
    # the functions the stub leaves to the learner, in file order (grader/submission/resolve.py
    # tells a started file from an untouched one by them); empty: every function of the file
    to_write: Sequence[str] = ()

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

    def __init__(
        self,
        summary: str,
        diagnosis: str | None = None,
        details: str = "",
        observation: str = "",
        curves: tuple[Curve, ...] = (),
    ) -> None:
        super().__init__(summary)
        self.summary = summary
        self.diagnosis = diagnosis
        self.details = details
        self.observation = observation  # what the value shows, e.g. "db is 4 times too large"
        self.curves = curves  # the learner's curves against the reference's, for a figure


class CheckBug(Exception):
    """The check itself is wrong (an instructor's error, never the learner's)."""


# the plugin sets this to the running check's declared mistakes, to keep checks honest
_current_declared: set[str] | None = None


def _set_declared(mistakes: Sequence[str] | None) -> None:
    global _current_declared
    _current_declared = None if mistakes is None else set(mistakes)


# ---------------------------------------------------------------------------------------------
# comparing results and naming mistakes

STRICT_ENV = "GDKIT_STRICT_CHECKS"


def strict() -> bool:
    """The self-test's mode: every mistake value is computed, even for right answers, and a
    check whose inputs cannot tell two of its mistakes apart is a :class:`CheckBug`."""
    return os.environ.get(STRICT_ENV) == "1"


@contextlib.contextmanager
def strict_mode() -> Iterator[None]:
    """Within: the self-test's :func:`strict` mode; afterwards the setting is as it was."""
    before = os.environ.get(STRICT_ENV)
    os.environ[STRICT_ENV] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(STRICT_ENV, None)
        else:
            os.environ[STRICT_ENV] = before


class Forms(tuple):
    """Several values one mistake can take (e.g. both tie conventions of a sign function)."""


def any_of(*values: object) -> Forms:
    """A mistake's value in all its common forms: the learner's value may match any of them."""
    return Forms(values)


def mismatch(got: object, expected: object, rtol: float = 1e-7, atol: float = 1e-9) -> str | None:
    """None when ``got`` equals ``expected`` to the tolerances, else why not (one phrase)."""
    found = difference(got, expected, rtol, atol)
    if found is None:
        return None
    return f"{found.where}: {found.text}" if found.where else found.text


def _allclose(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    return bool(close(got, expected, rtol, atol).all())


def _forms(value: object) -> tuple:
    if callable(value):
        value = value()
    return tuple(value) if isinstance(value, Forms) else (value,)


def _all_forms(mistakes, declared: bool = True) -> dict[str, tuple]:
    """Each mistake's forms on these inputs (its value, or the values of :func:`any_of`)."""
    if callable(mistakes):
        mistakes = mistakes()
    if declared:
        _require_declared(mistakes or {})
    return {mistake_id: _forms(value) for mistake_id, value in (mistakes or {}).items()}


def _differing(forms: dict[str, tuple], expected, rtol, atol) -> dict[str, tuple]:
    """The forms that differ from the right answer (a mistake that makes no difference here
    cannot be told apart from a right answer)."""
    resolved = {}
    for mistake_id, values in forms.items():
        kept = tuple(f for f in values if difference(f, expected, rtol, atol) is not None)
        if kept:
            resolved[mistake_id] = kept
    return resolved


def _resolve(mistakes, expected, rtol, atol, declared: bool = True) -> dict[str, tuple]:
    """Each declared mistake's forms on these inputs, without those that equal the right
    answer."""
    return _differing(_all_forms(mistakes, declared), expected, rtol, atol)


def _matches(got: object, forms: tuple, rtol: float, atol: float) -> bool:
    return any(difference(got, form, rtol, atol) is None for form in forms)


def _require_distinguishable(candidates: dict[str, tuple], what: str, rtol, atol) -> None:
    ids = list(candidates)
    for index, first in enumerate(ids):
        for second in ids[index + 1 :]:
            if any(_matches(form, candidates[second], rtol, atol) for form in candidates[first]):
                raise CheckBug(
                    f"{what}: the mistakes {first!r} and {second!r} give the same value on these "
                    "inputs, so a learner's value cannot tell them apart; choose inputs that "
                    "separate them (m ≠ 2, n ≠ 1, asymmetric signs, …)"
                )


def diagnose(
    got: object,
    expected: object,
    mistakes: Mistakes,
    *,
    what: str,
    rtol: float = 1e-7,
    atol: float = 1e-9,
) -> str | None:
    """The one declared mistake whose value ``got`` matches, or None.

    A mistake is named only when ``got`` matches one of its forms, and no other declared mistake
    and not the right answer gives that value on these inputs. In strict mode (the self-test)
    inputs that leave two declared mistakes indistinguishable are a :class:`CheckBug`. What the
    value says about each mistake is kept as evidence for the exercise's judgement
    (grader/checking/judge.py): a name stands only if no other call of the exercise contradicts
    it.
    """
    return _verdict(got, expected, mistakes, what, rtol, atol, declared=True)


def shown_by(
    got: object,
    expected: object,
    mistakes: Mistakes,
    *,
    what: str,
    rtol: float = 1e-7,
    atol: float = 1e-9,
) -> str | None:
    """:func:`diagnose` for a value that is not the check's verdict but evidence for it (the
    learner's gradient, asked to confirm a gradient mistake on a check of fit): the mistakes
    need not be the check's declared ones, and nothing is named to the learner from it (it
    still counts as evidence for or against each mistake in the exercise's judgement)."""
    return _verdict(got, expected, mistakes, what, rtol, atol, declared=False)


def _verdict(got, expected, mistakes, what, rtol, atol, declared: bool) -> str | None:
    right = difference(got, expected, rtol, atol) is None
    if right and not strict():
        _note_right(expected, mistakes, rtol, atol)
        return None
    forms = _all_forms(mistakes, declared)
    candidates = _differing(forms, expected, rtol, atol)
    if strict():
        _require_distinguishable(candidates, what, rtol, atol)
    if right:
        _note_right(expected, mistakes, rtol, atol)
        return None
    supports = frozenset(key for key, values in forms.items() if _matches(got, values, rtol, atol))
    named = next(iter(supports)) if len(supports) == 1 else None
    judge.note(judge.Evidence(supports, frozenset(forms) - supports, named))
    return named


def _note_right(expected, mistakes, rtol, atol) -> None:
    """A right answer contradicts every mistake whose value differs from it here: kept as a
    question the exercise's judgement asks only about a name it is weighing (after the check,
    when no learner function may be called: a mapping that asks one says nothing)."""
    if not mistakes or judge.current() is None:
        return
    resolved: dict = {}

    def differs(mistake_id: str) -> bool:
        if "mapping" not in resolved:
            ask = mistakes.values if isinstance(mistakes, Confirmed) else mistakes
            resolved["mapping"] = ask() if callable(ask) else ask
        mapping = resolved["mapping"] or {}
        if mistake_id not in mapping:
            return False
        values = _forms(mapping[mistake_id])
        return all(difference(value, expected, rtol, atol) is not None for value in values)

    judge.note(judge.Evidence(later=differs))


@dataclass(frozen=True)
class Confirmed:
    """The mistakes of a caller's check (fit, descend, train, a step count), some of which live
    in a function it calls: ``values()`` gives every mistake's value from gdref alone, and
    ``confirm(values)`` keeps those the learner's own called function shows (it asks that
    function, e.g. through :func:`shown_by` and :func:`keep_confirmed`).

    Called like a mapping function when the learner's value is wrong. A right answer asks
    ``values`` only: confirming can only take a mistake away, and no learner function may be
    called by then, so a right run still contradicts every mistake whose run differs from it.
    """

    values: Callable[[], Mapping[str, object]]
    confirm: Callable[[dict[str, object]], Mapping[str, object]]

    def __call__(self) -> Mapping[str, object]:
        return self.confirm(dict(self.values()))


def keep_confirmed(
    mistakes: Mapping[str, object],
    about: Sequence[str],
    shown: str | None,
) -> dict[str, object]:
    """``mistakes`` without those of ``about`` that the function they live in did not show.

    On a check of a caller (fit, descend, train), a mistake in the function it calls (the
    gradient) gives the same value as other bugs in the caller itself (adding the step instead
    of subtracting it): name it there only when the learner's own function shows it, i.e.
    ``shown`` is :func:`shown_by`'s verdict on that function at the same inputs.
    """
    return {key: value for key, value in mistakes.items() if key not in about or key == shown}


def expect_close(
    got: object,
    expected: object,
    *,
    what: str,
    mistakes: Mistakes = None,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    names: Sequence[str] | None = None,
    curves: str | Sequence[str] = (),
) -> None:
    """Pass when ``got`` ≈ ``expected``; otherwise fail, naming a mistake if ``got`` matches one.

    ``what`` says what was computed, e.g. ``"gd_step(3.0, 2.5, 0.1)"``. ``names`` names the
    members of a tuple result as the instructions do (``("dW", "db")``); dict keys name
    themselves. ``mistakes`` maps mistake ids to what that mistake would have returned here
    (computed with gdref; :func:`any_of` for a mistake with several forms), or to a function of
    no arguments computing it — called only when ``got`` is wrong (and in the self-test), so an
    expensive mistake costs nothing on a right answer. ``mistakes`` may also be a function of no
    arguments returning the whole mapping. See :func:`diagnose` for when a mistake is named.

    ``curves`` names the members that are trajectories or loss curves (``"losses"``, or for a
    value that is itself one, the name it is drawn under: ``"w"``): a failure carries the
    learner's curve against the reference's, for a figure (see :func:`drawn_curves`).
    """
    if not callable(mistakes):
        _require_declared(mistakes or {})
    found = difference(got, expected, rtol, atol, names)
    if found is None and not (strict() and mistakes):
        _note_right(expected, mistakes, rtol, atol)
        return
    if found is not None:
        judge.note_failure()
    diagnosis = diagnose(got, expected, mistakes, what=what, rtol=rtol, atol=atol)
    if found is None:
        return
    failure = _failure(got, expected, found, what, diagnosis, rtol, atol, names)
    failure.curves = drawn_curves(
        got, expected, curves, what=what, rtol=rtol, atol=atol, names=names
    )
    raise failure


def _failure(got, expected, found, what, diagnosis, rtol, atol, names) -> CheckFailed:
    if not found.is_value:
        subject = f"{what}: {found.where}" if found.where else what
        details = f"got {show(got)}, expected {show(expected)}"
        return CheckFailed(f"{subject} {found.text}", diagnosis=diagnosis, details=details)
    shown_got, shown_expected = show_pair(found.got, found.expected)
    if isinstance(found.got, np.ndarray) and found.got.size > LARGE:
        shown_got = f"an array of shape {found.got.shape} with wrong entries"
        shown_expected = "other values (see below)"
    if found.where:
        summary = f"{what}: {found.where} is {shown_got}, expected {shown_expected}"
    else:
        summary = f"{what} returned {shown_got}, expected {shown_expected}"
    seen = observe(got, expected, names, rtol, atol)
    details = ""
    if isinstance(found.got, np.ndarray):
        details = locate(found.got, found.expected, rtol, atol)
    elif not isinstance(found.expected, bool | np.bool_ | str):
        details = f"({tolerance_text(rtol, atol)})"
    return CheckFailed(summary, diagnosis=diagnosis, details=details, observation=seen)


# ---------------------------------------------------------------------------------------------
# a failure about a trajectory or a loss curve carries both curves, for a figure


def drawn_curves(
    got: object,
    expected: object,
    curves: str | Sequence[str],
    *,
    what: str,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    names: Sequence[str] | None = None,
) -> tuple[Curve, ...]:
    """The learner's curve against the reference's for each member named in ``curves`` whose
    steps part (a learner's member that is no curve at all — a string, a wrong shape — is not
    drawn; the failure's message says what is wrong with it)."""
    labels = (curves,) if isinstance(curves, str) else tuple(curves)
    drawn = []
    for label in labels:
        learner = _member(got, expected, label, names)
        reference = as_steps(_member(expected, expected, label, names))
        if reference is None:
            raise CheckBug(f"{what}: {label!r} is no curve of the expected value")
        curve = _curve(what, label, learner, reference, rtol, atol)
        if curve is not None:
            drawn.append(curve)
    return tuple(drawn)


def _member(value: object, expected: object, label: str, names: Sequence[str] | None) -> object:
    """The member ``label`` of ``value`` (shaped like ``expected``), or the whole value when
    ``label`` names no member; None when the learner's value has no such member."""
    if isinstance(expected, dict):
        return value.get(label) if isinstance(value, dict) else None
    if isinstance(expected, tuple | list) and names is not None and label in names:
        if not isinstance(value, tuple | list) or len(value) != len(expected):
            return None
        return value[list(names).index(label)]
    return value


def _curve(what, label, learner, reference, rtol, atol) -> Curve | None:
    got = as_steps(learner, reference.shape[1])
    parted = None if got is None else parting(got, reference, rtol, atol)
    if parted is None:
        return None
    columns = reference.shape[1]
    series = tuple(
        Series(
            label if columns == 1 else f"{label}[:, {j}]",
            got[:POINTS, j],
            reference[:POINTS, j],
        )
        for j in range(min(columns, SERIES))
    )
    return Curve(what, label, series, parted, len(got), len(reference))


@contextlib.contextmanager
def curve_on_failure(
    got: Sequence[object],
    expected: Sequence[object],
    *,
    what: str,
    label: str,
    rtol: float = 1e-7,
    atol: float = 1e-9,
) -> Iterator[None]:
    """Within: a failed check also carries the curve ``got`` against ``expected`` (for checks
    that compare a trajectory one step at a time, e.g. a chain of updates: the steps are taken
    first, then compared)."""
    try:
        yield
    except CheckFailed as failure:
        reference = as_steps(list(expected))
        curve = None if reference is None else _curve(what, label, list(got), reference, rtol, atol)
        if curve is not None and not failure.curves:
            failure.curves = (curve,)
        raise


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
        judge.note_failure()
        if mistake is not None:
            judge.note(judge.Evidence(supports=frozenset({mistake}), singles=mistake))
        raise CheckFailed(summary, diagnosis=mistake)


def first_match(got: object, candidates: Mapping[str, object], rtol: float = 1e-7) -> str | None:
    """The id of the one candidate value that ``got`` matches, or None when it matches none or
    several (for hand-written diagnoses; the same rule as :func:`diagnose`)."""
    named = [key for key, value in candidates.items() if _matches(got, _forms(value), rtol, 1e-9)]
    return named[0] if len(named) == 1 else None


# ---------------------------------------------------------------------------------------------
# taking a learner's result apart: its kind first, so a wrong kind is the learner's failure
# (a clear message), never the check crashing on it (indexing a list, unpacking a float, …)


def unpack(got: object, names: Sequence[str], what: str) -> tuple:
    """The members of a tuple result named ``names`` (e.g. ``("W", "b", "losses")``), or a
    failed check saying what ``what`` returned and what was expected."""
    expected = f"a tuple of {len(names)} values ({', '.join(names)})"
    expect(
        isinstance(got, tuple | list) and len(got) == len(names),
        f"{what} returned {kind(got)}, expected {expected}",
    )
    return tuple(got)


def as_number(got: object, what: str) -> float:
    """A result that must be one finite-or-not real number (an int, a float, a NumPy scalar or
    a 0-d array), as a float; anything else fails the check."""
    ok = isinstance(got, int | float | np.integer | np.floating) and not isinstance(got, bool)
    ok = ok or (isinstance(got, np.ndarray) and got.ndim == 0 and got.dtype.kind in "iuf")
    expect(ok, f"{what} returned {kind(got)}, expected a number")
    try:
        return float(got)  # type: ignore[arg-type]
    except OverflowError:  # an int too large for a float
        raise CheckFailed(f"{what} returned an integer too large for a float") from None


def as_int(got: object, what: str) -> int:
    """A result that must be an integer (an int or a NumPy integer); anything else fails."""
    ok = isinstance(got, int | np.integer) and not isinstance(got, bool)
    expect(ok, f"{what} returned {kind(got)}, expected an int")
    return int(got)  # type: ignore[arg-type]


def as_array(got: object, what: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """A result that must be an array of real numbers (or a list of them), as a float array of
    ``shape`` (any shape if None); anything else fails the check."""
    try:
        refused = got is None or isinstance(got, str | bytes | dict) or np.iscomplexobj(got)
        array = None if refused else np.asarray(got, dtype=float)
    except (TypeError, ValueError, OverflowError):
        array = None
    expect(array is not None, f"{what} returned {kind(got)}, expected an array of numbers")
    if shape is not None:
        expect(array.shape == shape, f"{what} returned {kind(got)}, expected shape {shape}")
    return array
