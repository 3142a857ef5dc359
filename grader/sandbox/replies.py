"""How the grading process waits for a worker's frames, with a deadline.

    replies = open_replies(popen.stdout, limit)
    header, blobs = replies.next(deadline)    # or raises TimeoutError, EOFError, WireError

Two ways, one interface:

``PolledReplies``    (Linux, macOS) reads in the caller's thread; every read of the pipe first
                     waits with ``poll()`` until the deadline, so a worker that sends half a
                     frame and stops is a timeout, never a hang.
``ThreadedReplies``  (Windows, where ``poll`` and ``select`` do not take pipes) a thread reads
                     frames and queues them; the caller waits on the queue.

Both bound every frame by :func:`grader.sandbox.wire.read_frame`. Reading in the caller's thread
saves a thread's wake-up on every call.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from typing import BinaryIO

from grader.sandbox import wire


class PolledReplies:
    """Frames read in the caller's thread; each read waits with ``poll()``."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        import select

        # the buffered stream is never read: its buffer would hide bytes from poll()
        self.fd, self.limit = stream.fileno(), limit
        self.poller = select.poll()
        self.poller.register(self.fd, select.POLLIN)
        self.deadline = 0.0

    def next(self, deadline: float) -> tuple[dict, list[bytes]]:
        self.deadline = deadline
        try:
            return wire.read_frame(self, self.limit)
        except TimeoutError:
            raise
        except OSError as error:  # the pipe was closed: the worker is gone
            raise EOFError(str(error)) from None

    def read(self, size: int) -> bytes:
        """At most ``size`` bytes, once some arrive before the deadline (b"" at the end)."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0 or not self.poller.poll(remaining * 1000):
            raise TimeoutError
        return os.read(self.fd, size)


class ThreadedReplies:
    """Frames read by a thread into a queue; the caller waits on the queue."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self.frames: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, args=(stream, limit), daemon=True).start()

    def _read(self, stream: BinaryIO, limit: int) -> None:
        try:
            while True:
                self.frames.put(wire.read_frame(stream, limit))
        except BaseException as error:  # noqa: BLE001 - every problem ends the channel
            self.frames.put(error)

    def next(self, deadline: float) -> tuple[dict, list[bytes]]:
        try:
            item = self.frames.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError from None
        if isinstance(item, wire.WireError | EOFError):
            raise item
        if isinstance(item, BaseException):
            raise EOFError(str(item))
        return item


def open_replies(stream: BinaryIO, limit: int) -> PolledReplies | ThreadedReplies:
    """The way this platform has: poll where it exists, else a reader thread."""
    import select

    way = PolledReplies if hasattr(select, "poll") else ThreadedReplies
    return way(stream, limit)
