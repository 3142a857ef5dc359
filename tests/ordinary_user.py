"""An ordinary user to run the grader as, for the tests whose behaviour differs by user (CI runs
as root: the user is made with useradd for the tests that ask for it, and removed after).

    def test_x(ordinary_user):          # a pwd entry; None when the tests run as one already
        subprocess.run(as_user(ordinary_user, command), ...)

The fixture is registered in the conftest.py of each test folder that uses it (imported there)."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
TEST_USER = "gdkit-apart-test"


@pytest.fixture(scope="module")
def ordinary_user():
    """An ordinary user to run the grader as (created when the tests run as root)."""
    if not ROOT:
        yield None  # the tests already run as one
        return
    created = False
    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        done = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
             TEST_USER], capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            pytest.skip(f"useradd could not create an ordinary user: {done.stderr.strip()}")
        created = True
    yield pwd.getpwnam(TEST_USER)
    if created:
        subprocess.run(["userdel", TEST_USER], capture_output=True)


def as_user(user, command: list[str]) -> list[str]:
    """``command`` run as ``user`` (setpriv); where this Python lies in a folder only root may
    enter (pyenv under /root), in a mount namespace where that folder is an empty one holding
    this Python alone, read-only."""
    who = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
    prefix = Path(sys.base_prefix).resolve()
    closed = [p for p in reversed(prefix.parents) if not os.stat(p).st_mode & 0o001]
    if not closed:
        return [*who, *command]
    hidden = ["--tmpfs", str(closed[0])]
    for folder in reversed(prefix.parents):
        if closed[0] in folder.parents:  # the folders on the way, enterable by anyone
            hidden += ["--perms", "0755", "--dir", str(folder)]
    hidden += ["--ro-bind", str(prefix), str(prefix)]
    return ["bwrap", "--bind", "/", "/", "--dev-bind", "/dev", "/dev", *hidden, *who, *command]
