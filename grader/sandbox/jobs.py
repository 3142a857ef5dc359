"""Windows job objects: a process the grader may have to kill, in a job of its own.

    contain(process.pid)     # right after it started: True on Windows when the job was made
    terminate(process.pid)   # the process and every process in its job end at once
    close(process.pid)       # once it is reaped: whatever is left in its job ends

Windows has no sessions or process groups to kill a tree by, and a process whose parent has
ended is below no one (``taskkill /T`` cannot find it). A job holds every process started in
it, wherever it sits in the tree, and is made with *kill on job close*: when its last handle
closes, every process still in it ends. The grading process holds that handle, so a worker and
whatever it started end with the grading process however it ends — closed, crashed or killed
from the Task Manager — where on POSIX the worker watches its parent (worker.watch_parent).

On every other platform, and on a Windows where the job cannot be had (no ctypes, a call
refused), :func:`contain` does nothing and says so; killing then goes through ``taskkill``
(grader/sandbox/sessions.py).
"""

from __future__ import annotations

import ctypes
import os

PROCESS_SET_QUOTA = 0x0100  # OpenProcess rights AssignProcessToJobObject needs
PROCESS_TERMINATE = 0x0001
KILL_ON_JOB_CLOSE = 0x2000  # JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
EXTENDED_LIMIT_INFORMATION = 9  # JobObjectExtendedLimitInformation
WINDOWS = os.name == "nt"


class _BasicLimits(ctypes.Structure):
    """JOBOBJECT_BASIC_LIMIT_INFORMATION."""

    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", ctypes.c_uint32),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", ctypes.c_uint32),
        ("Affinity", ctypes.c_size_t),
        ("PriorityClass", ctypes.c_uint32),
        ("SchedulingClass", ctypes.c_uint32),
    ]


class _IoCounters(ctypes.Structure):
    """IO_COUNTERS."""

    _fields_ = [
        (name, ctypes.c_uint64)
        for name in ("Reads", "Writes", "Others", "ReadBytes", "WriteBytes", "OtherBytes")
    ]


class ExtendedLimits(ctypes.Structure):
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION."""

    _fields_ = [
        ("BasicLimitInformation", _BasicLimits),
        ("IoInfo", _IoCounters),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


_jobs: dict[int, int] = {}  # pid -> the handle of its job, until terminate() or close()


def _kernel32():  # pragma: no cover - Windows only; the tests put a simulated kernel32 here
    """kernel32's job calls, typed (a HANDLE is pointer-sized: an untyped result would be cut
    to 32 bits); None where there is no kernel32."""
    try:
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return None
    handle, dword, boolean = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int
    signatures = {
        "CreateJobObjectW": (handle, [ctypes.c_void_p, ctypes.c_wchar_p]),
        "SetInformationJobObject": (boolean, [handle, ctypes.c_int, ctypes.c_void_p, dword]),
        "OpenProcess": (handle, [dword, boolean, dword]),
        "AssignProcessToJobObject": (boolean, [handle, handle]),
        "TerminateJobObject": (boolean, [handle, ctypes.c_uint]),
        "CloseHandle": (boolean, [handle]),
    }
    for name, (result, arguments) in signatures.items():
        function = getattr(kernel32, name)
        function.restype, function.argtypes = result, arguments
    return kernel32


def contain(pid: int) -> bool:
    """Put process ``pid`` (just started by this process) in a job of its own, made to end
    every process in it when this process lets go of it (see the module doc). Whether it is
    now in one: False on every platform but Windows, and where Windows refuses."""
    if not WINDOWS:
        return False
    kernel32 = _kernel32()
    if kernel32 is None:
        return False
    job = kernel32.CreateJobObjectW(None, None)
    if not job:
        return False
    limits = ExtendedLimits()
    limits.BasicLimitInformation.LimitFlags = KILL_ON_JOB_CLOSE
    process = kernel32.OpenProcess(PROCESS_SET_QUOTA | PROCESS_TERMINATE, False, pid)
    contained = bool(
        process
        and kernel32.SetInformationJobObject(
            job, EXTENDED_LIMIT_INFORMATION, ctypes.byref(limits), ctypes.sizeof(limits)
        )
        and kernel32.AssignProcessToJobObject(job, process)
    )
    if process:
        kernel32.CloseHandle(process)
    if not contained:
        kernel32.CloseHandle(job)
        return False
    _jobs[pid] = job
    return True


def terminate(pid: int) -> bool:
    """End process ``pid`` and every process in its job; whether it had a job (else the
    caller kills it another way)."""
    job = _jobs.pop(pid, None)
    if job is None:
        return False
    kernel32 = _kernel32()
    kernel32.TerminateJobObject(job, 1)
    kernel32.CloseHandle(job)
    return True


def close(pid: int) -> None:
    """Process ``pid`` has ended and been reaped: let go of its job, which ends whatever it
    started that is still running."""
    job = _jobs.pop(pid, None)
    if job is not None:
        _kernel32().CloseHandle(job)
