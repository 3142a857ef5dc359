"""A student release's recorded reference values: what each ``@remembered`` function of the
public checks returned, for every set of arguments the public checks give it.

In the full project a check's reference values are worked out by gdref (and remembered for the
rest of the process: :mod:`grader.checking.remember`). A student release holds no gdref and no
other implementation of an exercise, so ``gdkit release`` grades the reference solutions and
every catalogued mistake with the public checks, :func:`recording` what each remembered
function returned, and writes it to ``grader/checks/recorded.json``. The release's check modules
keep each remembered function's name and docstring only; there, a call is answered by
:func:`lookup` from the record, by the same key that tells arguments apart in the project.

The file's SHA-256 is in the release marker (``grader/release.json``): a record changed since the
release was made, or a value the record does not hold, is the grader's fault and says so (the
check is an error, never a different verdict).

Values are stored as tagged JSON, exactly: arrays and NumPy scalars keep their dtype, shape and
bytes, tuples stay tuples, ``-0.0`` and ``nan`` stay themselves. Nothing is pickled; a value of
any other type cannot be recorded (:class:`RecordError` names the function).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

RECORD_FILE_NAME = "recorded.json"
RECORD_FILE = Path(__file__).resolve().parent.parent / "checks" / RECORD_FILE_NAME
FORMAT = 1
NUMERIC_KINDS = "biufc"


class RecordError(ValueError):
    """A value that cannot be recorded, or a record that cannot be used."""


class NotRecorded(Exception):
    """The release has no recorded value for a call (the grader's fault, not the learner's)."""


# -- values -----------------------------------------------------------------------------------
def _blob(value: np.ndarray | np.generic) -> str:
    return base64.b64encode(np.ascontiguousarray(value).tobytes()).decode("ascii")


def encode(value: object, where: str) -> object:
    """Plain data -> tagged JSON, keeping every type and bit (see module doc)."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return {"f": value.hex()}  # exact, and JSON has no nan, inf or -0.0 of its own
    if kind is np.ndarray and value.dtype.kind in NUMERIC_KINDS:
        return {"a": [value.dtype.str, list(value.shape), _blob(value)]}
    if isinstance(value, np.generic) and value.dtype.kind in NUMERIC_KINDS:
        return {"s": [value.dtype.str, _blob(value)]}
    if kind is list:
        return [encode(item, where) for item in value]
    if kind is tuple:
        return {"t": [encode(item, where) for item in value]}
    if kind is dict:
        return {"d": [[encode(k, where), encode(v, where)] for k, v in value.items()]}
    if kind is _forms():
        return {"forms": [encode(item, where) for item in value]}
    raise RecordError(
        f"{where} returned {kind.__name__!r}: a remembered function of a public check must "
        "return plain data (numbers, strings, None, NumPy arrays, and tuples, lists and dicts "
        "of those), so that a release can record it"
    )


def _array(dtype: str, shape: list[int], blob: str) -> np.ndarray:
    kind = np.dtype(dtype)
    if kind.kind not in NUMERIC_KINDS:
        raise RecordError(f"an array of dtype {kind} in the record")
    return np.frombuffer(base64.b64decode(blob), dtype=kind).reshape(shape).copy()


def _forms() -> type:
    from grader.checking.framework import Forms  # a mistake's several forms (any_of)

    return Forms


_TAGS = {
    "forms": lambda inner: _forms()(decode(item) for item in inner),
    "f": lambda inner: float.fromhex(inner),
    "a": lambda inner: _array(*inner),
    "s": lambda inner: _array(inner[0], [], inner[1])[()],
    "t": lambda inner: tuple(decode(item) for item in inner),
    "d": lambda inner: {decode(k): decode(v) for k, v in inner},
}


def decode(data: object) -> object:
    """Tagged JSON -> the value :func:`encode` was given."""
    if data is None or type(data) in (bool, int, str):
        return data
    if type(data) is list:
        return [decode(item) for item in data]
    if type(data) is dict and len(data) == 1:
        ((tag, inner),) = data.items()
        if tag in _TAGS:
            return _TAGS[tag](inner)
    raise RecordError("a malformed value in the record")


# -- keys ---------------------------------------------------------------------------------------
def digest(key: object) -> str:
    """A call's key (remember's portable key of its arguments) as a short stable string."""
    return hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:32]


# -- recording (at release time) -----------------------------------------------------------------
_recording: dict[str, dict[str, object]] | None = None
_failures: list[str] = []  # what could not be recorded (a check turns the error into its own)


@contextmanager
def recording() -> Iterator[dict[str, dict[str, object]]]:
    """Within the block, every outermost call of a remembered function is recorded:
    {function: {key digest: encoded value}}. A call that cannot be recorded is a
    :class:`RecordError` when the block ends, even if the check that made it caught it."""
    global _recording
    outer, _recording = _recording, {}
    _failures.clear()
    try:
        yield _recording
        if _failures:
            raise RecordError(_failures[0])
    finally:
        _recording = outer


def recording_now() -> bool:
    return _recording is not None


def record(function: str, key: object, value: object) -> None:
    """Keep ``value`` as what ``function`` returns for the call whose key is ``key``."""
    if _recording is not None:
        try:
            _recording.setdefault(function, {})[digest(key)] = encode(value, function)
        except RecordError as error:
            _failures.append(str(error))
            raise


def failed(message: str) -> None:
    """A call that could not be recorded (see :func:`recording`)."""
    if _recording is not None:
        _failures.append(message)


def write_record(values: dict[str, dict[str, object]], path: Path) -> str:
    """Write a record (sorted, so a rebuild is byte for byte the same); its SHA-256."""
    text = json.dumps({"format": FORMAT, "values": values}, sort_keys=True, separators=(",", ":"))
    data = (text + "\n").encode("utf-8")
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


# -- looking up (in a release) -------------------------------------------------------------------
_loaded: dict[str, dict[str, object]] | None = None


def _load() -> dict[str, dict[str, object]]:
    from grader.edition import release_info

    global _loaded
    if _loaded is None:
        expected = (release_info() or {}).get("record_sha256")
        try:
            data = RECORD_FILE.read_bytes()
        except OSError as error:
            raise NotRecorded(f"{RECORD_FILE.name} cannot be read ({error.strerror})") from None
        if hashlib.sha256(data).hexdigest() != expected:
            raise NotRecorded(
                f"{RECORD_FILE.name} was changed after the release was made (its SHA-256 is not "
                "the one in release.json): reinstall the release to grade"
            )
        content = json.loads(data)
        if content.get("format") != FORMAT:
            raise NotRecorded(f"{RECORD_FILE.name} is in another format than this grader's")
        _loaded = content["values"]
    return _loaded


def lookup(function: str, key: object) -> object:
    """The recorded value of ``function`` for the arguments whose key is ``key``."""
    entry = _load().get(function, {}).get(digest(key))
    if entry is None:
        name = function.rsplit(".", 1)[-1]
        raise NotRecorded(
            f"this release holds no reference value of {name} for these arguments (the "
            "release is incomplete: tell your instructor; their grading is not affected)"
        )
    return decode(entry)
