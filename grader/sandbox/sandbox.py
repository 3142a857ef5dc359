"""Run learner code in worker processes and get plain data back.

    with Sandbox(limits) as sandbox:        # picks a backend (grader/sandbox/backends.py)
        loaded = sandbox.load(source_text, "01_parabola.py")
        value = loaded.call("gd_step", 3.0, 2.5, 0.1)    # -> 2.75, or raises SubmissionError

Each loaded file gets its own worker process (``grader/sandbox/worker.py``), started by the backend;
a few are started ahead of time, so that NumPy is already imported when a file arrives. The
grading process talks to a worker over its stdin/stdout with :mod:`grader.sandbox.wire`, measures
every call's wall time, and kills the worker when a call overruns, crashes, or sends anything
malformed; the next call starts a fresh worker and loads the file again. A sandbox is bound
to no folder: one open sandbox serves any number of files and folders.

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

import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.sandbox import users, wire
from grader.sandbox.backends import (
    BACKENDS,
    STRONGEST_FIRST,
    Isolation,
    ProcessBackend,
    base_python,
    start_failure,
)
from grader.sandbox.errors import CANCELLED, ProcessLost, SandboxError, StartFailed, SubmissionError
from grader.sandbox.limits import Deadline, Limits
from grader.sandbox.memory import WORDS, Guard, choose_guard, words
from grader.sandbox.outbox import outbox_for
from grader.sandbox.replies import Replies
from grader.sandbox.sessions import OWN_SESSION, kill_session, reaped, started, stopped, tree


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
        self._spares: list[_Process] = []
        self._groups: dict[str, _Process] = {}
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
            self._spares.append(self._launch())

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

    def _process_for(self, group: str) -> _Process:
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

    def _launch(self) -> _Process:
        try:
            user = users.lease()  # as root, a user of its own (grader/sandbox/users.py)
        except (users.NoUserFree, OSError) as error:
            raise SandboxError(f"cannot give the worker a user of its own: {error}") from None
        config = {
            "site": self.backend.site(),
            "limits": dict(asdict(self.limits)),
            "drop_to": user.uid if user else None,
            "parent": _parent_watch() if self.backend.watches_parent else None,
            "memory": self._guard.config(),
        }
        command = self.backend.command(self._python, json.dumps(config), self.limits.temp_bytes)
        offset = self.backend.signal_exit_offset
        ready = self._worker_ready
        try:
            return _Process(command, self.backend, self.limits, offset, ready, self._guard, user)
        except OSError as error:
            if user is not None:
                user.release()
            raise SandboxError(f"cannot start {command[0]}: {error.strerror}") from None


class _Clock:
    """The wait limits of one exchange: each of its own length, cut to the overall deadline;
    and, when one is overrun, the sentence saying which limit it was."""

    def __init__(self, wall: float, overall: Deadline | None) -> None:
        self.wall, self.overall = wall, overall
        self.by_overall = False  # the last limit handed out was the overall deadline's

    def cut(self, seconds: float) -> float:
        """The moment ``seconds`` from now, or the overall deadline if it comes first."""
        end = time.monotonic() + seconds
        self.by_overall = self.overall is not None and self.overall.at < end
        return self.overall.at if self.by_overall else end

    def overrun(self, what: str) -> str:
        if self.by_overall:
            return (
                f"{what or 'the call '}was stopped: {self.overall.reached}; look for a loop "
                "that never ends or a very slow step"
            )
        return (
            f"{what}took longer than {self.wall:g} s (the time limit per call); "
            "look for a loop that never ends or a very slow step"
        )


MEMORY_KILLED = (
    "the process running your code was killed: it held more than {} MB of memory, counting "
    "files written to memory (memfd files, /dev/shm, /tmp)"
)


class _Process:
    """One worker process: requests and replies over its pipes, one request at a time.

    Replies are waited for with a deadline (grader/sandbox/replies.py: a reader thread), and
    requests written with one (grader/sandbox/outbox.py). Any
    failure kills the process and marks it dead. Its private folder (its working folder and,
    with the process backend, its TMPDIR) is removed when it is killed.
    """

    def __init__(
        self,
        command: list[str],
        backend: ProcessBackend,
        limits: Limits,
        offset: int = 0,
        on_ready: Callable[[list[str], str], None] | None = None,
        guard: Guard | None = None,
        user: users.Lease | None = None,
    ) -> None:
        self.limits = limits
        self.user = user  # released once the worker is reaped
        self.on_ready = on_ready  # told the limits the worker set, once it is ready
        self.guard = guard or Guard()  # put under it once ready (memory.py)
        self.signal_offset = offset
        self.errors = tempfile.TemporaryFile()
        self.folder = private_folder(user.uid if user else None)
        handed = backend.handover()
        try:
            self.popen = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.errors,
                env=backend.environment(self.folder.name),
                cwd=self.folder.name,
                pass_fds=handed,
                **OWN_SESSION,
            )
        except OSError:
            self.folder.cleanup()
            raise
        finally:
            for descriptor in handed:
                os.close(descriptor)
        started(self.popen.pid)
        self.replies = Replies(self.popen.stdout, limits.message_bytes)
        self.outbox = outbox_for(self.popen.stdin)
        self.ready = self.dead = self.idle_death = False
        self.loaded: dict[str, LoadedFile] = {}  # file name -> the file whose source it runs
        self.seq = 0
        self.exit_code: int | None = None
        self.interrupted = False  # killed by interrupt() (Sandbox.cancel), not by a limit
        self._reaping = threading.Lock()  # no signal after the process is reaped (pid reuse)

    def _send(self, header: dict, blobs: list[bytes], deadline: float) -> None:
        """Write a frame by ``deadline`` (else TimeoutError: the worker does not read)."""
        try:
            self.outbox.send(wire.frame(dict(header, seq=self.seq), blobs), deadline)
        except EOFError:
            pass  # the worker is gone: the reply says how it ended

    def exchange(
        self,
        request: dict,
        blobs: list[bytes],
        callbacks: dict,
        what: str = "",
        overall: Deadline | None = None,
    ) -> tuple[dict, list[bytes]]:
        """Send ``request``, answer learner code's callbacks, return the reply (or raise
        SubmissionError: the learner's failure; StartFailed: the backend's). ``overall``
        cuts the call's wall limit (and the wait for the worker to start) to the time left."""
        if overall is not None and overall.left() <= 0:
            raise SubmissionError("timeout", f"not run: {overall.reached}")
        self.idle_death = self.popen.poll() is not None  # ended with no request to serve
        self.seq += 1
        clock = _Clock(self.limits.wall, overall)
        try:
            if not self.ready:
                header, _ = self.replies.next(clock.cut(self.limits.start))
                if header.get("op") != "ready":
                    raise wire.WireError("a first message that is not ready")
                self.ready = True
                self._tell_limits(header.get("limits"), header.get("guard"))
            deadline = clock.cut(self.limits.wall)
            self._send(request, blobs, deadline)
            while True:
                header, reply_blobs = self.replies.next(deadline)
                if header.get("seq") != self.seq:
                    raise wire.WireError("a reply to a request that was not made")
                if header.get("op") != "callback":
                    break
                if time.monotonic() >= deadline:  # a flood of callbacks is no way past it
                    raise TimeoutError
                self._callback(header, reply_blobs, callbacks, deadline)
        except TimeoutError:
            was_stopped = stopped(self.popen.pid)  # by a signal from outside, not a loop
            self.kill()
            if was_stopped and not self.interrupted:
                raise ProcessLost("it was stopped by a signal from outside") from None
            raise SubmissionError("timeout", clock.overrun(what)) from None
        except wire.WireError as error:
            self.kill()
            if self.interrupted:  # half a frame from a worker killed mid-reply
                raise SubmissionError("cancelled", CANCELLED) from None
            raise SubmissionError("bad_return", f"the worker sent {error}") from None
        except EOFError:
            raise self._ended(what) from None
        if header.get("ok") is not True:
            kind, message, where = (_text(header.get(k))[:n] for k, n in _ERROR_FIELDS.items())
            output, more = _text(header.get("output")), _count(header.get("output_more"))
            raise SubmissionError(kind, message, where, output, more)
        return header, reply_blobs

    def _callback(self, header: dict, blobs: list[bytes], callbacks: dict, deadline: float) -> None:
        """Run a grader function learner code called; any error goes back to learner code."""
        out: list[bytes] = []
        try:
            function = callbacks[header.get("id")]
            args = wire.decode(header.get("args"), blobs)
            if wire.entries(args) > self.limits.callback_entries:
                raise ValueError(_too_large(args, self.limits.callback_entries))
            result = function(*args)
            reply = {"ok": True, "result": wire.encode(result, out)}
        except Exception as error:  # noqa: BLE001 - learner-chosen arguments may break it
            reply, out = {"ok": False, "message": f"{type(error).__name__}: {error}"[:500]}, []
        self._send(reply, out, deadline)

    def _ended(self, what: str) -> Exception:
        """The worker closed the channel: why (a StartFailed if it never got ready)."""
        if self.interrupted:
            self.kill()
            return SubmissionError("cancelled", CANCELLED)
        ready = self.ready
        log = self.startup_log() if not ready else ""
        over_memory = ready and self.guard.exceeded(id(self))  # read before kill() removes it
        code = self.kill()
        if self.signal_offset and code is not None and code > self.signal_offset:
            code = self.signal_offset - code  # the signal that ended the wrapped worker
        if code is not None and code < 0 and (self.idle_death or not ready):
            return ProcessLost(f"{_signal_name(code)} while it ran no learner code")
        if not ready:
            return StartFailed(log.splitlines()[-1][:300] if log else f"exit status {code}")
        if hasattr(signal, "SIGXCPU") and code == -signal.SIGXCPU:  # not on Windows
            limit = self.limits.cpu
            return SubmissionError("timeout", f"used more than {limit:g} s of CPU time per call")
        if over_memory:  # the cgroup's memory.max: memory_bytes, and the room for its tmpfs
            held = (self.limits.memory_bytes + 2 * self.limits.temp_bytes) >> 20
            return SubmissionError("memory", MEMORY_KILLED.format(held))
        if code is not None and code < 0:
            name = _signal_name(code)
            return SubmissionError("crashed", f"the process running your code was killed ({name})")
        return SubmissionError(
            "crashed",
            f"the process running your code ended {what or 'during the call '}(exit status "
            f"{code}); do not call os._exit() or exit the interpreter",
        )

    def _tell_limits(self, limits: object, guard: object) -> None:
        """The limits the worker set, as its ``ready`` said (before any learner code ran), and
        the memory guard that runs: the sandbox's cgroup, put around the worker's processes
        now, else what the worker said it set up itself."""
        guarded = "cgroup" if self.guard.attach(tree(self.popen.pid), id(self)) else guard
        if guarded not in WORDS:
            guarded = "descriptors"
        if isinstance(limits, list) and all(isinstance(name, str) for name in limits):
            if self.on_ready is not None:
                self.on_ready(limits, guarded)

    def startup_log(self) -> str:
        try:
            self.errors.seek(0)
            return self.errors.read(2000).decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""

    def interrupt(self) -> None:
        """Kill the worker from another thread, leaving the rest to its owner: the call
        waiting on it ends at once (as cancelled), and :meth:`kill` reaps it."""
        with self._reaping:
            if self.popen.returncode is None:  # not reaped: the pid is still this worker's
                self.interrupted = True
                kill_session(self.popen.pid)

    def kill(self) -> int | None:
        """Kill the worker (its whole process group on POSIX), reap it, return its status."""
        if self.dead:
            return self.exit_code
        self.dead = True
        with self._reaping:
            if self.popen.poll() is None:
                kill_session(self.popen.pid)
        for stream in (self.popen.stdin, self.popen.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.replies.close()
        with self._reaping:
            self.exit_code = self.popen.wait()
        reaped(self.popen.pid)
        self.guard.release(id(self))
        self.errors.close()
        self.folder.cleanup()  # what learner code wrote there, whatever its permissions
        if self.user is not None:
            self.user.release()  # its processes are gone: the uid may serve another worker
        return self.exit_code


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
            header, reply_blobs = process.exchange(
                request, blobs, callbacks, overall=self.sandbox.deadline
            )
        except SubmissionError as error:
            error.output, error.dropped = self.printed.keep(error.output, error.dropped)
            raise
        self.last_output, self.last_dropped = self._printed(header)
        warnings = header.get("warnings")
        self.last_warnings = [_text(w) for w in warnings] if type(warnings) is list else []
        try:
            result = wire.decode(header.get("result"), reply_blobs)
        except (wire.WireError, RecursionError) as error:
            process.kill()
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
                dropped=self.last_dropped,
            )
        return result

    def _printed(self, header: dict) -> tuple[str, int]:
        output, more = _text(header.get("output")), _count(header.get("output_more"))
        return self.printed.keep(output, more)

    def _loaded(self) -> _Process:
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
                header, _ = process.exchange(request, [], {}, what, overall)
            except StartFailed as failed:
                self.sandbox._fall_back(str(failed))  # or SandboxError: not the learner's fault
                process = self.sandbox._process_for(self.group)
                header, _ = process.exchange(request, [], {}, what, overall)
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


def _parent_watch() -> dict:
    """How a worker started now is to watch this process (worker.watch_parent): its pid, and
    whether the kernel may do it (only for a worker started by the main thread: Linux signals
    the worker when the thread that started it ends)."""
    main = threading.current_thread() is threading.main_thread()
    return {"pid": os.getpid(), "kernel": main}


def private_folder(owner: int | None) -> tempfile.TemporaryDirectory:
    """A folder of one worker's own (mode 0700), owned by the user learner code runs as: in the
    temporary folder, or (run as root with a TMPDIR that user cannot reach) in /tmp."""
    parent = None
    if owner is not None and not _reachable_by_others(tempfile.gettempdir()):
        parent = next((p for p in ("/tmp", "/var/tmp") if _reachable_by_others(p)), None)
    folder = tempfile.TemporaryDirectory(
        prefix="gdkit-worker-", dir=parent, ignore_cleanup_errors=True
    )
    if owner is not None:
        os.chown(folder.name, owner, owner)
    return folder


def _reachable_by_others(folder: str) -> bool:
    """May any user go through ``folder`` and every folder above it?"""
    path = os.path.abspath(folder)
    while True:
        try:
            if not os.stat(path).st_mode & 0o001:
                return False
        except OSError:
            return False
        if os.path.dirname(path) == path:
            return True
        path = os.path.dirname(path)


def _too_large(args: list, limit: int) -> str:
    """Why a grader function refused its arguments: they hold more than ``limit`` entries."""
    shapes = [f"shape {v.shape}" for v in args if hasattr(v, "shape")][:3]
    given = f" (arrays of {', '.join(shapes)})" if shapes else ""
    return (
        f"the grader's function was called with {wire.entries(args):,} entries{given}, more "
        f"than the {limit:,} it takes (an empty dimension counts as 1); call it with arrays "
        "the size of the exercise's"
    )


def _signal_name(code: int) -> str:
    """The name of the signal that ended a process with status ``code`` (negative)."""
    return signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"


def _text(value: object) -> str:
    return value if type(value) is str else ""


def _count(value: object) -> int:
    """A count a worker sent (characters of output it did not send), or 0."""
    return value if type(value) is int and 0 <= value < 1 << 62 else 0


# the most a failure's fields hold, in characters, as a worker's reply gives them
_ERROR_FIELDS = {"kind": 40, "message": 2000, "where": 4000}
