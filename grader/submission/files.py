"""Read one file of a learner's submission, trusting nothing about it.

    source = read_source(Path("exercises"), "01_parabola.py")
    source.text      # the Python source the sandbox runs (the child never opens the file)
    source.display   # the file's name, safe to print
    source.notes     # what the reader wants the learner to know, e.g. "2 cells left out"

The grading process reads the file, in this order:

1. ``os.lstat`` first, so that nothing is opened before its type is known: a folder, a named
   pipe (FIFO), a device or a socket is refused without being opened (opening a FIFO would
   block; reading a device may never end).
2. A symbolic link is followed only when it leads, link by link, to a regular file *inside*
   the submission folder (a learner may keep versions side by side and link the one to
   grade); a link out of the folder, a dangling link or a loop is refused.
3. The size comes from ``lstat`` too: a file over the format's limit (1 MB for ``.py``) is
   refused without reading a byte of it, so a huge sparse file costs nothing.
4. The file is opened with ``O_NOFOLLOW | O_NONBLOCK`` where the platform has them, and
   ``fstat`` must show the same regular file that ``lstat`` saw (else it changed in between);
   at most the limit is read, even if the file grows meanwhile.
5. The bytes must be UTF-8 (a byte-order mark is allowed): else the sentence names the line
   and the byte. A file with nothing but blank space is refused as empty.

Every refusal is a :class:`SubmissionFileError` whose text is one sentence: what was found,
and what to do. Names are shown through :func:`grader.report.sanitize.clean_name`, so a name with a
newline, an escape sequence or bytes that are not UTF-8 prints as one safe line.

Formats: one small class per file suffix, registered with :func:`register` (the spirit of
Otter-Grader's one-class-per-format): it turns the decoded text into the Python source to run,
and may add notes or refuse the text with a :class:`SubmissionFileError`.
"""

from __future__ import annotations

import os
import stat
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from grader.report.sanitize import clean_name
from grader.submission import limits


class SubmissionFileError(Exception):
    """A submission file that cannot be graded. ``str()`` is one sentence for the learner;
    ``missing`` is True when the file is simply not there."""

    def __init__(self, sentence: str, *, missing: bool = False) -> None:
        super().__init__(sentence)
        self.missing = missing


@dataclass(frozen=True)
class SubmissionSource:
    text: str  # the Python source to send to the sandbox
    path: Path  # folder / filename, as asked for
    display: str  # the file's name, safe to show
    notes: list[str] = field(default_factory=list)
    quick: bool = False  # read only to tell whether it is started (read_source(quick=True))


class SourceFormat(ABC):
    """How one kind of submission file becomes Python source: one small class per suffix."""

    suffix: ClassVar[str]  # ".py"

    @abstractmethod
    def to_source(self, text: str, display: str) -> tuple[str, list[str]]:
        """(the Python source, notes for the learner); raise SubmissionFileError to refuse."""

    def quick_source(self, text: str, display: str) -> tuple[str, list[str]] | None:
        """:meth:`to_source`'s result where the format has a cheaper way to the same source
        (only to tell whether the file is started); None where it has not."""
        return None


FORMATS: dict[str, SourceFormat] = {}


def register(format_class: type[SourceFormat]) -> type[SourceFormat]:
    """Class decorator: files ending in ``format_class.suffix`` are read with it."""
    FORMATS[format_class.suffix] = format_class()
    return format_class


@register
class PythonSource(SourceFormat):
    """A ``.py`` file: the text as it is."""

    suffix = ".py"

    def to_source(self, text: str, display: str) -> tuple[str, list[str]]:
        if "\x00" in text:
            line = text.count("\n", 0, text.index("\x00")) + 1
            raise SubmissionFileError(
                f"{display} holds a NUL character on line {line}, so it is not Python source; "
                "delete that character, or put your code back into a plain text file"
            )
        return text, []


def read_source(folder: Path, filename: str, *, quick: bool = False) -> SubmissionSource:
    """Read ``folder / filename`` as the module docstring says; raise SubmissionFileError.
    ``quick``: only to tell whether the file is started (grader/submission/resolve.py); where
    its format has a cheaper way to the same source, the result is marked ``quick`` and is not
    graded (the graded file is read again, in full)."""
    _require_plain_name(filename)
    reader = _format_of(filename)
    text, display, notes = read_text(folder, filename)
    found = reader.quick_source(text, display) if quick else None
    source, more_notes = found or reader.to_source(text, display)
    return SubmissionSource(
        text=source,
        path=Path(folder) / filename,
        display=display,
        notes=notes + more_notes,
        quick=found is not None,
    )


def read_text(folder: Path, filename: str) -> tuple[str, str, list[str]]:
    """The text of ``folder / filename`` read by the rules above (type, place, size,
    encoding, not empty): (the text, its name safe to show, notes). The one way the grading
    process reads a submission file; raises SubmissionFileError."""
    _require_plain_name(filename)
    folder, path, display = Path(folder), Path(folder) / filename, clean_name(filename)
    notes: list[str] = []
    info = _lstat(path, display, folder)
    target = path
    if stat.S_ISLNK(info.st_mode):
        target = _follow_link(path, folder, display)
        info = _lstat(target, display, folder)
        inside = os.path.relpath(target, os.path.realpath(folder))
        notes.append(f"{display} is a link to {clean_name(inside)}")
    _require_regular_file(info, display)
    limit = limits.file_bytes(filename)
    _require_size(info.st_size, limit, display)
    text = _decode(_read_regular_file(target, info, limit, display), display)
    if not text.strip():
        raise SubmissionFileError(
            f"{display} is empty; write your code into it (a fresh copy of the file is in the "
            "exercises you were given)"
        )
    return text, display, notes


def _require_plain_name(filename: str) -> None:
    if filename in ("", ".", "..") or Path(filename).name != filename:
        raise ValueError(f"{filename!r} is not a plain file name")


def _format_of(filename: str) -> SourceFormat:
    reader = FORMATS.get(Path(filename).suffix.lower())
    if reader is None:
        known = ", ".join(sorted(FORMATS))
        raise SubmissionFileError(
            f"{clean_name(filename)} cannot be graded; the grader reads files ending in {known}"
        )
    return reader


def _where(folder: Path) -> str:
    return clean_name(os.fsdecode(folder))


def _lstat(path: Path, display: str, folder: Path) -> os.stat_result:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        raise SubmissionFileError(
            f"{display} was not found in {_where(folder)}; put your {display} there",
            missing=True,
        ) from None
    except NotADirectoryError:
        raise SubmissionFileError(
            f"{_where(folder)} is not a folder; grade the folder that holds {display}"
        ) from None
    except OSError as error:
        raise SubmissionFileError(
            f"{display} in {_where(folder)} cannot be looked at ({error.strerror}); "
            "check the folder's permissions"
        ) from None


def _follow_link(path: Path, folder: Path, display: str) -> Path:
    """Where the link ``path`` leads, if that is inside ``folder``; else refuse it."""
    try:
        target = Path(os.path.realpath(path, strict=True))
    except OSError:
        raise SubmissionFileError(
            f"{display} is a symbolic link that leads nowhere (its target is missing, or links "
            "loop); put the file itself in the folder instead of a link"
        ) from None
    root = Path(os.path.realpath(folder))
    if target != root and root not in target.parents:
        raise SubmissionFileError(
            f"{display} is a symbolic link to a file outside the submission folder; copy the "
            "file itself into the folder instead of linking to it"
        )
    return target


_NOT_A_FILE = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


def _require_regular_file(info: os.stat_result, display: str) -> None:
    if stat.S_ISREG(info.st_mode):
        return
    kind = next((name for test, name in _NOT_A_FILE if test(info.st_mode)), "not a plain file")
    raise SubmissionFileError(
        f"{display} is {kind}, not a file; put your exercise file with that name in its place"
    )


def _require_size(size: int, limit: int, display: str) -> None:
    if size > limit:
        raise SubmissionFileError(
            f"{display} is {limits.human(size)}, more than the {limits.human(limit)} an exercise "
            "file may have; remove the data or output pasted into it"
        )


_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def _read_regular_file(path: Path, seen: os.stat_result, limit: int, display: str) -> bytes:
    """At most ``limit`` bytes of the regular file ``lstat`` saw as ``seen``."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise SubmissionFileError(
            f"{display} cannot be read ({error.strerror}); make it readable (for example "
            f"`chmod u+r {display}`) and run grade again"
        ) from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (
            seen.st_dev,
            seen.st_ino,
        ):
            raise SubmissionFileError(
                f"{display} was replaced while the grader read it; run grade again"
            )
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    _require_size(size, limit, display)  # it grew after lstat
    return b"".join(chunks)


def _decode(data: bytes, display: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        start = error.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        raise SubmissionFileError(
            f"{display} is not UTF-8 text: byte {start + 1} (0x{data[start]:02X}, line {line}, "
            f"column {column}) cannot be decoded; save the file with the UTF-8 encoding (in "
            "most editors: Save with Encoding, then UTF-8)"
        ) from None


@register
class NotebookSource(SourceFormat):
    """A Jupyter notebook (``.ipynb``): its imports, definitions and constants, by the rule in
    grader/submission/notebook.py (read with nbformat, never run). Notes say what was left out."""

    suffix = ".ipynb"

    def to_source(self, text: str, display: str) -> tuple[str, list[str]]:
        return self._extracted(text, display, validate=True)

    def quick_source(self, text: str, display: str) -> tuple[str, list[str]]:
        """The same source without nbformat's import and validation, where the notebook has
        the shape Jupyter writes (grader/submission/notebook.py)."""
        return self._extracted(text, display, validate=False)

    @staticmethod
    def _extracted(text: str, display: str, validate: bool) -> tuple[str, list[str]]:
        from grader.submission.notebook import NotebookError, extract

        try:
            graded = extract(text, display, validate=validate)
        except NotebookError as error:
            raise SubmissionFileError(str(error)) from None
        return graded.source, graded.notes
