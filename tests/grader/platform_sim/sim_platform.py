"""Make this Python look like another platform's: remove what that platform lacks.

Imported by ``sitecustomize.py`` in the grading process and by the worker's bootstrap in the
sandbox's child, so that both run without these pieces. The profile's name is the first
argument of :func:`apply` (or $GDKIT_SIM_PROFILE in the grading process).
"""

import os
import socket
import sys

PROFILES = {
    # Windows: no fcntl, no resource, no fork, no AF_UNIX, no process groups to kill, no
    # poll (its select takes sockets only)
    "windows-like": {
        "modules": ["fcntl", "resource"],
        "os": ["fork", "forkpty", "killpg", "register_at_fork"],
        "socket": ["AF_UNIX"],
        "select": ["poll"],
    },
    # macOS: no bubblewrap, no /proc-based memory limit (RLIMIT_AS is not enforced there)
    "macos-like": {
        "modules": [],
        "os": [],
        "socket": [],
        "resource": ["RLIMIT_AS"],
    },
}


def apply(profile: str) -> None:
    removed = PROFILES[profile]
    for name in removed["modules"]:
        sys.modules[name] = None  # import raises ImportError
    for name in removed["os"]:
        os.__dict__.pop(name, None)
    for name in removed["socket"]:
        for module in (socket, sys.modules.get("_socket")):
            if module is not None and hasattr(module, name):
                delattr(module, name)
    for name in removed.get("select", []):
        import select

        if hasattr(select, name):
            delattr(select, name)
    for name in removed.get("resource", []):
        import resource

        if hasattr(resource, name):
            delattr(resource, name)
