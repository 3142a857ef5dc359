"""The wire format between the grading process and a sandbox worker, shared by every backend.

A *frame* is a 4-byte big-endian length, a JSON header (an object), then for each of the
header's ``blobs`` an 8-byte length and that many raw bytes. Values inside a header are tagged
JSON: numbers, strings, booleans and ``None`` as themselves, lists as lists, and

    {"__tuple__": [...]}   {"__dict__": {...}}   {"__callback__": k}
    {"__ndarray__": [blob index, dtype string, shape]}   (raw bytes of a numeric array)

Nothing is pickled, and nothing decoded has methods of the sender's making: every value is a
plain ``int``/``float``/``bool``/``str``/``None``, ``list``/``tuple``/``dict`` of those, or a
fresh ``numpy.ndarray`` of a numeric dtype.

The grading process trusts nothing it reads: :func:`read_frame` refuses a frame over its size
limits (:data:`MAX_HEADER` of JSON, ``limit`` in all) before reading it, and a header nested
deeper than :data:`MAX_DEPTH` or holding an integer of more than :data:`MAX_INT_DIGITS` digits
before parsing it, so decoding costs time linear in the frame's size. Every problem is a
:class:`WireError`.

This module is also run inside the sandbox (by ``worker.py``): it imports only the standard
library and NumPy.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Callable
from typing import BinaryIO

NUMERIC_KINDS = "biufc"  # bool, signed, unsigned, float, complex
MAX_HEADER = 16 << 20  # bytes of JSON in one frame (arrays travel as blobs, outside it)
MAX_DEPTH = 64  # brackets of JSON nesting in one header (a tuple of arrays uses 4)
MAX_INT_DIGITS = 400  # longer integers are not numbers a check compares (|n| < 2**1024 is 309)
ACCEPTED = (
    "a number (int, float, bool or a NumPy scalar), a string, None, "
    "a list, tuple or dict (str keys) of those, or a NumPy array of numbers"
)


class WireError(Exception):
    """A value that cannot cross the sandbox boundary, or a malformed frame."""


def describe(value: object) -> str:
    """How a value is named in a message: its class name only, never a module path."""
    name = type(value).__name__
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


_PLAIN = ((int, int.__int__), (float, float.__float__), (str, str.__str__))


# -- values -----------------------------------------------------------------------------------
def encode(
    value: object, blobs: list[bytes], callbacks: dict | None = None, depth: int = 0
) -> object:
    """Plain data -> tagged JSON; arrays go to ``blobs``. Subclasses of the built-in types
    (a NamedTuple, an ``int`` enum, ``numpy.str_``) become the plain type; NumPy scalars
    become Python numbers."""
    import numpy as np

    if depth > MAX_DEPTH // 2:
        raise WireError(f"a value nested more than {MAX_DEPTH // 2} levels deep")
    if value is None or isinstance(value, bool | np.bool_):
        return None if value is None else bool(value)
    if isinstance(value, np.generic) and value.dtype.kind in NUMERIC_KINDS + "U":
        value = value.item()  # a NumPy scalar: the Python number (or str) it holds
        if type(value) is complex:
            return encode(np.asarray(value), blobs, callbacks, depth)
    for plain, convert in _PLAIN:
        if isinstance(value, plain):  # the stored value, never a subclass's own __int__ etc.
            value = convert(value)
            if plain is int and abs(value) >= 2**1024:
                raise WireError("an int too large for a float (2**1024 or more)")
            return value
    if type(value) is np.ndarray:
        if value.dtype.kind not in NUMERIC_KINDS or value.dtype.names is not None:
            raise WireError(f"an array of dtype {value.dtype}, but only numeric arrays cross")
        blobs.append(np.ascontiguousarray(value).tobytes())
        return {"__ndarray__": [len(blobs) - 1, value.dtype.str, list(value.shape)]}
    if isinstance(value, np.ndarray):
        raise WireError(f"{describe(value)} (a subclass of numpy.ndarray): use np.asarray(…)")
    if isinstance(value, list | tuple):
        items = [encode(v, blobs, callbacks, depth + 1) for v in value]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise WireError("a dict whose keys are not all strings")
        items = {str.__str__(k): encode(v, blobs, callbacks, depth + 1) for k, v in value.items()}
        return {"__dict__": items}
    if callbacks is not None and callable(value):
        callbacks[len(callbacks)] = value
        return {"__callback__": len(callbacks) - 1}
    raise WireError(describe(value))


def decode(data: object, blobs: list[bytes], make_callback: Callable | None = None) -> object:
    """Tagged JSON -> plain data (the inverse of :func:`encode`)."""
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v, blobs, make_callback) for v in data]
    if type(data) is dict and len(data) == 1:
        ((tag, inner),) = data.items()
        if tag == "__tuple__" and type(inner) is list:
            return tuple(decode(v, blobs, make_callback) for v in inner)
        if tag == "__dict__" and type(inner) is dict:
            return {k: decode(v, blobs, make_callback) for k, v in inner.items()}
        if tag == "__ndarray__" and type(inner) is list and len(inner) == 3:
            return _decode_array(*inner, blobs)
        if tag == "__callback__" and type(inner) is int and make_callback is not None:
            return make_callback(inner)
    raise WireError("a malformed value")


def entries(value: object) -> int:
    """How much a decoded value holds: one for each number, string and container, and for an
    array the product of its dimensions, an empty one counted as 1 (a ``(0, 2**27)`` array
    holds no bytes, yet a function given it can build ``np.arange(a.shape[1])``)."""
    import numpy as np

    if type(value) is np.ndarray:
        count = 1
        for n in value.shape:
            count *= max(n, 1)
        return count
    if type(value) in (list, tuple):
        return 1 + sum(entries(v) for v in value)
    if type(value) is dict:
        return 1 + sum(entries(v) for v in value.values())
    return 1


def _decode_array(index: object, dtype: object, shape: object, blobs: list[bytes]):
    """Raw bytes + a numeric dtype + a shape -> a fresh, writeable ndarray (never unpickles)."""
    import numpy as np

    if type(index) is not int or not 0 <= index < len(blobs) or type(dtype) is not str:
        raise WireError("a malformed array")
    if type(shape) is not list or not all(type(n) is int and 0 <= n < 2**40 for n in shape):
        raise WireError("an array with a malformed shape")
    if len(shape) > 32:
        raise WireError("an array of more than 32 dimensions")
    try:
        kind = np.dtype(dtype)
    except (TypeError, ValueError):
        raise WireError(f"an array of unknown dtype {dtype[:40]!r}") from None
    if kind.kind not in NUMERIC_KINDS or kind.names is not None or kind.subdtype is not None:
        raise WireError(f"an array of dtype {kind}, but only numeric arrays cross")
    count, span = 1, 1
    for n in shape:
        count, span = count * n, span * max(n, 1)
    if count * kind.itemsize != len(blobs[index]):
        raise WireError("an array whose size does not match its shape")
    if span * kind.itemsize > np.iinfo(np.intp).max:  # empty, but no NumPy can make the shape
        raise WireError("an array whose shape is too large")
    return np.frombuffer(blobs[index], dtype=kind).reshape(shape).copy()


# -- frames -----------------------------------------------------------------------------------
def frame(header: dict, blobs: list[bytes] = ()) -> bytes:
    """One frame's bytes."""
    body = json.dumps(dict(header, blobs=len(blobs)), separators=(",", ":")).encode()
    parts = [struct.pack(">I", len(body)), body]
    for blob in blobs:
        parts += [struct.pack(">Q", len(blob)), blob]
    return b"".join(parts)


def write_frame(stream: BinaryIO, header: dict, blobs: list[bytes] = ()) -> None:
    """Write one frame and flush it."""
    stream.write(frame(header, blobs))
    stream.flush()


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    chunks = []
    while size:
        chunk = stream.read(min(size, 1 << 20))
        if not chunk:
            raise EOFError("the channel closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO, limit: int) -> tuple[dict, list[bytes]]:
    """Read one frame of at most ``limit`` bytes; check it before parsing (see module doc)."""
    (size,) = struct.unpack(">I", _read_exact(stream, 4))
    if size > min(limit, MAX_HEADER):
        raise WireError(f"a message header of {size} bytes (the limit is {MAX_HEADER})")
    body = _read_exact(stream, size)
    header = parse_header(body)
    count = header.get("blobs")
    if type(count) is not int or not 0 <= count <= 10_000:
        raise WireError("a message with a malformed blob count")
    blobs, total = [], size
    for _ in range(count):
        (blob_size,) = struct.unpack(">Q", _read_exact(stream, 8))
        total += blob_size
        if total > limit:
            raise WireError(f"a message of more than {limit} bytes")
        blobs.append(_read_exact(stream, blob_size))
    return header, blobs


# a run of digits only where one starts, so that the search is linear (without the look-behind
# it started again at every digit: a 15 MB header of 400-digit numbers took 14 s)
_LONG_INT = re.compile(rb"(?<![0-9])[0-9]{%d}" % (MAX_INT_DIGITS + 1))


def parse_header(body: bytes) -> dict:
    """JSON object -> dict, after bounding its nesting depth and its integers' length."""
    if _LONG_INT.search(body) or body.count(b"[") + body.count(b"{") > MAX_DEPTH:
        _bound(body)  # else, counting inside strings too, nothing can be over a bound (~4 µs)
    try:
        header = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise WireError(f"a malformed message ({str(error)[:80]})") from None
    if type(header) is not dict:
        raise WireError("a message that is not a JSON object")
    return header


def _bound(body: bytes) -> None:
    """Raise WireError if ``body`` nests deeper than :data:`MAX_DEPTH` or holds an integer of
    more than :data:`MAX_INT_DIGITS` digits, outside its strings."""
    import numpy as np

    outside = _outside_strings(body)  # brackets and digits inside strings do not count
    if _LONG_INT.search(outside):
        raise WireError(f"a number of more than {MAX_INT_DIGITS} digits")
    if outside.count(b"[") + outside.count(b"{") > MAX_DEPTH:  # else it cannot be too deep
        brackets = np.frombuffer(outside.translate(None, delete=_NOT_BRACKETS), dtype=np.uint8)
        steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1)
        if int(np.cumsum(steps).max()) > MAX_DEPTH:
            raise WireError(f"a message nested more than {MAX_DEPTH} levels deep")


def _outside_strings(body: bytes) -> bytes:
    """``body`` with the characters inside its JSON strings left out (their quotes stay), in
    linear time and memory: escaped backslashes, then escaped quotes, are dropped first, so
    that every quote left opens or closes a string. (A regular expression over each string
    held ~140 bytes per character of it: a 4 MB string cost 556 MB.)"""
    import numpy as np

    plain = np.frombuffer(body.replace(b"\\\\", b"").replace(b'\\"', b""), dtype=np.uint8)
    quotes = plain == ord('"')
    inside = np.cumsum(quotes, dtype=np.uint8) & 1  # odd: after an opening quote
    return plain[(inside == 0) | quotes].tobytes()


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
