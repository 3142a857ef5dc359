"""Reading what students upload: folders and zips are hostile input, bounded where they enter.

A submission is a folder or a zip holding exercise files (``01_parabola.py``, …) at any depth.
Only members whose name is an exercise file are read; each goes, under its bare name, into a
private flat staging folder, and only that folder is graded. So:

- links are never followed, and only regular files are read (FIFOs, devices and links are
  refused with a sentence that says so);
- a zip member's path is never used as a path: ``../../x`` or ``/etc/x`` cannot escape;
- bounds: folder depth, number of entries, size per file (also per zip member, read with a
  limit, so a zip bomb costs at most that much), total zip members.

When the same exercise file is there twice, the shallowest (then first in name order) is
graded and the student is told which.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from grader.report.sanitize import clean_name
from grader.submission import limits

if TYPE_CHECKING:
    from grader.checking.framework import Exercise


@dataclass
class Upload:
    """The exercise files of one submission: name -> bytes, and what the student should know."""

    files: dict[str, bytes] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # file name -> why it was not used
    notes: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # a few other files seen (for a reason)
    zips: list[str] = field(default_factory=list)  # zips inside a folder, to open (paths)

    def merge(self, other: Upload) -> None:
        """Add ``other``'s files (a name already here keeps its first file, with a note)."""
        for name, data in other.files.items():
            if name in self.files:
                self.notes.append(f"a second copy of {name} was found; the first one was graded")
            else:
                self.files[name] = data
                self.refused.pop(name, None)
        for name, why in other.refused.items():
            if name not in self.files:
                self.refused.setdefault(name, why)
        self.notes += other.notes
        self.others += other.others[: OTHERS_SHOWN - len(self.others)]

    def nothing_found(self) -> str:
        """Why this upload yields nothing to grade: one sentence (for the gradebook)."""
        if self.refused:
            return "no exercise file could be used: " + next(iter(self.refused.values()))
        if self.notes:
            return "nothing could be graded: " + self.notes[0]
        if self.others:
            return (
                "no exercise file (named like 01_parabola.py or .ipynb) in the upload; it held "
                + ", ".join(self.others)
            )
        return "the upload is empty: no file in it"

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (folder / name).write_bytes(data)

    def absence(self, names: Iterable[str]) -> str:
        """Why none of ``names`` (one exercise's files) is here: the sentence that refused the
        first one refused, else that none was uploaded."""
        names = sorted(names)
        refused = [self.refused[name] for name in names if name in self.refused]
        return refused[0] if refused else f"{' or '.join(names)} was not in your upload"


OTHERS_SHOWN = 5
NESTED_ZIPS = 5  # zips inside a student's folder that are opened


def safe_name(name: str) -> str:
    """A name fit to show on one line (undecodable bytes, control characters made visible)."""
    return clean_name(name)


def wanted_names(exercises: Iterable[Exercise]) -> set[str]:
    """The file names to look for: every name each exercise's file may have."""
    from grader.submission.resolve import candidates

    return {name for exercise in exercises for name in candidates(exercise)}


CHUNK = 1 << 20  # read at a time: one read of a whole limit reserved all of it at once


def _read_at_most(handle: BinaryIO, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes of ``handle`` (one more than may be kept: the caller tells a
    file too large by it), in chunks: a single ``read(limit + 1)`` reserves that much before it
    reads, so a 500-byte zip whose header claims a large member held 32 MB of the grading
    process (and a nested zip's read up to 64 MB)."""
    chunks, size = [], 0
    while size <= limit:
        chunk = handle.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _read_regular(path: str, limit: int) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(0, "not a regular file")
        return _read_at_most(handle, limit)


def _take(upload: Upload, name: str, where: str, read) -> None:
    if name in upload.files:
        upload.notes.append(f"{where} is a second copy of {name}; the first one was graded")
        return
    try:
        data = read(limits.file_bytes(name))
    except _UNREADABLE as error:
        upload.refused.setdefault(name, f"{where} could not be read ({_reason(error)})")
        return
    if len(data) > limits.file_bytes(name):
        upload.refused.setdefault(name, _too_large(where, name))
        return
    upload.files[name] = data
    upload.refused.pop(name, None)


def _too_large(where: str, name: str) -> str:
    return f"{where} is larger than the {limits.human(limits.file_bytes(name))} a file may have"


def _reason(error: BaseException) -> str:
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return clean_name(text)[:200]


# Whatever reading hostile bytes can raise (a damaged deflate stream raises zlib.error, a
# truncated one EOFError, an unsupported compression NotImplementedError, a forged header
# struct.error or OverflowError): one student's reason, never the end of a batch.
_UNREADABLE = (Exception,)


def _children(folder: str, budget: int) -> list[os.DirEntry]:
    """At most ``budget`` entries of ``folder``, exercise files first is the caller's job."""
    children = []
    with os.scandir(folder) as entries:
        for entry in entries:
            children.append(entry)
            if len(children) >= budget:
                break
    return children


def read_folder(folder: Path, wanted: set[str]) -> Upload:
    """The exercise files below ``folder``, shallowest first. At most
    ``limits.UPLOAD_ENTRIES`` entries are looked at in all; in each folder the exercise files
    are taken before its subfolders are queued, so thousands of other files beside them (a
    venv, data) cannot crowd them out."""
    upload = Upload()
    pending, budget = [(str(folder), 0)], limits.UPLOAD_ENTRIES
    while pending and budget > 0:
        current, depth = pending.pop(0)
        try:
            children = _children(current, budget + 1)
        except _UNREADABLE as error:
            where = safe_name(os.path.relpath(current, folder))
            upload.notes.append(f"could not read the folder {where}: {_reason(error)}")
            continue
        if len(children) > budget:
            upload.notes.append(f"more than {limits.UPLOAD_ENTRIES} files: the rest were not read")
        children = children[:budget]
        budget -= len(children)
        children.sort(key=lambda e: (e.name not in wanted, e.name))
        for entry in children:
            _look_at(upload, folder, entry, wanted, depth, pending)
    _open_nested_zips(upload, folder, wanted)
    return upload


def _open_nested_zips(upload: Upload, folder: Path, wanted: set[str]) -> None:
    """A zip inside the folder (a student who zipped their work before uploading it) is opened,
    shallowest first, at most ``NESTED_ZIPS`` of them; its files add to the folder's."""
    for path in upload.zips[:NESTED_ZIPS]:
        shown = safe_name(os.path.relpath(path, folder))
        inner = read_zip(Path(path), wanted)
        if inner.files:
            upload.notes.append(f"opened {shown}: {', '.join(sorted(inner.files))}")
        upload.merge(inner)
        if not inner.files and len(upload.others) < OTHERS_SHOWN:
            upload.others.append(shown)
    if len(upload.zips) > NESTED_ZIPS:
        upload.notes.append(f"more than {NESTED_ZIPS} zips in the upload: the rest were not opened")
    upload.zips = []


def _look_at(upload: Upload, root: Path, entry: os.DirEntry, wanted: set[str], depth: int,
             pending: list) -> None:  # fmt: skip
    shown = safe_name(os.path.relpath(entry.path, root))
    try:
        mode = entry.stat(follow_symlinks=False).st_mode
    except _UNREADABLE as error:
        if entry.name in wanted:
            upload.refused.setdefault(entry.name, f"{shown} could not be read ({_reason(error)})")
        return
    if stat.S_ISDIR(mode):
        if depth < limits.UPLOAD_DEPTH and not entry.name.startswith((".", "__MACOSX")):
            pending.append((entry.path, depth + 1))
    elif entry.name in wanted and not stat.S_ISREG(mode):
        reason = f"{shown} is not a regular file (a link?); upload the file itself"
        upload.refused.setdefault(entry.name, reason)
    elif entry.name in wanted:
        _take(upload, entry.name, shown, partial(_read_regular, entry.path))
    elif stat.S_ISREG(mode) and entry.name.lower().endswith(".zip"):
        upload.zips.append(entry.path)
    elif stat.S_ISREG(mode) and len(upload.others) < OTHERS_SHOWN:
        upload.others.append(shown)


def read_zip(path: Path, wanted: set[str], chosen: dict[str, str] | None = None) -> Upload:
    """The exercise files in a zip, by member name only (never extracted by path).
    ``chosen`` (an export zip's members of one student: member -> the name to read it as,
    ``""`` for the member's own name) limits what is read; a chosen member that is a zip is
    opened in memory (bounded like a zip file)."""
    upload = Upload()
    shown = safe_name(path.name)
    try:
        size = path.stat().st_size
        if chosen is not None:  # one student's part of an export: the export's own size
            _read_export_part(upload, _export_archive(str(path), size), shown, wanted, chosen)
            return upload
        if size > limits.UPLOAD_ARCHIVE_BYTES:
            upload.notes.append(_zip_too_large(shown, size))
            return upload
        archive = zipfile.ZipFile(path)
    except _UNREADABLE as error:
        upload.notes.append(f"{shown} is not a readable zip ({_reason(error)})")
        return upload
    _read_archive(upload, archive, shown, wanted, chosen)
    return upload


_EXPORT_ZIPS: dict[tuple, zipfile.ZipFile] = {}  # one export zip, open across its students


def _export_archive(path: str, size: int) -> zipfile.ZipFile:
    """An export zip, opened once for all its students (its directory is read once: reading
    it again for each of N students cost 6-8x the plain folders in bench_exports). Closed by
    :func:`close_export_zips`, or when another export zip is opened."""
    key = (path, size, os.stat(path).st_mtime_ns)
    if key not in _EXPORT_ZIPS:
        close_export_zips()
        _EXPORT_ZIPS[key] = zipfile.ZipFile(path)
    return _EXPORT_ZIPS[key]


def close_export_zips() -> None:
    """Close the export zip kept open (a file open on Windows cannot be removed)."""
    for archive in _EXPORT_ZIPS.values():
        archive.close()
    _EXPORT_ZIPS.clear()


def _read_export_part(upload: Upload, archive: zipfile.ZipFile, shown: str, wanted: set[str],
                      chosen: dict[str, str]) -> None:  # fmt: skip
    try:
        _read_members(upload, archive, wanted, chosen)
    except _UNREADABLE as error:
        upload.notes.append(f"{shown} could not be read to the end ({_reason(error)})")


def _zip_too_large(shown: str, size: int) -> str:
    return (
        f"{shown} is {limits.human(size)}, more than the "
        f"{limits.human(limits.UPLOAD_ARCHIVE_BYTES)} a zip may have: upload only your exercise "
        "files"
    )


def _read_archive(upload: Upload, archive: zipfile.ZipFile, shown: str, wanted: set[str],
                  chosen: dict[str, str] | None, nest: bool = True) -> None:  # fmt: skip
    with archive:
        try:
            _read_members(upload, archive, wanted, chosen, nest)
        except _UNREADABLE as error:  # a central directory that lies
            upload.notes.append(f"{shown} could not be read to the end ({_reason(error)})")


def _open_member_zip(upload: Upload, archive: zipfile.ZipFile, member: zipfile.ZipInfo,
                     wanted: set[str]) -> None:  # fmt: skip
    shown = safe_name(member.filename)
    if member.file_size > limits.UPLOAD_ARCHIVE_BYTES:
        upload.notes.append(_zip_too_large(shown, member.file_size))
        return
    try:
        with archive.open(member) as handle:
            data = _read_at_most(handle, limits.UPLOAD_ARCHIVE_BYTES)
        if len(data) > limits.UPLOAD_ARCHIVE_BYTES:
            upload.notes.append(_zip_too_large(shown, len(data)))
            return
        inner = zipfile.ZipFile(io.BytesIO(data))
    except _UNREADABLE as error:
        upload.notes.append(f"{shown} is not a readable zip ({_reason(error)})")
        return
    found = Upload()
    _read_archive(found, inner, shown, wanted, None, nest=False)
    if found.files:
        upload.notes.append(f"opened {shown}: {', '.join(sorted(found.files))}")
    elif len(upload.others) < OTHERS_SHOWN:
        upload.others.append(shown)
    upload.merge(found)


def _read_members(upload: Upload, archive: zipfile.ZipFile, wanted: set[str],
                  chosen: dict[str, str] | None = None, nest: bool = True) -> None:  # fmt: skip
    # shallowest first, then the bound: members listed early (a venv/) cannot crowd out
    # the exercise files
    infos = archive.infolist() if chosen is None else [archive.getinfo(n) for n in chosen]
    members = sorted(infos, key=lambda m: (m.filename.count("/"), m.filename))
    if len(members) > limits.UPLOAD_ENTRIES:
        upload.notes.append(f"more than {limits.UPLOAD_ENTRIES} files: the rest were not read")
        members = members[: limits.UPLOAD_ENTRIES]
    nested = []
    for member in members:
        name = PurePosixPath(member.filename.replace("\\", "/")).name
        if chosen is not None and chosen.get(member.filename):
            name = chosen[member.filename]
        if member.is_dir() or "__MACOSX" in member.filename:
            continue
        if name not in wanted:
            if name.lower().endswith(".zip") and not stat.S_ISLNK(member.external_attr >> 16):
                nested.append(member)
            elif len(upload.others) < OTHERS_SHOWN:
                upload.others.append(safe_name(member.filename))
            continue
        shown = safe_name(member.filename)
        if stat.S_ISLNK(member.external_attr >> 16):
            upload.refused.setdefault(name, f"{shown} is a link; upload the file itself")
            continue
        if member.file_size > limits.file_bytes(name):
            upload.refused.setdefault(name, _too_large(shown, name))
            continue

        def read(limit: int, m: zipfile.ZipInfo = member) -> bytes:
            with archive.open(m) as handle:
                return _read_at_most(handle, limit)

        _take(upload, name, shown, read)
    for member in nested[:NESTED_ZIPS] if nest else ():  # a zip in a zip's zip is not opened
        _open_member_zip(upload, archive, member, wanted)


def read_submission(path: Path, wanted: set[str]) -> Upload:
    """A folder or a zip (anything else: nothing found, and a note saying why). Never raises
    for what the upload holds: every failure is a note or a refused file of this student."""
    try:
        mode = path.lstat().st_mode
        is_zip = stat.S_ISREG(mode) and zipfile.is_zipfile(path)
    except _UNREADABLE as error:
        return Upload(notes=[f"{safe_name(str(path))} cannot be read ({_reason(error)})"])
    if stat.S_ISDIR(mode):
        return read_folder(path, wanted)
    if is_zip:
        return read_zip(path, wanted)
    return Upload(notes=[f"{safe_name(path.name)} is neither a folder nor a zip"])


def read_student(sources: Iterable, wanted: set[str]) -> Upload:
    """One student's files from every place an export put them (:mod:`.exports`): folders,
    zips, single files read under the exercise name they stand for, an export zip's members
    (the zip stays open for the next student: :func:`close_export_zips` when done).
    Never raises, as :func:`read_submission`."""
    upload = Upload()
    for source in sources:
        if source.members:
            upload.merge(read_zip(source.path, wanted, source.members))
        elif source.as_name:
            upload.merge(_read_single(source.path, source.as_name, wanted))
        else:
            upload.merge(read_submission(source.path, wanted))
    return upload


def _read_single(path: Path, as_name: str, wanted: set[str]) -> Upload:
    upload = Upload()
    if as_name in wanted:
        _take(upload, as_name, safe_name(path.name), partial(_read_regular, str(path)))
    else:
        upload.others.append(safe_name(path.name))
    return upload
