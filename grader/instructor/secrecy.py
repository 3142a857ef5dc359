"""The hidden checks stay secret: which files learner code must not read, making them
unreadable, and proving it by trying.

With bubblewrap, learner code sees only the runtime and NumPy. Where bubblewrap cannot start
(a default Docker container), the ``process`` backend runs it as a user of its own (one per
worker) — who can read whatever every user can: the installed grader with its hidden checks,
gdref (an implementation of every exercise) and the copy the autograder was installed from. So:

- :func:`secret_folders` names them: the folders of the installed ``grader``, ``gdref`` and
  ``gdkit`` packages, their distribution's metadata folder, and the folder pip installed them
  from (``direct_url.json``) while it still exists;
- :func:`lock` (``python -m grader.instructor.secrecy``, run as root by the Gradescope zip's
  ``setup.sh`` and by the container's ``Dockerfile`` after installing) makes each folder
  readable by its owner (root) only;
- :func:`readable_by_learner_code` tries, at the autograder's start, to read every one of those
  folders and the files in them *as learner code would*: a probe file runs in the grading
  sandbox itself (same backend, same user, same view of the file system) and says which it
  could open. The autograder refuses to grade when it could open any (see
  :mod:`grader.instructor.autograde`).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

if TYPE_CHECKING:
    from grader.sandbox.sandbox import Sandbox

PACKAGES = ("grader", "gdref", "gdkit")
DISTRIBUTION = "gdkit"
PROBE_FILE = "secrecy_probe.py"
# runs in the sandbox, as learner code does: which of the paths it is given can it open or list?
PROBE = """
import os


def readable(paths):
    found = []
    for path in paths:
        try:
            if os.path.isdir(path):
                os.listdir(path)
            else:
                with open(path, "rb") as handle:
                    handle.read(1)
        except OSError:
            continue
        found.append(path)
    return found
"""


def _package_folders() -> list[Path]:
    folders = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)  # found, not imported (gdkit is above the grader)
        if spec is not None and spec.submodule_search_locations:
            folders += [Path(p).resolve() for p in spec.submodule_search_locations]
    return folders


def _distribution_folders() -> list[Path]:
    """The distribution's metadata folder, and the folder pip installed it from (if any)."""
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return []
    metadata = getattr(distribution, "_path", None)  # its .dist-info folder (read from disk)
    folders = {Path(metadata).resolve()} if metadata is not None else set()
    try:
        url = json.loads(distribution.read_text("direct_url.json") or "{}").get("url", "")
    except ValueError:
        url = ""
    if url.startswith("file:"):
        source = Path(unquote(urlparse(url).path)).resolve()
        if source.is_dir():
            folders.add(source)
    return sorted(folders)


def secret_folders() -> list[Path]:
    """The folders learner code must not read (see the module docstring), those that exist."""
    found = {*_package_folders(), *_distribution_folders()}
    return sorted(f for f in found if f.is_dir())


def secret_paths() -> list[str]:
    """Every path the probe tries: each secret folder and the files directly in it, and every
    file and folder in the packages (an installation source is walked into its package
    folders only: a whole checkout is not walked through its virtual environments)."""
    packages = _package_folders()
    paths: set[Path] = set()
    for folder in secret_folders():
        children = sorted(folder.iterdir())
        paths.update([folder, *(c for c in children if c.is_file())])
        whole = [folder] if folder in packages else [c for c in children if c.name in PACKAGES]
        for top in whole:
            paths.update(top.rglob("*"))
    return sorted(map(str, paths))


def readable_by_learner_code(sandbox: Sandbox, group: str) -> tuple[list[str], int]:
    """(the secret paths learner code could open, how many were tried): found by trying, in
    the worker of ``group`` in ``sandbox`` (the group that then grades, so that no second
    worker has to start; the probe's module is the grader's own and holds no secret)."""
    paths = secret_paths()
    found = sandbox.load(PROBE, PROBE_FILE, group=group).call("readable", paths)
    if not isinstance(found, list):
        raise RuntimeError(f"the secrecy probe answered {type(found).__name__}, not a list")
    return [str(p) for p in found], len(paths)


def lock() -> list[Path]:
    """Make every secret folder readable by its owner only (mode 0700); the folders locked."""
    folders = secret_folders()
    for folder in folders:
        os.chmod(folder, 0o700)
    return folders


def main() -> int:
    """``python -m grader.instructor.secrecy``: lock the secret folders (as root)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        print(
            "grader.instructor.secrecy: run this as root (learner code runs as a user of its own "
            "only when the grader is root; as any other user it can read what the grader reads)",
            file=sys.stderr,
        )
        return 2
    for folder in lock():
        print(f"readable by root only: {folder}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
