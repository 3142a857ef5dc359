"""One worker process, as the grading process sees it: it is started with a private folder of
its own, a request at a time is sent to it and its reply awaited with a deadline (answering the
callbacks learner code makes meanwhile), and it is killed and reaped, its folder removed, when
a call fails or the sandbox is done with it. :class:`grader.sandbox.sandbox.Sandbox` hands them
out."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from grader.sandbox import users, wire
from grader.sandbox.backends import ProcessBackend
from grader.sandbox.errors import CANCELLED, ProcessLost, StartFailed, SubmissionError
from grader.sandbox.limits import Deadline, Limits
from grader.sandbox.memory import WORDS, Guard
from grader.sandbox.outbox import outbox_for
from grader.sandbox.replies import Replies
from grader.sandbox.sessions import OWN_SESSION, kill_session, reaped, started, stopped, tree

if TYPE_CHECKING:
    from grader.sandbox.sandbox import LoadedFile


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
            kind, message, where = (reply_text(header.get(k))[:n] for k, n in _ERROR_FIELDS.items())
            output, more = reply_text(header.get("output")), reply_count(header.get("output_more"))
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


def reply_text(value: object) -> str:
    return value if type(value) is str else ""


def reply_count(value: object) -> int:
    """A count a worker sent (characters of output it did not send), or 0."""
    return value if type(value) is int and 0 <= value < 1 << 62 else 0


# the most a failure's fields hold, in characters, as a worker's reply gives them
_ERROR_FIELDS = {"kind": 40, "message": 2000, "where": 4000}
