"""Remember what a check computed with gdref, for the rest of the process.

A check's inputs are the same on every run (the ``rng`` fixture is seeded by the check's
name), so the right answer and every mistake's value are the same for every submission.
Watch mode and ``grade batch`` grade many submissions in one process; with

    @remembered
    def reference_steps(A, w0, lr, beta, tol, max_steps): ...

each distinct set of arguments is worked out by gdref once per process, not once per
submission. Arguments are told apart by value *and* type (``1``, ``1.0`` and ``True`` are
three keys; so are ``0.0`` and ``-0.0``; an array by its dtype, shape and bytes); plain
functions by identity. A call with any other kind of argument is simply not remembered. The
caller always gets its own copy of the result, so a check that changes the value it got
changes nothing for the next one.

In a student release (which holds no gdref) the remembered functions of the public checks have
no body: their values were recorded when the release was made, and the record answers for them
by the same key (:mod:`grader.checking.record`). There, and while a release is being recorded,
a plain function argument is keyed by its module and name; a lambda or a nested function cannot
be.

Across runs: within :func:`across_runs`, which the doors of the learner's loop open around
their grading (``grade DIR``, watch, the notebook ``check()``: the learner's own machine, one
learner's own files), a value not remembered in this process is looked up in the learner's
store on disk (:class:`grader.checking.record.Store`) before gdref works it out, and what the
outermost calls of a *public* check return is kept there for the next run. A hidden check's
values stay in memory only (the plugin says which kind of check runs: :func:`public_check`), so
no hidden input or answer is ever written to a file. ``grade batch``, the autograder and the
self-tests open no store: they grade other people's submissions in one long process, which
remembers the values already, and no submission's run may leave anything for the next one's.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import types
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import numpy as np

from grader.checking import record
from grader.edition import release_info

KEEP = 256  # results remembered per function (the least recently used go first)

F = TypeVar("F", bound=Callable)


class _Unkeyable(Exception):
    """An argument this module does not know how to tell apart by value."""


def _key(value: object, portable: bool = False, widen: bool = False) -> object:
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return (kind.__name__, value)
    if kind is float:
        return ("float", value.hex())  # tells 0.0 from -0.0, and keeps NaN equal to itself
    if widen and isinstance(value, np.ndarray | np.generic) and value.dtype.kind == "i":
        # NumPy's default integer is 32 bits on Windows before NumPy 2 (np.array([1, 2]),
        # np.arange): the record, made elsewhere, knows the same integers as 64-bit ones
        value = value.astype(np.int64)
        kind = type(value)
    if kind is np.ndarray:
        if value.dtype.kind not in "biufc":
            raise _Unkeyable(value.dtype)
        digest = hashlib.blake2b(np.ascontiguousarray(value).data, digest_size=16).digest()
        return ("ndarray", value.dtype.str, value.shape, digest)
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return ("scalar", value.dtype.str, value.tobytes())
    if kind in (tuple, list):
        return (kind.__name__, tuple(_key(item, portable, widen) for item in value))
    if kind is dict:
        pairs = value.items()
        return (
            "dict",
            tuple((_key(k, portable, widen), _key(v, portable, widen)) for k, v in pairs),
        )
    if kind in (types.FunctionType, types.BuiltinFunctionType):
        if not portable:
            return ("function", value)  # by identity; the key keeps it alive: ids never recycle
        if "<" in value.__qualname__:
            raise _Unkeyable(value.__qualname__)  # a lambda or a nested function
        return ("function", value.__module__, value.__qualname__)
    raise _Unkeyable(kind)


def portable_key(args: tuple, kwargs: dict, any_platform: bool = True) -> object:
    """The key of a call that is the same in every process (the record's key). With
    ``any_platform`` (a release, recorded on one platform and read on every other) an integer
    is known by its value whatever its width; without (the learner's store, read only on the
    platform that wrote it), int32 and int64 stay apart, as within a process."""
    return (_key(args, True, any_platform), _key(kwargs, True, any_platform))


def _copy(value: object) -> object:
    kind = type(value)
    if kind is np.ndarray:
        return value.copy()
    if kind in (tuple, list):
        return kind(_copy(item) for item in value)
    if kind is dict:
        return {k: _copy(v) for k, v in value.items()}
    if value is None or kind in (bool, int, float, str) or isinstance(value, np.generic):
        return value
    return copy.deepcopy(value)


_depth = 0  # remembered calls under way: only the outermost is recorded


def _recorded(name: str, function: F) -> F:
    @functools.wraps(function)
    def recorded(*args: object, **kwargs: object) -> object:
        try:
            key = portable_key(args, kwargs)
        except _Unkeyable as error:
            raise record.NotRecorded(
                f"{name}: an argument that cannot be recorded ({error})"
            ) from None
        return record.lookup(name, key)

    return recorded  # type: ignore[return-value]


def _record(name: str, args: tuple, kwargs: dict, result: object) -> None:
    try:
        key = portable_key(args, kwargs)
    except _Unkeyable as error:
        message = (
            f"{name} was called with an argument a release cannot record ({error}): pass data "
            "or a module-level function"
        )
        record.failed(message)
        raise record.RecordError(message) from None
    record.record(name, key, result)


_store: record.Store | None = None  # the learner's store, while a door's run is under way
_public = False  # a public check is running


def public_check(running: bool) -> None:
    """The plugin: a public check starts (True), or the check that ran is over (False)."""
    global _public
    _public = running


@contextmanager
def across_runs() -> Iterator[None]:
    """Within the block (a learner-loop door's grading), remembered values are also read from
    the learner's store on disk, and public checks' values kept there, written when the block
    ends (see module doc). A block inside another shares the outer one's store."""
    global _store
    if _store is not None or release_info() is not None:  # a release answers from its record
        yield
        return
    _store = record.opened_store()
    try:
        yield
    finally:
        opened, _store = _store, None
        opened.save()


def _store_key(args: tuple, kwargs: dict) -> object:
    """The call's key in the learner's store, or None (no store open, or arguments it cannot
    tell apart the same way in every process)."""
    if _store is None:
        return None
    try:
        return portable_key(args, kwargs, any_platform=False)
    except _Unkeyable:
        return None


def _stored_or_computed(name: str, function: Callable, args: tuple, kwargs: dict) -> object:
    """The value from the learner's store, else worked out by ``function``; kept there when
    the outermost call of a public check asked for it."""
    outermost, key = _depth == 0, _store_key(args, kwargs)
    if key is None:
        return _call(function, args, kwargs)
    result = _store.get(name, key)
    if result is record.MISSING:
        result = _call(function, args, kwargs)
    if outermost and _public:
        _store.keep(name, key, result)
    return result


def _call(function: Callable, args: tuple, kwargs: dict) -> object:
    global _depth
    _depth += 1
    try:
        return function(*args, **kwargs)
    finally:
        _depth -= 1


def remembered(function: F) -> F:
    """``function``, remembering its results by the value of its arguments (see module doc)."""
    name = f"{function.__module__}.{function.__qualname__}"
    if release_info() is not None:
        return _recorded(name, function)
    results: OrderedDict = OrderedDict()

    @functools.wraps(function)
    def remembering(*args: object, **kwargs: object) -> object:
        outermost = _depth == 0
        try:
            key = (_key(args), _key(kwargs))
        except _Unkeyable:
            key = None
        if key is not None and key in results:
            results.move_to_end(key)
            result = _copy(results[key])
            if outermost and _public and (stored := _store_key(args, kwargs)) is not None:
                _store.keep(name, stored, result)  # remembered from a call that was not kept
        else:
            result = _stored_or_computed(name, function, args, kwargs)
            if key is not None:
                results[key] = _copy(result)
                if len(results) > KEEP:
                    results.popitem(last=False)
        if outermost and record.recording_now():
            _record(name, args, kwargs, result)
        return result

    remembering.forget = results.clear  # for tests
    return remembering  # type: ignore[return-value]
