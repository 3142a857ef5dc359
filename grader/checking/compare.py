"""Comparing a learner's value with the expected one, and saying what the difference shows.

``difference`` finds the first thing wrong (a type, a shape, a non-finite entry, a value out of
tolerance), naming tuple members and dict keys as the instructions name them. ``locate`` points
at the first entry out of tolerance of an array (index, got, expected, the tolerance) and
summarises large arrays. ``observe`` says in words what a wrong value shows ("it is 4 times too
large", "it has the opposite sign"), before any guess at the cause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PLAIN_SEQUENCES = (tuple, list)
WINDOW = 3  # entries shown either side of the first bad one in a large array
LARGE = 12  # arrays with more entries than this are summarised, not printed


@dataclass(frozen=True)
class Difference:
    """The first thing wrong with a value. ``where`` names the member ("" for the whole)."""

    where: str
    text: str  # a phrase, e.g. "returned a list of length 3, expected shape (4,)"
    got: object
    expected: object
    is_value: bool  # the right kind and shape, but out of tolerance


def tolerance_text(rtol: float, atol: float) -> str:
    if rtol == 0 and atol == 0:
        return "compared exactly"
    return f"tolerance |got − expected| ≤ {atol:g} + {rtol:g}·|expected|"


def kind(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, PLAIN_SEQUENCES):
        plain = "tuple" if isinstance(value, tuple) else "list"
        return f"a {plain} of length {len(value)}"
    if isinstance(value, dict):
        return "a dict with keys " + ", ".join(repr(k) for k in list(value)[:6])
    if value is None:
        return "None"
    for plain, name in ((bool, "a bool"), (int, "an int"), (float, "a float"), (str, "a str")):
        if isinstance(value, plain):
            return name  # subclasses (numpy.str_, NamedTuple, …) by the type they extend
    return f"a {type(value).__name__}"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.number | np.bool_) or (
        isinstance(value, np.ndarray) and value.ndim == 0
    )


def member_names(expected: object, names: Sequence[str] | None) -> list[str]:
    if isinstance(expected, dict):
        return [str(key) for key in expected]
    count = len(expected)  # type: ignore[arg-type]
    if names is not None and len(names) == count:
        return list(names)
    return [f"value {index}" for index in range(count)]


def difference(
    got: object,
    expected: object,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    names: Sequence[str] | None = None,
) -> Difference | None:
    """None when ``got`` equals ``expected`` to the tolerances, else the first difference.

    ``expected`` is a number, a bool, an array, a tuple/list of those (for functions returning
    several values; ``names`` are their names, e.g. ``("dW", "db")``) or a dict with string
    keys. ``got`` is whatever came back from the sandbox: plain data only.
    """
    if isinstance(expected, dict):
        return _dict_difference(got, expected, rtol, atol)
    if isinstance(expected, PLAIN_SEQUENCES):
        return _tuple_difference(got, expected, rtol, atol, names)
    if isinstance(expected, str):
        if not isinstance(got, str):
            return Difference("", f"returned {kind(got)}, expected a str", got, expected, False)
        if got == expected:
            return None
        return Difference("", "wrong text", got, expected, True)
    if isinstance(expected, bool | np.bool_):
        if not isinstance(got, bool | np.bool_) and not (
            isinstance(got, np.ndarray) and got.dtype == bool
        ):
            return Difference(
                "", f"returned {kind(got)}, expected True or False", got, expected, False
            )
        if bool(got) == bool(expected):
            return None
        return Difference("", "wrong truth value", got, expected, True)
    return _numeric_difference(got, expected, rtol, atol)


def _tuple_difference(got, expected, rtol, atol, names) -> Difference | None:
    labels = member_names(expected, names)
    listing = f" ({', '.join(labels)})" if names is not None else ""
    if not isinstance(got, PLAIN_SEQUENCES):
        text = f"returned {kind(got)}, expected a tuple of {len(expected)} values{listing}"
        return Difference("", text, got, expected, False)
    if len(got) != len(expected):
        text = f"returned {len(got)} values, expected {len(expected)}{listing}"
        return Difference("", text, got, expected, False)
    for label, g, e in zip(labels, got, expected, strict=True):
        found = difference(g, e, rtol, atol)
        if found is not None:
            where = _within(label, found.where)
            return Difference(where, found.text, found.got, found.expected, found.is_value)
    return None


_UNNAMED = re.compile(r"value (\d+)(.*)")  # member_names' label of an unnamed member, then more


def _within(outer: str, inner: str) -> str:
    """Where a difference inside ``outer`` is: ``losses[0]`` for the first member of an unnamed
    sequence inside ``losses`` (not ``losses.value 0``), ``new_state.m`` for a named one."""
    if not inner:
        return outer
    parts = inner.split(".")
    indexed = "".join(
        f"[{m.group(1)}]{m.group(2)}" if (m := _UNNAMED.fullmatch(part)) else f".{part}"
        for part in parts
    )
    return outer + indexed


def _dict_difference(got, expected, rtol, atol) -> Difference | None:
    if not isinstance(got, dict):
        text = "returned " + kind(got) + ", expected a dict with keys "
        return Difference("", text + ", ".join(map(repr, expected)), got, expected, False)
    missing = [key for key in expected if key not in got]
    if missing:
        text = f"returned a dict without the key {missing[0]!r}"
        return Difference("", text, got, expected, False)
    for key, e in expected.items():
        found = difference(got[key], e, rtol, atol)
        if found is not None:
            where = _within(str(key), found.where)
            return Difference(where, found.text, found.got, found.expected, found.is_value)
    return None


def _numeric_difference(got, expected, rtol, atol) -> Difference | None:
    original = got
    if isinstance(got, PLAIN_SEQUENCES):
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError, OverflowError):
            return Difference(
                "", f"returned {kind(got)} that is not a list of numbers", got, expected, False
            )
    if not (_is_number(got) or isinstance(got, np.ndarray)):
        return Difference(
            "", f"returned {kind(got)}, expected a number or an array", got, expected, False
        )
    try:
        got_array = np.asarray(got, dtype=complex if np.iscomplexobj(got) else float)
    except (TypeError, ValueError, OverflowError):
        return Difference(
            "", f"returned {kind(original)} that is not numeric", got, expected, False
        )
    expected_array = np.asarray(expected, dtype=float)
    if expected_array.ndim == 0 and got_array.ndim > 0 and got_array.size != 1:
        return Difference(
            "", f"returned {kind(original)}, expected a single number", got, expected, False
        )
    if expected_array.ndim > 0 and got_array.shape != expected_array.shape:
        text = f"returned {kind(original)}, expected shape {expected_array.shape}"
        return Difference("", text, got, expected, False)
    got_array = got_array.reshape(expected_array.shape)
    if not np.all(np.isfinite(got_array)) and np.all(np.isfinite(expected_array)):
        return Difference("", "the result contains nan or inf", got_array, expected_array, False)
    if close(got_array, expected_array, rtol, atol).all():
        return None
    return Difference("", "wrong value", got_array, expected_array, True)


def close(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """np.isclose(got, expected, rtol, atol, equal_nan=True), entry by entry, as NumPy writes it,
    without its overhead (a third of the time on the small arrays of checks)."""
    with np.errstate(invalid="ignore", over="ignore"):
        result = (np.abs(got - expected) <= atol + rtol * np.abs(expected)) & np.isfinite(expected)
    result |= got == expected
    result |= np.isnan(got) & np.isnan(expected)
    return np.asarray(result)


# ---------------------------------------------------------------------------------------------
# showing values


def number(value: float, other: float | None = None) -> str:
    """A number with 6 significant digits, or as many as it takes to differ from ``other``."""
    value = float(value)
    for digits in (6, 9, 12, 17):
        text = f"{value:.{digits}g}"
        if other is None or text != f"{float(other):.{digits}g}":
            return text
    return text


def show(value: object) -> str:
    """A compact one-line rendering of a number, array, tuple or dict of them."""
    if isinstance(value, PLAIN_SEQUENCES):
        items = (
            [*map(show, value[:3]), "…", *map(show, value[-3:])]
            if len(value) > 8
            else [show(v) for v in value]
        )
        inner = ", ".join(items)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, dict):
        pairs = [f"{k!r}: {show(v)}" for k, v in list(value.items())[:8]]
        more = ", …" if len(value) > 8 else ""
        return "{" + ", ".join(pairs) + more + "}"
    if isinstance(value, float | np.floating):
        return number(value)
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        return _integer(int(value))
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return show(value.item())
        if value.ndim == 1 and value.dtype.kind in "fiub":
            if value.size > 8:  # elided before anything is converted: arrays may be huge
                head, tail = value[:3].tolist(), value[-3:].tolist()
                return "[" + ", ".join([*map(show, head), "…", *map(show, tail)]) + "]"
            return "[" + ", ".join(show(v) for v in value.tolist()) + "]"
        text = np.array2string(
            value, precision=6, threshold=8, edgeitems=3, separator=", ", max_line_width=10_000
        )
        return " ".join(text.split())
    return repr(value)


def _integer(value: int) -> str:
    """An integer in full, or its size when it has more digits than a line can hold."""
    if value.bit_length() <= 64:
        return str(value)
    return f"{'-' if value < 0 else ''}an integer of {value.bit_length()} bits"


def show_pair(got: object, expected: object) -> tuple[str, str]:
    """Both values shown; single numbers with enough digits to see that they differ."""
    if _is_number(got) and _is_number(expected) and not isinstance(got, bool):
        try:
            return number(complex(got).real, float(expected)), number(
                float(expected), complex(got).real
            )
        except (TypeError, ValueError, OverflowError):
            pass
    return show(got), show(expected)


def locate(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> str:
    """Where an array is out of tolerance: the first bad entry, how many, the worst, a window."""
    bad = ~close(got, expected, rtol, atol)
    if got.ndim == 0 or got.size <= 1:
        return f"({tolerance_text(rtol, atol)})"
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    g, e = show_pair(got[first], expected[first])
    lines = [
        f"first entry out of tolerance: index {first}: got {g}, expected {e} "
        f"({tolerance_text(rtol, atol)})"
    ]
    count = int(bad.sum())
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.where(bad, np.abs(got - expected), -1.0)
    error = np.nan_to_num(error, nan=np.inf)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(error)), got.shape))
    summary = f"{count} of {got.size} entries out of tolerance"
    if count > 1 and worst != first:
        g, e = show_pair(got[worst], expected[worst])
        summary += f"; the furthest off is index {worst}: got {g}, expected {e}"
    lines.append(summary)
    if got.size > LARGE:
        lines.append(_window(got, expected, first))
    return "\n".join(lines)


def _window(got: np.ndarray, expected: np.ndarray, index: tuple[int, ...]) -> str:
    """The entries around ``index`` along its last axis (its row, for a matrix)."""
    last = index[-1]
    start, stop = max(0, last - WINDOW), min(got.shape[-1], last + WINDOW + 1)
    prefix = index[:-1]
    span = f"[{start}:{stop}]"
    where = f"row {prefix if len(prefix) > 1 else prefix[0]}, columns {span}" if prefix else span
    row_got = got[prefix + (slice(start, stop),)]
    row_expected = expected[prefix + (slice(start, stop),)]
    return (
        f"around it (shape {got.shape}, {where}): got {show(np.asarray(row_got))}, "
        f"expected {show(np.asarray(row_expected))}"
    )


# ---------------------------------------------------------------------------------------------
# what a wrong value shows


def observe(
    got: object,
    expected: object,
    names: Sequence[str] | None = None,
    rtol: float = 1e-7,
    atol: float = 1e-9,
) -> str:
    """One clause saying how a wrong value relates to the right one ("your value is 3 times too
    large", "dW is right; db has the opposite sign"), or "" when nothing simple relates them."""
    pairs = _members(got, expected, names)
    if pairs is not None:
        return _observe_members(pairs, rtol, atol)
    seen = _observe_numbers(got, expected, rtol, atol)
    return f"your value {seen}" if seen else ""


def _members(got, expected, names=None, prefix: str = "") -> list | None:
    """(label, got, expected) for each member of a tuple or dict result, dicts inside tuples
    opened too (Adam's new_state.m); None for a single value or a mismatched structure."""
    if isinstance(expected, dict) and isinstance(got, dict):
        pairs = [(str(k), got.get(k), v) for k, v in expected.items()]
    elif isinstance(expected, PLAIN_SEQUENCES) and isinstance(got, PLAIN_SEQUENCES):
        if len(got) != len(expected) or not _all_numeric(expected):
            return None
        pairs = list(zip(member_names(expected, names), got, expected, strict=True))
    else:
        return None
    flat = []
    for label, g, e in pairs:
        inner = _members(g, e, prefix=f"{prefix}{label}.") if isinstance(e, dict) else None
        flat.extend(inner if inner is not None else [(f"{prefix}{label}", g, e)])
    return flat


def _all_numeric(values) -> bool:
    return all(not isinstance(v, bool | str) for v in values)


def _observe_members(pairs: list[tuple[str, object, object]], rtol: float, atol: float) -> str:
    right, wrong = [], []
    for label, g, e in pairs:
        if difference(g, e, rtol, atol) is None:
            right.append(label)
        else:
            seen = _observe_numbers(g, e, rtol, atol)
            wrong.append(f"{label} {seen}" if seen else f"{label} is wrong")
    if not wrong:
        return ""
    text = "; ".join(wrong)
    if right:
        text = f"{' and '.join(right)} {'is' if len(right) == 1 else 'are'} right; " + text
    return text


def _observe_numbers(got: object, expected: object, rtol: float, atol: float) -> str:
    try:
        if np.iscomplexobj(got):  # no relation is read into complex values
            return ""
        g = np.asarray(got, dtype=float)
        e = np.asarray(expected, dtype=float)
    except (TypeError, ValueError, OverflowError):
        return ""
    if g.shape != e.shape and g.size == e.size == 1:
        g, e = g.reshape(()), e.reshape(())
    if g.shape != e.shape or not (np.all(np.isfinite(g)) and np.all(np.isfinite(e))):
        return ""
    if not np.any(e):
        return ""
    for phrase, test in _RELATIONS:
        text = test(g, e)
        if text:
            return phrase.format(text)
    if g.ndim == 1 and g.size > 2:
        count = int((~close(g, e, rtol, atol)).sum())
        return f"is wrong in {count} of its {g.size} entries"
    return ""


def _opposite(g, e):
    return "yes" if close(g, -e, 1e-7, 1e-9).all() else ""


def _scaled(g, e):
    mask = np.abs(e) > 1e-12
    if not mask.any() or not close(g[~mask], e[~mask], 1e-7, 1e-9).all():
        return ""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ratios = g[mask] / e[mask]
        k = float(ratios.flat[0])
        inverse = 1 / k if k else np.inf
    if not (np.isfinite(k) and np.isfinite(inverse)):  # at the edges of float: no ratio read
        return ""
    if not np.allclose(ratios, k, rtol=1e-6) or k <= 0 or np.isclose(k, 1.0):
        return ""
    if k > 1:
        factor = round(k) if np.isclose(k, round(k)) else number(k)
        return f"{factor} times too large"
    if np.isclose(inverse, round(inverse)):
        return f"{round(inverse)} times too small"
    return f"{number(k)} times the right value"


def _shifted(g, e):
    if g.ndim != 1 or g.size < 3:
        return ""
    if close(g[1:], e[:-1], 1e-7, 1e-9).all():
        return "one place late (each entry is the one expected before it)"
    if close(g[:-1], e[1:], 1e-7, 1e-9).all():
        return "one place early (each entry is the one expected after it)"
    return ""


def _offset(g, e):
    if g.size < 2:
        return ""
    with np.errstate(over="ignore", invalid="ignore"):
        d = (g - e).ravel()
    if not np.all(np.isfinite(d)):
        return ""
    if np.allclose(d, d[0], rtol=1e-6, atol=1e-12) and abs(d[0]) > 0:
        return number(float(d[0]))
    return ""


_RELATIONS = (
    ("has the opposite sign", _opposite),
    ("is {0}", _scaled),
    ("is {0}", _shifted),
    ("is off by the same amount ({0}) in every entry", _offset),
)


# ---------------------------------------------------------------------------------------------
# a value as a curve: its steps, and where the learner's leaves the reference's


def as_steps(value: object, columns: int | None = None) -> np.ndarray | None:
    """``value`` as a curve's steps: a float array of shape (steps, columns) — a sequence of
    numbers is one column, a 2-D array (a path) one column per coordinate — or None when it is
    no such thing (a learner's value of the wrong kind is not drawn). ``columns``: the number
    the reference has, which the learner's must match."""
    if isinstance(value, str | bytes | dict) or value is None:
        return None
    try:
        if np.iscomplexobj(value):  # not drawn: what its imaginary part means is unknown
            return None
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        return None
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 or (columns is not None and array.shape[1] != columns):
        return None
    return array


def parting(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> int | None:
    """The first step where ``got`` leaves ``expected`` (both as :func:`as_steps` gives them):
    the first out of tolerance among the steps both have, else where the shorter ends; None
    when they agree on every step and have as many."""
    common = min(len(got), len(expected))
    bad = ~close(got[:common], expected[:common], rtol, atol).all(axis=1)
    if bad.any():
        return int(np.argmax(bad))
    return None if len(got) == len(expected) else common
