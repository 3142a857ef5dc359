"""grader/sandbox/outbox.py: writing to a worker keeps the deadline, on every platform's branch
(the thread-based one, Windows's, runs here too)."""

from __future__ import annotations

import contextlib
import os
import threading
import time

import pytest

from grader.sandbox import outbox

BRANCHES = [outbox.PipeOutbox, outbox.ThreadOutbox]


@pytest.fixture
def pipe():
    read_end, write_end = os.pipe()
    reader = os.fdopen(read_end, "rb", buffering=0)
    writer = os.fdopen(write_end, "wb")
    yield reader, writer
    for stream in (reader, writer):
        with contextlib.suppress(OSError):  # what a closed reader left in the buffer
            stream.close()


def drain(reader, into: bytearray) -> threading.Thread:
    def read():
        while chunk := reader.read(1 << 16):
            into.extend(chunk)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("branch", BRANCHES)
def test_what_is_read_arrives_whole_and_in_order(pipe, branch):
    reader, writer = pipe
    got = bytearray()
    thread = drain(reader, got)
    box = branch(writer)
    sent = [bytes([n]) * size for n, size in enumerate((10, 1 << 20, 3, 200_000))]
    for data in sent:
        box.send(data, time.monotonic() + 30)
    writer.close()
    thread.join(30)
    assert bytes(got) == b"".join(sent)


@pytest.mark.parametrize("branch", BRANCHES)
def test_a_reader_that_never_reads_is_a_timeout_at_the_deadline(pipe, branch):
    _, writer = pipe
    box = branch(writer)
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        for _ in range(1000):  # more than any pipe holds: 1000 × 64 kB
            box.send(b"x" * (1 << 16), start + 0.3)
    assert 0.25 < time.monotonic() - start < 5


@pytest.mark.parametrize("branch", BRANCHES)
def test_a_closed_reader_is_the_end(pipe, branch):
    reader, writer = pipe
    box = branch(writer)
    reader.close()
    for _ in range(2):  # and stays the end
        with pytest.raises(EOFError):
            box.send(b"x" * 100, time.monotonic() + 5)


def test_each_platform_gets_its_branch(monkeypatch, pipe):
    _, writer = pipe
    monkeypatch.setattr(outbox.os, "name", "nt")
    assert type(outbox.outbox_for(writer)) is outbox.ThreadOutbox
    monkeypatch.setattr(outbox.os, "name", "posix")
    assert type(outbox.outbox_for(writer)) is outbox.PipeOutbox
