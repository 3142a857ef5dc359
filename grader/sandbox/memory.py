"""Memory a worker can hold that ``RLIMIT_AS`` does not count, and which guard counts it here.

``RLIMIT_AS`` bounds a worker's address space, but not the pages of a file that is written and
never mapped: memfd files (``os.memfd_create``), and files in a tmpfs such as ``/dev/shm``.
A worker can keep memfd files beyond its open-file limit by sending them over a socket to
itself. One guard is chosen per sandbox, the strongest that works here
(:func:`choose_guard`), and the report names the one that ran (:func:`words`):

``cgroup``     Linux, cgroup v2 with the memory controller, where this process may create
               cgroups (as root, or in a delegated cgroup): each worker goes into a cgroup of
               its own whose ``memory.max`` counts everything it holds — memfd files, shared
               memory, its tmpfs — once it is ready, before any learner code runs. A worker
               the kernel kills there is told apart (``oom_kill`` in ``memory.events``) and
               reported as the learner's memory failure. Not on a hybrid hierarchy (v1
               controllers, v2 at ``/sys/fs/cgroup/unified``): memory sits in v1 there.
``seccomp``    Linux on x86-64 or arm64 otherwise: the worker refuses itself ``memfd_create``
               (a seccomp filter, installed after privileges are dropped); files written to a
               tmpfs stay bounded by the backend (bubblewrap: its private 32 MB ``/tmp`` and
               ``/dev/shm``; the process backend cannot bound a shared ``/dev/shm``).
``descriptors`` everywhere else: memfd files are bounded only by the open-file limit times the
               file-size limit (64 × 1 MB), plus what is in flight on a socket.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import platform
import struct
import sys
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")

# seccomp's view of a system call: the architecture it is made for, and memfd_create's number
MEMFD_CREATE = {"x86_64": (0xC000003E, 319), "aarch64": (0xC00000B7, 279)}
X32 = 0x40000000  # x86-64's x32 calls: the same number with this bit set
RET_ALLOW, RET_EPERM = 0x7FFF0000, 0x00050000 | 1


def memfd_filter(machine: str | None = None) -> bytes | None:
    """A seccomp program (classic BPF, ``struct sock_filter`` each) that refuses
    ``memfd_create`` with EPERM and allows every other call; None for another machine."""
    known = MEMFD_CREATE.get(machine or platform.machine())
    if known is None:
        return None
    audit, number = known
    program = [
        (0x20, 0, 0, 4),  # A = the call's architecture
        (0x15, 0, 4, audit),  # not this one: allow
        (0x20, 0, 0, 0),  # A = the call's number
        (0x15, 1, 0, number),  # memfd_create: refuse
        (0x15, 0, 1, number | X32),  # its x32 form: refuse; anything else: allow
        (0x06, 0, 0, RET_EPERM),
        (0x06, 0, 0, RET_ALLOW),
    ]
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in program)


class Guard:
    """No guard: memfd files bounded by the worker's descriptor and file-size limits only."""

    name = "descriptors"

    def config(self) -> dict:
        """What the worker is told to set up itself (see worker.guard_memory)."""
        return {}

    def attach(self, pids: list[int], key: int) -> bool:  # noqa: ARG002
        """Put a ready worker's processes under the guard; whether they are."""
        return False

    def exceeded(self, key: int) -> bool:  # noqa: ARG002
        """Did the guard kill a process of worker ``key`` for holding too much memory?"""
        return False

    def release(self, key: int) -> None:
        """The worker ``key`` has ended."""

    def close(self) -> None:
        """The sandbox is closed: nothing of the guard is left."""


class SeccompGuard(Guard):
    name = "seccomp"

    def __init__(self, program: bytes) -> None:
        self.program = program

    def config(self) -> dict:
        return {"refuse": self.program.hex()}


class CgroupGuard(SeccompGuard):
    """A cgroup v2 per worker, in a cgroup of this sandbox's made below ``base`` when the first
    worker is ready (and the seccomp filter too, where there is one: learner code never needs
    memfd files)."""

    name = "cgroup"

    def __init__(self, base: Path, memory_bytes: int, program: bytes | None) -> None:
        super().__init__(program or b"")
        self.base, self.memory_bytes = base, memory_bytes
        self.parent: Path | None = None

    def config(self) -> dict:
        return super().config() if self.program else {}

    def attach(self, pids: list[int], key: int) -> bool:
        try:
            if self.parent is None:
                self.parent = _sandbox_cgroup(self.base)
            group = self.parent / f"worker-{key}"
            group.mkdir()
            (group / "memory.max").write_text(f"{self.memory_bytes}\n")
            if (group / "memory.swap.max").exists():  # not where swap is not accounted
                (group / "memory.swap.max").write_text("0\n")
            for pid in pids:
                (group / "cgroup.procs").write_text(f"{pid}\n")
        except OSError:
            return False
        return True

    def exceeded(self, key: int) -> bool:
        """The kernel's count of processes it killed in the worker's cgroup for reaching
        ``memory.max`` (``oom_kill`` in ``memory.events``), read before the cgroup is removed."""
        if self.parent is None:
            return False
        try:
            events = (self.parent / f"worker-{key}" / "memory.events").read_text()
        except OSError:
            return False
        counts = dict(line.split(None, 1) for line in events.splitlines() if " " in line)
        return counts.get("oom_kill", "0").strip() not in ("", "0")

    def release(self, key: int) -> None:
        if self.parent is not None:
            with contextlib.suppress(OSError):  # busy a moment after its last process ended
                (self.parent / f"worker-{key}").rmdir()

    def close(self) -> None:
        if self.parent is None:
            return
        for group in sorted(self.parent.glob("worker-*")):
            with contextlib.suppress(OSError):
                group.rmdir()
        with contextlib.suppress(OSError):
            self.parent.rmdir()
        self.parent = None


def cgroup_base(root: Path = CGROUP_ROOT, own: str | None = None) -> Path | None:
    """Where this process can make cgroups with the memory controller: its own cgroup or the
    root of the hierarchy, whichever comes first with ``memory`` among the controllers it
    gives its children (or lets this process give them); None if none does (cgroup v1, no
    memory controller, not permitted)."""
    if not (root / "cgroup.controllers").is_file():  # not cgroup v2 (v1, or a hybrid)
        return None
    if own is None:
        try:
            own = Path("/proc/self/cgroup").read_text()
        except OSError:
            return None
    line = next((x for x in own.splitlines() if x.startswith("0::")), None)
    candidates = [root / line[3:].strip().lstrip("/")] if line else []
    return next((base for base in dict.fromkeys([*candidates, root]) if _gives_memory(base)), None)


def _gives_memory(base: Path) -> bool:
    """Does ``base`` give its children the memory controller (now that it was asked to)?"""
    try:
        if "memory" not in (base / "cgroup.controllers").read_text().split():
            return False
        control = base / "cgroup.subtree_control"
        if "memory" not in control.read_text().split():
            control.write_text("+memory\n")  # refused where base holds processes (not root)
    except OSError:
        return False
    return True


def _sandbox_cgroup(base: Path) -> Path:
    """A new cgroup below ``base`` whose children have the memory controller (OSError if it
    cannot be made)."""
    made = base / f"gdkit-{os.getpid()}-{next(_COUNT)}"
    made.mkdir()
    try:
        (made / "cgroup.subtree_control").write_text("+memory\n")
    except OSError:
        made.rmdir()
        raise
    return made


_COUNT = itertools.count()


def choose_guard(memory_bytes: int, root: Path = CGROUP_ROOT) -> Guard:
    """The strongest guard that works here (see the module's docstring)."""
    if not sys.platform.startswith("linux"):
        return Guard()
    program = memfd_filter()
    base = cgroup_base(root)
    if base is not None:
        return CgroupGuard(base, memory_bytes, program)
    return SeccompGuard(program) if program is not None else Guard()


WORDS = {
    "cgroup": "memfd files and shared memory counted in its memory limit (a cgroup)",
    "seccomp": "memfd files refused (seccomp)",
    "descriptors": "memfd files outside its memory limit, bounded only by its open files",
}


def words(ran: str) -> str:
    """How the report names the guard that ran."""
    return WORDS[ran]
