"""How the grading process waits for a worker's frames, with a deadline.

    replies = Replies(popen.stdout, limit)
    header, blobs = replies.next(deadline)    # or raises TimeoutError, EOFError, WireError

A thread reads frames from the worker's pipe (each bounded by
:func:`grader.sandbox.wire.read_frame`) and queues them; the caller waits on the queue until
the deadline, so a worker that sends half a frame and stops is a timeout, never a hang. The
same way on every platform: pipes cannot be polled on Windows, and reading in the caller's
thread with ``poll()`` elsewhere, measured twice, paid on a quiet machine and cost with a CPU
kept busy (README, "Speed mechanisms").
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
    at most :data:`AHEAD` frames ahead (it takes a turn from ``turns`` before each, and the
    caller gives one back for each frame it takes): a worker that writes frames no one asked
    for (learner code can write to the channel) is held up by the pipe, and the grading
    process holds a bounded number of them, not every one it sent. Both queues are
    ``SimpleQueue``s, written in C: a bounded ``queue.Queue``, whose locks and conditions are
    Python code, made each exchange ~5 % slower. :meth:`close` lets the thread end."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self.frames: queue.SimpleQueue = queue.SimpleQueue()
        self.turns: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(AHEAD):
            self.turns.put(True)
        self.closed = False
        self.thread = threading.Thread(target=self._read, args=(stream, limit), daemon=True)
        self.thread.start()

    def _read(self, stream: BinaryIO, limit: int) -> None:
        while self.turns.get() and not self.closed:
            try:
                item = wire.read_frame(stream, limit)
            except BaseException as error:  # noqa: BLE001 - every problem ends the channel
                self.frames.put(error)
                return
            self.frames.put(item)

    def close(self) -> None:
        """No frame is wanted any more: the thread (waiting for a turn, or for the channel,
        which its owner closes) ends, and the frames it read are let go."""
        self.closed = True
        self.turns.put(False)
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
        self.turns.put(True)
        return item
