"""benchmarks/switched.py: each speed mechanism's switch really switches it off (and the
baseline, with nothing named, leaves every one on). A switch that silently stopped matching
the code it patches would make bench_mechanisms.py compare the grader with itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from switched import PROTECTIONS, SWITCHES  # noqa: E402

# mechanism -> code printing True when the mechanism is off in this process
PROBES = {
    "remembered": (
        "from grader.checking.remember import remembered\ndef f(): pass\nprint(remembered(f) is f)"
    ),
    "stored_values": (
        "import contextlib\n"
        "from grader.checking.remember import across_runs\n"
        "print(isinstance(across_runs(), contextlib.nullcontext))"
    ),
    "skipped_plugins": "import grader.runner as r\nprint(r._DISABLED_PLUGINS == [])",
    "startup_collector": (
        "import gc\n"
        "from grader import collector\n"
        "before = gc.get_freeze_count()  # not 0 at start on Python 3.12\n"
        "with collector.paused():\n"
        "    paused = not gc.isenabled()\n"
        "    collector.settle()\n"
        "print(not paused and gc.get_freeze_count() == before)"
    ),
    "early_start": (
        "import grader.cli as cli\n"
        "import dataclasses\n"
        "given = {f.name: None for f in dataclasses.fields(cli.Options)}\n"
        "options = cli.Options(**{**given, 'names': (), 'isolation': 'process'})\n"
        "sandbox = cli._early_sandbox(options)\n"
        "print(sandbox is None)\n"
        "if sandbox is not None:\n"
        "    sandbox.close()"
    ),
    "kept_view": "import grader.sandbox.backends as b\nprint(b.kept_site_view() is None)",
    "own_users": (
        "import grader.sandbox.users as u\n"
        "import os\n"
        "os.geteuid = lambda: 0\n"
        "try:\n"
        "    print(u.lease().uid == 65534)\n"
        "except u.NoUserFree:  # not root: no folder to hold users in\n"
        "    print(False)"
    ),
    "quick_notebooks": (
        "import sys\n"
        "from grader.exercises import exercises_dir, load_exercises\n"
        "from grader.submission.resolve import resolve\n"
        "resolve(exercises_dir(), load_exercises())\n"
        "print('nbformat' in sys.modules)"
    ),
}


def switched_off(mechanism: str, off: str) -> bool:
    """Run the mechanism's probe through switched.py with GDKIT_BENCH_OFF=off."""
    code = (
        "import runpy, sys\n"
        f"runpy.run_path({str(REPO / 'benchmarks' / 'switched.py')!r}, run_name='switches')\n"
        + PROBES[mechanism]
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "GDKIT_BENCH_OFF": off},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1] == "True"


def test_every_switch_has_a_probe():
    assert set(PROBES) == set(SWITCHES) | set(PROTECTIONS)


@pytest.mark.parametrize("mechanism", sorted({**SWITCHES, **PROTECTIONS}))
def test_the_switch_turns_its_mechanism_off_and_only_when_named(mechanism):
    assert switched_off(mechanism, mechanism)
    assert not switched_off(mechanism, "")
