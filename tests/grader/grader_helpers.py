"""Shared helpers for the grader's own tests (imported by the test modules)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from grader.exercises import by_name, solutions_dir
from grader.runner import grade
from grader.sandbox.backends import available
from grader.sandbox.limits import Limits

# short limits keep the hostile-submission tests fast
FAST = Limits(wall=1.5, cpu=1.0, cpu_total=20.0, memory_bytes=256 << 20)

# Code that defines peak_memory(): the peak resident memory, in bytes, of the process that runs
# it, for a test that runs a grader in a process of its own. Linux's VmHWM belongs to the
# process's own memory map; ru_maxrss does not do there, because Linux carries it over exec
# from the process that started this one (a child of a 600 MB pytest reports 600 MB).
PEAK_MEMORY = """
def peak_memory():
    import resource, sys
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    unit = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, else kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit
"""

# parabola's functions, answers that are wrong unless a hostile submission's tampering worked
WRONG_BODIES = """
def parabola_loss(w):
    return 0.0
def parabola_grad(w):
    return 0.0
def gd_step(w, grad, lr):
    return 0.0
def trajectory(w0, lr, steps):
    return [0.0], [0.0]
def error_ratio(lr):
    return 0.0
"""

# every backend that can run on this machine, strongest first (tests run under each)
ISOLATIONS = available()
BUBBLEWRAP = "bubblewrap" in ISOLATIONS


def write_submission(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def solution_text(name: str) -> str:
    return (solutions_dir() / by_name(name).file).read_text(encoding="utf-8")


def copy_solution(name: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    exercise = by_name(name)
    shutil.copy(solutions_dir() / exercise.file, folder / exercise.file)
    return folder / exercise.file


def grade_one(
    folder: Path, name: str, *, hidden: bool = True, isolation: str = "auto", limits: Limits = FAST
):
    return grade(
        folder, [name], include_hidden=hidden, limits=limits, isolation=isolation
    ).exercises[0]


# mutants are wrong, not hostile: a slow wrong loop should fail on its values, not on time
MUTANT_LIMITS = Limits(wall=20.0, cpu=20.0)


def process_table() -> dict[int, tuple[int, str]]:
    """Every process on the machine: pid -> (parent pid, command line), read from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                parent = int(handle.read().rpartition(b")")[2].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, ValueError, IndexError):
            continue
        table[int(entry)] = (parent, command)
    return table


def leftovers(before: dict, token: str = "") -> list[str]:
    """Processes started since ``before`` that still run: children of this process (the
    sandbox's workers) or any process whose command line holds ``token``. Waits up to 2 s for
    the kernel to finish killing them."""
    deadline = time.monotonic() + 2.0
    while True:
        new = [
            command
            for pid, (parent, command) in process_table().items()
            if pid not in before
            and (parent == os.getpid() or (token and token in command))
            and pid != os.getpid()
        ]
        if not new or time.monotonic() > deadline:
            return new
        time.sleep(0.05)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return b""


def _of_this_run(pid: str, base: str) -> bool:
    """Does the process, or one above it, name ``base`` in its command line or working folder?
    (Other runs on the machine, this suite's own included, hold sandbox users too.)"""
    seen = set()
    while pid.isdigit() and pid not in seen and pid != "1":
        seen.add(pid)
        try:
            folder = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            folder = ""
        if base in folder or base.encode() in _read(f"/proc/{pid}/cmdline"):
            return True
        stat = _read(f"/proc/{pid}/stat").rpartition(b")")[2].split()
        pid = stat[1].decode() if len(stat) > 1 else ""
    return False


def processes_of(uids: set[int], base: Path) -> list[str]:
    """Processes of this run still there running as any of ``uids``: pid, command line, state."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        status = _read(f"/proc/{entry}/status")
        line = next((line for line in status.splitlines() if line.startswith(b"Uid:")), b"")
        if not uids & {int(n) for n in line.split()[1:]} or not _of_this_run(entry, str(base)):
            continue
        command = _read(f"/proc/{entry}/cmdline").replace(b"\0", b" ").decode("utf-8", "replace")
        state = _read(f"/proc/{entry}/stat").rpartition(b")")[2].split()[:1]
        found.append(f"{entry}: {command} (state {b''.join(state).decode()})")
    return found


def forget_every_check_value() -> int:
    """Forget what every check's remembered functions remember in this process (as a new
    process would know nothing); how many functions that was."""
    import importlib

    from grader.exercises import load_exercises

    forgotten = 0
    for exercise in load_exercises():
        module = importlib.import_module(f"grader.checks.check_{exercise.name}")
        for value in vars(module).values():
            if callable(getattr(value, "forget", None)):
                value.forget()
                forgotten += 1
    return forgotten
