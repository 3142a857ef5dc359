"""No sandbox worker outlives the grading process, however it ends (killed outright, as a
batch grader past its time limit is), under every backend; and the worker's watch on its
parent (worker.watch_parent), each branch with the platform's primitives simulated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from grader_helpers import ISOLATIONS, process_table, solution_text

from grader.sandbox import backends

SLEEPER = solution_text("parabola") + textwrap.dedent("""
    import time
    def parabola_loss(w):
        time.sleep(3600)
""")


def running(token: str) -> list[int]:
    """The processes whose command line holds ``token`` (a worker's holds its limits)."""
    return [pid for pid, (_, command) in process_table().items() if token in command]


def wait_for(condition, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_no_worker_outlives_grade_killed_outright(tmp_path, isolation):
    """grade is killed (SIGKILL: no clean-up runs) while learner code sleeps in a call."""
    (tmp_path / "01_parabola.py").write_text(SLEEPER)
    timeout = "3599.25"  # in every worker's command line (its limits): the test's own token
    command = [sys.executable, "-m", "grader.cli", str(tmp_path), "-e", "parabola"]
    command += ["--isolation", isolation, "--timeout", timeout]
    grading = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    token = f'"wall": {timeout}'
    try:
        assert wait_for(lambda: running(token), 60), "no worker started"
        time.sleep(3)  # the checks run: learner code is asleep in parabola_loss
        grading.kill()
        grading.wait()
        assert wait_for(lambda: not running(token), 10), running(token)
    finally:
        for pid in running(token):  # never left behind by the test itself
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("main_thread", [True, False], ids=["kernel", "watching thread"])
def test_a_worker_ends_when_its_parent_ends(main_thread):
    """A grading process (a child of this test) starts a worker from its main thread (Linux's
    parent-death signal) or from another thread (the worker's own watching thread), calls a
    sleeping function, and is killed: the worker ends too."""
    program = textwrap.dedent(f"""
        import sys, threading, time
        from grader.sandbox.sandbox import Limits, Sandbox
        def start():
            sandbox = Sandbox(Limits(wall=3599.5), "process")
            loaded = sandbox.load("import time\\ndef nap():\\n    time.sleep(3600)\\n", "x.py")
            threading.Thread(target=loaded.call, args=("nap",), daemon=True).start()
        if {main_thread}:
            start()
        else:
            threading.Thread(target=start).start()
        time.sleep(3600)
    """)
    token = '"wall": 3599.5'
    parent = subprocess.Popen([sys.executable, "-c", program], cwd=Path(backends.GRADER).parents[1])
    try:
        assert wait_for(lambda: running(token), 60), "no worker started"
        time.sleep(1)
        parent.kill()
        parent.wait()
        assert wait_for(lambda: not running(token), 10), running(token)
    finally:
        for pid in running(token):
            os.kill(pid, signal.SIGKILL)


# -- worker.watch_parent, with the platform's primitives simulated --------------------------


@pytest.fixture
def worker(monkeypatch):
    from test_grader_sandbox import load_worker_module

    module = load_worker_module()
    started, ended = [], []
    monkeypatch.setattr(module.os, "getppid", lambda: 4242)
    monkeypatch.setattr(module.os, "_exit", lambda code: ended.append(code))
    monkeypatch.setattr(
        threading, "Thread", lambda target, args, daemon: started.append((target, args)) or _Idle()
    )
    module.started, module.ended = started, ended
    return module


class _Idle:
    def start(self) -> None:
        pass


def test_the_kernel_watches_where_it_can(worker, monkeypatch):
    monkeypatch.setattr(worker, "die_with_parent", lambda: True)
    worker.watch_parent({"pid": 4242, "kernel": True})
    assert worker.started == [] and worker.ended == []


@pytest.mark.parametrize("kernel", [True, False])
def test_a_thread_watches_where_the_kernel_cannot_or_may_not(worker, monkeypatch, kernel):
    monkeypatch.setattr(worker, "die_with_parent", lambda: False)  # macOS, or prctl refused
    worker.watch_parent({"pid": 4242, "kernel": kernel})
    [(target, args)] = worker.started
    assert target is worker.end_when_orphaned and args[1] == 4242
    assert worker.ended == []


def test_a_parent_gone_before_the_watch_began_ends_the_worker(worker, monkeypatch):
    monkeypatch.setattr(worker, "die_with_parent", lambda: True)
    worker.watch_parent({"pid": 1234, "kernel": True})  # the parent is now 4242: handed on
    assert worker.ended == [0]


def test_no_watch_is_asked_for_under_bubblewrap_or_on_windows(worker, monkeypatch):
    worker.watch_parent(None)  # bubblewrap: --die-with-parent
    monkeypatch.setattr(worker.os, "name", "nt")
    worker.watch_parent({"pid": 1234, "kernel": True})
    assert worker.started == [] and worker.ended == []


def test_the_watching_thread_ends_the_process_once_it_is_handed_on():
    parents, naps, ended = iter([7, 7, 7, 1]), [], []
    load = __import__("test_grader_sandbox").load_worker_module()
    load.end_when_orphaned(lambda: next(parents), 7, ended.append, naps.append)
    assert naps == [0.5, 0.5, 0.5] and ended == [0]


def test_die_with_parent_is_linux_only(monkeypatch):
    from test_grader_sandbox import load_worker_module

    module = load_worker_module()
    monkeypatch.setattr(module.sys, "platform", "darwin")
    assert module.die_with_parent() is False
