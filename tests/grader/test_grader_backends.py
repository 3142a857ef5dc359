"""The portable backend proven on Linux: `grade` in a Python made to look like Windows (no
fcntl, resource, os.fork, AF_UNIX or process groups; a Windows worker environment) or macOS
(no bubblewrap, no memory limit), in the grading process and in the sandbox's worker alike
(platform_sim/: the worker starts with -I -S, where no sitecustomize loads, so the simulation
starts it through a bootstrap that applies the same profile)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from grader_helpers import leftovers, process_table

from grader.exercises import load_exercises

REPO = Path(__file__).resolve().parents[2]
SIM = Path(__file__).resolve().parent / "platform_sim"
PROFILES = ["windows-like", "macos-like"]

PROBE = textwrap.dedent("""
    import json, os, socket
    from grader.sandbox.sandbox import Limits, Sandbox

    CHECK = '''
    import importlib, os, select, socket
    def missing():
        found = {}
        for name in ("fcntl", "resource"):
            try:
                importlib.import_module(name)
                found[name] = True
            except ImportError:
                found[name] = False
        found["fork"] = hasattr(os, "fork")
        found["AF_UNIX"] = hasattr(socket, "AF_UNIX")
        found["poll"] = hasattr(select, "poll")
        return found
    def path():
        return os.environ["PATH"]
    '''
    namespace = {}
    exec(CHECK, namespace)
    with Sandbox(Limits(wall=5.0)) as sandbox:
        child = sandbox.load(CHECK, "probe.py").call("missing")
        path = sandbox.load(CHECK, "probe.py").call("path")
        print(json.dumps({"grader": namespace["missing"](), "child": child, "path": path,
                          "isolation": sandbox.isolation.name, "note": sandbox.note}))
""")

LIMITS = textwrap.dedent("""
    import json
    from grader.sandbox.sandbox import Limits, Sandbox

    # read from /proc, not from the resource module (which a simulated platform hides)
    CHECK = '''
    def limits():
        with open("/proc/self/limits") as listing:
            rows = [line.split() for line in listing]
        wanted = {"cpu": "Max cpu time", "memory": "Max address space", "output": "Max file size"}
        found = {}
        for key, name in wanted.items():
            row = next(r for r in rows if " ".join(r).startswith(name))
            found[key] = row[len(name.split())]
        return found
    '''
    with Sandbox(Limits(wall=5.0), "process") as sandbox:
        guessed = sandbox.isolation.description
        enforced = sandbox.load(CHECK, "probe.py").call("limits")
        told = sandbox.isolation.description
        print(json.dumps({"guessed": guessed, "told": told, "enforced": enforced}))
""")

MUTANTS = textwrap.dedent("""
    import json, sys, tempfile
    from pathlib import Path
    from grader.exercises import load_exercises, solutions_dir
    from grader.authoring.mutants import apply_mutant
    from grader.runner import grade
    from grader.sandbox.sandbox import Limits, Sandbox

    missed, caught = [], 0
    with tempfile.TemporaryDirectory() as root, Sandbox(Limits(wall=20.0, cpu=20.0)) as sandbox:
        for exercise in load_exercises():
            source = (solutions_dir() / exercise.file).read_text(encoding="utf-8")
            for mistake in exercise.mistakes:
                folder = Path(root) / f"{exercise.name}-{mistake.id}"
                folder.mkdir()
                mutant = apply_mutant(source, mistake, exercise.file)
                (folder / exercise.file).write_text(mutant, encoding="utf-8")
                sandbox.start()
                result = grade(folder, [exercise.name], include_hidden=True, sandbox=sandbox)
                named = {c.diagnosis for c in result.exercises[0].checks if c.diagnosis}
                ok = result.exercises[0].score < result.exercises[0].max_score
                if ok and named == {mistake.id}:
                    caught += 1
                else:
                    missed.append(mistake.id)
        isolation = sandbox.isolation.name
    print(json.dumps({"caught": caught, "missed": missed, "isolation": isolation}))
""")


def simulated(profile: str, args: list[str], cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(SIM),
        "GDKIT_SIM_PROFILE": profile,
        "GDKIT_TIMEOUT": "20",
    }
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize("profile", PROFILES)
def test_the_simulation_removes_the_pieces_in_both_processes(profile):
    done = simulated(profile, ["-c", PROBE])
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["isolation"] == "process" and "bubblewrap: not on" in data["note"]
    if profile == "windows-like":
        gone = {name: False for name in ("fcntl", "resource", "fork", "AF_UNIX", "poll")}
        assert data["grader"] == gone and data["child"] == gone
        # the worker's environment is a Windows one: the interpreter's folders, ";" between
        assert data["path"].split(";")[0] == sys.base_prefix and ":" not in data["path"]
    else:
        assert data["grader"]["poll"] and data["path"] == os.defpath


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/limits")
@pytest.mark.parametrize("profile", [None, *PROFILES])
def test_the_report_names_the_limits_the_worker_enforces(profile):
    """The isolation's description says "no limit on memory" exactly when the worker runs
    with none (as its /proc/self/limits shows), on this platform and on each simulated one:
    the limits named are those the worker said it set, and this process's guess before any
    worker started is the same."""
    if profile is None:
        done = subprocess.run(
            [sys.executable, "-c", LIMITS], cwd=REPO, capture_output=True, text=True, timeout=120
        )
    else:
        done = simulated(profile, ["-c", LIMITS])
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    said = data["told"].partition("no limit on ")[2].partition(";")[0].split(", ")
    for key, words in (("cpu", "CPU time"), ("memory", "memory"), ("output", "printed output")):
        assert (words in said) == (data["enforced"][key] == "unlimited"), (key, data)
    assert data["guessed"] == data["told"]
    if profile == "macos-like":
        assert said == ["memory"]


def test_a_worker_that_sets_fewer_limits_is_reported_as_it_is():
    from grader.sandbox.backends import ProcessBackend

    described = ProcessBackend().describe(["RLIMIT_CPU", "RLIMIT_FSIZE"]).description
    assert "no limit on memory, processes it starts;" in described
    assert "no limit on CPU time" in ProcessBackend().describe([]).description


@pytest.mark.parametrize("profile", PROFILES)
def test_solutions_get_full_marks_and_stubs_none(profile, tmp_path):
    before = process_table()
    done = simulated(profile, ["-m", "grader.cli", "solutions", "--hidden", "--format", "json"])
    assert done.returncode == 0, done.stderr + done.stdout[-2000:]
    report = json.loads(done.stdout)
    assert report["isolation"] == "process"
    assert report["score"] == report["max_score"] > 0
    stubs = simulated(profile, ["-m", "grader.cli", "exercises", "--hidden", "--format", "json"])
    assert stubs.returncode == 1, stubs.stderr
    data = json.loads(stubs.stdout)
    assert data["score"] == 0 and data["done"] == 0
    assert leftovers(before) == []


@pytest.mark.slow
@pytest.mark.parametrize("profile", PROFILES)
def test_every_mutant_is_caught(profile):
    done = simulated(profile, ["-c", MUTANTS])
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["isolation"] == "process"
    assert data["missed"] == []
    assert data["caught"] == sum(len(e.mistakes) for e in load_exercises())


@pytest.mark.slow
def test_hostile_submissions_cost_only_their_points(tmp_path):
    """A few of the hostile cases (a loop, a crash, a flood, a forged channel) on the
    Windows-like platform, where only the wall-time limit and the wire's bounds protect."""
    from test_grader_hostile import BROKEN, HOSTILE

    cases = {
        "loop": BROKEN["loop_at_import"],
        "sleep": BROKEN["sleep_in_function"],
        "crash": BROKEN["os_exit"],
        "forged": HOSTILE["forged_reply"],
        "nested": HOSTILE["nested_header"],
    }
    for name, text in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "01_parabola.py").write_text(text, encoding="utf-8")
        (folder / "02_bce_gradient.py").write_text(
            (REPO / "solutions" / "02_bce_gradient.py").read_text(encoding="utf-8")
        )
        args = ["-m", "grader.cli", str(folder), "--hidden", "--format", "json", "-e"]
        done = simulated(
            "windows-like", [*args, "parabola", "-e", "bce_gradient", "--timeout", "2"]
        )
        assert done.returncode == 1, (name, done.stderr)
        exercises = {e["name"]: e for e in json.loads(done.stdout)["exercises"]}
        assert exercises["parabola"]["score"] == 0, name
        assert exercises["bce_gradient"]["score"] == exercises["bce_gradient"]["max_score"]


def test_no_backend_can_start_is_exit_3_with_one_sentence(monkeypatch):
    from grade_cli import run_grade

    from grader.sandbox import backends

    monkeypatch.setattr(backends.BubblewrapBackend, "program", staticmethod(lambda: None))
    monkeypatch.setattr(
        backends.ProcessBackend,
        "unavailable",
        lambda self: "process: this Python cannot start a subprocess; reinstall Python",
    )
    result = run_grade([REPO / "solutions", "-e", "parabola"])
    assert result.exit_code == 3
    message = result.output.strip().splitlines()
    assert len(message) == 1 and "Traceback" not in result.output
    assert "no sandbox backend can run here" in message[0]
    assert "bubblewrap: not installed" in message[0] and "reinstall Python" in message[0]


def test_the_report_says_what_the_isolation_does_not_protect_against(monkeypatch):
    from grader.report.render import render
    from grader.runner import grade
    from grader.sandbox import backends

    monkeypatch.setattr(backends.BubblewrapBackend, "program", staticmethod(lambda: None))
    report = grade(REPO / "solutions", ["parabola"])
    assert report.isolation == "process"
    data = json.loads(render(report, "json"))
    assert data["isolation"] == "process"
    assert "no filesystem or network isolation" in data["isolation_note"]
    assert "not stronger: bubblewrap: not installed" in data["isolation_note"]
    header = render(report, "text").splitlines()[:2]
    assert header[0].endswith("sandbox: a separate process") and header[1].startswith("   1  ")
    verbose = render(report, "text", verbose=True)
    assert verbose.splitlines()[1].startswith("isolation: process: no filesystem or network")
    assert "bubblewrap: not installed" in " ".join(verbose.split())
