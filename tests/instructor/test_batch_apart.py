"""`grade batch`: no submission can reach another. One test per kind of attack the issue found
(stop another student's worker, append to the installed grader, rewrite another student's
staged files, zero a cached report), under every backend that keeps submissions apart here,
run as root and, where it matters, as an ordinary user (created with useradd when the tests run
as root). Each run's class: three students with the reference solutions, one with the stubs, and
the attacker (the stubs, with a 01_parabola.py whose every function is wrong and whose loading
attacks for 3 s, printing "DONE: …" for each attack that worked). Each asserts that the other
students' results are intact (resumed too), nothing unearned is scored, the outputs are written
and valid, the installation is unchanged, and no process or file of the run remains.

The project is copied (grader, gdref, solutions, exercises) and run from the copy: the
attacker aims at that copy, never at the checkout, and as an ordinary user the copy is that
user's own, as an instructor's installation is."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest
from ordinary_user import as_user

from grader.exercises import REPO_ROOT
from grader.sandbox import users
from grader.sandbox.backends import available
from tests.grader.grader_helpers import WRONG_BODIES, processes_of

pytestmark = pytest.mark.slow

ROOT = os.geteuid() == 0
BACKENDS = available()
VICTIMS = ("v1-ann", "v2-ben", "v3-cat")

ATTACKS = {
    "signals": """
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) in mine():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    if b"worker.py" not in handle.read():
                        continue
                os.kill(int(pid), signal.SIGSTOP)
                done("stopped worker " + pid)
            except OSError:
                pass
    """,
    "installation": """
        for path in files(os.path.join(INSTALL, "grader"), ".py"):
            try:
                with open(path, "a") as handle:
                    handle.write("\\n# tampered\\n")
                done("appended to " + path)
            except OSError:
                pass
    """,
    "staged": """
        for entry in listed(OUT):
            if entry.startswith(".grading-"):
                for path in files(os.path.join(OUT, entry), ".py"):
                    try:
                        with open(path, "w") as handle:
                            handle.write("raise SystemExit(0)\\n")
                        done("rewrote " + path)
                    except OSError:
                        pass
    """,
    "cache": """
        for path in files(os.path.join(OUT, "reports"), ".json"):
            try:
                with open(path) as handle:
                    stored = json.load(handle)
                for exercise in stored["report"]["exercises"]:
                    exercise["score"] = 0
                with open(path, "w") as handle:
                    json.dump(stored, handle)
                done("zeroed " + path)
            except (OSError, ValueError, KeyError, TypeError):
                pass
    """,
}

ATTACKER = """
import json, os, signal, time
OUT, INSTALL = {out!r}, {install!r}
_done = set()
def done(what):
    if what not in _done:
        _done.add(what)
        print("DONE: " + what)
def listed(folder):
    try:
        return os.listdir(folder)
    except OSError:
        return []
def files(top, suffix):
    for root, _, names in os.walk(top):
        for name in names:
            if name.endswith(suffix):
                yield os.path.join(root, name)
def mine():
    "This worker and the processes above it (its own sandbox: bwrap's init)."
    found, pid = set(), os.getpid()
    while pid > 0 and pid not in found:
        found.add(pid)
        try:
            with open(f"/proc/{{pid}}/stat", "rb") as handle:
                pid = int(handle.read().rpartition(b")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return found
def attack():
{attack}
_end = time.monotonic() + 3
while time.monotonic() < _end:
    attack()
    time.sleep(0.05)
""" + WRONG_BODIES.lstrip("\n")


def modes() -> list[tuple[str, str]]:
    """(backend, who runs grade batch) for every case that keeps submissions apart here."""
    found = []
    if ROOT:
        found += [(backend, "root") for backend in BACKENDS]
    if "bubblewrap" in BACKENDS:
        found.append(("bubblewrap", "ordinary user"))
    return found


class Course:
    """A copy of the project, an export folder, an output folder and a temporary folder in one
    place, owned by whoever runs grade batch."""

    def __init__(self, base: Path, user) -> None:
        self.base, self.user = base, user
        self.install, self.export, self.out = base / "install", base / "export", base / "out"
        self.tmp = base / "tmp"
        for name in ("grader", "gdref", "solutions", "exercises"):
            shutil.copytree(REPO_ROOT / name, self.install / name,
                            ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        for name in VICTIMS:
            shutil.copytree(REPO_ROOT / "solutions", self.export / name)
        shutil.copytree(REPO_ROOT / "exercises", self.export / "z-stub")
        self.tmp.mkdir()
        if user is not None:
            for path in [base, *base.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid)

    def add_attacker(self, attack: str) -> None:
        folder = self.export / "a-attacker"
        shutil.copytree(REPO_ROOT / "exercises", folder)
        body = textwrap.indent(textwrap.dedent(attack), "    ")
        text = ATTACKER.format(out=str(self.out), install=str(self.install), attack=body)
        (folder / "01_parabola.py").write_text(text, encoding="utf-8")
        if self.user is not None:
            for path in [folder, *folder.rglob("*")]:
                os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def batch(self, backend: str, *more: str) -> subprocess.CompletedProcess:
        command = [
            sys.executable,
            "-m",
            "grader.cli",
            "batch",
            str(self.export),
            "-o",
            str(self.out),
            "--jobs",
            "2",
            "--isolation",
            backend,
            "--timeout",
            "5",
            *more,
        ]
        env = {"PATH": os.defpath, "HOME": str(self.base), "TMPDIR": str(self.tmp), "CI": "1",
               "LANG": "C.UTF-8"}  # fmt: skip
        if self.user is not None:
            command = as_user(self.user, command)
        return subprocess.run(command, cwd=self.install, env=env, capture_output=True,
                               text=True, timeout=600)  # fmt: skip

    def gradebook(self) -> dict[str, tuple[str, str]]:
        with open(self.out / "gradebook.csv", newline="", encoding="utf-8") as handle:
            return {row["student"]: (row["total"], row["max_total"]) for row in
                    csv.DictReader(handle)}  # fmt: skip

    def installation(self) -> dict[str, str]:
        return {str(path.relative_to(self.install)): hashlib.sha256(path.read_bytes()).hexdigest()
                for path in sorted(self.install.rglob("*.py"))}  # fmt: skip


@pytest.fixture
def course(request, ordinary_user):
    backend, who = request.param
    if who == "ordinary user" and ROOT and ordinary_user is None:
        pytest.skip("no ordinary user")
    base = Path(tempfile.mkdtemp(prefix="gdkit-apart-", dir="/tmp"))
    base.chmod(0o755)
    try:
        yield backend, Course(base, ordinary_user if who == "ordinary user" else None)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def assert_intact(course: Course, max_total: str) -> None:
    book = course.gradebook()
    assert set(book) == {*VICTIMS, "z-stub", "a-attacker"}, book
    for name in VICTIMS:
        assert book[name] == (max_total, max_total), (name, book[name])
    assert book["z-stub"][0] == "0" and book["a-attacker"][0] == "0", book
    for name in book:
        json.loads((course.out / "reports" / f"{name}.json").read_text(encoding="utf-8"))
    attacker = (course.out / "reports" / "a-attacker.json").read_text(encoding="utf-8")
    assert "DONE:" not in attacker, [line for line in attacker.split("\\n") if "DONE:" in line]


def assert_nothing_left(course: Course) -> None:
    assert [p.name for p in course.out.iterdir() if p.name.startswith(".grading-")] == []
    assert list(course.tmp.iterdir()) == []
    uids = set(users.uid_pool()) if ROOT else set()
    if course.user is not None:
        uids.add(course.user.pw_uid)
    deadline = time.monotonic() + 5  # for the kernel to finish ending the killed ones
    while uids and processes_of(uids, course.base) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not uids or processes_of(uids, course.base) == []


@pytest.mark.parametrize("course", modes(), indirect=True, ids=lambda m: "-".join(m))
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_submission_cannot_reach_another(course, attack):
    backend, course = course
    first = course.batch(backend)
    assert first.returncode == 0, first.stderr
    max_total = course.gradebook()["v1-ann"][1]
    assert course.gradebook()["v1-ann"] == (max_total, max_total)
    before = {name: (course.out / "reports" / f"{name}.json").read_bytes() for name in VICTIMS}
    installed = course.installation()

    course.add_attacker(ATTACKS[attack])
    # the cache is attacked with only the attacker graded (the others come from the cache);
    # the rest while everyone is graded again, on two graders at once
    attacked = course.batch(backend, *([] if attack == "cache" else ["--force"]))
    assert attacked.returncode == 0, attacked.stderr
    assert_intact(course, max_total)
    resumed = course.batch(backend)
    assert resumed.returncode == 0, resumed.stderr
    assert "0 graded now" in resumed.stderr
    assert_intact(course, max_total)
    if attack == "cache":
        after = {name: (course.out / "reports" / f"{name}.json").read_bytes() for name in VICTIMS}
        assert after == before
    assert course.installation() == installed
    assert_nothing_left(course)


@pytest.mark.skipif(ROOT and "bubblewrap" not in BACKENDS, reason="needs bubblewrap")
def test_the_process_backend_as_an_ordinary_user_refuses_until_trusted(ordinary_user):
    """Run by an ordinary user, the process backend cannot keep submissions apart: grade batch
    refuses (exit 2, one sentence naming --trust-submissions and how to get bubblewrap) and
    grades nothing; with --trust-submissions it grades."""
    if not ROOT and os.geteuid() == 0:
        pytest.skip("needs an ordinary user")
    base = Path(tempfile.mkdtemp(prefix="gdkit-apart-", dir="/tmp"))
    base.chmod(0o755)
    try:
        course = Course(base, ordinary_user)
        refused = course.batch("process")
        assert refused.returncode == 2, refused.stderr
        assert "grade batch: learner code would not be kept apart" in refused.stderr
        assert "--trust-submissions" in refused.stderr and "install bubblewrap" in refused.stderr
        assert not (course.out / "reports").exists() and not (course.out / "gradebook.csv").exists()
        trusted = course.batch("process", "--trust-submissions")
        assert trusted.returncode == 0, trusted.stderr
        book = course.gradebook()
        assert all(book[name][0] == book[name][1] for name in VICTIMS)
        assert list(course.tmp.iterdir()) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_worker_stopped_from_outside_is_the_graders_failure_and_regraded(tmp_path, backend):
    """A worker SIGSTOPped from outside while it loads a student's file: that student is the
    grader's failure ("the grader lost this worker; regrade", exit 3), never a loop in their
    code; the next run grades them again, fully."""
    import psutil

    from grader.instructor.batch import run_batch

    folder = tmp_path / "export" / "slow-start"
    shutil.copytree(REPO_ROOT / "solutions", folder)
    parabola = folder / "01_parabola.py"
    parabola.write_text("import time\ntime.sleep(2)\n" + parabola.read_text(encoding="utf-8"))
    stopped: list[int] = []

    def stop_the_worker() -> None:
        deadline = time.monotonic() + 120
        while not stopped and time.monotonic() < deadline:
            for process in psutil.Process().children(recursive=True):
                try:
                    command = process.cmdline()
                    is_worker = len(command) > 1 and command[-2].endswith("worker.py")
                    if is_worker and not command[0].endswith("bwrap"):  # the worker itself
                        if process.cpu_times().user > 0.05 and process.status() == "sleeping":
                            process.suspend()  # SIGSTOP, from outside
                            stopped.append(process.pid)
                            return
                except psutil.Error:
                    continue
            time.sleep(0.05)

    watcher = threading.Thread(target=stop_the_worker)
    watcher.start()
    try:
        first = run_batch([tmp_path / "export"], tmp_path / "out", jobs=1, timeout=4.0,
                          isolation=backend)  # fmt: skip
    finally:
        watcher.join()
    assert stopped, "no worker was stopped"
    (outcome,) = first.outcomes
    assert outcome.grader_fault and "the grader lost this worker" in outcome.problem
    assert "regrade" in outcome.problem and "loop" not in outcome.problem
    again = run_batch([tmp_path / "export"], tmp_path / "out", jobs=1, timeout=4.0,
                      isolation=backend)  # fmt: skip
    (outcome,) = again.outcomes
    assert again.graded == 1 and not outcome.problem
    assert outcome.report["score"] == outcome.report["max_score"]
