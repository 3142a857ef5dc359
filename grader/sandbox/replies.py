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


class Replies:
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
