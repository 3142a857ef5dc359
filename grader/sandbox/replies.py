"""How the grading process waits for a worker's frames, with a deadline.

    replies = Replies(popen.stdout, limit)
    header, blobs = replies.next(deadline)    # or raises TimeoutError, EOFError, WireError

A thread reads frames from the worker's pipe (each bounded by
:func:`grader.sandbox.wire.read_frame`) and queues them; the caller waits on the queue until
the deadline, so a worker that sends half a frame and stops is a timeout, never a hang. The
same way on every platform: pipes cannot be polled on Windows, and reading in the caller's
thread with ``poll()`` elsewhere was measured and paid nothing (benchmarks/bench_mechanisms.py).
"""

from __future__ import annotations

import queue
import threading
import time
from typing import BinaryIO

from grader.sandbox import wire

AHEAD = 2  # frames read ahead of the caller; then the worker's writes wait for room


class Replies:
    """Frames read by a thread into a queue; the caller waits on the queue. The thread reads
    at most :data:`AHEAD` frames ahead: a worker that writes frames no one asked for (learner
    code can write to the channel) is held up by the pipe, and the grading process holds a
    bounded number of them, not every one it sent. :meth:`close` lets the thread end."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self.frames: queue.Queue = queue.Queue(maxsize=AHEAD)
        self.closed = False
        self.thread = threading.Thread(target=self._read, args=(stream, limit), daemon=True)
        self.thread.start()

    def _read(self, stream: BinaryIO, limit: int) -> None:
        while not self.closed:
            try:
                item = wire.read_frame(stream, limit)
            except BaseException as error:  # noqa: BLE001 - every problem ends the channel
                self.frames.put(error)
                return
            self.frames.put(item)

    def close(self) -> None:
        """No frame is wanted any more: the queue is emptied, so that the thread (which puts
        at most one more frame, then finds the channel closed) ends."""
        self.closed = True
        while True:
            try:
                self.frames.get_nowait()
            except queue.Empty:
                return

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
