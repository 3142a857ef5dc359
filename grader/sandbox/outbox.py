"""How the grading process writes frames to a worker, with a deadline.

    outbox = outbox_for(popen.stdin)
    outbox.send(frame_bytes, deadline)      # or raises TimeoutError, EOFError

A worker that stops reading its channel (learner code busy, or writing callback requests
straight to the channel and never reading the replies) fills the pipe, and a plain write then
blocks for ever: ``grade --timeout 2`` hung on 20,000 callback requests. So a write waits only
until the call's deadline, like a read (:mod:`grader.sandbox.replies`).

``PipeOutbox``    POSIX: the pipe is made non-blocking; what fits is written at once, in the
                  caller's thread, and ``select`` waits for room until the deadline (a write
                  handed to a thread cost ~65 µs, against ~1 µs for a direct one).
``ThreadOutbox``  everywhere else (Windows: ``select`` takes no pipes): a thread writes, and
                  the caller waits for it until the deadline.
"""

from __future__ import annotations

import os
import queue
import select
import threading
import time
from typing import BinaryIO, Protocol


class Outbox(Protocol):
    def send(self, data: bytes, deadline: float) -> None:
        """Write ``data`` whole by ``deadline`` (``time.monotonic()``), or raise TimeoutError
        (the worker is not reading; part may be written) or EOFError (the worker is gone)."""


class PipeOutbox:
    """Non-blocking writes, ``select`` for room (POSIX)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.fd = stream.fileno()
        os.set_blocking(self.fd, False)

    def send(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.fd, view) :]
                continue
            except BlockingIOError:
                pass
            except OSError as error:  # EPIPE: the worker is gone
                raise EOFError(str(error)) from None
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [self.fd], [], left)[1]:
                raise TimeoutError


class ThreadOutbox:
    """A thread writes; the caller waits for it until the deadline (every platform)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.pending: queue.SimpleQueue = queue.SimpleQueue()
        self.done: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._write, daemon=True).start()

    def _write(self) -> None:
        while True:
            data = self.pending.get()
            try:
                self.stream.write(data)
                self.stream.flush()
            except (OSError, ValueError) as error:  # the worker is gone, or the pipe closed
                self.done.put(error)
                return
            self.done.put(None)

    def send(self, data: bytes, deadline: float) -> None:
        self.pending.put(data)
        try:
            error = self.done.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError from None
        if error is not None:
            self.done.put(error)  # every later send fails the same way
            raise EOFError(str(error))


def outbox_for(stream: BinaryIO) -> Outbox:
    """The outbox for this platform's pipes."""
    if os.name == "posix":
        return PipeOutbox(stream)
    return ThreadOutbox(stream)
