"""grader/sandbox/affinity.py: while a submission is graded, the grading process and its
worker share one CPU; afterwards the grading process may use every CPU it could before."""

from __future__ import annotations

import os

import pytest
from grader_helpers import FAST, ISOLATIONS

from grader.sandbox import affinity
from grader.sandbox.sandbox import Sandbox

CAN_PIN = hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 1
needs_cpus = pytest.mark.skipif(not CAN_PIN, reason="needs CPU affinity and two CPUs")

WHERE = "import os\ndef where():\n    return sorted(os.sched_getaffinity(0))\n"


@needs_cpus
def test_choose_takes_a_preferred_index_among_the_allowed_cpus():
    allowed = sorted(os.sched_getaffinity(0))
    assert [affinity.choose(i) for i in range(len(allowed) + 1)] == [*allowed, allowed[0]]
    assert affinity.choose() in allowed


def test_without_affinity_nothing_happens(monkeypatch):
    monkeypatch.delattr(os, "sched_setaffinity", raising=False)
    assert affinity.choose() is None and affinity.choose(1) is None
    assert affinity.move_to(0) is None
    affinity.restore(None)


@needs_cpus
def test_move_and_restore():
    before = frozenset(os.sched_getaffinity(0))
    cpu = max(before)
    saved = affinity.move_to(cpu)
    try:
        assert os.sched_getaffinity(0) == {cpu} and saved == before
    finally:
        affinity.restore(saved)
    assert os.sched_getaffinity(0) == before


@needs_cpus
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_graded_group_shares_one_cpu_and_gives_it_back(isolation):
    before = os.sched_getaffinity(0)
    with Sandbox(FAST, isolation, cpu=1) as sandbox:
        loaded = sandbox.load(WHERE, "where.py", "amy")
        assert loaded.call("where") == [sorted(before)[1]]
        assert os.sched_getaffinity(0) == {sorted(before)[1]}
        sandbox.release("amy")
        assert os.sched_getaffinity(0) == before
        loaded = sandbox.load(WHERE, "where.py", "bob")
        assert loaded.call("where") == [sorted(before)[1]]
    assert os.sched_getaffinity(0) == before


@needs_cpus
def test_a_spare_imports_numpy_on_any_cpu():
    """The worker moves to the shared CPU only once it is ready (after NumPy's import)."""
    with Sandbox(FAST, "process") as sandbox:
        (spare,) = sandbox._spares
        assert os.sched_getaffinity(spare.popen.pid) == os.sched_getaffinity(0)


@needs_cpus
def test_a_process_started_while_pinned_may_use_every_cpu():
    import subprocess
    import sys

    before = frozenset(os.sched_getaffinity(0))
    saved = affinity.move_to(min(before))
    try:
        with affinity.unpinned(saved):
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        assert os.sched_getaffinity(0) == {min(before)}
        assert os.sched_getaffinity(child.pid) == before
        child.kill()
        child.wait()
    finally:
        affinity.restore(saved)


@needs_cpus
def test_a_worker_started_while_grading_is_started_unpinned(monkeypatch):
    """The next spare is launched while this process is pinned; it must be launched
    from the CPUs this process had before, so that it imports NumPy wherever there is room."""
    from grader.sandbox import sandbox as sandbox_module

    launched_with = []
    real = sandbox_module._Process

    def recording(*args, **kwargs):
        launched_with.append(frozenset(os.sched_getaffinity(0)))
        return real(*args, **kwargs)

    monkeypatch.setattr(sandbox_module, "_Process", recording)
    before = frozenset(os.sched_getaffinity(0))
    with Sandbox(FAST, "process", cpu=0) as sandbox:
        sandbox.load(WHERE, "where.py", "amy").call("where")
        assert len(os.sched_getaffinity(0)) == 1  # pinned while amy is graded
        sandbox.start()  # the next folder's worker, started while amy is graded
    assert len(launched_with) == 2 and launched_with == [before, before]
