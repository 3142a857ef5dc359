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

The same values, by the same keys, are also what the learner's :class:`Store` keeps across runs
of ``grade``, watch and the notebook ``check()`` (see "the learner's store" below).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import platform
import stat
import sys
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from grader.paths import CHECKS_DIR, cache_dir
from grader.report.write import write_whole

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


# -- the learner's store (values kept across runs) ----------------------------------------------
# The values the public checks' remembered functions computed, kept on disk by the doors of the
# learner's loop (grader.checking.remember.across_runs) and read back by their next run. A store
# is used only by exactly the code and platform that made it (:func:`made_for`); a missing,
# unreadable, damaged, oversized or foreign file is an empty store, never an error and never a
# wrong value. What is kept (public checks' values only) is remember's to decide.

# one store per installation (a checkout, an installed copy): two of them on one machine,
# made for different sources, would otherwise replace each other's store on every run
INSTALLATION = hashlib.sha256(str(Path(__file__).resolve().parents[2]).encode()).hexdigest()[:12]
STORE_FILE_NAME = f"values-{INSTALLATION}.json"
STORE_FORMAT = 1
STORE_LIMIT = 16 << 20  # bytes read at most (the week's public values take ~0.9 MB)
MISSING = object()  # what a store answers for a value it does not hold


def store_file() -> Path:
    return cache_dir() / STORE_FILE_NAME


def _sources() -> list[Path]:
    """The folders whose files determine the values: gdref, the checks and this API."""
    spec = importlib.util.find_spec("gdref")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    return [Path(f) for f in folders] + [CHECKS_DIR, Path(__file__).resolve().parent]


def made_for() -> str:
    """What a store's values hold for: a digest of every file of :func:`_sources`, the Python
    and NumPy versions and where NumPy is installed, and the machine. Any change, a new value
    digest: the store made before is foreign."""
    digest = hashlib.sha256()
    versions = (sys.version, np.__version__, np.__file__, sysconfig.get_platform())
    digest.update(repr((STORE_FORMAT, *versions, platform.machine())).encode("utf-8"))
    for folder in _sources():
        files = (p for p in folder.rglob("*") if "__pycache__" not in p.parts and p.is_file())
        for path in sorted(files):
            content = path.read_bytes()
            name = path.relative_to(folder).as_posix()
            digest.update(f"{folder.name}/{name}\0{len(content)}\0".encode())
            digest.update(content)
    return digest.hexdigest()


def _read_bounded(path: Path) -> bytes | None:
    """The file's bytes, or None when it is not a regular file or larger than STORE_LIMIT."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)  # never waits for a writer, should it be a FIFO
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(STORE_LIMIT + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) <= STORE_LIMIT else None


def _read_store(path: Path, made: str) -> dict[str, dict[str, object]]:
    """The values of the store at ``path`` if it was made for ``made``, else none."""
    data = _read_bounded(path)
    if data is None:
        return {}
    head, _, body = data.partition(b"\n")
    wanted = {"format": STORE_FORMAT, "made_for": made, "sha256": hashlib.sha256(body).hexdigest()}
    try:
        if json.loads(head) != wanted:
            return {}
        values = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past Python's stack
        return {}
    if not isinstance(values, dict) or not all(
        isinstance(entries, dict) and all(isinstance(k, str) for k in entries)
        for entries in values.values()
    ):
        return {}
    return values


class Store:
    """One process's view of the learner's store: the values read from ``path`` (read when
    first asked), and those kept since, written back by :meth:`save`."""

    def __init__(self, path: Path, made: str) -> None:
        self.path, self.made = path, made
        self._values: dict[str, dict[str, object]] | None = None
        self.fresh: dict[str, dict[str, object]] = {}  # kept by this process, not yet written

    @property
    def values(self) -> dict[str, dict[str, object]]:
        if self._values is None:
            self._values = _read_store(self.path, self.made)
        return self._values

    def get(self, function: str, key: object) -> object:
        """The kept value of ``function`` for the call whose key is ``key``, or MISSING."""
        entry = self.values.get(function, {}).get(digest(key))
        if entry is None:
            return MISSING
        try:
            return decode(entry)
        except Exception:  # noqa: BLE001 - a value no store of ours holds: worked out anew
            return MISSING

    def keep(self, function: str, key: object, value: object) -> None:
        """Keep ``value`` for the next run (a value that is not plain data stays in memory)."""
        name = digest(key)
        if name in self.values.get(function, {}):
            return
        try:
            encoded = encode(value, function)
        except RecordError:
            return
        self.values.setdefault(function, {})[name] = encoded
        self.fresh.setdefault(function, {})[name] = encoded

    def save(self) -> None:
        """Write the store, if this process kept anything new, in one step (an interrupted or
        concurrent run leaves a whole file, its own or the other's). Not written when the
        sources changed while this process ran (its values may be the old code's), nor when
        it cannot be: the next run works the values out again. Past STORE_LIMIT, only this
        process's values are written."""
        if not self.fresh:
            return
        fresh, self.fresh = self.fresh, {}
        if made_for() != self.made:
            self._values = {}
            return
        for values in (self.values, fresh):
            body = json.dumps(values, sort_keys=True, separators=(",", ":")).encode("utf-8")
            if len(body) < STORE_LIMIT - 1024:
                break
        else:
            return
        head = {"format": STORE_FORMAT, "made_for": self.made}
        head["sha256"] = hashlib.sha256(body).hexdigest()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_whole(self.path, json.dumps(head) + "\n" + body.decode("utf-8"))
        except OSError:
            pass


_stores: dict[Path, Store] = {}  # each read once per process (a watch session's later runs)


def opened_store() -> Store:
    """The learner's store (:func:`store_file`), as this process knows it."""
    path = store_file()
    if path not in _stores:
        _stores[path] = Store(path, made_for())
    return _stores[path]
