"""The sandbox's backends: how one worker process (``grader/sandbox/worker.py``) is started.

A backend is small on purpose. It has an :class:`Isolation` (a name and a one-line, honest
description of what it does *not* protect against here), says why it cannot run on this
machine (:meth:`unavailable`), and builds the command that starts one worker. Everything
else — loading source, calls, time limits, killing, the wire format — is the same for every
backend and lives in :mod:`grader.sandbox.sandbox`, :mod:`~grader.sandbox.process` and
:mod:`~grader.sandbox.exchange`.

``bubblewrap``  Linux: namespaces (no network, own PID namespace whose init takes every process
                with it, read-only view of the Python runtime and NumPy only), plus all of
                ``process``.
``process``     every platform: a plain child over pipes, the platform's resource limits, a
                clean environment, a user of its own for each worker when run as root.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox import users

GRADER = Path(__file__).resolve().parent
WORKER_FILES = ("worker.py", "wire.py")
# isolated mode (no user site, no PYTHON* variables), no site module, and never a .pyc written:
# ``-I`` ignores PYTHONDONTWRITEBYTECODE, and a worker started as root would write them into the
# grader's installation (its ``wire`` module) and the Python runtime
PYTHON_FLAGS = ("-I", "-S", "-B")
CLEAN_ENV = {
    "PATH": os.defpath,
    "LANG": "C.UTF-8",
    "PYTHONHASHSEED": "0",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
WINDOWS = os.name == "nt"
# what a Windows Python cannot start or load its DLLs without (SYSTEMROOT: the Windows folder,
# for Winsock and the system's random numbers)
WINDOWS_KEPT = ("SYSTEMROOT", "WINDIR")
# the interpreter's folders on a Windows PATH, where DLLs are looked for: python.exe's own and
# DLLs\ (python.org, the Store), and a conda environment's, which activation puts on PATH
WINDOWS_RUNTIME = ("", "DLLs", "Library/mingw-w64/bin", "Library/usr/bin", "Library/bin")
WINDOWS_RUNTIME += ("Scripts", "bin")


@dataclass(frozen=True)
class Isolation:
    name: str
    description: str  # one line: what this backend does not protect against, here


def clean_environment(
    windows: bool | None = None, environ: Mapping[str, str] = os.environ, prefix: str = ""
) -> dict[str, str]:
    """The worker's environment before its temporary folder: :data:`CLEAN_ENV`; on Windows
    also SYSTEMROOT (and WINDIR), and a PATH of the interpreter's folders that exist
    (:data:`WINDOWS_RUNTIME`, under ``prefix``: sys.base_prefix) and the system's, so that
    NumPy finds its DLLs in a conda environment too."""
    if not (WINDOWS if windows is None else windows):
        return dict(CLEAN_ENV)
    kept = {name: environ[name] for name in WINDOWS_KEPT if environ.get(name)}
    base = Path(prefix or sys.base_prefix)
    folders = [str(base / name) for name in WINDOWS_RUNTIME if (base / name).is_dir()]
    if "SYSTEMROOT" in kept:
        folders += [str(Path(kept["SYSTEMROOT"]) / "System32"), kept["SYSTEMROOT"]]
    return {**CLEAN_ENV, **kept, "PATH": ";".join(folders)}


# a Microsoft Store Python's python.exe: an app execution alias, a reparse point in a
# WindowsApps folder that only CreateProcess follows (stat has this tag; realpath cannot)
APP_ALIAS_TAG = getattr(stat, "IO_REPARSE_TAG_APPEXECLINK", 0x8000001B)


def is_app_alias(path: str) -> bool:
    """Is ``path`` a Microsoft Store Python's app execution alias (Windows)?"""
    try:
        return os.lstat(path).st_reparse_tag == APP_ALIAS_TAG
    except (OSError, AttributeError, ValueError):  # not there; not Windows (no reparse tags)
        return False


def base_python() -> str:
    """The real interpreter behind this one (a venv's ``python`` is a link or a copy, and on
    Python 3.10 ``sys._base_executable`` may point into the venv). A Microsoft Store Python is
    started by its app execution alias: the packaged python.exe that the alias leads to (in
    sys.base_prefix) cannot be started directly (access denied)."""
    prefix = Path(sys.base_prefix).resolve()
    for candidate in (getattr(sys, "_base_executable", ""), sys.executable):
        if candidate and is_app_alias(candidate):
            return candidate
        real = Path(os.path.realpath(candidate)) if candidate else None
        if real and real.is_file() and prefix in real.parents:
            return str(real)
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    for name in (f"bin/python{version}", "bin/python3", "python.exe"):
        if (prefix / name).is_file():
            return str((prefix / name).resolve())
    return os.path.realpath(sys.executable)


def numpy_folder() -> Path:
    """The site folder holding numpy (found without importing numpy, which is slow)."""
    spec = importlib.util.find_spec("numpy")
    if spec is None or spec.origin is None:
        raise RuntimeError("numpy is not installed")
    return Path(spec.origin).resolve().parent.parent


# the limits a report names when they are not set (see worker.set_limits)
LIMIT_WORDS = {
    "RLIMIT_CPU": "CPU time",
    "RLIMIT_AS": "memory",
    "RLIMIT_FSIZE": "printed output",
    "RLIMIT_NPROC": "processes it starts",
}


def _missing_limits(enforced: Collection[str] | None = None) -> list[str]:
    """The limits not set on learner code: those a worker said it did not set (``enforced``:
    the names it set), else those a worker here would not set (worker.set_limits's rule:
    what ``resource`` has; memory only where /proc tells the address space in use)."""
    if enforced is None:
        try:
            import resource
        except ImportError:  # Windows
            enforced = ()
        else:
            enforced = {name for name in LIMIT_WORDS if hasattr(resource, name)}
            if not os.path.exists("/proc/self/statm"):  # macOS: RLIMIT_AS is not enforced
                enforced.discard("RLIMIT_AS")
    return [words for name, words in LIMIT_WORDS.items() if name not in enforced]


class ProcessBackend:
    """A plain child process over pipes (Linux, macOS, Windows)."""

    name = "process"
    signal_exit_offset = 0  # a worker killed by signal N ends with status -N
    watches_parent = True  # the worker ends itself when the grading process ends (see worker)

    @property
    def isolation(self) -> Isolation:
        return self.describe(None)

    def describe(self, enforced: Collection[str] | None) -> Isolation:
        """The isolation, its limits as a worker said it set them (``enforced``; None: as a
        worker here would)."""
        missing = _missing_limits(enforced)
        limits = f"no limit on {', '.join(missing)}; " if missing else ""
        who = "a user of its own" if users.needed() else "this user"
        return Isolation(
            self.name,
            f"no filesystem or network isolation: learner code can read what {who} can read "
            f"and open connections; {limits}time limited per call",
        )

    def unavailable(self) -> str | None:
        return None

    def shared(self) -> str | None:
        """Why learner code here could reach another submission (its worker, its files, the
        grader's installation or saved reports), or None when each worker is kept apart."""
        if users.needed():
            return None  # each worker a user of its own (grader/sandbox/users.py)
        return "the process backend runs learner code as you, with your rights"

    def command(self, python: str, config: str, temp_bytes: int) -> list[str]:  # noqa: ARG002
        return [python, *PYTHON_FLAGS, str(GRADER / "worker.py"), config]

    def environment(self, folder: str) -> dict[str, str]:
        """The worker's environment: clean, with its temporary files in its private ``folder``
        (which the grading process removes when the worker ends)."""
        return {**clean_environment(), "TMPDIR": folder, "TEMP": folder, "TMP": folder}

    def site(self) -> list[str]:
        return [str(numpy_folder())]

    def prepare(self, folder: Path) -> None:
        """Get ready to start workers, with ``folder`` (private, removed with the sandbox)."""

    def handover(self) -> list[int]:
        """File descriptors the last :meth:`command` opened for the worker to inherit; the
        caller closes them once the worker has started."""
        return []


class BubblewrapBackend(ProcessBackend):
    """The process backend inside ``bwrap`` namespaces (Linux)."""

    name = "bubblewrap"
    signal_exit_offset = 128  # bwrap ends with status 128 + N when the worker got signal N
    watches_parent = False  # bwrap's --die-with-parent does it
    isolation = Isolation(
        "bubblewrap",
        "sees only /usr, the Python runtime and NumPy, read-only, with no network; not a "
        "defence against kernel exploits",
    )

    def describe(self, enforced: Collection[str] | None) -> Isolation:  # noqa: ARG002
        return self.isolation

    def shared(self) -> str | None:
        return None  # its own namespaces; as root, also a user of its own

    def unavailable(self) -> str | None:
        """Cheap checks only: whether bwrap can create namespaces here shows when the first
        worker starts (the sandbox then falls back, and says why: see start_failure)."""
        if sys.platform != "linux":
            return "bubblewrap: Linux only"
        if self.program() is None:
            return "bubblewrap: not installed"
        return None

    @staticmethod
    def program() -> str | None:
        return shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin")

    @staticmethod
    def namespace_args() -> list[str]:
        if os.geteuid() != 0:
            return ["--unshare-all", "--die-with-parent", "--new-session"]
        # as root: every namespace but the user one, so that the worker can drop to a user of
        # its own (grader/sandbox/users.py: one no other worker on the machine has)
        # (where RLIMIT_NPROC applies); of root's capabilities it keeps only setuid/setgid
        caps = ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        spaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
        return [*spaces, "--unshare-cgroup-try", *caps, "--die-with-parent", "--new-session"]

    def site(self) -> list[str]:
        return ["/sandbox/site"]

    def prepare(self, folder: Path) -> None:
        self.view = kept_site_view() or site_view(folder)
        self.handed: list[int] = []

    def handover(self) -> list[int]:
        handed, self.handed = self.handed, []
        return handed

    def environment(self, folder: str) -> dict[str, str]:  # noqa: ARG002 - /tmp is private
        return {**CLEAN_ENV, "TMPDIR": "/tmp"}

    def command(self, python: str, config: str, temp_bytes: int) -> list[str]:
        """bwrap's options go through a file descriptor (``--args``), so that its command line,
        which learner code reads as /proc/1/cmdline, names no host path; the worker's files are
        copied in (``--file``) and NumPy bound from a neutral view (:func:`site_view`), so that
        the mount table names neither the grader's checkout nor its virtual environment."""
        args = [*self.namespace_args(), "--proc", "/proc", "--dev", "/dev"]
        for private in ("/tmp", "/dev/shm"):  # in memory, so bounded: gone with the worker
            args += ["--perms", "1777", "--size", str(temp_bytes), "--tmpfs", private]
        args += ["--ro-bind", "/usr", "/usr"]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        prefix = str(Path(sys.base_prefix).resolve())
        if not prefix.startswith("/usr/"):
            for parent in reversed(Path(prefix).parents[:-1]):
                args += ["--perms", "0755", "--dir", str(parent)]  # not root-only (0700)
            args += ["--ro-bind", prefix, prefix]
        args += [
            "--perms",
            "0755",
            "--dir",
            "/sandbox",
            "--ro-bind",
            str(self.view),
            "/sandbox/site",
        ]
        for name in WORKER_FILES:
            self.handed.append(os.open(GRADER / name, os.O_RDONLY))
            args += ["--perms", "0444", "--file", str(self.handed[-1]), f"/sandbox/{name}"]
        # the root and /dev themselves (tmpfs, unbounded) hold nothing learner code writes
        args += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp"]
        options, path = tempfile.mkstemp(prefix="gdkit-bwrap-")
        os.unlink(path)
        os.write(options, b"".join(arg.encode() + b"\0" for arg in args))
        os.lseek(options, 0, os.SEEK_SET)
        self.handed.append(options)
        worker = [python, *PYTHON_FLAGS, "/sandbox/worker.py", config]
        return [self.program(), "--args", str(options), *worker]


# not needed to import or run NumPy: its tests, type stubs and C sources and headers
NOT_IMPORTED = shutil.ignore_patterns("tests", "*.pyi", "*.c", "*.h", "*.pxd", "*.pyx")


def site_view(folder: Path) -> Path:
    """NumPy's files, hard-linked (else copied) into ``folder``/site: bound from there, the
    sandbox's mount table names this temporary folder, not where NumPy is installed (a bind
    mount shows its source's path, and a virtual environment may sit in the grader's
    checkout)."""
    view = folder / "site"
    view.mkdir()
    view.chmod(0o755)  # the worker may run as a user of its own
    for name in ("numpy", "numpy.libs"):
        source = numpy_folder() / name
        if not source.is_dir():
            continue
        try:
            shutil.copytree(source, view / name, ignore=NOT_IMPORTED, copy_function=os.link)
        except (OSError, shutil.Error):  # another filesystem, or links not allowed
            shutil.rmtree(view / name, ignore_errors=True)
            shutil.copytree(source, view / name, ignore=NOT_IMPORTED)
    return view


VIEW_FORMAT = "1"  # part of a kept view's name: change it when site_view's content changes
KEPT_VIEWS = "/var/tmp"


def kept_site_view() -> Path | None:
    """NumPy's view (:func:`site_view`), built once and kept for every later sandbox of this
    user while NumPy's installation is the same (~0.5k hard links: building and removing
    them per sandbox cost 30–130 ms of a run, and up to ~0.4 s on a busy disk). It lives in
    ``/var/tmp/gdkit-site-UID`` (kept across reboots, usually on the filesystem of the
    installation, so that hard links work; a name without the checkout's path, as the mount
    table shows it; not in TMPDIR, which holds nothing once a run is over), named by where
    NumPy is and which files it has; it is used only
    if that folder is a real folder of this user's that no one else can write, and only if it
    is whole (the number of its files is checked, as a cleaner of old temporary files may
    have taken some). None where it cannot be had: the caller builds a view of its own."""
    try:
        base = _own_folder(Path(KEPT_VIEWS) / f"gdkit-site-{os.geteuid()}")
        kept = base / _numpy_key()
        whole = _whole(kept)  # a walk over its ~0.5k files: once, where it was whole
        if not whole:
            _build(base, kept)
            whole = _whole(kept)
        return kept / "site" if whole else None
    except (OSError, shutil.Error, ValueError):
        return None


def _own_folder(path: Path) -> Path:
    """``path``, made if missing: a folder (not a link) owned by this user, which no other
    user can write to (else ValueError)."""
    try:
        path.mkdir(mode=0o755)
        path.chmod(0o755)  # whatever the umask: the worker may run as a user of its own
    except FileExistsError:
        pass
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise ValueError(f"{path} is not a folder of this user's alone")
    return path


def _numpy_key() -> str:
    """A name for NumPy's installation as it is now: where it is, and its files' identity."""
    folder = numpy_folder()
    marks = [VIEW_FORMAT, str(folder)]
    for name in ("numpy/__init__.py", "numpy/version.py", "numpy.libs"):
        try:
            info = (folder / name).stat()
        except FileNotFoundError:
            marks.append(f"{name}: none")
            continue
        marks.append(f"{name}: {info.st_dev} {info.st_ino} {info.st_mtime_ns} {info.st_size}")
    digest = hashlib.blake2b("\n".join(marks).encode(), digest_size=12).hexdigest()
    return f"numpy-{digest}"


_COUNT = "files"  # in a kept view: how many files its site folder holds


def _whole(kept: Path) -> bool:
    try:
        expected = int((kept / _COUNT).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return False
    return _file_count(kept / "site") == expected


def _file_count(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


def _build(base: Path, kept: Path) -> None:
    """Build the view in a folder of its own, then rename it into place (a concurrent build
    of the same view leaves one whole); a broken one in the way is removed first."""
    building = Path(tempfile.mkdtemp(prefix=f"{kept.name}.", dir=base))
    try:
        building.chmod(0o755)
        site = site_view(building)
        (building / _COUNT).write_text(str(_file_count(site)), encoding="ascii")
        if kept.exists() and not _whole(kept):
            shutil.rmtree(kept, ignore_errors=True)
        try:
            building.rename(kept)
        except OSError:  # another grader built it meanwhile
            pass
    finally:
        shutil.rmtree(building, ignore_errors=True)


def start_failure(name: str, message: str) -> str:
    """Why a backend's worker did not start, as the report says it."""
    lowered = message.lower()
    if name == "bubblewrap" and ("namespace" in lowered or "permission" in lowered):
        return f"bubblewrap: user namespaces disabled ({message[:160]})"
    return f"{name}: failed to start ({message[:160]})"


@functools.cache
def bubblewrap_works() -> bool:
    """Can bwrap create its namespaces here (not, e.g., in some containers)? A full probe, for
    the test suite and the benchmark; grading itself finds out from its first worker."""
    backend = BubblewrapBackend()
    if backend.unavailable():
        return False
    probe = [backend.program(), *backend.namespace_args(), "--ro-bind", "/", "/", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=20, env=CLEAN_ENV)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


BACKENDS = {"bubblewrap": BubblewrapBackend, "process": ProcessBackend}
STRONGEST_FIRST = ("bubblewrap", "process")


def available() -> list[str]:
    """The backends that can run here, strongest first (probing bubblewrap)."""
    usable = [name for name in STRONGEST_FIRST if BACKENDS[name]().unavailable() is None]
    return [name for name in usable if name != "bubblewrap" or bubblewrap_works()]
