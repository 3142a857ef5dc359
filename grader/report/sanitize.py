"""Make learner-produced text safe to show: the one place that does it.

Learner code can print, raise or return any text. Shown raw, it could write the clipboard
(OSC 52), change the terminal's title, clear the screen, overwrite a line with a fake one
(``\\r``, backspace, cursor movement), reorder what a reader sees (bidi overrides), or hold
characters no JSON encoder or XML file accepts (lone surrogates, NUL). Two functions cover it:

- :func:`clean_text` for text (output, messages, details): newlines and tabs are kept,
  colour and style sequences (``ESC [ … m``) are dropped, every other control character is
  made visible as a Python-style escape (``\\x1b``, ``\\r``, ``\\x00``, ``\\u202e``), so any
  other escape sequence shows up as text and does nothing; lone surrogates become U+FFFD
  (a surrogate *pair* becomes the character it encodes).
- :func:`clean_name` for file and folder names: the same, and newlines and tabs made visible
  too; bytes that are not UTF-8 (which the OS hands over as ``\\udcXX``) show as ``\\xNN``.

Both are idempotent (cleaning cleaned text changes nothing), so a result that is rebuilt from
its own fields is not escaped twice. ``grader.report.results`` applies them when text enters the
report model; renderers add only their format's own escaping.
"""

from __future__ import annotations

import re

# C0 and C1 controls (but \t and \n), DEL, bidi embeddings/overrides/isolates (the
# "Trojan Source" characters), and the Unicode line/paragraph separators.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_UNSAFE_IN_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
# Select Graphic Rendition (colours, bold, …): styling only, dropped rather than shown.
_SGR = re.compile("\x1b\\[[0-9;:]*m")
# an undecodable byte of a file name (surrogateescape), not the low half of a surrogate pair
_ESCAPED_BYTE = re.compile("(?<![\ud800-\udbff])[\udc80-\udcff]")

_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _fix_surrogates(text: str) -> str:
    """Surrogate pairs -> the character they encode; lone surrogates -> U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _bound(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    note = "\n… ({} more characters not shown)"
    keep = max(0, limit - len(note) - 12)  # the note fits within the limit: still idempotent
    return text[:keep] + note.format(len(text) - keep)


def clean_text(text: str, limit: int | None = None) -> str:
    """``text`` made safe to show in a terminal, a JSON file, a web page or an XML file.

    ``\\r\\n`` becomes ``\\n``; at most ``limit`` characters are kept (a note says how many
    more there were).
    """
    text = _fix_surrogates(text.replace("\r\n", "\n"))
    return _bound(_UNSAFE.sub(_visible, _SGR.sub("", text)), limit)


def clean_name(name: str) -> str:
    """A file or folder name made safe to show on one line (see the module's docstring)."""
    name = _ESCAPED_BYTE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", name)
    return _UNSAFE_IN_NAME.sub(_visible, _fix_surrogates(name))
