"""The Windows and macOS branches, each run here with the platform's primitives simulated:
the console's mode (kernel32 through ctypes, msvcrt), taskkill, the Store Python's app
execution alias, a Windows worker's environment, and an output encoding without α."""

from __future__ import annotations

import ctypes
import io
import os
import signal
import subprocess
import sys
from types import SimpleNamespace

import pytest

from grader.report import terminal
from grader.sandbox import backends, jobs, sessions

# -- colour and screen clearing on a Windows console --------------------------------------------


class Console:
    """kernel32's console-mode calls, as ctypes.WinDLL("kernel32") gives them."""

    def __init__(self, mode: int | None, accepts: bool = True) -> None:
        self.mode, self.accepts, self.set = mode, accepts, []

    def GetConsoleMode(self, handle, mode_ref):  # noqa: N802 - the Windows API's name
        assert handle.value == 77  # what msvcrt.get_osfhandle gave, as a HANDLE
        if self.mode is None:  # not a console: a pipe, a file, mintty
            return 0
        mode_ref._obj.value = self.mode
        return 1

    def SetConsoleMode(self, handle, mode):  # noqa: N802
        assert handle.value == 77
        self.set.append(mode)
        if self.accepts:
            self.mode = mode
        return int(self.accepts)


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return 1


@pytest.fixture
def windows_console(monkeypatch):
    """Make the terminal module take its Windows branch against a simulated console."""

    def use(console: Console) -> Console:
        monkeypatch.setattr(terminal, "WINDOWS", True)
        monkeypatch.setattr(ctypes, "WinDLL", lambda name, **_: console, raising=False)
        monkeypatch.setitem(sys.modules, "msvcrt", SimpleNamespace(get_osfhandle=lambda fd: 77))
        monkeypatch.delenv("NO_COLOR", raising=False)
        return console

    return use


def test_a_windows_console_gets_colour_once_virtual_terminal_processing_is_on(windows_console):
    console = windows_console(Console(mode=0x0003))  # processed and wrapped output, VT off
    assert terminal.use_colour(Tty())
    assert console.set == [0x0007] and console.mode == 0x0007
    assert terminal.use_colour(Tty()) and len(console.set) == 1  # on already: left as it is


@pytest.mark.parametrize(
    "console", [Console(mode=0x0003, accepts=False), Console(mode=None)], ids=["old", "no-console"]
)
def test_a_console_that_refuses_it_gets_plain_text(windows_console, console):
    """Windows before 10 refuses the mode; what is not a console has none: no colour, and so
    no escape code is ever written there raw."""
    windows_console(console)
    assert not terminal.use_colour(Tty())


def test_watch_mode_clears_the_screen_only_where_escapes_work(windows_console, tmp_path):
    from grader.watch_screen import Screen

    def screen() -> Screen:
        return Screen(tmp_path, "text", Tty(), io.StringIO(), keys=True, limit=10)

    windows_console(Console(mode=0x0003, accepts=False))
    assert not screen().live and not screen().colour  # no clearing, no line redrawn in place
    windows_console(Console(mode=0x0003))
    assert screen().live and screen().colour


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.setattr(terminal, "WINDOWS", False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert terminal.use_colour(Tty()) and not terminal.use_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not terminal.use_colour(Tty())


# -- an output encoding without the report's characters ---------------------------------------


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "ascii"])
def test_what_the_output_cannot_hold_is_spelled_plainly(encoding):
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding=encoding)
    terminal.plain_where_unencodable(stream)
    stream.write("w_new = w − α · ∂L/∂w; ŷᵢ ≈ σ(z) ≤ 1, Xᵀ, ½ ‖g‖², 😀\n")
    stream.flush()
    text = raw.getvalue().decode(encoding)
    assert "\\u" not in text and "w_new = w - alpha " in text and "dL/dw" in text
    assert "y^_i ~= sigma(z) <= 1, X^T, " in text and "||g||" in text and "?" in text


def test_utf8_output_is_left_as_it_is():
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    terminal.plain_where_unencodable(stream)
    assert stream.errors == "strict"


# -- the worker's environment on Windows ---------------------------------------------------------


def test_a_windows_worker_keeps_systemroot_and_finds_the_interpreters_dlls(tmp_path):
    """SYSTEMROOT (Winsock, the system's random numbers) and a PATH of the interpreter's
    folders that exist — a conda environment's Library\\bin among them — then the system's;
    nothing else of the caller's environment."""
    prefix = tmp_path / "miniconda3" / "envs" / "course"
    for folder in ("DLLs", "Library/bin", "Scripts"):
        (prefix / folder).mkdir(parents=True)
    environ = {"SYSTEMROOT": r"C:\Windows", "WINDIR": r"C:\Windows", "API_TOKEN": "secret"}
    environ["PATH"] = r"C:\Users\me\bin"
    env = backends.clean_environment(windows=True, environ=environ, prefix=str(prefix))
    assert env["SYSTEMROOT"] == env["WINDIR"] == r"C:\Windows" and "API_TOKEN" not in env
    system = [os.path.join(r"C:\Windows", "System32"), r"C:\Windows"]
    ours = [str(prefix), str(prefix / "DLLs"), str(prefix / "Library/bin"), str(prefix / "Scripts")]
    assert env["PATH"].split(";") == ours + system
    assert env["PYTHONHASHSEED"] == "0" and env["OMP_NUM_THREADS"] == "1"


def test_the_process_backend_gives_a_windows_worker_its_temporary_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(backends, "WINDOWS", True)
    monkeypatch.setenv("SYSTEMROOT", r"C:\Windows")
    env = backends.ProcessBackend().environment(str(tmp_path))
    assert env["TEMP"] == env["TMP"] == env["TMPDIR"] == str(tmp_path)
    assert env["SYSTEMROOT"] == r"C:\Windows" and env["PATH"].endswith(r";C:\Windows")


def test_a_posix_worker_has_the_plain_clean_environment():
    env = backends.clean_environment(windows=False, environ={"SYSTEMROOT": "x"})
    assert env == backends.CLEAN_ENV and env["PATH"] == os.defpath


# -- the Microsoft Store Python ------------------------------------------------------------------


def test_a_store_python_is_started_by_its_app_execution_alias(monkeypatch, tmp_path):
    """sys._base_executable is the alias (a reparse point in WindowsApps); the packaged
    python.exe in sys.base_prefix cannot be started directly, so the alias is the one."""
    package = (
        tmp_path / "Program Files" / "WindowsApps" / "PythonSoftwareFoundation.Python.3.12_x64"
    )
    package.mkdir(parents=True)
    (package / "python.exe").write_bytes(b"MZ")
    aliases = tmp_path / "AppData" / "Local" / "Microsoft" / "WindowsApps"
    aliases.mkdir(parents=True)
    alias = aliases / "python3.12.exe"
    alias.write_bytes(b"")
    venv_python = tmp_path / "course" / ".venv" / "Scripts" / "python.exe"  # the venv launcher
    venv_python.parent.mkdir(parents=True)
    venv_python.write_bytes(b"MZ")
    real_lstat = os.lstat

    def lstat(path, *args, **kwargs):
        if os.fspath(path) == str(alias):
            return SimpleNamespace(st_reparse_tag=backends.APP_ALIAS_TAG, st_mode=0o100755)
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", lstat)
    monkeypatch.setattr(sys, "base_prefix", str(package))
    monkeypatch.setattr(sys, "_base_executable", str(alias), raising=False)
    monkeypatch.setattr(sys, "executable", str(venv_python))
    assert backends.is_app_alias(str(alias)) and not backends.is_app_alias(str(venv_python))
    assert backends.base_python() == str(alias)


# -- killing a hung worker's whole tree on Windows -----------------------------------------------


def test_a_windows_worker_leads_a_process_group_of_its_own(monkeypatch):
    """No sessions on Windows: a new process group, so that Ctrl-C meant for grade does not
    reach the worker (and back)."""
    if hasattr(os, "setsid"):
        assert sessions.own_session() == {"start_new_session": True}
    monkeypatch.delattr(os, "setsid", raising=False)
    monkeypatch.setattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200, raising=False)
    assert sessions.own_session() == {"creationflags": 0x200}


@pytest.fixture
def windows_kill(monkeypatch):
    """No process groups (Windows); taskkill and TerminateProcess recorded, not run."""
    monkeypatch.delattr(os, "killpg", raising=False)
    monkeypatch.setenv("SYSTEMROOT", r"C:\Windows")
    calls = SimpleNamespace(run=[], signals=[])
    monkeypatch.setattr(
        sessions, "_signal", lambda pid, number: calls.signals.append((pid, number))
    )
    tree = {1234: [2000, 2001], 2000: [3000]}
    monkeypatch.setattr(sessions, "_children", lambda pid: tree.get(pid, []))
    return calls


def test_a_hung_worker_is_killed_with_its_whole_tree_by_taskkill(windows_kill, monkeypatch):
    def run(command, **kwargs):
        windows_kill.run.append(command)
        assert kwargs["timeout"] > 0 and kwargs["capture_output"]
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(sessions.subprocess, "run", run)
    sessions.kill_session(1234)
    taskkill = os.path.join(r"C:\Windows", "System32", "taskkill.exe")
    assert windows_kill.run == [[taskkill, "/PID", "1234", "/T", "/F"]]
    assert windows_kill.signals == []


@pytest.mark.parametrize("failure", [FileNotFoundError(2, "no taskkill"), 128])
def test_without_taskkill_each_process_below_is_terminated_children_first(
    windows_kill, monkeypatch, failure
):
    def run(command, **kwargs):
        if isinstance(failure, Exception):
            raise failure
        return subprocess.CompletedProcess(command, failure)

    monkeypatch.setattr(sessions.subprocess, "run", run)
    sessions.kill_session(1234)
    assert windows_kill.signals == [(pid, signal.SIGTERM) for pid in (3000, 2001, 2000, 1234)]


# -- Windows: each worker in a job of its own ---------------------------------------------------


class Kernel32:
    """kernel32's job calls, as jobs._kernel32() gives them: handles are numbers, and what the
    grader asked for is recorded. ``refuse`` names a call that fails."""

    def __init__(self, refuse: str = "") -> None:
        self.refuse, self.calls, self.limits, self.open = refuse, [], None, set()
        self.next_handle = 100

    def _result(self, name: str, value):
        self.calls.append(name)
        return 0 if name == self.refuse else value

    def _handle(self, name: str) -> int:
        self.calls.append(name)
        if name == self.refuse:
            return 0  # NULL
        self.next_handle += 1
        self.open.add(self.next_handle)
        return self.next_handle

    def CreateJobObjectW(self, attributes, name):  # noqa: N802 - the Windows API's names
        assert attributes is None and name is None  # unnamed: no other process can open it
        return self._handle("CreateJobObjectW")

    def SetInformationJobObject(self, job, kind, information, size):  # noqa: N802
        assert job in self.open and kind == jobs.EXTENDED_LIMIT_INFORMATION
        self.limits = jobs.ExtendedLimits.from_buffer_copy(ctypes.string_at(information, size))
        return self._result("SetInformationJobObject", 1)

    def OpenProcess(self, access, inherit, pid):  # noqa: N802
        assert access == jobs.PROCESS_SET_QUOTA | jobs.PROCESS_TERMINATE and not inherit
        assert pid == 4321
        return self._handle("OpenProcess")

    def AssignProcessToJobObject(self, job, process):  # noqa: N802
        assert {job, process} <= self.open
        return self._result("AssignProcessToJobObject", 1)

    def TerminateJobObject(self, job, code):  # noqa: N802
        assert job in self.open
        return self._result("TerminateJobObject", 1)

    def CloseHandle(self, handle):  # noqa: N802
        self.open.remove(handle)
        return self._result("CloseHandle", 1)


@pytest.fixture
def kernel32(monkeypatch):
    """A simulated Windows: no process groups, the simulated kernel32; taskkill recorded, not
    run."""
    monkeypatch.setattr(jobs, "WINDOWS", True)
    monkeypatch.setattr(jobs, "_jobs", {})
    monkeypatch.delattr(os, "killpg", raising=False)
    monkeypatch.setattr(sessions, "_kill_tree_windows", lambda pid: kernel.taskkilled.append(pid))
    kernel = Kernel32()
    kernel.taskkilled = []
    monkeypatch.setattr(jobs, "_kernel32", lambda: kernel)
    return kernel


def test_the_job_layout_is_windows_own():
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION is 144 bytes on 64-bit Windows and 112 on 32-bit:
    another size and SetInformationJobObject refuses it (ERROR_BAD_LENGTH)."""
    assert ctypes.sizeof(jobs.ExtendedLimits) == {8: 144, 4: 112}[ctypes.sizeof(ctypes.c_void_p)]


def test_a_started_worker_goes_in_a_job_that_ends_with_the_grader(kernel32):
    sessions.started(4321)
    assert kernel32.calls == [
        "CreateJobObjectW",
        "OpenProcess",
        "SetInformationJobObject",
        "AssignProcessToJobObject",
        "CloseHandle",  # the process's handle; the job's is kept
    ]
    assert kernel32.limits.BasicLimitInformation.LimitFlags == jobs.KILL_ON_JOB_CLOSE
    assert len(kernel32.open) == 1 and jobs._jobs == {4321: min(kernel32.open)}


def test_killing_a_contained_worker_ends_its_job_not_a_taskkill(kernel32):
    sessions.started(4321)
    sessions.kill_session(4321)
    assert kernel32.calls[-2:] == ["TerminateJobObject", "CloseHandle"]
    assert kernel32.taskkilled == [] and kernel32.open == set() and jobs._jobs == {}
    sessions.reaped(4321)  # nothing left to let go of
    assert kernel32.calls[-1] == "CloseHandle" and len(kernel32.calls) == 7


def test_a_worker_that_ended_by_itself_lets_go_of_its_job(kernel32):
    sessions.started(4321)
    sessions.reaped(4321)  # what it started and left running ends with the job
    assert kernel32.calls[-1] == "CloseHandle" and "TerminateJobObject" not in kernel32.calls
    assert kernel32.open == set() and jobs._jobs == {}


@pytest.mark.parametrize(
    "refused",
    ["CreateJobObjectW", "OpenProcess", "SetInformationJobObject", "AssignProcessToJobObject"],
)
def test_without_a_job_killing_falls_back_to_taskkill(kernel32, refused):
    kernel32.refuse = refused
    sessions.started(4321)
    assert kernel32.open == set() and jobs._jobs == {}  # nothing kept, no handle leaked
    sessions.kill_session(4321)
    assert kernel32.taskkilled == [4321] and "TerminateJobObject" not in kernel32.calls


def test_no_job_on_other_platforms(monkeypatch):
    monkeypatch.setattr(jobs, "_kernel32", lambda: pytest.fail("kernel32 used off Windows"))
    assert jobs.contain(os.getpid()) is False and jobs.terminate(os.getpid()) is False
    jobs.close(os.getpid())


def test_every_worker_is_put_in_a_job_when_it_starts_and_let_go_when_reaped(monkeypatch):
    """The wiring, with a real worker: what the sandbox hands jobs.py is its worker's pid."""
    from grader.sandbox.sandbox import Sandbox

    contained, closed = [], []
    monkeypatch.setattr(jobs, "contain", contained.append)
    monkeypatch.setattr(jobs, "close", closed.append)
    with Sandbox(isolation="process") as sandbox:
        loaded = sandbox.load("def f():\n    return 1\n", "x.py")
        assert loaded.call("f") == 1
        [pid] = contained
    assert closed == [pid]


# -- macOS: no /proc to measure memory by --------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="macOS's branch, run on Linux")
def test_without_proc_the_report_says_memory_is_not_limited(monkeypatch):
    """macOS has RLIMIT_AS but does not enforce it; the worker sets a memory limit only where
    /proc tells the address space in use, and the grading process's guess follows the rule."""
    real_exists = os.path.exists
    monkeypatch.setattr(os.path, "exists", lambda p: p != "/proc/self/statm" and real_exists(p))
    assert "no limit on memory;" in backends.ProcessBackend().isolation.description
    monkeypatch.setattr(os.path, "exists", real_exists)
    assert "memory" not in backends.ProcessBackend().isolation.description
