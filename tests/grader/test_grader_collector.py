"""grader/collector.py: the collector is paused while `grade` starts and on again, with the
start-up's objects frozen, once the checks run; and on again however else the start ends.

Freezing is for the rest of a process, so each case runs in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run(code: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_paused_until_settled_then_frozen_once_and_on_again():
    run("""
        import gc
        from grader import collector
        before = gc.get_freeze_count()  # not 0 at start on Python 3.12
        with collector.paused():
            assert not gc.isenabled()
            objects = [[] for _ in range(1000)]  # made while starting
            collector.settle()
            assert gc.isenabled()
            frozen = gc.get_freeze_count()
            assert frozen > before + 1000
            collector.settle()  # a later run (watch, batch) freezes nothing more
            assert gc.get_freeze_count() == frozen
        assert gc.isenabled()
    """)


def test_a_start_that_ends_without_checks_turns_it_on_again_and_freezes_nothing():
    run("""
        import gc
        from grader import collector
        before = gc.get_freeze_count()  # not 0 at start on Python 3.12
        try:
            with collector.paused():
                raise SystemExit(0)  # --list, --hint, a usage error
        except SystemExit:
            pass
        assert gc.isenabled() and gc.get_freeze_count() == before
    """)


def test_a_collector_the_caller_turned_off_stays_off():
    run("""
        import gc
        from grader import collector
        gc.disable()
        with collector.paused():
            collector.settle()
            assert not gc.isenabled()
        assert not gc.isenabled()
    """)


def test_a_pause_inside_a_pause_leaves_it_to_the_outer_one():
    run("""
        import gc
        from grader import collector
        with collector.paused():
            with collector.paused():
                pass
            assert not gc.isenabled()  # still starting
        assert gc.isenabled()
    """)


@pytest.mark.parametrize("args", [["--list"], ["-e", "parabola", "--format", "json"]])
def test_grade_leaves_the_collector_on(args, tmp_path):
    """Through the command: after `grade --list` (no checks) and after a graded run."""
    run(f"""
        import gc, sys
        from grader import cli
        before = gc.get_freeze_count()  # not 0 at start on Python 3.12
        try:
            cli.main([{str(REPO / "solutions")!r}, *{args!r}])
        except SystemExit:
            pass
        assert gc.isenabled()
        assert (gc.get_freeze_count() > before) == ({args!r} != ["--list"])
    """)
