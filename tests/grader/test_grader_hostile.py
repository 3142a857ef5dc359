"""End to end, under every backend: hostile and broken submissions lose their own points and
nothing else. Each test checks that grading finishes, the neighbour exercise keeps every point,
every report format can be written, the learner scores nothing unearned, and no process of the
run is left in the process table."""

from __future__ import annotations

import json
import os
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from grader_helpers import (
    BUBBLEWRAP,
    FAST,
    ISOLATIONS,
    WRONG_BODIES,
    copy_solution,
    leftovers,
    process_table,
    solution_text,
)

from grader.cli import main
from grader.exercises import solutions_dir
from grader.report.render import FORMATS, render
from grader.runner import grade

REPO = Path(__file__).resolve().parents[2]
TOKEN = "gdkit-escape-7d1c"  # in the command line of any process a hostile submission starts


def wrong(returning: str, prelude: str = "") -> str:
    """WRONG_BODIES with every ``return 0.0`` replaced, after ``prelude``."""
    return textwrap.dedent(prelude) + WRONG_BODIES.replace("return 0.0", f"return {returning}")


# writes ``payload`` (bytes) to every file descriptor the worker may hold, the channel included
TO_EVERY_FD = """
import os
def _forge(payload):
    for fd in range(3, 64):
        try:
            os.write(fd, payload)
        except OSError:
            pass
"""

HOSTILE = {
    "patch_numpy": "import numpy as np\n"
    "np.allclose = lambda *a, **k: True\n"
    "np.isclose = lambda *a, **k: True\n"
    "np.testing.assert_allclose = lambda *a, **k: None\n" + WRONG_BODIES,
    "patch_pytest": "try:\n    import pytest\n    pytest.approx = lambda *a, **k: 0.0\n"
    "    pytest.fail = lambda *a, **k: None\nexcept ImportError:\n    pass\n" + WRONG_BODIES,
    "patch_grader": "try:\n    import grader.checking.framework as f\n"
    "    f.expect_close = lambda *a, **k: None\nexcept ImportError:\n    pass\n" + WRONG_BODIES,
    "import_gdref": textwrap.dedent("""
        from gdref import datasets, optim
        def parabola_loss(w):
            return datasets.parabola_loss(w)
        def parabola_grad(w):
            return datasets.parabola_grad(w)
        def gd_step(w, grad, lr):
            return w - lr * grad
        def trajectory(w0, lr, steps):
            return [], []
        def error_ratio(lr):
            return 1 - 2 * lr
    """),
    "always_equal": "class Yes(float):\n    def __eq__(self, other):\n        return True\n"
    "    __hash__ = float.__hash__\n"
    + WRONG_BODIES.replace("return 0.0", "return Yes(0.0)").replace(
        "return [0.0], [0.0]", "return Yes(0.0)"
    ),
    "ndarray_subclass": "import numpy as np\nclass Liar(np.ndarray):\n"
    "    def __eq__(self, other):\n        return True\n"
    + WRONG_BODIES.replace("return 0.0", "return np.zeros(1).view(Liar)"),
    "results_file": "import json, os\n"
    "for path in ('results.json', '/tmp/results.json', os.path.join(os.path.dirname(__file__), "
    "'results.json')):\n    try:\n        open(path, 'w').write(json.dumps({'score': 100}))\n"
    "    except OSError:\n        pass\n" + WRONG_BODIES,
    # the channel: forged replies, enormous, deeply nested or malformed headers
    "forged_reply": wrong(
        "_forge(_frame) or 0.0",
        TO_EVERY_FD
        + """
        import json, struct
        _body = json.dumps({"ok": True, "seq": 2, "result": 2.75, "blobs": 0}).encode()
        _frame = struct.pack(">I", len(_body)) + _body
        _forge(_frame * 50)
        """,
    ),
    "huge_header": wrong("_forge(b'\\xff\\xff\\xff\\xf0' + b'{' * 4096) or 0.0", TO_EVERY_FD),
    "nested_header": wrong(
        "_forge(_frame) or 0.0",
        TO_EVERY_FD
        + """
        import struct
        _body = b'{"ok": true, "result": ' + b"[" * 200000 + b"]" * 200000 + b"}"
        _frame = struct.pack(">I", len(_body)) + _body
        """,
    ),
    "long_integer_header": wrong(
        "_forge(_frame) or 0.0",
        TO_EVERY_FD
        + """
        import struct
        _body = b'{"ok": true, "seq": 2, "blobs": 0, "result": ' + b"7" * 1000000 + b"}"
        _frame = struct.pack(">I", len(_body)) + _body
        """,
    ),
    "garbage_on_channel": wrong("_forge(os.urandom(5000)) or 0.0", TO_EVERY_FD),
    "blob_flood": wrong(
        "_forge(_frame) or 0.0",
        TO_EVERY_FD
        + """
        import struct
        _body = b'{"ok": true, "blobs": 3}'
        _frame = struct.pack(">I", len(_body)) + _body + struct.pack(">Q", 1 << 60)
        """,
    ),
    # values that break the grader's own helpers
    "int_too_large_for_float": wrong("10**400"),
    "enormous_int": wrong("10**20000"),
    "deeply_nested_value": wrong(
        "_nest()",
        "def _nest():\n    x = []\n    for _ in range(10**5):\n        x = [x]\n    return x\n",
    ),
    "self_containing_list": wrong(
        "_loop()", "def _loop():\n    x = []\n    x.append(x)\n    return x\n"
    ),
    "non_string_keys": wrong("{1: 2.0}"),
    # processes: escape attempts, a detached survivor rewriting the results, signals
    "detached_process": wrong(
        "_spawn() or 0.0",
        f"""
        import os
        def _spawn():
            for start in (
                lambda: __import__("subprocess").Popen(
                    ["sh", "-c", "sleep 30; : {TOKEN}"], start_new_session=True
                ),
                lambda: os.system("sh -c 'sleep 30; : {TOKEN}' &"),
                lambda: os.system("setsid sh -c 'sleep 30; : {TOKEN}' &"),  # own session
                lambda: os.fork() or os._exit(0),
            ):
                try:
                    start()
                except BaseException:
                    pass
        _spawn()
        """,
    ),
    "signal_the_grader": wrong(
        "_stop() or 0.0",
        """
        import os, signal
        def _stop():
            for pid in (os.getppid(), 1):
                for sig in (signal.SIGSTOP, signal.SIGTERM):
                    try:
                        os.kill(pid, sig)
                    except OSError:
                        pass
        """,
    ),
}

BROKEN = {
    "loop_at_import": "while True:\n    pass\n",
    "sleep_in_function": WRONG_BODIES.replace(
        "    return 0.0\n", "    import time\n    time.sleep(30)\n", 1
    ),
    "exit_at_import": "import sys\nsys.exit(0)\n",
    "os_exit": "import os\n" + WRONG_BODIES.replace("return 0.0", "os._exit(0)"),
    "allocate": "import numpy as np\n"
    + WRONG_BODIES.replace("return 0.0", "return np.ones(10**11)"),
    "print_flood": WRONG_BODIES.replace("return 0.0", "print('x' * 10**7)"),
    "syntax_error": "def parabola_loss(w)\n    return (w - 2) ** 2\n",
    "raise_at_import": "raise RuntimeError('boom')\n",
    "nothing_defined": "x = 1\n",
    "wrong_signature": WRONG_BODIES.replace("def gd_step(w, grad, lr)", "def gd_step(w)"),
    "kill_own_worker": "import os, signal\n"
    + WRONG_BODIES.replace("return 0.0", "os.kill(os.getpid(), signal.SIGKILL)"),
    "escape_sequences": "print('\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\x00\\ud800')\n"
    + WRONG_BODIES.replace("return 0.0", "print('\\x1b[31m\\x1b]0;title\\x07') or 0.0"),
}


@pytest.fixture
def clean_process_table():
    """The test's processes: none of the sandbox's (nor any a submission started) may remain."""
    before = process_table()
    yield
    assert leftovers(before, TOKEN) == []


def grade_folder(folder: Path, isolation: str) -> dict:
    report = grade(
        folder, ["parabola", "bce_gradient"], include_hidden=True, limits=FAST, isolation=isolation
    )
    assert report.duration < 120  # a hang guard, not a speed test
    for fmt in FORMATS:  # every report can be written
        text = render(report, fmt)
        if fmt in ("json", "gradescope", "prairielearn"):
            json.loads(text)
        elif fmt == "junit":
            ET.fromstring(text)
    return {e.exercise.name: e for e in report.exercises}


def assert_neighbour_intact(results: dict) -> None:
    other = results["bce_gradient"]
    assert other.score == other.max_score, [(c.name, c.message) for c in other.checks]


@pytest.mark.parametrize("isolation", ISOLATIONS)
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_submission_gets_nothing(tmp_path, kind, isolation, clean_process_table):
    (tmp_path / "01_parabola.py").write_text(HOSTILE[kind])
    copy_solution("bce_gradient", tmp_path)
    results = grade_folder(tmp_path, isolation)
    parabola = results["parabola"]
    assert parabola.score == 0, [(c.name, c.status, c.message) for c in parabola.checks if c.passed]
    assert not any(c.status == "error" for c in parabola.checks), [
        c.message for c in parabola.checks
    ]  # the learner's failure, never "the check crashed"
    assert_neighbour_intact(results)
    assert not (tmp_path / "results.json").exists() or isolation == "process"


@pytest.mark.parametrize("isolation", ISOLATIONS)
@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_submission_costs_only_its_checks(tmp_path, kind, isolation, clean_process_table):
    (tmp_path / "01_parabola.py").write_text(BROKEN[kind])
    copy_solution("bce_gradient", tmp_path)
    results = grade_folder(tmp_path, isolation)
    parabola = results["parabola"]
    assert parabola.score == 0 and parabola.status == "failing"
    for check in parabola.checks:
        assert check.message and "Traceback (most recent call last)" not in check.message
        assert check.status != "error"
    assert_neighbour_intact(results)


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_messages_say_what_happened(tmp_path, isolation):
    expectations = {
        "loop_at_import": "loading the file took longer than",
        "exit_at_import": "sys.exit(0)",
        "syntax_error": "SyntaxError in 01_parabola.py, line 1",
        "raise_at_import": "RuntimeError: boom",
        "nothing_defined": "no function named",
        "wrong_signature": "keep the signature",
        "print_flood": "output limit",
        "os_exit": "os._exit()",
        "kill_own_worker": "was killed (SIGKILL)",
    }
    for kind, words in expectations.items():
        folder = tmp_path / kind
        folder.mkdir()
        (folder / "01_parabola.py").write_text(BROKEN[kind])
        result = grade(
            folder, ["parabola"], include_hidden=True, limits=FAST, isolation=isolation
        ).exercises[0]
        assert any(words in c.message for c in result.checks), (kind, result.checks[0].message)


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_values_that_break_helpers_are_named(tmp_path, isolation):
    """Returned values the grader cannot compare are the learner's failure, said plainly."""
    expectations = {
        "int_too_large_for_float": "too large for a float",
        "deeply_nested_value": "nested more than",
        "non_string_keys": "keys are not all strings",
    }
    for kind, words in expectations.items():
        folder = tmp_path / kind
        folder.mkdir()
        (folder / "01_parabola.py").write_text(HOSTILE[kind])
        result = grade(
            folder, ["parabola"], include_hidden=True, limits=FAST, isolation=isolation
        ).exercises[0]
        messages = [c.message for c in result.checks]
        assert any(words in m for m in messages), (kind, messages[:3])
        assert not any("numpy." in m or "builtins" in m for m in messages)


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_callbacks_called_with_nonsense_are_the_learners_failure(
    tmp_path, isolation, clean_process_table
):
    """The grader's functions handed to learner code (f in numerical_gradient) raise whatever
    their arguments make them raise; that is the learner's failure, never exit 3."""
    source = solution_text("gradient_check").replace(
        "def numerical_gradient(", "def _real_numerical_gradient("
    )
    source += textwrap.dedent("""
        def numerical_gradient(f, w, eps=1e-6):
            for nonsense in ({"a": 1}, "w", None, [[1.0], [2.0, 3.0]], (), 10**300):
                try:
                    f(nonsense)
                except Exception:
                    pass
            return f({"w": w})
    """)
    (tmp_path / "11_gradient_check.py").write_text(source)
    report = grade(
        tmp_path, ["gradient_check"], include_hidden=True, limits=FAST, isolation=isolation
    )
    checks = report.exercises[0].checks
    assert not any(c.status == "error" for c in checks), [c.message for c in checks]
    gradient = [c for c in checks if "numerical_gradient" in c.message]
    assert gradient and all(not c.passed for c in gradient)
    assert any(c.passed for c in checks)  # relative_error etc. are the solution's: they pass


@pytest.mark.skipif(not BUBBLEWRAP, reason="needs bubblewrap")
def test_solution_files_cannot_be_read(tmp_path):
    steal = textwrap.dedent(f"""
        namespace = {{}}
        try:
            exec(open({str(solutions_dir() / "01_parabola.py")!r}).read(), namespace)
        except OSError:
            pass
        parabola_loss = namespace.get("parabola_loss")
        parabola_grad = namespace.get("parabola_grad")
        gd_step = namespace.get("gd_step")
        trajectory = namespace.get("trajectory")
        error_ratio = namespace.get("error_ratio")
    """)
    (tmp_path / "01_parabola.py").write_text(steal)
    result = grade(
        tmp_path, ["parabola"], include_hidden=True, limits=FAST, isolation="bubblewrap"
    ).exercises[0]
    assert result.score == 0


def test_written_results_file_is_overwritten(tmp_path, monkeypatch):
    (tmp_path / "01_parabola.py").write_text(HOSTILE["results_file"])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GDKIT_TIMEOUT", "2")
    out = tmp_path / "results.json"
    with pytest.raises(SystemExit) as exit_info:
        main(["01_parabola.py", "--format", "gradescope", "-o", str(out), "--hidden"])
    assert exit_info.value.code == 1
    data = json.loads(out.read_text())
    assert data["score"] == 0 and all(t["score"] == 0 for t in data["tests"])


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_solution_in_a_hostile_folder_still_passes(tmp_path, isolation):
    """Sanity check for the tests above: the same harness gives full marks to real work."""
    (tmp_path / "01_parabola.py").write_text(solution_text("parabola"))
    copy_solution("bce_gradient", tmp_path)
    results = grade_folder(tmp_path, isolation)
    assert all(r.score == r.max_score for r in results.values())


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_the_graders_environment_and_processes_are_out_of_reach(tmp_path, isolation, monkeypatch):
    """Learner code sees none of the grader's environment; run as root it is not root, and it
    can neither read the grader's /proc entries nor signal it."""
    from grader.sandbox.sandbox import Sandbox

    monkeypatch.setenv("GDKIT_TEST_SECRET", "s3cr3t-token")
    source = textwrap.dedent("""
        import os, signal
        def probe(grader_pid):
            seen = [repr(dict(os.environ))]
            for path in (f"/proc/{grader_pid}/environ", f"/proc/{os.getppid()}/environ"):
                try:
                    seen.append(open(path, "rb").read().decode("latin-1"))
                except OSError as error:
                    seen.append(type(error).__name__)
            try:
                os.kill(grader_pid, 0)
                seen.append("could signal")
            except OSError as error:
                seen.append(type(error).__name__)
            return [os.getuid() if hasattr(os, "getuid") else -1, "\\n".join(seen)]
    """)
    with Sandbox(FAST, isolation) as sandbox:
        uid, seen = sandbox.load(source, "probe.py").call("probe", os.getpid())
    assert "s3cr3t-token" not in seen and "GDKIT_TEST_SECRET" not in seen
    if os.geteuid() == 0:
        assert uid != 0
        assert "could signal" not in seen


def test_what_reading_a_file_noted_reaches_the_report(tmp_path):
    (tmp_path / "versions").mkdir()
    (tmp_path / "versions" / "try2.py").write_text(solution_text("parabola"))
    (tmp_path / "01_parabola.py").symlink_to(Path("versions") / "try2.py")
    report = grade(tmp_path, ["parabola"], limits=FAST)
    result = report.exercises[0]
    assert result.score == result.max_score
    assert any("is a link to versions/try2.py" in note for note in result.notes)
    assert "is a link to" in render(report, "text")
