"""The one error type of the deck builder: ``file:line: what is wrong``."""

from __future__ import annotations


class DeckError(Exception):
    """A problem in a deck source, reported as ``file:line: message``.

    The build stops at the first DeckError and writes no package.
    """

    def __init__(self, file: str, line: int, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        super().__init__(f"{file}:{line}: {message}")
