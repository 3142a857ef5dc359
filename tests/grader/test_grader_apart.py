"""No worker can reach another: as root each worker runs as a user of its own (held machine-wide
with a lock, grader/sandbox/users.py); a worker stopped or killed from outside is the grader's
problem, never the learner's loop; where workers would share a user (the process backend run by
an ordinary user) a sandbox asked to keep submissions apart refuses, with one sentence."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from grader_helpers import BUBBLEWRAP, FAST, ISOLATIONS

from grader.sandbox import backends, sandbox, sessions, users
from grader.sandbox.sandbox import Limits, Sandbox, SandboxError, SubmissionError

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="users of their own need root")

PROBE = textwrap.dedent("""
    import os, signal, time
    def me():
        return [os.getuid(), os.getgid(), os.getgroups(), os.getpid()]
    def stop(pid):
        try:
            os.kill(pid, signal.SIGSTOP)
            return "stopped"
        except OSError as error:
            return type(error).__name__
    def nap(seconds):
        time.sleep(seconds)
        return 1
""")


def apart_isolations() -> list[str]:
    """The backends that keep workers apart here: bubblewrap always, the process backend as
    root."""
    return [name for name in ISOLATIONS if name == "bubblewrap" or ROOT]


@pytest.mark.parametrize("isolation", apart_isolations())
def test_a_worker_cannot_stop_another_submissions_worker(isolation):
    """The attack of the issue: learner code SIGSTOPs the next student's worker. Each worker a
    user of its own (root), or in a PID namespace of its own (bubblewrap): it cannot."""
    with Sandbox(FAST, isolation) as box:
        victim = box.load(PROBE, "probe.py", group="victim")
        attacker = box.load(PROBE, "probe.py", group="attacker")
        victim_uid, _, groups, _ = victim.call("me")
        attacker_uid = attacker.call("me")[0]
        worker = box._groups["victim"].popen.pid
        target = max([worker, *sessions._below(worker, stop=False)])  # the worker itself
        assert attacker.call("stop", target) in ("PermissionError", "ProcessLookupError")
        assert victim.call("nap", 0.0) == 1  # not stopped
    if ROOT:
        assert victim_uid != attacker_uid
        assert {victim_uid, attacker_uid} <= set(users.uid_pool())
        assert groups == [] or groups == [victim_uid]


@needs_root
def test_two_leases_never_share_a_uid_and_a_released_one_is_free_again(monkeypatch):
    pool = users.uid_pool()[:1]
    monkeypatch.setattr(users, "uid_pool", lambda: pool)
    first = users.lease()
    with pytest.raises(users.NoUserFree, match="in use"):
        users.lease()
    first.release()
    again = users.lease()
    assert again.uid == first.uid
    again.release()


@needs_root
def test_a_uid_held_by_another_process_is_not_given_out(monkeypatch):
    """The lock is machine-wide: a uid another grading process holds is skipped."""
    pool = users.uid_pool()[:2]
    monkeypatch.setattr(users, "uid_pool", lambda: pool)
    path = os.path.join(users.lock_folder(), str(pool[0]))
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time\n"
         f"f = open({path!r}, 'a'); fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True)\n"
         "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        leases = [users.lease()]
        assert leases[0].uid == pool[1]
        with pytest.raises(users.NoUserFree):
            leases.append(users.lease())
    finally:
        holder.stdin.close()
        holder.wait()
        for lease in leases:
            lease.release()


@needs_root
def test_a_worker_left_by_a_killed_grader_is_killed_before_its_uid_serves_again(monkeypatch):
    """A lock file not emptied was held by a grader that died before its worker ended: every
    process of that uid is killed when the uid is leased again."""
    pool = users.uid_pool()[:1]
    monkeypatch.setattr(users, "uid_pool", lambda: pool)
    left = users.lease()
    survivor = subprocess.Popen(["sleep", "60"], user=pool[0], group=pool[0], extra_groups=[])
    os.close(left.lock)  # the grader died: the lock is dropped, the file not emptied
    try:
        again = users.lease()
        assert survivor.wait(timeout=5) == -signal.SIGKILL
        again.release()
        clean = users.lease()  # released cleanly: nothing to kill, nothing killed
        assert os.fstat(clean.lock).st_size
        clean.release()
    finally:
        if survivor.poll() is None:
            survivor.kill()
            survivor.wait()


def test_the_pool_is_the_top_of_the_mapped_range_and_no_accounts_uid(monkeypatch):
    users.uid_pool.cache_clear()
    try:
        monkeypatch.setattr(users, "_mapped_range", lambda: (0, 4294967295))
        monkeypatch.setattr(users, "_account_uids", lambda: {users.TOP_UID})
        pool = users.uid_pool()
        assert len(pool) == users.POOL_SIZE - 1 and max(pool) == users.TOP_UID - 1
        users.uid_pool.cache_clear()
        # a container's user namespace mapping 65,536 ids: below nobody
        monkeypatch.setattr(users, "_mapped_range", lambda: (0, 65537))
        pool = users.uid_pool()
        assert max(pool) == 65533 and min(pool) == 65534 - users.POOL_SIZE
        users.uid_pool.cache_clear()
        monkeypatch.setattr(users, "_mapped_range", lambda: (0, 1))  # root alone
        with pytest.raises(users.NoUserFree, match="no unused uid"):
            users.uid_pool()
    finally:
        users.uid_pool.cache_clear()


@needs_root
def test_the_lock_folder_is_only_one_root_alone_can_write(tmp_path):
    folder = tmp_path / "locks"
    folder.mkdir(mode=0o700)
    assert users._root_only(str(folder), sticky_ok=False)
    os.chown(folder, 12345, 12345)  # another user's: refused
    assert not users._root_only(str(folder), sticky_ok=False)
    os.chown(folder, 0, 0)
    folder.chmod(0o777)
    assert not users._root_only(str(folder), sticky_ok=False)
    folder.chmod(0o1777)  # like /tmp: fine as a parent only
    assert users._root_only(str(folder), sticky_ok=True)
    assert not users._root_only(str(folder), sticky_ok=False)


# -- a worker lost to something outside ---------------------------------------------------------


def worker_pid(box: Sandbox, group: str) -> int:
    """The process running learner code (below bwrap and its init under bubblewrap)."""
    top = box._groups[group].popen.pid
    return max([top, *sessions._below(top, stop=False)])


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_worker_stopped_from_outside_is_the_graders_problem_not_a_loop(isolation):
    limits = Limits(wall=1.5, cpu=1.0, cpu_total=20.0, memory_bytes=256 << 20)
    with Sandbox(limits, isolation) as box:
        loaded = box.load(PROBE, "probe.py", group="victim")
        assert loaded.call("nap", 0.0) == 1
        os.kill(worker_pid(box, "victim"), signal.SIGSTOP)
        with pytest.raises(SandboxError, match=r"the grader lost this worker \(it was stopped"):
            loaded.call("nap", 0.0)
        with pytest.raises(SandboxError, match="regrade"):
            box.raise_lost()  # the runner distrusts the whole submission
        box.raise_lost()  # once
        assert loaded.call("nap", 0.0) == 1  # a fresh worker
        with pytest.raises(SubmissionError, match="took longer than") as slow:
            loaded.call("nap", 5.0)  # a call that overruns on its own stays the learner's
        assert slow.value.kind == "timeout"


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_worker_killed_while_it_ran_no_learner_code_is_the_graders_problem(isolation):
    """Killed before its turn (a spare) or between two calls: the grader's problem, and never a
    reason to fall back to a weaker backend."""
    with Sandbox(FAST, isolation) as box:
        spare = box._spares[0].popen
        sessions.kill_session(spare.pid)  # with everything below it, as root could
        spare.wait()
        with pytest.raises(SandboxError, match=r"lost this worker \(SIGKILL while it ran no"):
            box.load(PROBE, "probe.py", group="a").call("me")
        assert box.backend.name == isolation and box.lost is not None
        box.lost = None
        loaded = box.load(PROBE, "probe.py", group="b")
        loaded.call("me")
        os.kill(worker_pid(box, "b"), signal.SIGKILL)  # the worker itself
        box._groups["b"].popen.wait()  # (bwrap ends with it)
        with pytest.raises(SandboxError, match="SIGKILL while it ran no learner code"):
            loaded.call("me")


# -- where workers would share a user -----------------------------------------------------------


def as_ordinary_user(monkeypatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)


def test_the_process_backend_as_an_ordinary_user_is_refused_when_asked_to_keep_apart(monkeypatch):
    as_ordinary_user(monkeypatch)
    assert not users.needed()
    assert backends.ProcessBackend().shared() and backends.BubblewrapBackend().shared() is None
    with pytest.raises(SandboxError) as refused:
        Sandbox(FAST, "process", apart=True)
    message = str(refused.value)
    assert "--trust-submissions" in message and "sudo apt install bubblewrap" in message
    Sandbox(FAST, "process").close()  # not asked: grade and watch on a learner's own files
    assert sandbox.apart_refusal("process") == message


def test_auto_refuses_when_bubblewrap_cannot_run_and_says_why(monkeypatch):
    as_ordinary_user(monkeypatch)
    monkeypatch.setattr(backends.BubblewrapBackend, "unavailable", lambda self: None)
    monkeypatch.setattr(backends, "bubblewrap_works", lambda: False)
    refusal = sandbox.apart_refusal("auto")
    assert "bubblewrap could not be used: bubblewrap: cannot create its namespaces" in refusal
    monkeypatch.setattr(backends, "bubblewrap_works", lambda: True)
    assert sandbox.apart_refusal("auto") is None
    monkeypatch.setattr(backends.BubblewrapBackend, "unavailable", lambda self: "not installed")
    assert "not installed" in sandbox.apart_refusal("auto")


def test_a_fall_back_to_a_shared_backend_is_refused(monkeypatch):
    """bubblewrap fails at its first worker: ``auto`` would fall back to the process backend,
    which an ordinary user's run cannot keep apart: a SandboxError, not weaker grading."""
    as_ordinary_user(monkeypatch)
    monkeypatch.setattr(backends.BubblewrapBackend, "unavailable", lambda self: None)
    box = Sandbox(FAST, "auto", apart=True)
    assert box.backend.name == "bubblewrap"
    with pytest.raises(SandboxError, match="--trust-submissions"):
        box._fall_back("setting up uid map: Permission denied")
    box.close()


@pytest.mark.skipif(not BUBBLEWRAP, reason="needs bubblewrap")
def test_root_keeps_apart_with_either_backend(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert sandbox.apart_refusal("process") is None and sandbox.apart_refusal("auto") is None
