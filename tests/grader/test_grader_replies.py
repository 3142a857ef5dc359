"""grader/sandbox/replies.py: waiting for a worker's frames keeps the deadline, and says how the
channel ended, whatever arrives."""

from __future__ import annotations

import os
import struct
import threading
import time

import pytest

from grader.sandbox import wire
from grader.sandbox.replies import AHEAD, Replies


@pytest.fixture
def pipe():
    read_end, write_end = os.pipe()
    reader = os.fdopen(read_end, "rb")
    writer = os.fdopen(write_end, "wb")
    yield reader, writer
    for stream in (writer, reader):  # the writer first: a reader thread then sees the end
        if not stream.closed:
            stream.close()


def test_frames_arrive_in_order(pipe):
    reader, writer = pipe
    replies = Replies(reader, 1 << 20)
    for seq in range(3):
        wire.write_frame(writer, {"seq": seq}, [bytes([seq]) * 10])
    for seq in range(3):
        header, blobs = replies.next(time.monotonic() + 5)
        assert header["seq"] == seq and blobs == [bytes([seq]) * 10]


@pytest.mark.parametrize("sent", [b"", b"\x00\x00", b'\x00\x00\x00\x10{"se'])
def test_nothing_or_half_a_frame_is_a_timeout_at_the_deadline(pipe, sent):
    reader, writer = pipe
    replies = Replies(reader, 1 << 20)
    writer.write(sent)
    writer.flush()
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        replies.next(start + 0.3)
    assert 0.25 < time.monotonic() - start < 3


def test_a_closed_channel_is_the_end(pipe):
    reader, writer = pipe
    replies = Replies(reader, 1 << 20)
    writer.write(b"\x00\x00")
    writer.close()
    with pytest.raises(EOFError):
        replies.next(time.monotonic() + 5)


def test_an_oversized_frame_is_refused_on_its_length(pipe):
    reader, writer = pipe
    replies = Replies(reader, 1 << 20)
    writer.write(struct.pack(">I", (1 << 20) + 1))
    writer.flush()
    with pytest.raises(wire.WireError, match="header"):
        replies.next(time.monotonic() + 5)


def test_the_reader_keeps_only_a_few_frames_ahead(pipe):
    """Frames no one asked for wait in the worker (its writes held up by the pipe), not in
    the grading process."""
    reader, writer = pipe
    replies = Replies(reader, 1 << 30)
    sent = []

    def send():
        for seq in range(20):
            wire.write_frame(writer, {"seq": seq}, [bytes(1 << 20)])
            sent.append(seq)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    sender.join(1.0)
    assert sender.is_alive() and len(sent) <= AHEAD + 2  # queued, held by the thread, in the pipe
    for seq in range(20):
        assert replies.next(time.monotonic() + 10)[0]["seq"] == seq
    sender.join(10)
    assert not sender.is_alive()


def test_closing_lets_the_reading_thread_end(pipe):
    reader, writer = pipe
    replies = Replies(reader, 1 << 30)
    for seq in range(AHEAD + 1):  # the queue full, and the thread waiting to put one more
        wire.write_frame(writer, {"seq": seq})
    time.sleep(0.2)
    writer.close()
    replies.close()
    replies.thread.join(10)
    assert not replies.thread.is_alive()
