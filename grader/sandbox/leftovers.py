"""What a sandbox user left in the shared temporary folders, removed before its uid serves again.

    complete = remove_owned(uid)    # once no process of uid runs (its worker killed and reaped)

With the process backend a worker's ``TMPDIR`` is a private folder the grading process removes,
but learner code can write by full path wherever its user may: ``/tmp/x``, ``/var/tmp/x``,
``/dev/shm/x`` (memory, in a tmpfs). Run as root, each worker is a user of its own
(grader/sandbox/users.py), so what it wrote there is what that uid owns, and nobody else's.
The uid can create entries only in a folder it owns or one others may write to (it has no
groups but its own), so only those are entered: the world-writable folders below, and below
them each folder that is the uid's or writable by others.

Only entries whose owner is ``uid`` (``lstat``: a link's own owner, never its target's) are
removed, by name within an open folder (``unlink``/``rmdir`` with ``dir_fd``), and a folder is
entered only through a descriptor opened with ``O_NOFOLLOW`` and checked again once open: a
symlink is removed as a name, never followed, and a name swapped for a symlink while this
runs is not entered. A hard link to another user's file is theirs (the inode's owner) and
stays. Another filesystem mounted below is not entered. The walk is bounded in entries,
depth and time (a learner may make a million empty files): it says whether it finished, and
the caller keeps the uid marked for another sweep when it did not.

Where there are no users of its own (an ordinary user's grader, Windows), learner code writes
as the grader's user: its files cannot be told from the user's own, and nothing is removed
here (grader/README.md says what stays).
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass

# where any user may write, on the machine: what a worker of the process backend reaches
SHARED_TEMP = ("/tmp", "/var/tmp", "/dev/shm")
MAX_ENTRIES = 50_000  # entries looked at, in all the folders, in one sweep
MAX_DEPTH = 32  # folders open at once, one descriptor each
MAX_SECONDS = 5.0
DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
DIRECTORY |= getattr(os, "O_CLOEXEC", 0)


@dataclass
class _Sweep:
    """One sweep's owner and what is left of its bounds."""

    uid: int
    entries: int  # left to look at
    until: float  # time.monotonic() past which it stops
    complete: bool = True

    def spend(self) -> bool:
        """Count one more entry; False (and the sweep marked incomplete) once a bound is met."""
        self.entries -= 1
        if self.entries >= 0 and time.monotonic() <= self.until:
            return True
        self.complete = False
        return False


def supported() -> bool:
    """Can folders be walked by descriptor here (POSIX, with ``dir_fd`` and ``O_NOFOLLOW``)?"""
    return (
        hasattr(os, "O_NOFOLLOW")
        and os.unlink in os.supports_dir_fd
        and os.stat in os.supports_dir_fd
        and os.scandir in os.supports_fd
    )


def remove_owned(uid: int, folders: Iterable[str] = SHARED_TEMP) -> bool:
    """Remove every file, link and folder ``uid`` owns in ``folders`` and below them (see the
    module's docstring); whether the sweep finished within its bounds."""
    if uid <= 0 or uid == os.geteuid():  # root's files, or the grader's own user's: never
        raise ValueError(f"uid {uid} is not a sandbox user's")
    if not supported():
        return True  # no users of their own on such a platform either: nothing is the uid's
    sweep = _Sweep(uid, MAX_ENTRIES, time.monotonic() + MAX_SECONDS)
    for folder in folders:
        try:  # the folder itself may be a link (macOS: /tmp to /private/tmp), set up by root
            descriptor = os.open(os.path.realpath(folder), DIRECTORY)
        except OSError:  # not on this machine
            continue
        try:
            _empty(descriptor, os.fstat(descriptor).st_dev, sweep, MAX_DEPTH)
        finally:
            os.close(descriptor)
    return sweep.complete


def _empty(folder: int, device: int, sweep: _Sweep, depth: int) -> None:
    """Remove the uid's entries in the open ``folder``, entering the folders it may write in."""
    with os.scandir(folder) as listing:
        names = [entry.name for entry in listing]
    for name in names:
        if not sweep.spend():
            return
        try:
            info = os.stat(name, dir_fd=folder, follow_symlinks=False)
        except OSError:  # gone meanwhile
            continue
        if stat.S_ISDIR(info.st_mode):
            _folder(folder, name, info, device, sweep, depth)
        elif info.st_uid == sweep.uid:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=folder)


def _folder(parent: int, name: str, seen: os.stat_result, device: int, sweep: _Sweep, depth: int):
    """Enter the folder ``name`` if the uid may have written in it, then remove it if the uid's
    (it is removed only once empty: what others put there stays, and so does it)."""
    if seen.st_dev != device or not _writable_by(seen, sweep.uid):
        return
    if depth <= 0:
        sweep.complete = False
        return
    try:
        descriptor = os.open(name, DIRECTORY, dir_fd=parent)
    except OSError:  # gone, or swapped for a symlink or a file since it was looked at
        return
    try:
        opened = os.fstat(descriptor)
        if (opened.st_dev, opened.st_ino) != (seen.st_dev, seen.st_ino):
            return  # swapped for another folder since it was looked at
        _empty(descriptor, device, sweep, depth - 1)
    finally:
        os.close(descriptor)
    if seen.st_uid == sweep.uid:
        with contextlib.suppress(OSError):  # not empty: another user's entries are in it
            os.rmdir(name, dir_fd=parent)


def _writable_by(info: os.stat_result, uid: int) -> bool:
    """Could ``uid`` (with no group but its own, ``uid``) have made entries in this folder?"""
    if info.st_uid == uid or info.st_mode & stat.S_IWOTH:
        return True
    return info.st_gid == uid and bool(info.st_mode & stat.S_IWGRP)
