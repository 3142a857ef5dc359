"""The sandbox on its own: limits, crashes, hostile code, the wire format."""

from __future__ import annotations

import os
import socket
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from grader_helpers import FAST, ISOLATIONS

from grader import _worker
from grader.sandbox import (
    Sandbox,
    SandboxError,
    SubmissionError,
    _peer_closed,
    bubblewrap_works,
)

SOURCE = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    print("module loaded")

    def add(a, b):
        print("adding", a, b)
        return a + b
    def scale(x, k):
        return np.asarray(x) * k
    def pair(x):
        return x, {"sum": float(np.sum(x)), "n": len(x)}
    def loop():
        while True:
            pass
    def sleep():
        time.sleep(60)
    def hog():
        return np.ones(10**10)
    def flood():
        while True:
            print("x" * 10000)
    def hard_exit():
        os._exit(3)
    def soft_exit():
        sys.exit(4)
    def matrix():
        return np.matrix([[1.0, 2.0]])
    class Sub(np.ndarray):
        pass
    def subclass():
        return np.zeros(3).view(Sub)
    def objects():
        return np.array([1, "a"], dtype=object)
    class Yes:
        def __eq__(self, other):
            return True
    def always_equal():
        return Yes()
    class FloatLike(float):
        def __eq__(self, other):
            return True
    def float_subclass():
        return FloatLike(1.0)
    def strings():
        return np.array(["a", "b"])
    def not_yet():
        raise NotImplementedError("not_yet is not written yet")
    def boom():
        return 1 / 0
    def uses(name):
        __import__(name)
    def read(path):
        with open(path) as handle:
            return handle.read()
    def fork():
        return os.fork()
    def kill_parent():
        os.kill(os.getppid(), 9)
    def overflow():
        return np.exp(np.array([1000.0]))
    def twice(f, x):
        return 2 * f(x)
    def write(path):
        with open(path, "w") as handle:
            handle.write("{}")
    def network():
        import socket
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    not_a_function = 3
""")


@pytest.fixture(params=ISOLATIONS)
def worker(request, tmp_path):
    (tmp_path / "01_parabola.py").write_text(SOURCE)
    sandbox = Sandbox(tmp_path, FAST, isolation=request.param)
    sandbox.start()
    yield sandbox.worker(tmp_path / "01_parabola.py")
    sandbox.close()


def failure(worker, function, *args):
    with pytest.raises(SubmissionError) as info:
        worker.call(function, *args)
    return info.value


def test_plain_data_round_trip(worker):
    assert worker.call("add", 2, 3) == 5
    assert "module loaded" in worker.load_output
    assert "adding 2 3" in worker.last_output
    got = worker.call("scale", np.arange(6.0).reshape(2, 3), 2.0)
    assert type(got) is np.ndarray and got.shape == (2, 3) and got[1, 2] == 10.0
    x, info = worker.call("pair", np.array([1.0, 2.0]))
    assert x.tolist() == [1.0, 2.0] and info == {"sum": 3.0, "n": 2}


@pytest.mark.parametrize(
    "function, kind, words",
    [
        ("loop", "timeout", "time limit"),
        ("sleep", "timeout", "time limit"),
        ("hog", "memory", "memory"),
        ("flood", "output_limit", "output limit"),
        ("hard_exit", "crashed", "exit status 3"),
        ("soft_exit", "exit", "sys.exit(4)"),
        ("not_yet", "not_implemented", "not written yet"),
        ("boom", "exception", "ZeroDivisionError"),
        ("missing_function", "missing", "no function named missing_function"),
        ("not_a_function", "missing", "not a function"),
    ],
)
def test_failures_cost_only_the_call(worker, function, kind, words):
    error = failure(worker, function)
    assert error.kind == kind
    assert words in error.message
    assert worker.call("add", 1, 1) == 2  # the next call works (a new child if the old died)


def test_traceback_shows_the_learners_line(worker):
    error = failure(worker, "boom")
    assert "01_parabola.py, line" in error.where and "1 / 0" in error.where


def test_wrong_signature(worker):
    error = failure(worker, "add", 1)
    assert error.kind == "signature"
    assert "add(a, b)" in error.message


@pytest.mark.parametrize(
    "function, words",
    [
        ("matrix", "subclass of numpy.ndarray"),
        ("subclass", "subclass of numpy.ndarray"),
        ("objects", "dtype object"),
        ("always_equal", "Yes"),
        ("float_subclass", "FloatLike"),
        ("strings", "only numeric arrays"),
    ],
)
def test_only_plain_data_comes_back(worker, function, words):
    error = failure(worker, function)
    assert error.kind == "bad_return"
    assert words in error.message
    assert "returned" in error.message


@pytest.mark.parametrize("module", ["gdref", "grader", "solutions", "grader.checks"])
def test_grader_packages_cannot_be_imported(worker, module):
    error = failure(worker, "uses", module)
    assert "ImportError" in error.message and "not allowed" in error.message


def test_callbacks_and_warnings(worker):
    assert worker.call("twice", lambda x: x + 1.0, 3.0) == 8.0
    worker.call("overflow")
    assert any("overflow" in w for w in worker.last_warnings)


def test_isolation_is_reported(worker):
    assert worker.sandbox.isolation in ("bubblewrap", "rlimits only")
    if worker.sandbox.requested == "rlimits":
        assert worker.sandbox.isolation == "rlimits only"


bwrap_only = pytest.mark.skipif(not bubblewrap_works(), reason="bubblewrap not installed")


@pytest.fixture
def boxed(tmp_path):
    (tmp_path / "01_parabola.py").write_text(SOURCE)
    sandbox = Sandbox(tmp_path, FAST, isolation="bubblewrap")
    sandbox.start()
    yield sandbox.worker(tmp_path / "01_parabola.py")
    sandbox.close()


@bwrap_only
def test_bubblewrap_hides_the_project(boxed):
    repo = Path(__file__).resolve().parents[2]
    for path in (
        repo / "solutions" / "01_parabola.py",
        repo / "gdref" / "__init__.py",
        repo / "grader" / "checks" / "check_parabola.py",
    ):
        assert path.exists()
        error = failure(boxed, "read", str(path))
        assert "FileNotFoundError" in error.message or "PermissionError" in error.message
    assert boxed.sandbox.isolation == "bubblewrap"


@bwrap_only
def test_bubblewrap_blocks_processes_network_and_writes(boxed, tmp_path):
    assert "BlockingIOError" in failure(boxed, "fork").message
    error = failure(boxed, "network")
    assert "OSError" in error.message or "unreachable" in error.message.lower()
    assert "Error" in failure(boxed, "write", "/submission/results.json").message
    assert not (tmp_path / "results.json").exists()
    failure(boxed, "kill_parent")  # not allowed to signal the zygote
    assert boxed.call("add", 2, 2) == 4


def test_zygote_restarts_after_it_dies(tmp_path):
    (tmp_path / "01_parabola.py").write_text(SOURCE)
    with Sandbox(tmp_path, FAST, isolation="rlimits") as sandbox:
        worker = sandbox.worker(tmp_path / "01_parabola.py")
        try:
            worker.call("kill_parent")  # rlimits only: this really kills the zygote
        except SubmissionError:
            pass  # the child may die with its parent before it answers
        deadline = time.monotonic() + 5
        while (
            sandbox._process is not None
            and sandbox._process.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.01)
        while (  # the child dies with its zygote (PR_SET_PDEATHSIG), a moment later
            worker._sock is not None
            and not _peer_closed(worker._sock)
            and time.monotonic() < deadline
        ):
            time.sleep(0.01)
        assert worker.call("add", 5, 5) == 10


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_forked_process_shares_the_zygote(tmp_path, isolation):
    """runner.grade forks a second grading process that uses the same zygote: both ask it for
    children at the same time, and a child killed for its time limit is replaced in either."""
    (tmp_path / "01_parabola.py").write_text(SOURCE)
    with Sandbox(tmp_path, FAST, isolation=isolation) as sandbox:
        sandbox.wait_ready()
        zygote = sandbox._process.pid

        def forked() -> bool:
            workers = [sandbox.worker(tmp_path / "01_parabola.py") for _ in range(3)]
            ok = all(w.call("add", i, 1) == i + 1 for _ in range(20) for i, w in enumerate(workers))
            ok = ok and failure(workers[0], "loop").kind == "timeout"
            ok = ok and workers[0].call("add", 1, 1) == 2
            for worker in workers:
                worker.close()
            return ok

        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = 0 if forked() else 1
            finally:
                os._exit(code)
        mine = [sandbox.worker(tmp_path / "01_parabola.py") for _ in range(3)]
        for _ in range(20):
            for i, worker in enumerate(mine):
                assert worker.call("scale", [1.0, 2.0], i).tolist() == [i, 2.0 * i]
        assert failure(mine[1], "hard_exit").kind == "crashed"
        assert mine[1].call("add", 2, 2) == 4
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
        assert sandbox._process.pid == zygote and sandbox._process.poll() is None
        assert all(w.call("add", 3, 3) == 6 for w in mine)


def test_a_held_control_lock_is_an_error_not_a_hang(tmp_path, monkeypatch):
    """Without bubblewrap a submission's child can reach the lock file; holding it must end in a
    SandboxError after the deadline, never in a grader that waits forever."""
    import fcntl

    from grader import sandbox as sandbox_module

    monkeypatch.setattr(sandbox_module, "CONTROL_LOCK_SECONDS", 0.2)
    (tmp_path / "01_parabola.py").write_text(SOURCE)
    with Sandbox(tmp_path, FAST, isolation="rlimits") as sandbox:
        sandbox.wait_ready()
        lock = os.open(os.path.join(sandbox._tmp.name, "control.lock"), os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            outcome: list[BaseException] = []

            def call() -> None:
                try:
                    sandbox.worker(tmp_path / "01_parabola.py").call("add", 1, 1)
                except BaseException as error:  # noqa: BLE001 - inspected below
                    outcome.append(error)

            caller = threading.Thread(target=call, daemon=True)
            caller.start()
            caller.join(timeout=10)
            hung = caller.is_alive()
            fcntl.flock(lock, fcntl.LOCK_UN)  # lets a hung caller finish
            assert not hung, "the sandbox waited on the held lock instead of giving up"
            assert len(outcome) == 1 and isinstance(outcome[0], SandboxError)
            assert "control lock was held" in str(outcome[0])
            assert sandbox.worker(tmp_path / "01_parabola.py").call("add", 1, 1) == 2
        finally:
            os.close(lock)


def test_missing_file_and_syntax_error(tmp_path):
    (tmp_path / "02_bce_gradient.py").write_text("def f(:\n    pass\n")
    with Sandbox(tmp_path, FAST) as sandbox:
        error = failure(sandbox.worker(tmp_path / "01_parabola.py"), "f")
        assert error.kind == "missing_file"
        error = failure(sandbox.worker(tmp_path / "02_bce_gradient.py"), "f")
        assert error.kind == "syntax" and "line 1" in error.message


def test_import_time_crash_is_reported(tmp_path):
    (tmp_path / "01_parabola.py").write_text("import sys\nsys.exit('bye')\n")
    with Sandbox(tmp_path, FAST) as sandbox:
        assert failure(sandbox.worker(tmp_path / "01_parabola.py"), "f").kind == "exit"


def test_decoder_rejects_what_is_not_plain_data():
    blobs = [b"\x00" * 8]
    with pytest.raises(_worker.WireError):
        _worker.decode({"__ndarray__": [0, "|O", [1]]}, blobs)
    with pytest.raises(_worker.WireError):
        _worker.decode({"__ndarray__": [0, "<f8", [2]]}, blobs)  # size mismatch
    with pytest.raises(_worker.WireError):
        _worker.decode({"__pickle__": "x"}, blobs)
    with pytest.raises(_worker.WireError):
        _worker.decode({"__ndarray__": [0, "f8,i4", [1]]}, [b"\x00" * 12])
    array = _worker.decode({"__ndarray__": [0, "<f8", [1]]}, blobs)
    assert type(array) is np.ndarray and array.flags.writeable


def test_oversized_message_is_refused():
    a, b = socket.socketpair()
    with a, b:
        _worker.send_message(a, {"x": 1}, [b"\x00" * 1000])
        with pytest.raises(_worker.WireError):
            _worker.recv_message(b, limit=500)


def test_broken_bubblewrap_falls_back_and_says_so(tmp_path, monkeypatch):
    import grader.sandbox as sandbox_module

    monkeypatch.setattr(sandbox_module, "BWRAP", "/bin/false")  # "installed" but cannot run
    (tmp_path / "01_parabola.py").write_text(SOURCE)
    with Sandbox(tmp_path, FAST) as sandbox:
        assert sandbox.worker(tmp_path / "01_parabola.py").call("add", 1, 2) == 3
        assert sandbox.isolation == "rlimits only"
        assert "bubblewrap failed to start" in sandbox.note
    with pytest.raises(sandbox_module.SandboxError):
        with Sandbox(tmp_path, FAST, isolation="bubblewrap") as sandbox:
            sandbox.worker(tmp_path / "01_parabola.py").call("add", 1, 2)
