"""Run learner code in a sandboxed child process and get plain data back.

    with Sandbox(submission_dir) as sandbox:
        worker = sandbox.worker(submission_dir / "01_parabola.py")
        value = worker.call("gd_step", 3.0, 2.5, 0.1)      # -> 2.75, or raises SubmissionError

One *zygote* process per sandbox imports NumPy once; each exercise file gets its own child forked
from it (milliseconds instead of a fresh interpreter). Where bubblewrap is installed the zygote
runs under ``bwrap --unshare-all`` and sees only the Python runtime, NumPy and the submission
folder (read-only); otherwise it is a plain child process with resource limits only, and
:attr:`Sandbox.isolation` says so. Limits (per call: wall time, CPU time; per child: memory,
output size, no new processes) are in :class:`Limits`.

Values cross the boundary as tagged JSON and ``.npy`` blobs (see :mod:`grader._worker`); results
are decoded with ``allow_pickle=False`` and only numeric arrays are accepted.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader import _worker
from grader._worker import WireError, decode, encode, recv_message, send_message

WORKER_SCRIPT = Path(_worker.__file__).resolve()
BWRAP = "/usr/bin/bwrap"
SANDBOX_ROOT = "/submission"
CONTROL_LOCK_SECONDS = 30.0  # longest wait for the zygote's control lock (shared after a fork)


@dataclass(frozen=True)
class Limits:
    """Resource limits for learner code. Times in seconds, sizes in bytes."""

    wall: float = 10.0  # per call, measured by the grading process
    cpu: float = 10.0  # per call (RLIMIT_CPU soft limit)
    cpu_total: float = 120.0  # per exercise child (RLIMIT_CPU hard limit)
    memory_bytes: int = 1 << 30  # on top of what the child uses after importing NumPy
    output_bytes: int = 1 << 20  # printed output per call (RLIMIT_FSIZE)
    output_keep: int = 4000  # printed output kept for the report, per call
    message_bytes: int = 256 << 20  # largest result accepted

    @classmethod
    def from_env(cls, **overrides: float) -> Limits:
        """Defaults, overridden by GDKIT_TIMEOUT (per-call wall and CPU seconds) if set."""
        timeout = os.environ.get("GDKIT_TIMEOUT")
        values: dict = {}
        if timeout:
            try:
                seconds = float(timeout)
            except ValueError:
                seconds = -1.0
            if not seconds > 0:
                raise ValueError(
                    f"GDKIT_TIMEOUT must be a positive number of seconds, got {timeout!r}"
                )
            values = {"wall": seconds, "cpu": seconds}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


class SubmissionError(Exception):
    """Learner code did not produce a usable result.

    kind is one of: not_implemented, missing (no such function), missing_file, syntax, import,
    signature, exception, exit, memory, timeout, crashed, output_limit, bad_return.
    """

    def __init__(self, kind: str, message: str, where: str = "", output: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.where = where
        self.output = output


class SandboxError(RuntimeError):
    """The sandbox itself could not be started (not the learner's fault)."""


def _numpy_site() -> list[str]:
    """The folder holding the numpy package (found without importing numpy: that is slow)."""
    import importlib.util

    spec = importlib.util.find_spec("numpy")
    if spec is None or spec.origin is None:
        raise SandboxError("numpy is not installed")
    return [str(Path(spec.origin).resolve().parent.parent)]


def bubblewrap_available() -> bool:
    """Is the bwrap program installed? (See bubblewrap_works for whether it can run here.)"""
    return os.path.exists(BWRAP) and os.access(BWRAP, os.X_OK)


def _namespace_args() -> list[str]:
    if os.geteuid() == 0:
        # as root: every namespace but the user one (so that the child can drop to an
        # unprivileged uid, which makes RLIMIT_NPROC apply), and no capabilities but the ones
        # the zygote needs to drop to that uid and to kill its children (the child loses them
        # all when it changes uid)
        return [
            "--unshare-ipc",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--cap-drop",
            "ALL",
            "--cap-add",
            "CAP_SETUID",
            "--cap-add",
            "CAP_SETGID",
            "--cap-add",
            "CAP_KILL",
        ]
    return ["--unshare-all"]


@functools.cache
def bubblewrap_works() -> bool:
    """Can bwrap create its namespaces on this machine (not, e.g., in some containers)?"""
    if not bubblewrap_available():
        return False
    probe = [BWRAP, *_namespace_args(), "--die-with-parent", "--ro-bind", "/", "/", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _base_python() -> str:
    return getattr(sys, "_base_executable", None) or sys.executable


class Sandbox:
    """One zygote for one submission folder; hands out :class:`Worker` objects per file."""

    def __init__(self, root: Path, limits: Limits | None = None, isolation: str = "auto") -> None:
        if isolation not in ("auto", "bubblewrap", "rlimits"):
            raise ValueError(f"isolation must be auto, bubblewrap or rlimits, got {isolation!r}")
        self.root = Path(root).resolve()
        self.limits = limits or Limits.from_env()
        self.requested = isolation
        self.isolation = ""  # "bubblewrap" or "rlimits only", once started
        self.note = ""  # why we fell back, if we did
        self._process: subprocess.Popen | None = None
        self._ctrl: socket.socket | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._ready = False
        self._generation = 0  # counts zygote launches: a child's pid is only valid in its own
        self._workers: list[Worker] = []
        # A process forked after wait_ready() shares the zygote: control exchanges take a lock
        # file, and only the process that launched the zygote kills it or removes its folder.
        self._owner = os.getpid()
        self._inherited: list[tempfile.TemporaryDirectory] = []  # a launching process's folders
        self._lock_key: tuple[int, str] | None = None
        self._lock_fd: int | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the zygote (returns at once; NumPy loads in the background)."""
        if self._process is not None:
            return
        want_bwrap = self.requested == "bubblewrap" or (
            self.requested == "auto" and bubblewrap_available()
        )
        if self.requested == "bubblewrap" and not bubblewrap_available():
            raise SandboxError(f"bubblewrap was requested but {BWRAP} is not available")
        self._launch(bubblewrap=want_bwrap)

    def _owned(self) -> bool:
        """Did this process launch the zygote (not a forked copy of the process that did)?"""
        return self._owner == os.getpid()

    def _drop_tmp(self) -> None:
        if self._tmp is not None:
            if self._owned():
                self._tmp.cleanup()
            else:  # the launching process still uses it and removes it; keep it referenced
                self._inherited.append(self._tmp)
            self._tmp = None

    def _launch(self, bubblewrap: bool) -> None:
        if getattr(self, "_errlog", None) is not None:
            self._errlog.close()
        self._drop_tmp()
        self._owner = os.getpid()
        self._tmp = tempfile.TemporaryDirectory(prefix="gdkit-sandbox-")
        ctrl, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        python = _base_python()
        site = _numpy_site()
        env = {
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "NUMEXPR_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
        }
        if bubblewrap:
            inner_site = ["/sandbox/site"]
            config = {"site": inner_site}
            command = [BWRAP, *self._bwrap_args(site), python, "-I", "-S", "/sandbox/worker.py"]
            self.isolation = "bubblewrap"
            tmp_inside = "/tmp"
        else:
            config = {"site": site}
            command = [python, "-I", "-S", str(WORKER_SCRIPT)]
            self.isolation = "rlimits only"
            tmp_inside = self._tmp.name
        self._config = {
            "tmp": tmp_inside,
            # under bubblewrap as root the child drops to "nobody": it cannot fork, signal the
            # zygote, or read what root alone may read
            "drop_to": 65534 if bubblewrap and os.geteuid() == 0 else None,
        }
        command += ["zygote", str(child_end.fileno()), json.dumps(config)]
        self._errlog = open(Path(self._tmp.name) / "zygote.log", "w+b")  # noqa: SIM115
        self._process = subprocess.Popen(
            command,
            pass_fds=(child_end.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=self._errlog,
            stderr=self._errlog,
            env=env,
            cwd=self._tmp.name,
            start_new_session=True,
        )
        child_end.close()
        self._ctrl = ctrl
        self._ready = False
        self._bubblewrap = bubblewrap
        self._generation += 1

    def _bwrap_args(self, site: list[str]) -> list[str]:
        args = _namespace_args() + [
            "--die-with-parent",
            "--new-session",
            "--ro-bind",
            "/usr",
            "/usr",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--tmpfs",
            "/tmp",
        ]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        prefix = str(Path(sys.base_prefix).resolve())
        if not prefix.startswith("/usr/"):
            for parent in reversed(Path(prefix).parents[:-1]):
                args += ["--perms", "0755", "--dir", str(parent)]
            args += ["--ro-bind", prefix, prefix]
        for directory in site:
            for name in ("numpy", "numpy.libs"):
                path = Path(directory) / name
                if path.exists():
                    args += ["--ro-bind", str(path), f"/sandbox/site/{name}"]
        # directories bwrap creates itself are root-only (0700): the child runs as "nobody"
        for folder in ("/sandbox", "/sandbox/site"):
            args += ["--perms", "0755", "--dir", folder]
        args += ["--ro-bind", str(WORKER_SCRIPT), "/sandbox/worker.py"]
        args += ["--ro-bind", str(self.root), SANDBOX_ROOT, "--chdir", "/tmp"]
        return args

    def wait_ready(self) -> None:
        """Block until the zygote has loaded NumPy (starting it if needed).

        After this, a copy of this process made with ``os.fork()`` may use the sandbox too: the
        two processes share the one zygote, each asking it for children of its own.
        """
        self._ensure_running()

    def _wait_ready(self) -> None:
        if self._ready:
            return
        assert self._ctrl is not None
        self._ctrl.settimeout(60)
        try:
            data = self._ctrl.recv(1 << 16)
        except OSError:
            data = b""
        if not data:
            log = self._read_log()
            self._kill_process()
            if self._bubblewrap and self.requested == "auto":
                # bubblewrap is installed but does not work here: fall back, and say why
                self.note = f"bubblewrap failed to start ({log.strip()[:200] or 'no message'})"
                self._launch(bubblewrap=False)
                self._wait_ready()
                return
            raise SandboxError(f"the sandbox did not start: {log.strip()[:500]}")
        self._ctrl.settimeout(None)
        self._ready = True

    def _read_log(self) -> str:
        try:
            self._errlog.seek(0)
            return self._errlog.read(4000).decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def _kill_process(self) -> None:
        if self._process is not None and self._owned():
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except OSError:
                pass
            self._process.wait()
        if self._ctrl is not None:
            self._ctrl.close()
        self._process = None
        self._ctrl = None
        self._ready = False

    def close(self) -> None:
        for worker in self._workers:
            worker.close()
        self._workers.clear()
        self._kill_process()
        if getattr(self, "_errlog", None) is not None:
            self._errlog.close()
            self._errlog = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd, self._lock_key = None, None
        self._drop_tmp()

    # -- control requests ---------------------------------------------------------------------
    @contextlib.contextmanager
    def _control_lock(self):
        """Hold the zygote's control lock: a forked grading process shares the control socket,
        and each request must get its own reply. (flock belongs to an open file, so each
        process opens the lock file itself.)"""
        assert self._tmp is not None
        key = (os.getpid(), self._tmp.name)
        if self._lock_key != key:
            if self._lock_fd is not None:
                os.close(self._lock_fd)  # another process's or an earlier zygote's lock
            self._lock_fd = os.open(
                os.path.join(self._tmp.name, "control.lock"),
                os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                0o600,
            )
            self._lock_key = key
        # Poll rather than block: without bubblewrap a submission's child can reach this file,
        # and holding its lock must cost the submission the call, never hang the grader.
        deadline = time.monotonic() + CONTROL_LOCK_SECONDS
        while True:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SandboxError(
                        f"the sandbox's control lock was held for {CONTROL_LOCK_SECONDS:g} s"
                    ) from None
                time.sleep(0.002)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _control(self, request: dict, fds: list[int] = (), start: bool = True) -> dict | None:
        """Send one request to the zygote; None if the zygote is gone.

        With ``start=False`` a zygote that is not running is not started for this request.
        """
        if start:
            self._ensure_running()
        elif self._process is None or not self._ready:
            return None
        assert self._ctrl is not None
        try:
            with self._control_lock():
                socket.send_fds(self._ctrl, [json.dumps(request).encode()], list(fds))
                self._ctrl.settimeout(30)
                data = self._ctrl.recv(1 << 16)
                self._ctrl.settimeout(None)
        except OSError:
            data = b""
        if not data:
            self._kill_process()  # the zygote died (a child may have killed it); restart later
            return None
        return json.loads(data)

    def _ensure_running(self) -> None:
        if self._process is None:
            self._launch(self._bubblewrap)
        self._wait_ready()

    def _spawn(self, file: Path) -> tuple[int, int, socket.socket]:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        limits = self.limits
        for _attempt in range(2):
            self._ensure_running()  # a zygote that died is started again, with a new tmp
            request = {
                "op": "spawn",
                "file": self.inner_path(file),  # after a fallback to rlimits, the host path
                "limits": {
                    "cpu": limits.cpu,
                    "cpu_total": limits.cpu_total,
                    "memory_bytes": limits.memory_bytes,
                    "output_bytes": limits.output_bytes,
                    "output_keep": limits.output_keep,
                    **self._config,
                },
            }
            reply = self._control(request, [theirs.fileno()])
            if reply is not None:
                theirs.close()
                return int(reply["pid"]), self._generation, mine
        theirs.close()
        mine.close()
        raise SandboxError(f"the sandbox could not start a worker: {self._read_log()[:300]}")

    def _stop_child(self, pid: int, generation: int, kill: bool) -> dict:
        """Kill (or just reap) a child of the *current* zygote; a restarted zygote's pids are
        new, so a child of an earlier one is left alone (it died with its zygote)."""
        if generation != self._generation:
            return {"exit": None}
        reply = self._control({"op": "kill" if kill else "reap", "pid": pid}, start=False)
        return reply or {"exit": None}

    def inner_path(self, file: Path) -> str:
        """Where ``file`` (inside the submission folder) is seen by the worker."""
        relative = Path(file).resolve().relative_to(self.root)
        if self.isolation == "bubblewrap":
            return f"{SANDBOX_ROOT}/{relative.as_posix()}"
        return str(self.root / relative)

    def worker(self, file: Path) -> Worker:
        """A worker for one exercise file (started lazily, restarted after a crash)."""
        self._workers = [w for w in self._workers if w._sock is not None]
        worker = Worker(self, Path(file))
        self._workers.append(worker)
        return worker


def _peer_closed(sock: socket.socket) -> bool:
    """True when the other end has closed (without blocking)."""
    import select

    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True


class Worker:
    """Calls functions of one submission file inside the sandbox."""

    def __init__(self, sandbox: Sandbox, file: Path) -> None:
        self.sandbox = sandbox
        self.file = file
        self._pid: int | None = None
        self._generation = 0
        self._sock: socket.socket | None = None
        self._load_error: SubmissionError | None = None
        self._load_pending = False
        self.load_output = ""
        self.last_output = ""
        self.last_warnings: list[str] = []  # warnings the last call raised (e.g. overflow)

    def _start(self) -> None:
        if self._load_error is not None:
            raise self._load_error  # loading the file failed once: it will fail again
        if not self.file.exists():
            self._load_error = SubmissionError(
                "missing_file", f"{self.file.name} was not found in {self.file.parent}"
            )
            raise self._load_error
        if not self._load_pending:
            self.prestart()
        self._load_pending = False
        try:
            header, _ = self._exchange(None, [], {})
        except SubmissionError as error:
            if error.kind == "timeout":
                error.message = "loading the file " + error.message
            self._load_error = error
            self.close()
            raise
        self.load_output = header.get("output", "")

    def prestart(self) -> None:
        """Fork the child and ask it to load the file, without waiting for the answer (so that
        loading overlaps with other work); the first call collects the answer."""
        if self._sock is not None or self._load_error is not None or not self.file.exists():
            return
        self._pid, self._generation, self._sock = self.sandbox._spawn(self.file)
        send_message(self._sock, {"op": "load"})
        self._load_pending = True

    def close(self) -> None:
        self._load_pending = False
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            if self._pid is not None:
                self.sandbox._stop_child(self._pid, self._generation, kill=True)
        self._pid = None

    def _died(self, timed_out: bool) -> SubmissionError:
        pid = self._pid
        status = self.sandbox._stop_child(pid, self._generation, kill=True) if pid else {}
        if self._sock is not None:
            self._sock.close()
        self._sock, self._pid = None, None
        limits = self.sandbox.limits
        if timed_out:
            return SubmissionError(
                "timeout",
                f"took longer than {limits.wall:g} s (the time limit per call); look for a loop "
                "that never ends or a very slow step",
            )
        if status.get("signal") == signal.SIGXCPU:
            return SubmissionError(
                "timeout", f"used more than {limits.cpu:g} s of CPU time (the limit per call)"
            )
        if status.get("signal") is not None:
            name = signal.Signals(status["signal"]).name
            return SubmissionError("crashed", f"the process running your code was killed ({name})")
        return SubmissionError(
            "crashed",
            f"the process running your code ended during the call (exit status "
            f"{status.get('exit')}); do not call os._exit() or exit the interpreter",
        )

    def _exchange(
        self, request: dict | None, blobs: list[bytes], callbacks: dict[int, Callable]
    ) -> tuple[dict, list[bytes]]:
        """Send ``request`` (None: it was sent already) and wait for its answer."""
        assert self._sock is not None
        deadline = time.monotonic() + self.sandbox.limits.wall
        try:
            if request is not None:
                send_message(self._sock, request, blobs)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                self._sock.settimeout(remaining)
                header, reply_blobs = recv_message(self._sock, self.sandbox.limits.message_bytes)
                if header.get("op") == "callback":
                    self._answer_callback(header, reply_blobs, callbacks)
                    continue
                break
        except TimeoutError:
            raise self._died(timed_out=True) from None
        except (WireError, ValueError, RecursionError) as exc:
            self._died(timed_out=False)
            raise SubmissionError("bad_return", f"the result could not be read: {exc}") from None
        except (EOFError, OSError):
            raise self._died(timed_out=False) from None
        if not header.get("ok"):
            error = SubmissionError(
                str(header.get("kind", "exception")),
                str(header.get("message", "")),
                str(header.get("where", "")),
                str(header.get("output", "")),
            )
            raise error
        return header, reply_blobs

    def _answer_callback(self, header: dict, blobs: list[bytes], callbacks: dict) -> None:
        function = callbacks.get(header.get("id"))
        out: list[bytes] = []
        try:
            if function is None:
                raise ValueError("unknown callback")
            args = decode(header.get("args"), blobs)
            result = function(*args)
            reply = {"ok": True, "result": encode(result, out)}
        except (ValueError, TypeError, WireError) as exc:
            reply, out = {"ok": False, "message": str(exc)}, []
        send_message(self._sock, reply, out)

    def call(self, function: str, *args: object, **kwargs: object) -> object:
        """Call ``function(*args, **kwargs)`` in the submission; return plain data.

        Callables among the arguments stay in the grading process: the learner's code calls
        them back over the channel (plain data both ways).
        """
        if self._load_pending:
            self._start()  # collect the answer to the load request prestart() sent
        if self._sock is not None and _peer_closed(self._sock):
            self.close()  # the child died between calls (e.g. with its zygote): start anew
        if self._sock is None:
            self._start()
        callbacks: dict[int, Callable] = {}
        blobs: list[bytes] = []
        request = {
            "op": "call",
            "function": function,
            "args": encode(list(args), blobs, callbacks),
            "kwargs": encode(dict(kwargs), blobs, callbacks),
        }
        header, reply_blobs = self._exchange(request, blobs, callbacks)
        self.last_output = str(header.get("output", ""))
        warnings = header.get("warnings", [])
        self.last_warnings = [str(w) for w in warnings] if type(warnings) is list else []
        try:
            return decode(header["result"], reply_blobs)
        except (WireError, ValueError, KeyError, TypeError, RecursionError) as exc:
            raise SubmissionError("bad_return", f"{function} returned {exc}") from None
