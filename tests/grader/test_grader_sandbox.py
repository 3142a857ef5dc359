"""The sandbox on its own, under every backend: limits, crashes, hostile code, the wire."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from grader_helpers import (
    BUBBLEWRAP,
    FAST,
    ISOLATIONS,
    leftovers,
    process_table,
    solution_text,
    write_submission,
)

from grader.sandbox import backends, wire
from grader.sandbox.sandbox import (
    Deadline,
    Instruments,
    Limits,
    Sandbox,
    SandboxError,
    SubmissionError,
)

SOURCE = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    print("module loaded")

    def add(a, b):
        print("adding", a, b)
        return a + b
    def swap_streams():
        sys.stdout = sys.stderr = None
        return 1
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
    from typing import NamedTuple
    class Result(NamedTuple):
        w: float
        losses: list
    def named_tuple():
        return Result(1.5, [np.float64(2.0), np.int64(3)])
    class Size(int):
        pass
    def allowed_kinds():
        return {
            "size": Size(4), "text": np.str_("ok"), "zero_d": np.array(2.5), "flag": np.bool_(True),
            "f32": np.float32(0.5), "complex": np.complex128(1 + 2j),
        }
    def big_int():
        return 10**400
    def nested():
        x = []
        for _ in range(1000):
            x = [x]
        return x
    def mutate(w, grad, lr):
        w -= lr * grad
        return w
    def mutate_list(values):
        values.append(1.0)
        return 0.0
    def keep(w, grad, lr):
        return w - lr * grad
    def retype(w):
        w.dtype = np.int64  # the same bits, other values
        return 0.0
    def flip_zeros(w):
        w[w == 0] *= -1.0  # other bits, the same values (0.0 == -0.0)
        return 0.0
    class Tricky(dict):
        def items(self):
            raise KeyError("gotcha")
    def tricky():
        return Tricky(a=1.0)
    counter = [0]
    def count():
        counter[0] += 1
        return counter[0]
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
    def shout(n):
        print("x" * n)
    def call_with(f, shape):
        return f(np.zeros(shape))
    def helper(x):
        return x + 1.0
    def through_helper(x):
        return 3.0 * helper(x)
    def silenced_overflow():
        import warnings
        with np.errstate(over="ignore"):
            a = np.exp(np.array([1000.0]))
        np.seterr(all="ignore")
        warnings.simplefilter("ignore")
        b = np.exp(np.array([1000.0]))
        return float(a[0] + b[0])
    def write(path):
        with open(path, "w") as handle:
            handle.write("{}")
    def hold_memfd(cap):
        # bytes held in memfd files, 1 MB at a time, until refused or cap; -1: no memfd here
        if not hasattr(os, "memfd_create"):
            return -1
        held, total, chunk = [], 0, b"x" * (1 << 20)
        while total < cap:
            try:
                held.append(os.memfd_create("held"))
                while total < cap:
                    os.write(held[-1], chunk)
                    total += len(chunk)
            except OSError as error:
                if not held or error.errno == 24:  # EMFILE: no more descriptors
                    break
        return total
    def fill(folder, cap):
        # bytes written to files in folder, 1 MB each, until refused or cap
        total, chunk = 0, b"x" * (1 << 20)
        try:
            while total < cap:
                with open(os.path.join(folder, f"fill{total}"), "wb") as handle:
                    handle.write(chunk)
                total += len(chunk)
        except OSError:
            pass
        return total
    def proc_files():
        return [open(f"/proc/{name}", "rb").read().decode("utf-8", "replace")
                for name in ("1/cmdline", "self/cmdline", "self/mountinfo", "1/mountinfo")]
    def network():
        import socket
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    not_a_function = 3
""")


@pytest.fixture(params=ISOLATIONS)
def loaded(request):
    sandbox = Sandbox(FAST, isolation=request.param)
    sandbox.start()
    yield sandbox.load(SOURCE, "01_parabola.py")
    sandbox.close()


def failure(loaded, function, *args):
    with pytest.raises(SubmissionError) as info:
        loaded.call(function, *args)
    return info.value


def test_plain_data_round_trip(loaded):
    assert loaded.call("add", 2, 3) == 5
    assert "module loaded" in loaded.load_output
    assert "adding 2 3" in loaded.last_output
    got = loaded.call("scale", np.arange(6.0).reshape(2, 3), 2.0)
    assert type(got) is np.ndarray and got.shape == (2, 3) and got[1, 2] == 10.0
    x, info = loaded.call("pair", np.array([1.0, 2.0]))
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
def test_failures_cost_only_the_call(loaded, function, kind, words):
    error = failure(loaded, function)
    assert error.kind == kind
    assert words in error.message
    assert loaded.call("add", 1, 1) == 2  # the next call works (a new worker if the old died)


def test_replaced_streams_are_restored(loaded):
    assert loaded.call("swap_streams") == 1
    assert loaded.call("add", 1, 2) == 3 and "adding 1 2" in loaded.last_output


def test_traceback_shows_the_learners_line(loaded):
    error = failure(loaded, "boom")
    assert "01_parabola.py, line" in error.where and "1 / 0" in error.where


def test_wrong_signature(loaded):
    error = failure(loaded, "add", 1)
    assert error.kind == "signature"
    assert "add(a, b)" in error.message


@pytest.mark.parametrize(
    "function, words",
    [
        ("matrix", "subclass of numpy.ndarray"),
        ("subclass", "subclass of numpy.ndarray"),
        ("objects", "dtype object"),
        ("always_equal", "a Yes"),
        ("strings", "only numeric arrays"),
        ("big_int", "too large for a float"),
        ("nested", "nested more than"),
        ("tricky", "raised KeyError when read"),
    ],
)
def test_only_plain_data_comes_back(loaded, function, words):
    error = failure(loaded, function)
    assert error.kind == "bad_return"
    assert words in error.message and f"{function} returned" in error.message
    # the sentence lists every accepted kind, and never an internal module name
    assert wire.ACCEPTED in error.message
    assert "submission_" not in error.message and "builtins" not in error.message


def test_subclasses_and_numpy_scalars_arrive_as_plain_types(loaded):
    value = loaded.call("float_subclass")
    assert type(value) is float and value == 1.0
    result = loaded.call("named_tuple")
    assert type(result) is tuple and result == (1.5, [2.0, 3])
    assert [type(v) for v in result[1]] == [float, int]
    kinds = loaded.call("allowed_kinds")
    assert kinds["size"] == 4 and type(kinds["size"]) is int
    assert kinds["text"] == "ok" and type(kinds["text"]) is str
    assert type(kinds["zero_d"]) is np.ndarray and kinds["zero_d"].shape == ()
    assert kinds["flag"] is True and type(kinds["f32"]) is float
    assert kinds["complex"].item() == 1 + 2j


def test_an_argument_changed_in_place_is_a_failure(loaded):
    w = np.array([1.0, 2.0])
    error = failure(loaded, "mutate", w, np.array([1.0, 1.0]), 0.5)
    assert error.kind == "mutated"
    assert error.message.startswith("mutate changed its argument w in place")
    assert w.tolist() == [1.0, 2.0]  # the grader's own copy was never at risk
    assert "values" in failure(loaded, "mutate_list", [1.0]).message
    assert loaded.call("keep", w, np.array([1.0, 1.0]), 0.5).tolist() == [0.5, 1.5]
    assert failure(loaded, "retype", w).kind == "mutated"
    assert loaded.call("flip_zeros", np.array([0.0, np.nan, 1.0])) == 0.0


@pytest.mark.parametrize("module", ["gdref", "grader", "solutions", "grader.checks", "wire"])
def test_grader_packages_cannot_be_imported(loaded, module):
    error = failure(loaded, "uses", module)
    assert "ImportError" in error.message and "not allowed" in error.message


def test_callbacks_and_warnings(loaded):
    assert loaded.call("twice", lambda x: x + 1.0, 3.0) == 8.0
    loaded.call("overflow")
    assert any("overflow" in w for w in loaded.last_warnings)


def test_a_callbacks_arguments_are_bounded_by_their_entries_not_their_bytes(loaded):
    shapes = []

    def columns(a):  # what a check's function may do with a shape: np.arange(W.shape[1])
        shapes.append(a.shape)
        return float(np.arange(a.shape[-1]).sum())

    assert loaded.call("call_with", columns, [0, 1000]) == 499500.0  # small: it runs
    for shape in ([0, 2**27], [2**11, 0, 2**10]):  # zero bytes, yet 2**27 and 2**21 entries
        error = failure(loaded, "call_with", columns, shape)
        assert "ValueError" in error.message and "entries" in error.message
        assert f"{tuple(shape)}" in error.message
    assert shapes == [(0, 1000)]  # the grader's function never saw them
    assert wire.entries([np.zeros((0, 5)), (1.0, {"a": [2, 3]})]) == 5 + 7


def test_printed_output_is_kept_within_a_budget_per_call_and_per_file(loaded):
    limits = loaded.sandbox.limits
    kept = []
    for _ in range(6):
        loaded.call("shout", 10_000)  # 10,001 characters with the newline
        kept.append(len(loaded.last_output))
        assert len(loaded.last_output) + loaded.last_dropped == 10_001
    assert kept[0] == limits.output_keep  # and with what loading printed, the budget:
    assert sum(kept) + len(loaded.load_output) == limits.output_keep_file
    assert kept[-1] == 0 and loaded.last_dropped == 10_001  # counted, not kept


def test_instruments_replace_a_function_for_one_call_only(loaded):
    seen = []
    swap = Instruments(replace={"helper": lambda x: seen.append(x) or 10.0})
    assert loaded.call_instrumented(swap, "through_helper", 2.0) == 30.0
    assert seen == [2.0]
    assert loaded.call("through_helper", 2.0) == 9.0  # the learner's own helper is back


def test_unsilenced_calls_see_the_warnings_the_learner_silenced(loaded):
    assert loaded.call("silenced_overflow") == float("inf")
    assert loaded.last_warnings == []
    loaded.call_instrumented(Instruments(unsilenced=True), "silenced_overflow")
    assert any("overflow" in w for w in loaded.last_warnings)
    loaded.call("silenced_overflow")  # and the next plain call is as before
    assert loaded.last_warnings == []


def test_a_callback_that_raises_is_the_learners_exception(loaded):
    def picky(x):
        raise IndexError("no such entry")

    error = failure(loaded, "twice", picky, 3.0)
    assert error.kind == "exception" and "IndexError: no such entry" in error.message
    assert loaded.call("add", 1, 1) == 2


def test_isolation_is_reported(loaded):
    isolation = loaded.sandbox.isolation
    assert isolation.name == loaded.sandbox.requested
    assert isolation.description and "\n" not in isolation.description


def test_files_of_one_group_share_a_worker_and_groups_do_not(tmp_path):
    with Sandbox(FAST, ISOLATIONS[-1]) as sandbox:
        first = sandbox.load(SOURCE, "01_parabola.py", "alice")
        again = sandbox.load(SOURCE, "02_other.py", "alice")
        other = sandbox.load(SOURCE, "01_parabola.py", "bob")
        assert [first.call("count"), first.call("count"), again.call("count")] == [1, 2, 1]
        assert other.call("count") == 1  # bob's module is not alice's
        before = process_table()
        failure(first, "hard_exit")  # alice's worker dies: her files load again, bob's stay
        assert first.call("count") == 1 and again.call("count") == 1
        assert other.call("count") == 2
        sandbox.release("alice")
        assert leftovers(before) == []
        assert first.call("count") == 1  # a released group starts again on its next call


def test_a_group_takes_the_only_spare_and_no_other_is_started():
    with Sandbox(FAST, ISOLATIONS[-1]) as sandbox:
        assert sandbox.load(SOURCE, "01_parabola.py", "alice").call("count") == 1
        assert sandbox._spares == []  # grading starts no process it will not use
        sandbox.start()  # a caller that grades another folder next has one started
        (spare,) = sandbox._spares
        bob = sandbox.load(SOURCE, "01_parabola.py", "bob")
        assert bob.call("count") == 1 and sandbox._groups["bob"] is spare


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_cancel_from_another_thread_stops_the_run_until_resumed(isolation):
    """Sandbox.cancel (watch mode: the file being graded was saved again) ends a call in a loop
    at once, as cancelled, where its time limit (60 s) would have made it a timeout; every
    later call is refused without starting a worker; after resume, calls run again."""
    limits = Limits(wall=60, cpu=60, cpu_total=120, memory_bytes=256 << 20)
    with Sandbox(limits, isolation) as sandbox:
        loaded = sandbox.load(SOURCE, "01_parabola.py")
        assert loaded.call("add", 1, 2) == 3
        cancel = threading.Timer(0.3, sandbox.cancel)
        cancel.start()
        error = failure(loaded, "loop")
        cancel.join()
        assert error.kind == "cancelled" and "a newer save" in error.message
        worker = sandbox._groups[""]
        assert worker.dead and worker.interrupted
        assert failure(loaded, "add", 1, 2).kind == "cancelled"
        assert sandbox._groups[""] is worker  # no worker was started for a refused call
        again = sandbox.load(SOURCE, "01_parabola.py")
        assert failure(again, "add", 1, 2).kind == "cancelled"  # not loaded: not remembered
        sandbox.resume()
        assert again.call("add", 2, 2) == 4 and loaded.call("add", 1, 2) == 3


def test_a_load_error_is_remembered(loaded):
    sandbox = loaded.sandbox
    broken = sandbox.load("def f(:\n    pass\n", "02_bce_gradient.py")
    error = failure(broken, "f")
    assert error.kind == "syntax" and "line 1" in error.message
    assert failure(broken, "f") is error
    exits = sandbox.load("import sys\nsys.exit('bye')\n", "03_momentum.py")
    assert failure(exits, "f").kind == "exit"
    assert loaded.call("add", 2, 2) == 4


def test_close_leaves_no_process():
    before = process_table()
    sandbox = Sandbox(FAST, ISOLATIONS[0])
    sandbox.start()
    assert sandbox.load(SOURCE, "01_parabola.py").call("add", 1, 2) == 3
    assert leftovers(before) != []  # the check sees a running worker...
    sandbox.close()
    assert leftovers(before) == []  # ...and none once the sandbox is closed


bwrap_only = pytest.mark.skipif(not BUBBLEWRAP, reason="bubblewrap not available")


@pytest.fixture
def boxed():
    with Sandbox(FAST, isolation="bubblewrap") as sandbox:
        yield sandbox.load(SOURCE, "01_parabola.py")


@bwrap_only
def test_bubblewrap_hides_the_project(boxed):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for path in ("solutions/01_parabola.py", "gdref/__init__.py", "grader/checks/__init__.py"):
        assert os.path.exists(os.path.join(repo, path))
        error = failure(boxed, "read", os.path.join(repo, path))
        assert "FileNotFoundError" in error.message or "PermissionError" in error.message


@bwrap_only
def test_bubblewrap_shows_no_path_of_the_checkout_or_the_submission(tmp_path):
    submission = write_submission(tmp_path / "alice", {"01_parabola.py": SOURCE})
    repo = Path(__file__).resolve().parents[2]
    with Sandbox(FAST, "bubblewrap") as sandbox:
        shown = "\n".join(sandbox.load(SOURCE, "01_parabola.py").call("proc_files"))
    assert "/sandbox/worker.py" in shown and "/sandbox/site" in shown  # what it reads
    for host in (repo, submission, backends.numpy_folder(), backends.GRADER):
        assert str(host) not in shown


def test_numpys_view_is_built_once_and_kept_whole(tmp_path, monkeypatch):
    """bubblewrap's view of NumPy (hard links) is kept for later sandboxes while NumPy is the
    same; one with a file gone (a cleaner of old temporary files) is built again."""
    monkeypatch.setattr(backends, "KEPT_VIEWS", str(tmp_path))
    view = backends.kept_site_view()
    assert view is not None and (view / "numpy" / "__init__.py").is_file()
    assert view.parent.parent == tmp_path / f"gdkit-site-{os.geteuid()}"
    marker = view / "numpy" / "version.py"
    first = marker.stat().st_ino
    built = view.parent.stat().st_mtime_ns
    assert backends.kept_site_view() == view and view.parent.stat().st_mtime_ns == built
    (view / "numpy" / "_core" / "numeric.py").unlink()
    again = backends.kept_site_view()
    assert again == view and (view / "numpy" / "_core" / "numeric.py").is_file()
    assert marker.stat().st_ino == first  # hard links to the same installed files
    assert [p.name for p in view.parent.parent.iterdir()] == [view.parent.name]


@pytest.mark.parametrize("how", ["writable by others", "a link", "not a folder"])
def test_numpys_view_is_not_kept_in_a_folder_others_control(tmp_path, monkeypatch, how):
    monkeypatch.setattr(backends, "KEPT_VIEWS", str(tmp_path))
    base = tmp_path / f"gdkit-site-{os.geteuid()}"
    if how == "writable by others":
        base.mkdir()
        base.chmod(0o777)
    elif how == "a link":
        (tmp_path / "elsewhere").mkdir()
        base.symlink_to(tmp_path / "elsewhere")
    else:
        base.write_text("x")
    assert backends.kept_site_view() is None
    assert not any((tmp_path / "elsewhere").glob("*")) if how == "a link" else True


@bwrap_only
def test_bubblewrap_blocks_processes_network_and_writes(boxed, tmp_path):
    assert "BlockingIOError" in failure(boxed, "fork").message
    error = failure(boxed, "network")
    assert "OSError" in error.message or "unreachable" in error.message.lower()
    assert "Error" in failure(boxed, "write", str(tmp_path / "results.json")).message
    assert not (tmp_path / "results.json").exists()
    failure(boxed, "kill_parent")  # not allowed to signal anything outside
    assert boxed.call("add", 2, 2) == 4


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_memfd_files_hold_a_bounded_amount(isolation):
    # RLIMIT_AS does not count memfd files: RLIMIT_FSIZE bounds each, RLIMIT_NOFILE their number
    with Sandbox(FAST, isolation) as sandbox:
        held = sandbox.load(SOURCE, "01_parabola.py").call("hold_memfd", 512 << 20)
        refused = "memfd files refused" in sandbox.isolation.description
    if held == -1:
        pytest.skip("no memfd on this platform")
    assert held == 0 if refused else 0 < held <= FAST.open_files * FAST.output_bytes < 512 << 20


@bwrap_only
def test_bubblewrap_has_a_small_private_tmp_and_dev_shm_and_nothing_else_writable(boxed):
    for folder in ("/tmp", "/dev/shm"):  # usable (as "nobody" too), in memory, bounded
        assert 0 < boxed.call("fill", folder, 512 << 20) <= FAST.temp_bytes
    for folder in ("/", "/dev", "/sandbox"):  # tmpfs too: read-only, else unbounded
        assert boxed.call("fill", folder, 512 << 20) == 0


LITTER = textwrap.dedent("""
    import os, tempfile
    def _litter(token):
        handle, _ = tempfile.mkstemp(prefix=token)
        os.write(handle, b"x")
        with tempfile.NamedTemporaryFile(prefix=token, delete=False) as named:
            named.write(b"x")
        tempfile.mkdtemp(prefix=token)
        with open(token + "-relative", "w") as relative:
            relative.write("x")
        for folder in ("/tmp", "/var/tmp", "/dev/shm"):
            try:
                with open(os.path.join(folder, token), "w") as named:
                    named.write("x")
            except OSError:
                pass
    _litter("gdkit-litter-")
""")
PUBLIC_TEMP = ("/tmp", "/var/tmp", "/dev/shm")


def litter() -> set[str]:
    return {
        os.path.join(folder, name)
        for folder in PUBLIC_TEMP
        if os.path.isdir(folder)
        for name in os.listdir(folder)
        if name.startswith("gdkit-litter-")
    }


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_nothing_a_worker_writes_outlives_grade(isolation, tmp_path):
    submission = write_submission(
        tmp_path / "sub", {"01_parabola.py": solution_text("parabola") + LITTER}
    )
    temp = tmp_path / "temp"  # the grading process's own temporary folder
    temp.mkdir()
    caches = sorted(Path(backends.GRADER).parent.rglob("__pycache__"))
    before = litter()
    command = [sys.executable, "-m", "grader.cli", str(submission), "-e", "parabola"]
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        done = subprocess.run(
            [*command, "--isolation", isolation], env=env, capture_output=True, timeout=300
        )
        assert done.returncode == 0, done.stdout[-2000:]  # the littering code ran, and passed
        assert list(temp.iterdir()) == []  # no worker's folder, nothing written to TMPDIR
        assert [p.name for p in submission.iterdir()] == ["01_parabola.py"]
        assert sorted(Path(backends.GRADER).parent.rglob("__pycache__")) == caches
        if isolation == "bubblewrap":  # the process backend cannot stop writes by full path
            assert litter() == before
    finally:
        if isolation != "bubblewrap":
            for folder in PUBLIC_TEMP:
                Path(folder, "gdkit-litter-").unlink(missing_ok=True)


def test_process_backend_blocks_new_processes():
    with Sandbox(FAST, "process") as sandbox:
        error = failure(sandbox.load(SOURCE, "01_parabola.py"), "fork")
    assert "BlockingIOError" in error.message  # RLIMIT_NPROC = 0


def test_a_worker_writes_no_bytecode_into_the_grader(monkeypatch, tmp_path):
    # a copy of the worker's files, so that a .pyc written by an earlier run cannot hide one
    for name in backends.WORKER_FILES:
        (tmp_path / name).write_bytes((backends.GRADER / name).read_bytes())
    monkeypatch.setattr(backends, "GRADER", tmp_path)
    with Sandbox(FAST, "process") as sandbox:
        assert sandbox.load(SOURCE, "01_parabola.py").call("add", 1, 2) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(backends.WORKER_FILES)


def test_a_worker_that_does_not_start_falls_back_and_says_so(monkeypatch):
    """bubblewrap runs but the worker cannot start inside it (as with a Python that lives in a
    folder bwrap does not show): auto falls back to process and says why; asked for
    bubblewrap explicitly, it is a SandboxError (exit 3), never the learner's loss."""
    if not BUBBLEWRAP:
        pytest.skip("needs bubblewrap")
    real = backends.BubblewrapBackend.command

    def broken(self, python, *rest):
        return real(self, "/nonexistent/python3", *rest)

    monkeypatch.setattr(backends.BubblewrapBackend, "command", broken)
    with Sandbox(FAST) as sandbox:
        assert sandbox.load(SOURCE, "01_parabola.py").call("add", 1, 2) == 3
        assert sandbox.isolation.name == "process"
        assert "bubblewrap: failed to start" in sandbox.note
    with Sandbox(FAST, isolation="bubblewrap") as sandbox, pytest.raises(SandboxError):
        sandbox.load(SOURCE, "01_parabola.py").call("add", 1, 2)


def test_disabled_user_namespaces_are_named(monkeypatch):
    """Where bwrap cannot create namespaces (some containers), auto says so and goes on."""
    message = "bwrap: No permissions to creating new namespace, likely because the kernel..."
    failing = ["sh", "-c", f"echo '{message}' >&2; exit 1"]
    monkeypatch.setattr(backends.BubblewrapBackend, "program", staticmethod(lambda: "bwrap"))
    monkeypatch.setattr(backends.BubblewrapBackend, "command", lambda self, *args: failing)
    with Sandbox(FAST) as sandbox:
        assert sandbox.load(SOURCE, "01_parabola.py").call("add", 2, 2) == 4
        assert sandbox.isolation.name == "process"
        assert sandbox.note.startswith("bubblewrap: user namespaces disabled (bwrap: No perm")


def test_auto_says_why_it_did_not_pick_bubblewrap(monkeypatch):
    monkeypatch.setattr(backends.BubblewrapBackend, "program", staticmethod(lambda: None))
    with Sandbox(FAST) as sandbox:
        assert sandbox.isolation.name == "process"
        assert sandbox.note == "bubblewrap: not installed"
    with pytest.raises(SandboxError, match="bubblewrap: not installed"):
        Sandbox(FAST, "bubblewrap")


def test_no_backend_at_all_is_one_clear_sentence(monkeypatch):
    monkeypatch.setattr(backends.BubblewrapBackend, "program", staticmethod(lambda: None))
    monkeypatch.setattr(backends.ProcessBackend, "unavailable", lambda self: "process: no Python")
    with pytest.raises(SandboxError) as info:
        Sandbox(FAST)
    assert str(info.value).startswith("no sandbox backend can run here")
    assert "bubblewrap: not installed" in str(info.value)


def test_base_python_is_the_real_interpreter(monkeypatch, tmp_path):
    """A venv whose python is a link, and (Python 3.10) sys._base_executable pointing into the
    venv: the interpreter found is the one in sys.base_prefix."""
    import sys

    venv_python = tmp_path / "venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.symlink_to(os.path.realpath(sys.executable))
    copy = tmp_path / "venv" / "bin" / "python-copy"
    copy.write_bytes(b"")
    monkeypatch.setattr(sys, "_base_executable", str(copy), raising=False)
    monkeypatch.setattr(sys, "executable", str(copy))
    found = backends.base_python()
    assert found.startswith(os.path.realpath(sys.base_prefix))
    assert os.path.isfile(found) and os.access(found, os.X_OK)


# -- the wire format on its own ------------------------------------------------------------------
def frame(body: bytes) -> io.BytesIO:
    return io.BytesIO(struct.pack(">I", len(body)) + body)


def test_decoder_rejects_what_is_not_plain_data():
    blobs = [b"\x00" * 8]
    for data, index in (
        ({"__ndarray__": [0, "|O", [1]]}, blobs),
        ({"__ndarray__": [0, "<f8", [2]]}, blobs),  # size mismatch
        ({"__pickle__": "x"}, blobs),
        ({"__ndarray__": [0, "f8,i4", [1]]}, [b"\x00" * 12]),
        ({"__ndarray__": [5, "<f8", [1]]}, blobs),
        ({"__callback__": 0}, blobs),  # no callbacks accepted here
    ):
        with pytest.raises(wire.WireError):
            wire.decode(data, index)
    array = wire.decode({"__ndarray__": [0, "<f8", [1]]}, blobs)
    assert type(array) is np.ndarray and array.flags.writeable


@pytest.mark.parametrize(
    "body, words",
    [
        (b"[" * 100 + b"]" * 100, "nested more than"),
        (b'{"a": ' + b"[" * 65 + b"]" * 65 + b"}", "nested more than"),
        (b'{"a": ' + b"9" * 5000 + b"}", "digits"),
        (b'{"a": ' + b"9" * 401 + b"}", "more than 400 digits"),  # one json.loads would take
        (b"not json", "malformed"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"blobs": -1}', "blob count"),
        (b'{"blobs": "1"}', "blob count"),
        (b"\xff\xfe{}", "malformed"),
    ],
)
def test_frames_are_bounded_before_parsing(body, words):
    with pytest.raises(wire.WireError, match=words):
        wire.read_frame(frame(body), 1 << 20)


@pytest.mark.parametrize(
    "value",
    [
        b"[" * 63 + b"]" * 63,  # with the header's own brace, 64 deep: the most allowed
        b"9" * 400,  # the longest integer allowed
        b"[" + b"[[]]," * 200 + b"[]]",  # many brackets, none deep
        b'["' + b"[" * 500 + b'", ' + b"1" * 400 + b"]",  # a long string of brackets
    ],
)
def test_frames_within_the_bounds_are_read(value):
    header, _ = wire.read_frame(frame(b'{"blobs": 0, "a": ' + value + b"}"), 1 << 20)
    assert header["a"] == json.loads(value)


def test_brackets_and_digits_inside_strings_do_not_count():
    body = json.dumps({"text": "[" * 500 + "9" * 5000, "blobs": 0}).encode()
    header, blobs = wire.read_frame(frame(body), 1 << 20)
    assert header["text"].startswith("[[[") and blobs == []


@pytest.mark.parametrize("text", ["x" * (4 << 20), '\\"' * (1 << 20), "é" * (1 << 20)])
def test_the_scan_before_parsing_holds_memory_in_proportion_to_the_header(text):
    import tracemalloc

    body = json.dumps({"output": text, "blobs": 0}).encode()
    tracemalloc.start()
    try:
        header, _ = wire.read_frame(frame(body), 16 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert header["output"] == text
    assert peak < 8 * len(body)  # a regular expression over each string held ~140 per byte


def test_oversized_frames_are_refused_before_reading():
    stream = io.BytesIO()
    wire.write_frame(stream, {"x": 1}, [b"\x00" * 1000])
    stream.seek(0)
    with pytest.raises(wire.WireError, match="more than 500 bytes"):
        wire.read_frame(stream, limit=500)
    huge = io.BytesIO(struct.pack(">I", 2**32 - 1))  # nothing follows: it is never read
    with pytest.raises(wire.WireError, match="header of"):
        wire.read_frame(huge, 1 << 30)
    claims = io.BytesIO(struct.pack(">I", 11) + b'{"blobs":1}' + struct.pack(">Q", 1 << 60))
    with pytest.raises(wire.WireError, match="more than"):
        wire.read_frame(claims, 1 << 30)


def test_a_truncated_frame_is_the_end_of_the_channel():
    with pytest.raises(EOFError):
        wire.read_frame(io.BytesIO(struct.pack(">I", 50) + b"{}"), 1 << 20)


LATE_IMPORTS = textwrap.dedent("""
    import numpy as np
    def late():
        import decimal, fractions, statistics
        import numpy.fft, numpy.linalg, numpy.random
        rng = np.random.default_rng(0)
        return [float(np.fft.fft(np.ones(4)).real[0]), float(np.linalg.norm([3.0, 4.0])),
                float(statistics.mean([1, 2])), str(fractions.Fraction(1, 3)),
                str(decimal.Decimal("0.1")), float(rng.integers(10, 11))]
""")


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_what_the_exercises_import_imports_when_learner_code_asks(isolation):
    """As root the worker drops to a user of its own first: what it needs is imported beforehand
    where that user could not read the runtime, and later where it can (the bubblewrap view)."""
    with Sandbox(FAST, isolation) as sandbox:
        got = sandbox.load(LATE_IMPORTS, "late.py").call("late")
    assert got == [4.0, 5.0, 1.5, "1/3", "0.1", 10.0]


def load_worker_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "gdkit_worker_under_test", backends.GRADER / "worker.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readable_by_everyone_looks_at_every_folder_above():
    import shutil
    import tempfile
    from pathlib import Path

    worker_module = load_worker_module()
    root = Path(tempfile.mkdtemp())  # directly in the temporary folder (pytest's is private)
    try:
        package = root / "a" / "b" / "numpy"
        package.mkdir(parents=True)
        for folder in (root, root / "a", root / "a" / "b", package):
            folder.chmod(0o755)
        if not all(os.stat(p).st_mode & 0o005 == 0o005 for p in root.parents):
            pytest.skip("this machine's temporary folder is not readable by everyone")
        assert worker_module.readable_by_everyone(str(package))
        (root / "a").chmod(0o750)
        assert not worker_module.readable_by_everyone(str(package))
    finally:
        shutil.rmtree(root)


def test_an_overall_deadline_cuts_a_call_and_refuses_the_ones_after_it():
    """The deadline bounds the call below its own wall limit, names the whole run's limit, and
    afterwards nothing runs; a deadline that is still far away changes nothing."""
    limits = Limits(wall=30.0, cpu=30.0, cpu_total=60.0, memory_bytes=256 << 20)
    with Sandbox(limits, ISOLATIONS[-1], deadline=Deadline.after(60)) as sandbox:
        loaded = sandbox.load(SOURCE, "01_parabola.py")
        assert loaded.call("add", 1, 2) == 3
        sandbox.deadline = Deadline(2.5, time.monotonic() + 1.0)
        started = time.monotonic()
        cut = failure(loaded, "sleep")
        assert time.monotonic() - started < 10  # not the call's own 30 s
        assert cut.kind == "timeout"
        assert "the time limit for the whole submission (2.5 s) was reached" in cut.message
        after = failure(sandbox.load(SOURCE, "02_bce_gradient.py"), "add", 1, 2)
        assert after.kind == "timeout" and after.message.startswith("not run: the time limit")
        sandbox.deadline = None
        assert loaded.call("add", 2, 2) == 4  # without the deadline, calls run again


def test_a_call_over_its_own_limit_names_that_limit_not_the_deadline():
    with Sandbox(FAST, ISOLATIONS[-1], deadline=Deadline.after(120)) as sandbox:
        error = failure(sandbox.load(SOURCE, "01_parabola.py"), "loop")
    assert error.kind == "timeout" and "1.5 s (the time limit per call)" in error.message
    assert "whole submission" not in error.message


@pytest.mark.parametrize("code", ["os.killpg(", "start_new_session", "os.setsid(", "SIGKILL"])
def test_one_owner_starts_sessions_and_kills_them(code):
    """The sandbox and the batch start sessions and kill through grader/sandbox/sessions.py."""
    import grader

    root = Path(grader.__file__).parent
    owners = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if code in path.read_text(encoding="utf-8")
    )
    assert owners == ["sandbox/sessions.py"]
