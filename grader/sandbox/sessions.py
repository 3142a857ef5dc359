"""Ending a process with everything it started: the one way the grader kills a process.

Every process the grader may have to kill — a sandbox worker, a batch worker — starts in a
session of its own (``start_new_session`` / ``os.setsid``), so it leads a process group that
holds whatever it starts; killing the group ends them all at once. Windows has no process
groups: there the process itself is killed.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable


def kill_session(pid: int, kill_one: Callable[[], None]) -> None:
    """SIGKILL the process group led by ``pid``; where there are no groups (Windows), or the
    group is gone or not ours to signal, ``kill_one()`` (the process's own kill) instead."""
    if hasattr(os, "killpg"):
        try:
            os.killpg(pid, signal.SIGKILL)
            return
        except OSError:
            pass
    try:
        kill_one()
    except OSError:
        pass  # it has ended already
