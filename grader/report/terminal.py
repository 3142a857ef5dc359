"""What the learner's terminal is sent: the one place that decides on escape codes and on
characters the output cannot hold.

- :func:`use_colour`: colour (and watch mode's screen clearing) only on a terminal, never with
  NO_COLOR set, and on a Windows console only once virtual-terminal processing is on — turned
  on here (``SetConsoleMode`` with ``ENABLE_VIRTUAL_TERMINAL_PROCESSING``); a console that
  refuses it (before Windows 10) gets plain text, never raw escape codes.
- :func:`plain_where_unencodable`: an output whose encoding lacks a character the report uses
  (cp1252 when a Windows learner redirects ``grade > report.txt``, latin-1 or ASCII terminals)
  gets a plain spelling of it — ``α`` as ``alpha``, ``−`` as ``-``, ``≤`` as ``<=``, ``x²`` as
  ``x^2`` — never an error, never a ``\\u03b1`` escape. UTF-8 output is left as it is.
"""

from __future__ import annotations

import codecs
import os
import unicodedata
from typing import TextIO

WINDOWS = os.name == "nt"
CLEAR_SCREEN = "\x1b[2J\x1b[H"
ENABLE_VIRTUAL_TERMINAL_PROCESSING = 0x0004


def use_colour(stream: TextIO) -> bool:
    """May ``stream`` be sent colour and screen-clearing escape codes? (See the module.)"""
    if os.environ.get("NO_COLOR") or not _isatty(stream):
        return False
    return not WINDOWS or windows_vt_mode(stream)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real stream
        return False


def windows_vt_mode(stream: TextIO) -> bool:
    """Turn on virtual-terminal processing for the Windows console behind ``stream``; whether
    it is on. False for what is not a console (a pipe, a file)."""
    try:
        import ctypes
        import msvcrt

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = ctypes.c_void_p(msvcrt.get_osfhandle(stream.fileno()))  # a HANDLE, 64-bit
    except (ImportError, AttributeError, OSError, ValueError):
        return False
    mode = ctypes.c_uint32()
    if not kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
        return False
    if mode.value & ENABLE_VIRTUAL_TERMINAL_PROCESSING:
        return True
    wanted = mode.value | ENABLE_VIRTUAL_TERMINAL_PROCESSING
    return bool(kernel32.SetConsoleMode(handle, wanted))


# the report's characters that have no one-character plain spelling (Greek letters are
# spelled by name, and what Unicode decomposes to ASCII is written so: ᵢ → _i, ² → ^2)
PLAIN = {
    "−": "-",
    "–": "-",
    "—": "--",
    "…": "...",
    "·": "*",
    "×": "x",
    "⊙": "(*)",
    "≤": "<=",
    "≥": ">=",
    "≈": "~=",
    "≠": "!=",
    "←": "<-",
    "→": "->",
    "⇔": "<=>",
    "±": "+/-",
    "∓": "-/+",
    "√": "sqrt",
    "∂": "d",
    "∇": "grad ",
    "∈": " in ",
    "∞": "inf",
    "‖": "||",
    "⌊": "floor(",
    "⌋": ")",
    "⌈": "ceil(",
    "⌉": ")",
    "✗": "x",
    "✓": "v",
    "\u0302": "^",  # the hat of ŷ, m̂
    "\u2044": "/",  # the fraction slash of ½
}
_MARKS = {"SUPERSCRIPT": "^", "MODIFIER LETTER": "^", "SUBSCRIPT": "_"}
ERRORS = "gdkit-plain"


def plain(character: str) -> str:
    """An ASCII spelling of ``character`` ("?" where there is none)."""
    if character in PLAIN:
        return PLAIN[character]
    decomposed = unicodedata.normalize("NFKD", character)  # ŷ: y and a hat; µ: μ; ²: 2
    letters = [c for c in decomposed if not unicodedata.combining(c)]
    marks = [c for c in decomposed if unicodedata.combining(c)]
    spelled = "".join(PLAIN.get(c) or _greek(c) or c for c in letters)
    spelled += "".join(PLAIN.get(c, "") for c in marks)
    if not spelled or not spelled.isascii():
        return "?"
    name = unicodedata.name(character, "")
    return next((m for word, m in _MARKS.items() if word in name), "") + spelled


def _greek(character: str) -> str:
    """A Greek letter's name (``alpha``, ``Sigma``); else ""."""
    name = unicodedata.name(character, "")
    if not (name.startswith("GREEK ") and " LETTER " in name):
        return ""
    letter = name.rsplit(" ", 1)[-1].lower()
    return letter.capitalize() if " CAPITAL " in name else letter


def _plain_errors(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(plain(character) for character in text), error.end


codecs.register_error(ERRORS, _plain_errors)


def plain_where_unencodable(*streams: TextIO) -> None:
    """Have each stream write what its encoding lacks in plain spelling (see the module)."""
    for stream in streams:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            utf8 = codecs.lookup(encoding).name == "utf-8"
        except LookupError:
            utf8 = False
        if not utf8 and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors=ERRORS)
