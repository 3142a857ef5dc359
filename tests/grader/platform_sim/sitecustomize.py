"""Loaded at start-up when this folder is on PYTHONPATH: the simulated platform (see
sim_platform.py) in this process, in every sandbox worker it starts, and no bubblewrap."""

import os

import sim_platform

PROFILE = os.environ.get("GDKIT_SIM_PROFILE", "windows-like")
sim_platform.apply(PROFILE)

import grader.sandbox.backends as backends  # noqa: E402 - after the pieces are gone

HERE = os.path.dirname(os.path.abspath(__file__))
BOOT = (
    "import runpy, sys; sys.path.insert(0, {here!r}); import sim_platform; del sys.path[0]; "
    "sim_platform.apply({profile!r}); sys.argv = sys.argv[1:]; "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)


def command(self, python, config, *rest):
    boot = BOOT.format(here=HERE, profile=PROFILE)
    worker = str(backends.GRADER / "worker.py")
    return [python, *backends.PYTHON_FLAGS, "-c", boot, worker, config]


backends.ProcessBackend.command = command
backends.BubblewrapBackend.unavailable = lambda self: f"bubblewrap: not on {PROFILE} platforms"

if PROFILE == "windows-like":
    # the branches chosen by the platform's name: the worker gets a Windows environment
    # (SYSTEMROOT, the interpreter's folders on PATH), and the terminal is a Windows console
    # (no kernel32 here: no colour)
    import grader.report.terminal as terminal

    backends.WINDOWS = terminal.WINDOWS = True
