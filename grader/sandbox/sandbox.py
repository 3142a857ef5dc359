"""Run learner code in worker processes and get plain data back.

    with Sandbox(limits) as sandbox:        # picks a backend (grader/sandbox/backends.py)
        loaded = sandbox.load(source_text, "01_parabola.py")
        value = loaded.call("gd_step", 3.0, 2.5, 0.1)    # -> 2.75, or raises SubmissionError

Each loaded file gets its own worker process (``grader/sandbox/worker.py``), started by the backend;
a few are started ahead of time, so that NumPy is already imported when a file arrives. The
grading process talks to a worker over its stdin/stdout with :mod:`grader.sandbox.wire`, measures
every call's wall time, and kills the worker when a call overruns, crashes, or sends anything
malformed; the next call starts a fresh worker and loads the file again (one worker process:
:mod:`grader.sandbox.process`; one request and its reply: :mod:`grader.sandbox.exchange`). A
sandbox is bound to no folder: one open sandbox serves any number of files and folders.

An optional :class:`Deadline` (``Sandbox(..., deadline=Deadline.after(600))``, or set
``sandbox.deadline`` later) bounds the whole of a grading run: each call's wall limit is cut to
the time left, a call that reaches it is stopped, and once it has passed no learner code runs;
each such call fails with a sentence naming the time limit, so the checks graded before it keep
their score.

:meth:`Sandbox.cancel` stops a run from another thread (watch mode, when the file being graded
is saved again): the workers running learner code are killed at once, and every call fails
with a SubmissionError of kind ``cancelled`` until :meth:`Sandbox.resume`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox import wire
from grader.sandbox.backends import (
    BACKENDS,
    STRONGEST_FIRST,
    Isolation,
    ProcessBackend,
    base_python,
    start_failure,
)
from grader.sandbox.errors import CANCELLED, ProcessLost, SandboxError, StartFailed, SubmissionError
from grader.sandbox.exchange import exchange, reply_count, reply_text
from grader.sandbox.limits import Deadline, Limits
from grader.sandbox.memory import choose_guard, words
from grader.sandbox.process import Process, launch


def shared_refusal(reason: str, note: str = "") -> str:
    """The sentence refusing to grade untrusted submissions where they would share a user."""
    stronger = f" (bubblewrap could not be used: {note})" if note else ""
    return (
        f"learner code would not be kept apart: {reason}{stronger}, so one submission could "
        "change the grader, the saved reports or other students' files, or stop their workers. "
        "Install bubblewrap (Debian, Ubuntu: sudo apt install bubblewrap; Fedora: sudo dnf "
        "install bubblewrap) and allow user namespaces, or run as root (each worker then runs "
        "as a user of its own), or pass --trust-submissions to grade these submissions anyway"
    )


def choose_backend(requested: str) -> tuple[ProcessBackend, str]:
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


def apart_refusal(isolation: str) -> str | None:
    """Why ``isolation`` could not keep one submission from another here (the sentence that
    refuses to grade untrusted submissions), or None when it can (or cannot run at all: the
    sandbox says why when it starts). Probes bubblewrap under ``auto``, as its first worker
    would."""
    from grader.sandbox.backends import bubblewrap_works

    try:
        backend, note = choose_backend(isolation)
    except (SandboxError, ValueError):
        return None
    if backend.name == "bubblewrap" and isolation == "auto" and not bubblewrap_works():
        backend = ProcessBackend()
        note = "; ".join(filter(None, [note, "bubblewrap: cannot create its namespaces here"]))
    reason = backend.shared()
    return shared_refusal(reason, note) if reason else None


class Sandbox:
    """Starts worker processes with one backend and hands out a :class:`LoadedFile` per file.

    The files of one *group* (a submission folder) share a worker process, one request at a
    time; different groups never share one. A worker that crashes,
    overruns or sends anything malformed is killed, and the group's next call starts a fresh
    one (files load again).
    """

    def __init__(
        self,
        limits: Limits | None = None,
        isolation: str = "auto",
        *,
        deadline: Deadline | None = None,
        apart: bool = False,
    ) -> None:
        self.limits = limits or Limits.from_env()
        self.deadline = deadline  # bounds every call's wall limit (see the module docstring)
        self.requested = isolation
        self.apart = apart  # refuse a backend that cannot keep submissions apart
        self.backend, self.note = choose_backend(isolation)
        self._refuse_shared()
        self.lost: ProcessLost | None = None  # a worker lost since the last raise_lost()
        self._spares: list[Process] = []
        self._groups: dict[str, Process] = {}
        self._python = base_python()
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._enforced: frozenset[str] | None = None  # the limits a worker said it set
        # what counts memory RLIMIT_AS does not (memory.py)
        self._guard = choose_guard(self.limits.memory_bytes + 2 * self.limits.temp_bytes)
        self._guarded = ""  # the guard that ran for the last worker to start
        self.cancelled = False  # set by cancel(), from any thread

    @property
    def isolation(self) -> Isolation:
        """The backend's isolation; the limits it names as the last worker to start said it
        set them (its platform's, or a simulated one's), not as this process guesses; and
        what counted the memory ``RLIMIT_AS`` does not, for that worker."""
        isolation = self.backend.describe(self._enforced)
        guarded = words(self._guarded or self._guard.name)
        return Isolation(isolation.name, f"{isolation.description}; {guarded}")

    def _worker_ready(self, enforced: list[str], guarded: str) -> None:
        self._enforced, self._guarded = frozenset(enforced), guarded

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Have a worker started ahead of time (it imports NumPy while the caller works)."""
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="gdkit-sandbox-")
            self.backend.prepare(Path(self._tmp.name))
        if not self._spares:
            ready = self._worker_ready
            self._spares.append(launch(self.backend, self.limits, self._python, self._guard, ready))

    def close(self) -> None:
        """Kill every worker this sandbox started. The sandbox can be started again."""
        self._kill_all()
        self._guard.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def load(self, source: str, filename: str, group: str = "") -> LoadedFile:
        """A handle on one file's source text (loaded into the group's worker on its first
        call)."""
        return LoadedFile(self, source, filename, group)

    def release(self, group: str) -> None:
        """Kill the group's worker process (its files load again if called again)."""
        process = self._groups.pop(group, None)
        if process is not None:
            process.kill()

    def cancel(self) -> None:
        """Stop the run in progress; safe from any thread. Every call fails at once (kind
        ``cancelled``) until :meth:`resume`, and each worker running learner code is killed now
        (the call waiting on it ends; its owner reaps it). The spare worker is kept warm."""
        self.cancelled = True  # first: a worker handed out after this is refused its call
        for process in tuple(self._groups.values()):
            process.interrupt()

    def resume(self) -> None:
        """Let calls run again after :meth:`cancel`."""
        self.cancelled = False

    def refuse_if_cancelled(self) -> None:
        if self.cancelled:
            raise SubmissionError("cancelled", CANCELLED)

    def raise_lost(self) -> None:
        """Raise :class:`ProcessLost` if a worker was lost since the last call (its results
        cannot be trusted; the runner calls this after each submission)."""
        lost, self.lost = self.lost, None
        if lost is not None:
            raise lost

    def _refuse_shared(self) -> None:
        reason = self.backend.shared() if self.apart else None
        if reason:
            raise SandboxError(shared_refusal(reason, self.note))

    def _process_for(self, group: str) -> Process:
        """The group's running worker process; a spare (or a new one) if it has none."""
        process = self._groups.get(group)
        if process is None or process.dead:
            self.start()
            process = self._groups[group] = self._spares.pop()
        return process

    def _fall_back(self, reason: str) -> None:
        """A worker could not start: under ``auto``, use the next weaker backend and say why."""
        name = self.backend.name
        weaker = STRONGEST_FIRST[STRONGEST_FIRST.index(name) + 1 :]
        if self.requested != "auto" or not weaker:
            raise SandboxError(f"the {name} sandbox could not start a worker: {reason}")
        self._kill_all()
        self.backend, self._enforced, self._guarded = BACKENDS[weaker[0]](), None, ""
        failed = start_failure(name, reason)
        self.note = f"{self.note}; {failed}" if self.note else failed
        self._refuse_shared()

    def _kill_all(self) -> None:
        for process in [*self._groups.values(), *self._spares]:
            process.kill()
        self._groups.clear()
        self._spares.clear()


@dataclass(frozen=True)
class Instruments:
    """What a call may change in the worker for its duration (see LoadedFile.call_instrumented)."""

    replace: Mapping[str, Callable] = field(default_factory=dict)
    unsilenced: bool = False


class Printed:
    """What a file's printed output costs the grading process: of each call's (as its reply
    says it, which learner code can forge) at most ``per_call`` characters are kept, and at
    most ``in_all`` of all the file's calls together; the rest is counted, not kept."""

    def __init__(self, per_call: int, in_all: int) -> None:
        self.per_call, self.left = per_call, in_all

    def keep(self, output: str, more: int) -> tuple[str, int]:
        """(the part of ``output`` kept, how many characters are not: the rest of it, and the
        ``more`` the worker did not send)."""
        kept = output[: max(0, min(self.per_call, self.left))]
        self.left -= len(kept)
        return kept, len(output) - len(kept) + more


class LoadedFile:
    """Calls functions of one loaded file, in its group's worker process. ``last_output`` and
    ``load_output`` are what its last call and its loading printed, within :class:`Printed`'s
    budget; ``last_dropped`` and ``load_dropped`` count the characters left out."""

    def __init__(self, sandbox: Sandbox, source: str, filename: str, group: str) -> None:
        self.sandbox = sandbox
        self.source, self.filename, self.group = source, filename, group
        self._load_error: SubmissionError | None = None
        limits = sandbox.limits
        self.printed = Printed(limits.output_keep, limits.output_keep_file)
        self.load_output, self.load_dropped = "", 0
        self.last_output, self.last_dropped = "", 0
        self.last_warnings: list[str] = []

    def call(self, function: str, *args: object, **kwargs: object) -> object:
        """Call ``function(*args, **kwargs)`` in the worker; return plain data.

        Callables among the arguments stay in the grading process: learner code calls them
        back over the channel (plain data both ways).
        """
        return self.call_instrumented(Instruments(), function, *args, **kwargs)

    def call_instrumented(
        self, instruments: Instruments, function: str, *args: object, **kwargs: object
    ) -> object:
        """:meth:`call`, with the learner's module functions named in ``instruments.replace``
        swapped for the grader's callables during the call, and NumPy's floating-point errors
        made to warn, unsilenceably, when ``instruments.unsilenced``."""
        try:
            return self._call(instruments, function, args, kwargs)
        except ProcessLost as lost:  # the call fails; the runner distrusts the whole run
            self.sandbox.lost = lost
            raise

    def _call(self, instruments: Instruments, function: str, args: tuple, kwargs: dict) -> object:
        process = self._loaded()
        callbacks: dict[int, Callable] = {}
        blobs: list[bytes] = []
        request = {
            "op": "call",
            "filename": self.filename,
            "function": function,
            "args": wire.encode(list(args), blobs, callbacks),
            "kwargs": wire.encode(dict(kwargs), blobs, callbacks),
        }
        if instruments.replace:
            request["replace"] = wire.encode(dict(instruments.replace), blobs, callbacks)
        if instruments.unsilenced:
            request["unsilenced"] = True
        try:
            header, reply_blobs = exchange(
                process, request, blobs, callbacks, overall=self.sandbox.deadline
            )
        except SubmissionError as error:
            error.output, error.dropped = self.printed.keep(error.output, error.dropped)
            raise
        self.last_output, self.last_dropped = self._printed(header)
        warnings = header.get("warnings")
        self.last_warnings = [reply_text(w) for w in warnings] if type(warnings) is list else []
        try:
            result = wire.decode(header.get("result"), reply_blobs)
        except (wire.WireError, RecursionError) as error:
            process.kill()
            raise SubmissionError("bad_return", f"{function} returned {error}") from None
        changed = header.get("changed")
        if type(changed) is list and changed:
            names = " and ".join(reply_text(name)[:40] for name in changed[:3])
            plural = "s" if len(changed) > 1 else ""
            raise SubmissionError(
                "mutated",
                f"{function} changed its argument{plural} {names} in place; leave the inputs "
                "as they are and return new values (copy first, e.g. w = w.copy())",
                output=self.last_output,
                dropped=self.last_dropped,
            )
        return result

    def _printed(self, header: dict) -> tuple[str, int]:
        output, more = reply_text(header.get("output")), reply_count(header.get("output_more"))
        return self.printed.keep(output, more)

    def _loaded(self) -> Process:
        """The group's process, with this file's source loaded in it."""
        if self._load_error is not None:
            raise self._load_error  # loading failed once: it would fail again
        self.sandbox.refuse_if_cancelled()  # before a worker is started for nothing
        process = self.sandbox._process_for(self.group)
        self.sandbox.refuse_if_cancelled()  # again: cancel() kills only the workers handed out
        if process.loaded.get(self.filename) is self:
            return process
        request = {"op": "load", "filename": self.filename, "source": self.source}
        overall, what = self.sandbox.deadline, "loading the file "
        try:
            try:
                header, _ = exchange(process, request, [], {}, what, overall)
            except StartFailed as failed:
                self.sandbox._fall_back(str(failed))  # or SandboxError: not the learner's fault
                process = self.sandbox._process_for(self.group)
                header, _ = exchange(process, request, [], {}, what, overall)
        except StartFailed as failed:
            raise SandboxError(f"a sandbox worker could not start: {failed}") from None
        except SubmissionError as error:
            error.output, error.dropped = self.printed.keep(error.output, error.dropped)
            if error.kind != "cancelled":  # a stopped run's file loads again when resumed
                self._load_error = error
            raise
        process.loaded[self.filename] = self
        self.load_output, self.load_dropped = self._printed(header)
        return process
