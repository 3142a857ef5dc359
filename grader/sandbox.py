"""Run learner code in worker processes and get plain data back.

    with Sandbox(limits) as sandbox:                     # picks a backend (grader/backends.py)
        worker = sandbox.load(source_text, "01_parabola.py")
        value = worker.call("gd_step", 3.0, 2.5, 0.1)    # -> 2.75, or raises SubmissionError

Each loaded file gets its own worker process (``grader/worker.py``), started by the backend;
a few are started ahead of time, so that NumPy is already imported when a file arrives. The
grading process talks to a worker over its stdin/stdout with :mod:`grader.wire`, measures
every call's wall time, and kills the worker when a call overruns, crashes, or sends anything
malformed; the next call starts a fresh worker and loads the file again. A sandbox is bound
to no folder: one open sandbox serves any number of files and folders.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from grader import wire
from grader.backends import (
    BACKENDS,
    CLEAN_ENV,
    STRONGEST_FIRST,
    Isolation,
    base_python,
    unprivileged_uid,
)

SPARES = 2  # workers kept started ahead of time


@dataclass(frozen=True)
class Limits:
    """Resource limits for learner code. Times in seconds, sizes in bytes."""

    wall: float = 10.0  # per call, measured by the grading process
    cpu: float = 10.0  # per call (RLIMIT_CPU soft limit)
    cpu_total: float = 120.0  # per worker (RLIMIT_CPU hard limit)
    memory_bytes: int = 1 << 30  # on top of what the worker uses after importing NumPy
    output_bytes: int = 1 << 20  # printed output per call (RLIMIT_FSIZE)
    output_keep: int = 4000  # printed output kept for the report, per call
    message_bytes: int = 256 << 20  # largest reply accepted
    start: float = 30.0  # for a worker to start (import NumPy) on a busy machine

    @classmethod
    def from_env(cls, **overrides: float | None) -> Limits:
        """Defaults, overridden by GDKIT_TIMEOUT (per-call wall and CPU seconds) if set."""
        timeout = os.environ.get("GDKIT_TIMEOUT")
        values: dict = {}
        if timeout:
            try:
                seconds = float(timeout)
            except ValueError:
                seconds = -1.0
            if not seconds > 0:
                raise ValueError(
                    f"GDKIT_TIMEOUT must be a positive number of seconds, got {timeout!r}"
                )
            values = {"wall": seconds, "cpu": seconds}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


class SubmissionError(Exception):
    """Learner code did not produce a usable result.

    kind is one of: not_implemented, missing (no such function), missing_file, syntax, import,
    signature, exception, exit, memory, timeout, crashed, output_limit, bad_return, mutated.
    """

    def __init__(self, kind: str, message: str, where: str = "", output: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.where = where
        self.output = output


class SandboxError(RuntimeError):
    """The sandbox itself could not be started (not the learner's fault)."""


def choose_backend(requested: str):
    """(backend, note): the backend to use and why a stronger one was not used."""
    if requested != "auto":
        if requested not in BACKENDS:
            raise ValueError(f"isolation must be auto, {', '.join(BACKENDS)}; got {requested!r}")
        backend = BACKENDS[requested]()
        reason = backend.unavailable()
        if reason:
            raise SandboxError(f"{reason}; use --isolation process (weaker) or install it")
        return backend, ""
    reasons = []
    for name in STRONGEST_FIRST:
        backend = BACKENDS[name]()
        reason = backend.unavailable()
        if reason is None:
            return backend, "; ".join(reasons)
        reasons.append(reason)
    raise SandboxError("no sandbox backend can run here: " + "; ".join(reasons))


class Sandbox:
    """Starts workers with one backend; hands out a :class:`Worker` per loaded file."""

    def __init__(self, limits: Limits | None = None, isolation: str = "auto") -> None:
        self.limits = limits or Limits.from_env()
        self.requested = isolation
        self.backend, self.note = choose_backend(isolation)
        self._spares: list[_Process] = []
        self._workers: list[Worker] = []
        self._python = base_python()
        self._tmp: tempfile.TemporaryDirectory | None = None

    @property
    def isolation(self) -> Isolation:
        return self.backend.isolation

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start a few workers now (they import NumPy while the caller does other work)."""
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="gdkit-sandbox-")
        while len(self._spares) < SPARES:
            self._spares.append(self._launch())

    def close(self) -> None:
        """Kill every worker this sandbox started. The sandbox can be started again."""
        for worker in self._workers:
            worker.stop()
        for process in self._spares:
            process.kill()
        self._workers.clear()
        self._spares.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def load(self, source: str, filename: str) -> Worker:
        """A worker for one file's source text; it starts loading now, answers on first call."""
        worker = Worker(self, source, filename)
        self._workers = [w for w in self._workers if w.running] + [worker]
        worker.prestart()
        return worker

    def _fall_back(self, reason: str) -> None:
        """A worker could not start: under ``auto``, use the next weaker backend and say why."""
        name = self.backend.name
        weaker = STRONGEST_FIRST[STRONGEST_FIRST.index(name) + 1 :]
        if self.requested != "auto" or not weaker:
            raise SandboxError(f"the {name} sandbox could not start a worker: {reason}")
        for process in self._spares:
            process.kill()
        self._spares.clear()
        self.backend = BACKENDS[weaker[0]]()
        failed = f"{name}: failed to start ({reason})"
        self.note = f"{self.note}; {failed}" if self.note else failed

    def _process(self) -> _Process:
        """A started worker process: a spare if there is one (and a new spare behind it)."""
        self.start()
        process = self._spares.pop(0)
        self._spares.append(self._launch())
        return process

    def _launch(self) -> _Process:
        limits = {k: v for k, v in asdict(self.limits).items()}
        config = {"site": self.backend.site(), "limits": limits, "drop_to": unprivileged_uid()}
        command = self.backend.command(self._python, json.dumps(config))
        try:
            return _Process(command, self._tmp.name, self.limits.message_bytes)
        except OSError as error:
            raise SandboxError(f"cannot start {command[0]}: {error.strerror}") from None


class _StartFailed(Exception):
    """A worker process ended before it was ready (the backend, not the learner)."""


class _Process:
    """One worker process and the thread that reads its frames (portable: pipes only)."""

    def __init__(self, command: list[str], cwd: str, limit: int) -> None:
        self.errors = tempfile.TemporaryFile()
        options: dict = {"start_new_session": True} if os.name == "posix" else {}
        if os.name == "nt":
            options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        self.popen = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            env=CLEAN_ENV,
            cwd=cwd,
            **options,
        )
        self.frames: queue.Queue = queue.Queue()
        self.ready = False
        reader = threading.Thread(target=self._read, args=(limit,), daemon=True)
        reader.start()

    def _read(self, limit: int) -> None:
        try:
            while True:
                self.frames.put(wire.read_frame(self.popen.stdout, limit))
        except BaseException as error:  # noqa: BLE001 - every problem ends the channel
            self.frames.put(error)

    def send(self, header: dict, blobs: list[bytes] = ()) -> None:
        wire.write_frame(self.popen.stdin, header, blobs)

    def receive(self, deadline: float) -> tuple[dict, list[bytes]]:
        """The next frame; TimeoutError after ``deadline``; EOFError or WireError if broken."""
        try:
            item = self.frames.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError from None
        if isinstance(item, BaseException):
            self.frames.put(item)  # stays broken
            raise item if isinstance(item, EOFError | wire.WireError) else EOFError(str(item))
        return item

    def startup_log(self) -> str:
        self.errors.seek(0)
        return self.errors.read(2000).decode("utf-8", "replace").strip()

    def kill(self) -> int | None:
        """Kill the worker (its whole process group on POSIX) and reap it: its exit status."""
        if self.popen.poll() is None:
            try:
                if os.name == "posix":
                    os.killpg(self.popen.pid, signal.SIGKILL)
                else:
                    self.popen.kill()
            except OSError:
                pass
        for stream in (self.popen.stdin, self.popen.stdout):
            try:
                stream.close()
            except OSError:
                pass
        code = self.popen.wait()
        self.errors.close()
        return code


class Worker:
    """Calls functions of one loaded file; restarts its process after a crash or timeout."""

    def __init__(self, sandbox: Sandbox, source: str, filename: str) -> None:
        self.sandbox = sandbox
        self.source, self.filename = source, filename
        self._process: _Process | None = None
        self._load_error: SubmissionError | None = None
        self._loading = False
        self._seq = 0
        self.load_output = ""
        self.last_output = ""
        self.last_warnings: list[str] = []

    @property
    def running(self) -> bool:
        return self._process is not None

    def prestart(self) -> None:
        """Start a process and send it the source, without waiting for the answer."""
        if self._process is None and self._load_error is None:
            self._process = self.sandbox._process()
            self._send({"op": "load", "source": self.source, "filename": self.filename})
            self._loading = True

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
        self._process, self._loading = None, False

    def call(self, function: str, *args: object, **kwargs: object) -> object:
        """Call ``function(*args, **kwargs)`` in the worker; return plain data.

        Callables among the arguments stay in the grading process: learner code calls them
        back over the channel (plain data both ways).
        """
        self._ensure_loaded()
        callbacks: dict[int, Callable] = {}
        blobs: list[bytes] = []
        request = {
            "op": "call",
            "function": function,
            "args": wire.encode(list(args), blobs, callbacks),
            "kwargs": wire.encode(dict(kwargs), blobs, callbacks),
        }
        self._send(request, blobs)
        header, reply_blobs = self._answer(callbacks)
        self.last_output = _text(header.get("output"))
        warnings = header.get("warnings")
        self.last_warnings = [_text(w) for w in warnings] if type(warnings) is list else []
        try:
            result = wire.decode(header.get("result"), reply_blobs)
        except (wire.WireError, RecursionError) as error:
            self.stop()
            raise SubmissionError("bad_return", f"{function} returned {error}") from None
        changed = header.get("changed")
        if type(changed) is list and changed:
            names = " and ".join(_text(name)[:40] for name in changed[:3])
            plural = "s" if len(changed) > 1 else ""
            raise SubmissionError(
                "mutated",
                f"{function} changed its argument{plural} {names} in place; leave the inputs "
                "as they are and return new values (copy first, e.g. w = w.copy())",
                output=self.last_output,
            )
        return result

    def _ensure_loaded(self) -> None:
        if self._load_error is not None:
            raise self._load_error  # loading failed once: it would fail again
        if self._process is None:
            self.prestart()
        if not self._loading:
            return
        self._loading = False
        try:
            try:
                header, _ = self._answer({}, what="loading the file ")
            except _StartFailed as failed:
                self.sandbox._fall_back(str(failed))  # or SandboxError: not the learner's fault
                self.prestart()
                self._loading = False
                header, _ = self._answer({}, what="loading the file ")
        except SubmissionError as error:
            self._load_error = error
            raise
        self.load_output = _text(header.get("output"))

    def _send(self, header: dict, blobs: list[bytes] = ()) -> None:
        self._seq += 1
        try:
            self._process.send(dict(header, seq=self._seq), blobs)
        except OSError:
            pass  # the worker is gone: receiving says how it ended

    def _answer(self, callbacks: dict, what: str = "") -> tuple[dict, list[bytes]]:
        """Wait for the reply to the last request, answering callbacks meanwhile."""
        process = self._process
        limits = self.sandbox.limits
        deadline = time.monotonic() + limits.wall
        try:
            if not process.ready:
                header, _ = process.receive(time.monotonic() + limits.start)
                if header.get("op") != "ready":
                    raise wire.WireError("a worker that did not start properly")
                process.ready = True
            while True:
                header, blobs = process.receive(deadline)
                if header.get("seq") != self._seq:
                    raise wire.WireError("a reply to a request that was not made")
                if header.get("op") != "callback":
                    break
                self._callback(header, blobs, callbacks)
        except TimeoutError:
            self.stop()
            raise SubmissionError(
                "timeout",
                f"{what}took longer than {limits.wall:g} s (the time limit per call); look for "
                "a loop that never ends or a very slow step",
            ) from None
        except wire.WireError as error:
            self.stop()
            raise SubmissionError("bad_return", f"the worker sent {error}") from None
        except EOFError:
            raise self._died(what) from None
        if header.get("ok") is not True:
            raise SubmissionError(*(_text(header.get(k)) for k in ("kind", "message", "where", "output")))
        return header, blobs

    def _callback(self, header: dict, blobs: list[bytes], callbacks: dict) -> None:
        """Run a grader function learner code called; any error goes back to learner code."""
        out: list[bytes] = []
        try:
            function = callbacks[header.get("id")]
            result = function(*wire.decode(header.get("args"), blobs))
            reply = {"ok": True, "result": wire.encode(result, out)}
        except Exception as error:  # noqa: BLE001 - learner-chosen arguments may break it
            reply, out = {"ok": False, "message": f"{type(error).__name__}: {error}"[:500]}, []
        self._send_raw(reply, out)

    def _send_raw(self, header: dict, blobs: list[bytes]) -> None:
        try:
            self._process.send(dict(header, seq=self._seq), blobs)
        except OSError:
            pass

    def _died(self, what: str) -> SubmissionError:
        process = self._process
        ready = process.ready
        log = process.startup_log() if not ready else ""
        code = process.kill()
        self._process, self._loading = None, False
        if not ready:
            raise _StartFailed(f"{log.splitlines()[-1][:300] if log else f'exit status {code}'}")
        if os.name == "posix" and code == -signal.SIGXCPU:
            limit = self.sandbox.limits.cpu
            return SubmissionError("timeout", f"used more than {limit:g} s of CPU time per call")
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else -code
            return SubmissionError("crashed", f"the process running your code was killed ({name})")
        return SubmissionError(
            "crashed",
            f"the process running your code ended {what or 'during the call '}(exit status "
            f"{code}); do not call os._exit() or exit the interpreter",
        )


def _text(value: object) -> str:
    return value if type(value) is str else ""
