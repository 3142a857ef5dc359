"""grader/sandbox/memory.py: memory RLIMIT_AS does not count (memfd files, shared memory) is
counted or refused, by the strongest guard that works here, and the report names the one that
ran. Each branch runs here with its primitives simulated (a cgroup v2 tree in a temporary
folder, the seccomp program run by a small BPF interpreter); the one this machine has runs
for real under every backend."""

from __future__ import annotations

import struct
import textwrap
from dataclasses import replace

import pytest
from grader_helpers import FAST, ISOLATIONS

from grader.sandbox import memory
from grader.sandbox.sandbox import Sandbox

# -- the seccomp program, run as the kernel runs it --------------------------------------------


def run_filter(program: bytes, arch: int, number: int) -> int:
    """What a classic BPF seccomp program returns for a call (its data: nr, then arch)."""
    data = struct.pack("=iI", number, arch) + bytes(56)
    code = [struct.unpack("=HBBI", program[i : i + 8]) for i in range(0, len(program), 8)]
    a, pc = 0, 0
    while True:
        op, jt, jf, k = code[pc]
        if op == 0x20:  # BPF_LD | BPF_W | BPF_ABS
            a = struct.unpack_from("=I", data, k)[0]
        elif op == 0x15:  # BPF_JMP | BPF_JEQ | BPF_K
            pc += jt if a == k else jf
        elif op == 0x06:  # BPF_RET | BPF_K
            return k
        else:
            raise AssertionError(f"an instruction the kernel would refuse: {op:#x}")
        pc += 1


@pytest.mark.parametrize("machine", sorted(memory.MEMFD_CREATE))
def test_the_filter_refuses_memfd_create_and_nothing_else(machine):
    program = memory.memfd_filter(machine)
    arch, number = memory.MEMFD_CREATE[machine]
    assert run_filter(program, arch, number) == memory.RET_EPERM
    assert run_filter(program, arch, number | memory.X32) == memory.RET_EPERM
    for other in (0, 1, 9, number - 1, number + 1, 435):
        assert run_filter(program, arch, other) == memory.RET_ALLOW
    assert run_filter(program, 0x40000003, number) == memory.RET_ALLOW  # another architecture


def test_no_filter_for_a_machine_it_does_not_know():
    assert memory.memfd_filter("riscv64") is None


# -- the cgroup v2 branch, in a simulated hierarchy --------------------------------------------


def hierarchy(tmp_path, controllers="cpu memory pids", subtree="", own="a/b"):
    """A cgroup v2 tree as the kernel shows it: the root, and this process's cgroup."""
    root = tmp_path / "cgroup"
    for folder in (root, root / own):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cgroup.controllers").write_text(controllers + "\n")
        (folder / "cgroup.subtree_control").write_text(subtree + "\n")
    return root, f"0::/{own}\n"


def test_the_memory_controller_is_given_where_it_can_be(tmp_path):
    root, own = hierarchy(tmp_path)
    assert memory.cgroup_base(root, own) == root / "a/b"
    assert "+memory" in (root / "a/b/cgroup.subtree_control").read_text()


@pytest.mark.parametrize(
    "case",
    ["v1 or hybrid", "no memory controller", "not cgroup v2 here at all"],
)
def test_no_cgroup_where_there_is_no_v2_memory_controller(tmp_path, case):
    if case == "no memory controller":
        root, own = hierarchy(tmp_path, controllers="cpu pids")
    else:
        root, own = tmp_path / "cgroup", "0::/\n"
        root.mkdir()
        if case == "v1 or hybrid":
            (root / "memory").mkdir()  # v1 controllers as folders, no cgroup.controllers
    assert memory.cgroup_base(root, own) is None


def test_the_root_is_tried_when_the_own_cgroup_refuses(tmp_path):
    root, own = hierarchy(tmp_path)
    control = root / "a/b/cgroup.subtree_control"
    control.unlink()
    control.mkdir()  # writing it fails, as EBUSY does where the cgroup holds processes
    assert memory.cgroup_base(root, own) == root


def test_the_cgroup_guard_puts_each_worker_in_a_cgroup_of_its_own(tmp_path):
    root, own = hierarchy(tmp_path, subtree="memory")
    guard = memory.CgroupGuard(root / "a/b", 300 << 20, memory.memfd_filter("x86_64"))
    assert guard.config() == {"refuse": memory.memfd_filter("x86_64").hex()}
    assert guard.attach([10, 11], key=1)
    parent = guard.parent
    assert parent.parent == root / "a/b"
    assert (parent / "cgroup.subtree_control").read_text() == "+memory\n"
    group = parent / "worker-1"
    assert (group / "memory.max").read_text() == f"{300 << 20}\n"
    assert (group / "cgroup.procs").read_text() == "11\n"  # each pid written in turn
    for name in ("memory.max", "cgroup.procs"):  # the kernel's files vanish with the group
        (group / name).unlink()
    guard.release(1)
    assert not group.exists()
    (parent / "cgroup.subtree_control").unlink()
    guard.close()
    assert not parent.exists() and guard.parent is None


def test_a_cgroup_that_cannot_be_made_is_no_guard(tmp_path):
    guard = memory.CgroupGuard(tmp_path / "gone", 1 << 20, None)
    assert guard.attach([10], key=1) is False and guard.config() == {}


def test_the_strongest_guard_that_works_is_chosen(tmp_path, monkeypatch):
    monkeypatch.setattr(memory.sys, "platform", "linux")
    monkeypatch.setattr(memory, "cgroup_base", lambda root: root)
    assert type(memory.choose_guard(1 << 20, tmp_path)) is memory.CgroupGuard
    monkeypatch.setattr(memory, "cgroup_base", lambda root: None)
    assert type(memory.choose_guard(1 << 20, tmp_path)) is memory.SeccompGuard
    monkeypatch.setattr(memory, "memfd_filter", lambda: None)
    assert type(memory.choose_guard(1 << 20, tmp_path)) is memory.Guard
    monkeypatch.setattr(memory.sys, "platform", "darwin")
    assert memory.choose_guard(1 << 20, tmp_path).name == "descriptors"


def test_an_oom_kill_is_read_from_the_workers_memory_events(tmp_path):
    root, _ = hierarchy(tmp_path, subtree="memory")
    guard = memory.CgroupGuard(root, 300 << 20, None)
    assert guard.exceeded(1) is False  # no cgroup made yet
    assert guard.attach([10], key=1)
    events = guard.parent / "worker-1" / "memory.events"
    assert guard.exceeded(1) is False  # no memory.events (the kernel always has one)
    events.write_text("low 0\nhigh 0\nmax 31\noom 2\noom_kill 0\noom_group_kill 0\n")
    assert guard.exceeded(1) is False  # reached its max and reclaimed, nothing killed
    events.write_text("low 0\nhigh 0\nmax 40\noom 3\noom_kill 1\noom_group_kill 0\n")
    assert guard.exceeded(1) is True and guard.exceeded(2) is False


# The cgroup branch has never run for real on the machines these tests were written on: their
# cgroups are a hybrid (v1 controllers under /sys/fs/cgroup, v2 at /sys/fs/cgroup/unified
# offering hugetlb alone); the memory controller is bound to the v1 hierarchy, a controller
# can sit in one hierarchy only, and v2 refuses "+memory" (ENOENT) while v1 holds it. So a
# worker runs here under the guard with the kernel's files simulated in a temporary folder.

SLEEPER = "import time\ndef ready():\n    return 1\ndef nap():\n    time.sleep(60)\n"


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_worker_runs_under_a_simulated_cgroup_and_its_oom_kill_is_named(
    tmp_path, monkeypatch, isolation
):
    """A real worker, with a cgroup tree of plain files: once it is ready its processes are
    written to its cgroup's cgroup.procs and its memory.max set, before any learner code; the
    report names the cgroup; the kernel's OOM kill (SIGKILL, and oom_kill in memory.events) is
    the learner's memory failure, not a crash."""
    import os
    import signal
    import threading

    from grader.sandbox import sandbox as sandbox_module
    from grader.sandbox.sandbox import SubmissionError

    root, _ = hierarchy(tmp_path, subtree="memory")
    made: list[memory.CgroupGuard] = []

    def simulated(memory_bytes, *_):
        made.append(memory.CgroupGuard(root, memory_bytes, memory.memfd_filter()))
        return made[-1]

    monkeypatch.setattr(sandbox_module, "choose_guard", simulated)
    with Sandbox(replace(FAST, wall=60.0), isolation) as box:
        loaded = box.load(SLEEPER, "sleeper.py")
        assert loaded.call("ready") == 1
        assert memory.WORDS["cgroup"] in box.isolation.description
        [group] = made[0].parent.glob("worker-*")
        worker = box._groups[""].popen.pid
        assert int((group / "cgroup.procs").read_text()) in [worker, *box_tree(worker)]
        assert int((group / "memory.max").read_text()) == FAST.memory_bytes + 2 * FAST.temp_bytes

        def oom_kill():  # as the kernel does it, once the call sleeps
            (group / "memory.events").write_text("max 9\noom 1\noom_kill 1\n")
            os.kill(worker, signal.SIGKILL)

        timer = threading.Timer(1.0, oom_kill)
        timer.start()
        with pytest.raises(SubmissionError) as failed:
            loaded.call("nap")
        timer.join()
    assert failed.value.kind == "memory", str(failed.value)
    assert "counting files written to memory" in str(failed.value)


def box_tree(pid: int) -> list[int]:
    from grader.sandbox.sessions import tree

    return tree(pid)


# -- for real, under every backend --------------------------------------------------------------

HOLDER = textwrap.dedent("""
    import os
    try:
        import socket
    except ImportError:  # the process backend as "nobody", with a runtime it cannot read
        pass
    def hold(cap):
        # memfd files of 1 MB, each sent over a socket to itself and closed (in flight, they
        # no longer count as open files): bytes held, until refused or cap
        if not hasattr(os, "memfd_create"):
            return -1
        try:
            left, right = socket.socketpair()
        except NameError:  # socket cannot be imported here: the files stay open instead
            left = None
        kept = []
        held, chunk = 0, b"x" * (1 << 20)
        while held < cap:
            try:
                fd = os.memfd_create("held")
            except OSError:
                break
            try:
                os.write(fd, chunk)
                if left is not None:
                    socket.send_fds(left, [b"."], [fd])
                held += len(chunk)
            except OSError:
                break
            finally:
                os.close(fd) if left is not None else kept.append(fd)
        return held
""")


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_memory_outside_the_address_space_is_bounded_and_the_guard_named(isolation):
    with Sandbox(FAST, isolation) as sandbox:
        held = sandbox.load(HOLDER, "holder.py").call("hold", 512 << 20)
        said = sandbox.isolation.description
    ran = next(name for name, words in memory.WORDS.items() if words in said)
    if ran == "seccomp":
        assert held == 0  # refused at the first file
    elif ran == "cgroup":
        assert held <= FAST.memory_bytes + 2 * FAST.temp_bytes
    else:
        assert held <= 2 * FAST.open_files * FAST.output_bytes or held == -1


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_without_a_guard_the_report_says_memfd_files_are_not_counted(isolation, monkeypatch):
    monkeypatch.setattr(memory, "choose_guard", lambda *args: memory.Guard())
    monkeypatch.setattr("grader.sandbox.sandbox.choose_guard", lambda *args: memory.Guard())
    with Sandbox(FAST, isolation) as sandbox:
        held = sandbox.load(HOLDER, "holder.py").call("hold", 8 << 20)
        said = sandbox.isolation.description
    assert held == 8 << 20  # nothing refused them
    assert memory.WORDS["descriptors"] in said
