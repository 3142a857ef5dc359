"""End to end, under every backend: what learner input costs the grading process is bounded.

Each test grades a hostile submission with ``grade`` in a process of its own, which reports its
peak memory (its own, ``VmHWM``) as it exits, and checks that grading ended (a generous time limit:
a hang guard, not a speed test), the neighbour exercise kept every point, the JSON report was
written, the learner scored nothing unearned, and no process of the run is left.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import uuid
from pathlib import Path

import pytest
from grader_helpers import (
    ISOLATIONS,
    PEAK_MEMORY,
    WRONG_BODIES,
    copy_solution,
    leftovers,
    process_table,
    processes_of,
    solution_text,
)
from ordinary_user import as_user

from grader.sandbox.sessions import OWN_SESSION, kill_session

# the grading process's peak memory, measured as it exits
PEAK = (
    PEAK_MEMORY
    + """
import sys
from grader.cli import main
try:
    main(sys.argv[1:])
finally:
    sys.stderr.write(f"\\nPEAK {peak_memory()}\\n")
"""
)
HANG_GUARD = 300  # seconds for a whole run: far above a normal one, far below "forever"
# the grading process's own peak (pytest, NumPy, the checks) is ~55 MB; each attack below
# cost it 1 GB or more before it was bounded
PEAK_BOUND = 256 << 20


def grade_apart(
    folder: Path, exercises: list[str], isolation: str, user=None, env: dict | None = None
) -> tuple[dict, int]:
    """Grade ``folder`` with ``grade`` in a process of its own (as ``user``, a pwd entry, when
    given; with ``env`` added to the environment): (the JSON report, its peak memory in bytes).
    Asserts it ended in time, wrote its report, and left no process."""
    before = process_table()
    out = folder.parent / f"{folder.name}-report.json"
    command = [sys.executable, "-c", PEAK, str(folder), "--hidden", "--format", "json"]
    command += ["-o", str(out), "--isolation", isolation]
    for name in exercises:
        command += ["-e", name]
    env = {**os.environ, "GDKIT_TIMEOUT": "2", "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    if user is not None:
        command = as_user(user, command)
    grading = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, **OWN_SESSION)
    try:
        _, errors = grading.communicate(timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:  # a hung grader is killed with its workers, then fails
        kill_session(grading.pid)
        grading.wait()
        raise
    assert grading.returncode in (0, 1), errors[-3000:]
    assert leftovers(before) == []
    peak = int(errors.rsplit(b"PEAK ", 1)[1].split()[0])
    return json.loads(out.read_text(encoding="utf-8")), peak


def exercise(report: dict, name: str) -> dict:
    return next(e for e in report["exercises"] if e["name"] == name)


def assert_bounded(report: dict, peak: int, hostile: str, neighbour: str) -> list[dict]:
    """The neighbour kept every point, the grading process stayed small; the hostile
    exercise's checks (each the learner's failure, none the grader's)."""
    intact = exercise(report, neighbour)
    assert intact["score"] == intact["max_score"] > 0
    assert peak < PEAK_BOUND, f"the grading process peaked at {peak >> 20} MB"
    checks = exercise(report, hostile)["checks"]
    assert not any(c["status"] == "error" for c in checks), [c["message"] for c in checks]
    return checks


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_callbacks_empty_but_huge_argument_costs_the_grader_nothing(tmp_path, isolation):
    """numerical_gradient hands the check's f a zero-byte (0, 2**27) array: f would build a
    1 GB np.arange from its shape; it is refused on its entries, as the learner's failure."""
    source = solution_text("gradient_check").replace(
        "def numerical_gradient(", "def _real_numerical_gradient("
    )
    source += textwrap.dedent("""
        def numerical_gradient(f, w, eps=1e-6):
            f(np.zeros((0, 2**27)))
            return _real_numerical_gradient(f, w, eps)
    """)
    (tmp_path / "11_gradient_check.py").write_text(source)
    copy_solution("parabola", tmp_path)
    report, peak = grade_apart(tmp_path, ["gradient_check", "parabola"], isolation)
    checks = assert_bounded(report, peak, "gradient_check", "parabola")
    refused = [c for c in checks if "entries" in c["message"]]
    assert refused and all(c["status"] == "failed" for c in refused)


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_worker_that_never_reads_cannot_hang_the_grader(tmp_path, isolation):
    """numerical_gradient writes 20,000 callback requests straight to the channel and never
    reads the replies: once the pipe is full, the grader's writes time out with the call."""
    source = solution_text("gradient_check").replace(
        "def numerical_gradient(", "def _real_numerical_gradient("
    )
    source += textwrap.dedent("""
        import gc, time
        def numerical_gradient(f, w, eps=1e-6):
            session = next(o for o in gc.get_objects() if type(o).__name__ == "Session")
            for _ in range(20_000):
                session.send({"op": "callback", "id": 0, "args": [[0.5, 0.5]]})
            time.sleep(3600)
    """)
    (tmp_path / "11_gradient_check.py").write_text(source)
    copy_solution("parabola", tmp_path)
    report, peak = grade_apart(tmp_path, ["gradient_check", "parabola"], isolation)
    checks = assert_bounded(report, peak, "gradient_check", "parabola")
    stopped = [c for c in checks if "took longer than 2 s" in c["message"]]
    assert stopped and all(c["status"] == "failed" for c in stopped)


# every reply of the worker carries 4 MB of "printed output" (the worker's own bound on it,
# forged: learner code reaches the worker's session through the garbage collector)
FORGED_OUTPUT = """
import gc
for _session in gc.get_objects():
    if type(_session).__name__ == "Session":
        _session.take_output = lambda: ({"output": "x" * (4 << 20), "output_more": 0}, False)
"""


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_printed_output_is_kept_within_a_budget_and_the_rest_counted(tmp_path, isolation):
    """Each reply says 4 MB were printed: each call keeps 4,000 characters of it, the exercise
    16,000 in all, and the report counts the rest (all kept before: 344 MB for this exercise,
    1.8 GB for a whole submission)."""
    (tmp_path / "01_parabola.py").write_text(solution_text("parabola") + FORGED_OUTPUT)
    copy_solution("bce_gradient", tmp_path)
    report, peak = grade_apart(tmp_path, ["parabola", "bce_gradient"], isolation)
    checks = assert_bounded(report, peak, "parabola", "bce_gradient")
    shown = [c["output"] for c in checks if c["output"]]
    assert shown and all(len(text) < 2100 for text in shown)
    assert all("more characters of output not kept" in text for text in shown)
    assert sum(int(text.rsplit("(", 1)[1].split()[0]) for text in shown) > 10 * (4 << 20)


# -- as an ordinary user ------------------------------------------------------------------------

# a hostile 01_parabola.py: at import it writes files by full path and in its TMPDIR and starts
# processes meant to survive (a new session; a double fork via setsid that leaves no parent to
# kill through); every call allocates 2 GB (the worker's memory limit is 1 GiB)
LEAVES = textwrap.dedent("""
    import os, subprocess, tempfile
    import numpy as np
    TOKEN = {token!r}
    def _leave():
        for folder in ("/tmp", "/var/tmp", "/dev/shm"):
            try:
                with open(os.path.join(folder, TOKEN), "w") as handle:
                    handle.write("left")
            except OSError:
                pass
        handle, _ = tempfile.mkstemp()
        os.write(handle, b"x" * 4096)
        for start in (
            lambda: subprocess.Popen(["sh", "-c", "sleep 60; : " + TOKEN], start_new_session=True),
            lambda: os.system("setsid sh -c 'sleep 60; : " + TOKEN + "' &"),
            lambda: os.fork() or os._exit(0),
        ):
            try:
                start()
            except BaseException:
                pass
    _leave()
""") + WRONG_BODIES.replace("return 0.0", "return np.ones(2**28)", 1)


@pytest.fixture
def own_folder(ordinary_user):
    """A folder in /tmp owned by the ordinary user (pytest's own are root's, 0700)."""
    if ordinary_user is None:
        pytest.skip("these tests make an ordinary user, as root")
    base = Path(tempfile.mkdtemp(prefix="gdkit-as-user-", dir="/tmp"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_hostile_submission_graded_by_an_ordinary_user_is_bounded(
    own_folder, ordinary_user, isolation
):
    """grade, run by an ordinary user (no users of its own: the worker runs as that user; with
    bubblewrap, in a user namespace): the memory limit holds, the report names the backend that
    ran, no process of the run is left, the worker's TMPDIR folder is removed, and bubblewrap's
    /tmp and /dev/shm were its own. (The process backend cannot remove what it wrote by full
    path as that user: grader/README.md says so; the test removes them.)"""
    token = f"gdkit-left-{uuid.uuid4().hex}"
    folder, scratch = own_folder / "submission", own_folder / "tmp"
    folder.mkdir()
    scratch.mkdir()
    (folder / "01_parabola.py").write_text(LEAVES.format(token=token), encoding="utf-8")
    copy_solution("bce_gradient", folder)
    for path in [own_folder, *own_folder.rglob("*")]:
        os.chown(path, ordinary_user.pw_uid, ordinary_user.pw_gid)
    cache = own_folder / "cache"
    env = {"HOME": str(own_folder), "TMPDIR": str(scratch), "GDKIT_CACHE_DIR": str(cache)}
    shared = [Path(folder) / token for folder in ("/tmp", "/var/tmp", "/dev/shm")]
    try:
        report, peak = grade_apart(
            folder, ["parabola", "bce_gradient"], isolation, ordinary_user, env
        )
        left_running = processes_of({ordinary_user.pw_uid}, own_folder)
        left_written = [str(path) for path in shared if path.exists()]
    finally:
        for path in shared:
            if path.exists() and path.stat().st_uid == ordinary_user.pw_uid:
                path.unlink()
    checks = assert_bounded(report, peak, "parabola", "bce_gradient")
    assert exercise(report, "parabola")["score"] == 0
    assert any("ran out of memory" in c["message"] for c in checks), [c["message"] for c in checks]
    assert report["isolation"].startswith(isolation), report["isolation"]
    assert left_running == [] and [p for p in process_table().values() if token in p[1]] == []
    assert list(scratch.iterdir()) == []  # the workers' TMPDIR folders, and all else
    if isolation == "bubblewrap":
        assert left_written == []
