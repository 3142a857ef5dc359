"""Single key presses for ``grade --watch`` (``h``, ``n``, ``p``, ``r``, ``q``): read without
Enter and without echo, from whatever the platform offers.

    keys = open_keys(sys.stdin)
    try:
        key = keys.read(0.25)       # "h", "n", …, or None when no key came within 0.25 s
    finally:
        keys.close()                # the terminal as it was

One interface, three ways: termios/tty on POSIX (the terminal in cbreak mode while watch
runs: keys arrive one by one, Ctrl-C still interrupts), msvcrt on Windows, and none where
stdin is not a terminal the process can read from (a pipe, a file, an editor's output pane, a
job in the background): watch mode then works without keys, and says so. Letters come
lower-case; arrow and function keys are dropped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, Protocol, TextIO


class Keys(Protocol):
    """A source of key presses. ``why_not`` is "" when keys can be read, else why not."""

    why_not: str

    def read(self, timeout: float) -> str | None: ...

    def close(self) -> None: ...


class NoKeys:
    """The fallback: no keys (``read`` waits ``timeout`` and returns None)."""

    def __init__(self, why_not: str) -> None:
        self.why_not = why_not

    def read(self, timeout: float) -> str | None:
        time.sleep(timeout)
        return None

    def close(self) -> None:
        pass


def _key(text: str) -> str | None:
    """The key ``text`` holds: its one character, lower-case; None for an escape sequence
    (arrows, function keys) or a control character other than Ctrl-C's."""
    if len(text) != 1 or (not text.isprintable() and text != "\x03"):
        return None
    return text.lower()


class TermiosKeys:
    """POSIX: the terminal on ``fd`` in cbreak mode (no line buffering, no echo; signals
    kept) until :meth:`close`. ``termios``, ``tty``, ``select`` and ``read`` are the
    platform's modules and ``os.read``, passed in so that the tests can stand in for them."""

    why_not = ""

    def __init__(self, fd: int, termios: Any, tty: Any, select: Any, read: Callable) -> None:
        self.fd, self._termios, self._select, self._read = fd, termios, select, read
        self._saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)
        self._closed = False

    def read(self, timeout: float) -> str | None:
        if self._closed:
            time.sleep(timeout)
            return None
        ready, _, _ = self._select.select([self.fd], [], [], timeout)
        if not ready:
            return None
        data = self._read(self.fd, 32)
        if not data:  # the terminal went away: no more keys
            self._closed = True
            return None
        return _key(data.decode("utf-8", "replace"))

    def close(self) -> None:
        try:
            self._termios.tcsetattr(self.fd, self._termios.TCSADRAIN, self._saved)
        except self._termios.error:
            pass  # the terminal is gone: nothing to restore


class MsvcrtKeys:
    """Windows: the console's key presses through ``msvcrt`` (kbhit, getwch), looked at every
    ``STEP`` seconds. ``msvcrt``, ``sleep`` and ``clock`` are passed in for the tests."""

    why_not = ""
    STEP = 0.02
    PREFIXES = ("\x00", "\xe0")  # an arrow or function key: its second code follows

    def __init__(self, msvcrt: Any, sleep: Callable = time.sleep, clock: Callable = time.monotonic):
        self._msvcrt, self._sleep, self._clock = msvcrt, sleep, clock

    def read(self, timeout: float) -> str | None:
        end = self._clock() + timeout
        while True:
            while self._msvcrt.kbhit():
                char = self._msvcrt.getwch()
                if char in self.PREFIXES:
                    self._msvcrt.getwch()
                    continue
                key = _key(char)
                if key is not None:
                    return key
            if self._clock() >= end:
                return None
            self._sleep(self.STEP)

    def close(self) -> None:
        pass


def _termios_keys(fd: int) -> Keys | None:
    try:
        import select
        import termios
        import tty
    except ImportError:
        return None
    if _in_background(fd):  # changing the terminal would stop the job (SIGTTOU)
        return NoKeys("grade runs in the background")
    try:
        return TermiosKeys(fd, termios, tty, select, os.read)
    except termios.error as error:
        return NoKeys(f"the terminal cannot be read key by key ({error})")


def _in_background(fd: int) -> bool:
    """Is this process a job in the background of the terminal ``fd`` controls?"""
    try:
        return os.tcgetpgrp(fd) != os.getpgrp()
    except OSError:  # not this process's controlling terminal: no job control applies
        return False


def _msvcrt_keys(fd: int) -> Keys | None:
    try:
        import msvcrt
    except ImportError:
        return None
    return MsvcrtKeys(msvcrt)


WAYS: tuple[Callable[[int], Keys | None], ...] = (_termios_keys, _msvcrt_keys)


def open_keys(stream: TextIO | None) -> Keys:
    """Key presses from ``stream`` (normally sys.stdin) when it is a terminal, by the first of
    WAYS the platform has; else :class:`NoKeys`, saying why."""
    try:
        fd = stream.fileno()
        terminal = os.isatty(fd)
    except (AttributeError, OSError, ValueError):  # None, closed, or no descriptor
        terminal = False
    if not terminal:
        return NoKeys("the input is not a terminal")
    for way in WAYS:
        keys = way(fd)
        if keys is not None:
            return keys
    return NoKeys("this platform has no way to read single keys")
