"""grader/keys.py: single key presses for watch mode, each way with the platform's primitives
stood in for (termios/tty/select on POSIX, msvcrt on Windows), a real pseudo-terminal where
there is one, and the fallback when stdin is not a terminal."""

from __future__ import annotations

import io
import os
import sys

import pytest

import grader.keys
from grader.keys import MsvcrtKeys, NoKeys, TermiosKeys, open_keys


class FakeTermios:
    """termios with a terminal's settings in a list; error and TCSADRAIN as the module has."""

    TCSADRAIN = 1

    class error(Exception):  # noqa: N801 - termios.error's name
        pass

    def __init__(self) -> None:
        self.settings = ["cooked"]
        self.calls: list[tuple] = []

    def tcgetattr(self, fd: int) -> list:
        return list(self.settings)

    def tcsetattr(self, fd: int, when: int, settings: list) -> None:
        self.calls.append(("tcsetattr", fd, when))
        self.settings = list(settings)


class FakeTty:
    def __init__(self, termios: FakeTermios) -> None:
        self.termios = termios

    def setcbreak(self, fd: int) -> None:
        self.termios.settings = ["cbreak"]


class FakeSelect:
    """select.select over a script of chunks: ready while a chunk is left."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = list(chunks)
        self.timeouts: list[float] = []

    def select(self, read, write, error, timeout):
        self.timeouts.append(timeout)
        return (read if self.chunks else []), [], []

    def read(self, fd: int, size: int) -> bytes:
        return self.chunks.pop(0)


def termios_keys(chunks: list[bytes]) -> tuple[TermiosKeys, FakeTermios, FakeSelect]:
    termios, select = FakeTermios(), FakeSelect(chunks)
    keys = TermiosKeys(7, termios, FakeTty(termios), select, select.read)
    return keys, termios, select


def test_posix_keys_in_cbreak_mode_until_closed():
    keys, termios, select = termios_keys([b"h", b"N", b"\x1b[A", b"\x03", b"q"])
    assert termios.settings == ["cbreak"]  # one key at a time, no echo, while watch runs
    read = [keys.read(0.1) for _ in range(6)]
    assert read == ["h", "n", None, "\x03", "q", None]  # upper case folded, an arrow dropped
    assert select.timeouts[-1] == 0.1  # nothing pressed: read waited its timeout, no longer
    keys.close()
    assert termios.settings == ["cooked"] and termios.calls == [("tcsetattr", 7, 1)]


def test_posix_keys_when_the_terminal_goes_away():
    keys, termios, _ = termios_keys([b""])  # end of file: the terminal was closed
    assert keys.read(0.01) is None and keys.read(0.01) is None

    def gone(*args):
        raise FakeTermios.error(5, "Input/output error")

    termios.tcsetattr = gone
    keys.close()  # nothing to restore, and no error


class FakeMsvcrt:
    """msvcrt's kbhit and getwch over a script of characters."""

    def __init__(self, chars: str) -> None:
        self.chars = list(chars)

    def kbhit(self) -> bool:
        return bool(self.chars)

    def getwch(self) -> str:
        return self.chars.pop(0)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_windows_keys_through_msvcrt():
    clock = Clock()
    msvcrt = FakeMsvcrt("\xe0Hr\x00;P\x07")  # an arrow, r, F1, p, a bell
    keys = MsvcrtKeys(msvcrt, sleep=clock.sleep, clock=clock)
    assert keys.read(0.5) == "r" and clock.now == 0  # a key waiting: no sleep
    assert keys.read(0.5) == "p"
    assert keys.read(0.5) is None and 0.5 <= clock.now < 0.5 + MsvcrtKeys.STEP * 2
    assert msvcrt.chars == []  # the bell was read and dropped
    keys.close()


def test_not_a_terminal_means_no_keys(tmp_path):
    with open(tmp_path / "input", "w+") as regular:
        assert open_keys(regular).why_not == "the input is not a terminal"
    assert open_keys(io.StringIO()).why_not == "the input is not a terminal"  # no descriptor
    assert open_keys(None).why_not == "the input is not a terminal"
    reader, writer = os.pipe()
    try:
        with os.fdopen(reader) as pipe:
            assert open_keys(pipe).why_not == "the input is not a terminal"
    finally:
        os.close(writer)
    assert NoKeys("x").read(0.01) is None


def test_each_way_is_tried_in_turn(monkeypatch):
    """termios first (POSIX), msvcrt where it is missing (Windows); neither: no keys."""
    monkeypatch.setattr(grader.keys.os, "isatty", lambda fd: True)
    terminal = io.TextIOWrapper(io.BytesIO())
    terminal.fileno = lambda: 0
    monkeypatch.setitem(sys.modules, "termios", None)  # as on Windows
    monkeypatch.setitem(sys.modules, "msvcrt", FakeMsvcrt("h"))
    keys = open_keys(terminal)
    assert isinstance(keys, MsvcrtKeys) and keys.read(0.01) == "h"
    monkeypatch.setitem(sys.modules, "msvcrt", None)  # neither
    assert open_keys(terminal).why_not == "this platform has no way to read single keys"


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_real_terminal_key_by_key():
    """A pseudo-terminal: keys arrive without Enter, and the settings come back on close."""
    import termios

    leader, follower = os.openpty()
    try:
        with os.fdopen(follower, "r", closefd=False) as stdin:
            before = termios.tcgetattr(follower)
            keys = open_keys(stdin)
            assert isinstance(keys, TermiosKeys), keys.why_not
            assert not termios.tcgetattr(follower)[3] & termios.ICANON  # no line buffering
            os.write(leader, b"n")
            assert keys.read(5.0) == "n"  # no newline was typed
            assert keys.read(0.01) is None
            keys.close()
            assert termios.tcgetattr(follower) == before
    finally:
        os.close(leader)
        os.close(follower)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_background_job_reads_no_keys(monkeypatch):
    """Changing a terminal from a job in the background would stop it (SIGTTOU)."""
    leader, follower = os.openpty()
    try:
        monkeypatch.setattr(grader.keys.os, "tcgetpgrp", lambda fd: os.getpgrp() + 1)
        with os.fdopen(follower, "r", closefd=False) as stdin:
            assert open_keys(stdin).why_not == "grade runs in the background"
    finally:
        os.close(leader)
        os.close(follower)
