"""Ending a process with everything it started: the one way the grader kills a process.

    process = subprocess.Popen(command, **OWN_SESSION)
    kill_session(process.pid)      # then reap it: process.wait()

Every process the grader may have to kill — a sandbox worker that overran or crashed, a
``grade batch`` grader past its time limit — leads a session of its own (:data:`OWN_SESSION`,
or :func:`lead_own_session` in a child started by multiprocessing). Killing only the process,
or only its process group, leaves processes behind: a batch grader's sandbox workers each
lead a session of their own, so they are in neither. :func:`kill_session`
stops the process and, level by level, every process below it (stopped, none of them can start
another), then kills each one and each process group one of them leads.

POSIX finds the processes below through ``/proc`` (Linux) or psutil (macOS). Windows has no
signals to stop a tree with: each such process is put in a job of its own when it starts
(:func:`started`, grader/sandbox/jobs.py), and killing it ends its job — every process in it,
even one whose parent has ended; and the job ends with the grading process, however that ends.
Where no job could be had, ``taskkill /T /F`` ends the process and every process below it
(children first); where taskkill cannot run, the processes psutil finds below it are
terminated. Without psutil, only the process and its group are killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

from grader.sandbox import jobs


def own_session() -> dict:
    """Popen keyword arguments: the child leads a session (POSIX) or a process group (Windows)
    of its own, so that no signal meant for the caller's group (Ctrl-C) reaches it, and back."""
    if hasattr(os, "setsid"):
        return {"start_new_session": True}
    return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}


OWN_SESSION: dict = own_session()


def lead_own_session() -> None:
    """Make this process (a child started without :data:`OWN_SESSION`, e.g. by
    multiprocessing) lead a session of its own, where the platform has sessions."""
    if hasattr(os, "setsid"):
        with contextlib.suppress(OSError):  # a session leader already
            os.setsid()


def started(pid: int) -> None:
    """Process ``pid`` (started with :data:`OWN_SESSION`, or one that leads its own session)
    is one the grader may have to kill: on Windows it goes in a job of its own now."""
    jobs.contain(pid)


def reaped(pid: int) -> None:
    """Process ``pid`` has ended and been reaped: on Windows, its job ends with whatever it
    started that still runs."""
    jobs.close(pid)


def kill_session(pid: int) -> None:
    """Kill process ``pid``, every process below it (in any session) and every process group
    one of them leads; never the caller's own group. The caller reaps ``pid``."""
    if not hasattr(os, "killpg"):  # Windows
        if not jobs.terminate(pid):
            _kill_tree_windows(pid)
        return
    tree = [pid, *_below(pid, stop=True)]
    own_group = os.getpgrp()
    for member in tree:
        with contextlib.suppress(OSError):
            if os.getpgid(member) == member != own_group:
                os.killpg(member, signal.SIGKILL)
        _signal(member, signal.SIGKILL)


def tree(pid: int) -> list[int]:
    """Process ``pid`` and every process below it, parents first (to move them all somewhere,
    e.g. into a cgroup, while none of them runs learner code)."""
    return [pid, *_below(pid, stop=False)]


def _kill_tree_windows(pid: int) -> None:
    """taskkill /T /F (by its full path: a bare name is looked for in the current folder
    first); where it cannot run or fails, TerminateProcess on each process psutil finds."""
    taskkill = os.path.join(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32", "taskkill.exe")
    try:
        done = subprocess.run(
            [taskkill, "/PID", str(pid), "/T", "/F"],
            capture_output=True,
            timeout=10,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),  # no console flashes up
        )
    except (OSError, subprocess.SubprocessError):
        done = None
    if done is not None and done.returncode == 0:
        return
    for below in reversed(_below(pid, stop=False)):
        _signal(below, signal.SIGTERM)  # TerminateProcess
    _signal(pid, signal.SIGTERM)


def kill_user(uid: int) -> None:
    """Kill every process running as ``uid``: a sandbox user's (grader/sandbox/users.py), left
    by a grader that was killed before it could end its worker. None can start another (no
    sandbox user may start processes: RLIMIT_NPROC), so one pass takes them all."""
    for pid in _processes_of(uid):
        _signal(pid, signal.SIGKILL)


def _processes_of(uid: int) -> list[int]:
    if not os.path.exists("/proc/self/status"):
        try:
            import psutil
        except ImportError:
            return []
        return [p.pid for p in psutil.process_iter(["uids"]) if uid in (p.info["uids"] or ())]
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:  # /proc/PID's owner is root for a process that dropped root: read its Uid line
            with open(f"/proc/{entry}/status", "rb") as handle:
                line = next(line for line in handle if line.startswith(b"Uid:"))
        except (OSError, StopIteration):  # gone
            continue
        if uid in (int(n) for n in line.split()[1:]):
            found.append(int(entry))
    return found


def stopped(pid: int) -> bool:
    """Is process ``pid``, or any process below it, stopped (SIGSTOP, or a terminal's stop
    signals)? A worker found stopped when its time ran out was stopped from outside its code's
    loop: the grader lost it. False where the platform cannot tell (no /proc, no psutil)."""
    return any(_is_stopped(member) for member in tree(pid))


def _is_stopped(pid: int) -> bool:
    if os.path.exists("/proc/self/stat"):
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                state = handle.read().rpartition(b")")[2].split()[0]
        except (OSError, IndexError):  # gone
            return False
        return state in (b"T", b"t")  # stopped; stopped by a tracer
    try:
        import psutil
    except ImportError:
        return False
    try:
        return psutil.Process(pid).status() == psutil.STATUS_STOPPED
    except psutil.Error:
        return False


def _below(pid: int, stop: bool) -> list[int]:
    """Every process below ``pid``, parents before children; with ``stop``, each is stopped
    (SIGSTOP) before its children are listed, so none is started unseen."""
    found: list[int] = []
    level = [pid]
    while level:
        if stop:
            for member in level:
                _signal(member, signal.SIGSTOP)
        level = [child for member in level for child in _children(member)]
        found += level
    return found


# Linux lists each thread's children in /proc (where the kernel has CONFIG_PROC_CHILDREN)
_PROC_CHILDREN = os.path.exists(f"/proc/self/task/{os.getpid()}/children")


def _children(pid: int) -> list[int]:
    if not _PROC_CHILDREN:
        return _children_by_psutil(pid)
    tasks = f"/proc/{pid}/task"
    children: list[int] = []
    try:
        threads = os.listdir(tasks)
    except OSError:  # gone
        return children
    for thread in threads:
        with contextlib.suppress(OSError):  # a thread that ended while it was read
            with open(f"{tasks}/{thread}/children", "rb") as listing:
                children += [int(child) for child in listing.read().split()]
    return children


def _children_by_psutil(pid: int) -> list[int]:
    try:
        import psutil
    except ImportError:
        return []
    try:
        return [child.pid for child in psutil.Process(pid).children()]
    except psutil.Error:
        return []


def _signal(pid: int, number: int) -> None:
    with contextlib.suppress(OSError):  # gone already, or not ours
        os.kill(pid, number)
