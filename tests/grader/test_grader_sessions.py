"""grader/sandbox/sessions.py: a killed process takes with it everything it started — in its
own group, in a session of its own (as a batch grader's sandbox workers are), or below one."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from grader.sandbox.sessions import OWN_SESSION, kill_session

psutil = pytest.importorskip("psutil")

# a parent that starts: a child in its own group, a child in a session of its own, and, from
# that one, a grandchild; it prints their pids and waits
FAMILY = """
import subprocess, sys
sleep = [sys.executable, "-c", "import time; time.sleep(60)"]
same_group = subprocess.Popen(sleep)
own_session = subprocess.Popen([sys.executable, "-c", '''
import subprocess, sys, time
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(grandchild.pid, flush=True)
time.sleep(60)
'''], start_new_session=True, stdout=subprocess.PIPE, text=True)
grandchild = own_session.stdout.readline().strip()
print(same_group.pid, own_session.pid, grandchild, flush=True)
import time; time.sleep(60)
"""


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def gone_soon(pids: list[int]) -> list[int]:
    """The pids still alive after up to 5 s (an orphan is reaped by init in its own time)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


def start_family() -> tuple[subprocess.Popen, list[int]]:
    parent = subprocess.Popen(
        [sys.executable, "-c", FAMILY], stdout=subprocess.PIPE, text=True, **OWN_SESSION
    )
    family = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(family) == 3 and all(alive(pid) for pid in family)
    return parent, family


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="sessions are POSIX")
def test_killing_a_process_group_alone_leaves_processes_behind():
    """Why kill_session walks the tree: what the grader did before leaves two of three."""
    parent, family = start_family()
    try:
        os.killpg(parent.pid, 9)
        parent.wait()
        assert gone_soon(family) == family[1:]  # the session of its own, and below it
    finally:
        for pid in family:
            kill_session(pid)


def test_kill_session_leaves_no_process_behind():
    parent, family = start_family()
    kill_session(parent.pid)
    parent.wait(10)
    assert gone_soon(family) == []


def test_kill_session_spares_the_caller_and_survives_a_process_that_is_gone():
    done = subprocess.Popen([sys.executable, "-c", "pass"], **OWN_SESSION)
    assert done.wait() == 0
    kill_session(done.pid)  # reaped already: nothing to do, no error
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    parent, family = start_family()
    try:
        kill_session(parent.pid)
        parent.wait(10)
        assert alive(os.getpid()) and alive(bystander.pid)  # the caller's own group is spared
    finally:
        bystander.kill()
        bystander.wait()


def test_on_macos_the_tree_is_found_through_psutil(monkeypatch):
    """macOS has no /proc: the processes below are listed by psutil (run here for real, with
    Linux's /proc listing switched off)."""
    from grader.sandbox import sessions

    monkeypatch.setattr(sessions, "_PROC_CHILDREN", False)
    parent, family = start_family()
    kill_session(parent.pid)
    parent.wait(10)
    assert gone_soon(family) == []
