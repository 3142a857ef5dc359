"""One worker process, as the grading process sees it: started with a private folder of its own
(as root, and a user of its own), written to and read from over its pipes, and killed and
reaped, its folder removed, when a call fails or the sandbox is done with it. What one request
and its reply are (the exchange) is :mod:`grader.sandbox.exchange`;
:class:`grader.sandbox.sandbox.Sandbox` hands the processes out."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING

from grader.sandbox import users, wire
from grader.sandbox.backends import ProcessBackend
from grader.sandbox.errors import SandboxError
from grader.sandbox.limits import Limits
from grader.sandbox.memory import WORDS, Guard
from grader.sandbox.outbox import outbox_for
from grader.sandbox.replies import Replies
from grader.sandbox.sessions import OWN_SESSION, kill_session, reaped, started, tree

if TYPE_CHECKING:
    from grader.sandbox.sandbox import LoadedFile


def launch(
    backend: ProcessBackend,
    limits: Limits,
    python: str,
    guard: Guard,
    on_ready: Callable[[list[str], str], None],
) -> Process:
    """A worker process started with ``backend`` under ``limits`` (as root, as a user of its own:
    grader/sandbox/users.py), put under ``guard`` once ready; SandboxError if it cannot be."""
    try:
        user = users.lease()
    except (users.NoUserFree, OSError) as error:
        raise SandboxError(f"cannot give the worker a user of its own: {error}") from None
    config = {
        "site": backend.site(),
        "limits": dict(asdict(limits)),
        "drop_to": user.uid if user else None,
        "parent": parent_watch() if backend.watches_parent else None,
        "memory": guard.config(),
    }
    command = backend.command(python, json.dumps(config), limits.temp_bytes)
    offset = backend.signal_exit_offset
    try:
        return Process(command, backend, limits, offset, on_ready, guard, user)
    except OSError as error:
        if user is not None:
            user.release()
        raise SandboxError(f"cannot start {command[0]}: {error.strerror}") from None


class Process:
    """One worker process: requests and replies over its pipes, one request at a time (the
    exchange: grader/sandbox/exchange.py).

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

    def send(self, header: dict, blobs: list[bytes], deadline: float) -> None:
        """Write a frame by ``deadline`` (else TimeoutError: the worker does not read)."""
        try:
            self.outbox.send(wire.frame(dict(header, seq=self.seq), blobs), deadline)
        except EOFError:
            pass  # the worker is gone: the reply says how it ended

    def tell_limits(self, limits: object, guard: object) -> None:
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


def parent_watch() -> dict:
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
