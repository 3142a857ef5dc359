"""Each worker a user of its own, when the grader runs as root.

    user = lease()          # None unless run as root (POSIX)
    ...                     # the worker drops to user.uid before any learner code runs
    user.release()          # once the worker has been killed and reaped

A worker started as root drops to an unprivileged user before learner code runs. Were that one
user for every worker (``nobody``), one submission could signal another's worker (SIGSTOP the
next student's) and open what another left behind, in this run and in any other run on the
machine. So each worker gets a uid of its own: one that no account uses (no entry in the user
database), from a block of :data:`POOL_SIZE` uids near the top of the range this process can
map (below 2**31, or below 65534 in a container whose user namespace maps 65,536 ids).

A uid is held with a lock (``flock``) on a file named after it, in a folder only root can
write (``/run/gdkit-sandbox-users``), for as long as its worker lives: two workers never share
a uid at once, across every grading process and every run on the machine (``grade``,
``grade batch``, the autograder; either backend). The kernel drops the lock when its holder
dies, so a killed grader leaves no uid taken. The file is emptied when its worker has ended
and what the uid wrote in the shared temporary folders was removed (grader/sandbox/leftovers.py);
a file found not empty was held by a grader killed before it could end its worker (or whose
sweep did not finish), so every process of that uid is killed, and its files removed, before
another worker runs as it — or at once, by :func:`sweep_stale`, after killing a grader.
"""

from __future__ import annotations

import functools
import os
import random
import stat
import tempfile
from dataclasses import dataclass

from grader.sandbox import leftovers

POOL_SIZE = 4096
TOP_UID = 2**31 - 2  # below 2**31: some tools read a uid as a signed 32-bit number
NOT_FREE = {65534, 65535}  # nobody, and (uid_t)-1 in 16 bits
FOLDERS = ("/run/gdkit-sandbox-users", "/var/run/gdkit-sandbox-users")


class NoUserFree(RuntimeError):
    """No uid of the pool can be had (all held, or no folder to hold them in)."""


@dataclass
class Lease:
    """A uid held for one worker; :meth:`release` once the worker has ended."""

    uid: int
    lock: int  # the open, flock-ed file descriptor that holds it

    def release(self) -> None:
        """Give the uid back (its worker was killed and reaped: none of its processes runs),
        with what it wrote in the shared temporary folders removed. Should that sweep not
        finish within its bounds, the uid stays marked: its next holder sweeps again."""
        if self.lock >= 0:
            if leftovers.remove_owned(self.uid):
                os.ftruncate(self.lock, 0)  # released cleanly: nothing for the next holder
            os.close(self.lock)  # drops the flock
            self.lock = -1


def needed() -> bool:
    """Does learner code need users of its own here: the grader runs as root, on a platform
    with users to switch to (POSIX: ``fcntl`` holds them)?"""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return False
    try:
        import fcntl  # noqa: F401
    except ImportError:
        return False
    return True


def lease() -> Lease | None:
    """A uid no other worker on this machine holds, for one worker; None when not run as root.
    Raises :class:`NoUserFree` when none can be had."""
    if not needed():
        return None
    folder = lock_folder()
    pool = uid_pool()
    first = random.randrange(len(pool))  # concurrent graders rarely try the same uid twice
    for index in range(len(pool)):
        taken = _take(folder, pool[(first + index) % len(pool)])
        if taken is not None:
            return taken
    raise NoUserFree(f"all {len(pool)} sandbox users are in use (one per running worker)")


def sweep_stale() -> None:
    """Sweep now every uid a grader that was killed left marked (its processes killed, its
    files removed), rather than when the uid is next leased: after killing a grader
    (``grade batch`` past its time limit), whose workers' files would otherwise wait for it."""
    if not needed():
        return
    folder = lock_folder()
    for name in os.listdir(folder):
        try:
            marked = name.isdigit() and os.lstat(os.path.join(folder, name)).st_size > 0
        except OSError:
            continue
        taken = _take(folder, int(name)) if marked else None
        if taken is not None:
            taken.release()


def _take(folder: str, uid: int) -> Lease | None:
    """``uid``, unless a running worker holds it; swept first if its last holder died before
    its worker ended."""
    import fcntl

    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(os.path.join(folder, str(uid)), flags, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # held by a running worker
        os.close(descriptor)
        return None
    if os.fstat(descriptor).st_size:  # its last holder died before its worker ended
        from grader.sandbox.sessions import kill_user

        kill_user(uid)
        leftovers.remove_owned(uid)  # what stays is swept again when the uid is released
    os.pwrite(descriptor, b"held\n", 0)
    return Lease(uid, descriptor)


@functools.cache
def uid_pool() -> tuple[int, ...]:
    """The uids a worker may get: the top :data:`POOL_SIZE` of the highest range this
    process's user namespace maps, none of them an account's."""
    start, end = _mapped_range()
    taken = _account_uids()
    top = min(end, TOP_UID + 1)
    if top > 65534 > start and top - 65534 < POOL_SIZE:
        top = 65534  # a namespace mapping 65,536 ids (and a little more): stay below nobody
    block = range(max(start, top - POOL_SIZE), top)
    pool = tuple(uid for uid in block if uid not in taken and uid not in NOT_FREE and uid > 0)
    if not pool:
        raise NoUserFree("no unused uid is mapped in this user namespace")
    return pool


def _mapped_range() -> tuple[int, int]:
    """The highest range of uids this process can switch to: (first, one past the last)."""
    try:
        with open("/proc/self/uid_map", encoding="ascii") as handle:
            ranges = [tuple(int(n) for n in line.split()) for line in handle if line.strip()]
    except (OSError, ValueError):  # not Linux: the whole 32-bit range
        return 1, TOP_UID + 1
    inside = [(first, first + count) for first, _outside, count in ranges]
    return max(inside, key=lambda pair: pair[1])


def _account_uids() -> set[int]:
    try:
        import pwd

        return {entry.pw_uid for entry in pwd.getpwall()}
    except (ImportError, OSError):
        return set()


@functools.cache
def lock_folder() -> str:
    """The folder holding the uids' lock files: a real folder owned by root that no one else
    can write, shared by every grading process on the machine."""
    for folder in (*FOLDERS, os.path.join(tempfile.gettempdir(), "gdkit-sandbox-users-0")):
        parent = os.path.dirname(folder)
        if not _root_only(parent, sticky_ok=True):
            continue
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        except OSError:
            continue
        if _root_only(folder, sticky_ok=False):
            return folder
    raise NoUserFree("no folder only root can write to hold the sandbox users' locks")


def _root_only(folder: str, sticky_ok: bool) -> bool:
    """Is ``folder`` a real folder owned by root that no one else can change? (``sticky_ok``:
    a sticky, world-writable folder such as /tmp will do as a parent.)"""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0:
        return False
    writable_by_others = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    return not writable_by_others or (sticky_ok and bool(info.st_mode & stat.S_ISVTX))
