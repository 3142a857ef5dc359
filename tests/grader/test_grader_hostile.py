"""End to end: broken and hostile submissions lose their own points and nothing else."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from grader_helpers import FAST, ISOLATIONS, copy_solution, solution_text

from grader.cli import main
from grader.exercises import solutions_dir
from grader.runner import grade
from grader.sandbox import bubblewrap_works

REPO = Path(__file__).resolve().parents[2]

# answers that are wrong unless the tampering worked
WRONG_BODIES = textwrap.dedent("""
    def parabola_loss(w):
        return 0.0
    def parabola_grad(w):
        return 0.0
    def gd_step(w, grad, lr):
        return 0.0
    def trajectory(w0, lr, steps):
        return [0.0], [0.0]
    def error_ratio(lr):
        return 0.0
""")

HOSTILE = {
    "patch_numpy": "import numpy as np\n"
    "np.allclose = lambda *a, **k: True\n"
    "np.isclose = lambda *a, **k: True\n"
    "np.testing.assert_allclose = lambda *a, **k: None\n" + WRONG_BODIES,
    "patch_pytest": "try:\n    import pytest\n    pytest.approx = lambda *a, **k: 0.0\n"
    "    pytest.fail = lambda *a, **k: None\nexcept ImportError:\n    pass\n" + WRONG_BODIES,
    "patch_grader": "try:\n    import grader.framework as f\n"
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
}


def grade_folder(folder, isolation="auto"):
    report = grade(
        folder, ["parabola", "bce_gradient"], include_hidden=True, limits=FAST, isolation=isolation
    )
    return {e.exercise.name: e for e in report.exercises}


@pytest.mark.parametrize("isolation", ISOLATIONS)
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_submission_gets_nothing(tmp_path, kind, isolation):
    (tmp_path / "01_parabola.py").write_text(HOSTILE[kind])
    copy_solution("bce_gradient", tmp_path)
    results = grade_folder(tmp_path, isolation)
    assert results["parabola"].score == 0, [
        (c.name, c.status, c.message) for c in results["parabola"].checks if c.passed
    ]
    other = results["bce_gradient"]
    assert other.score == other.max_score  # the neighbour keeps every point


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_submission_costs_only_its_checks(tmp_path, kind):
    (tmp_path / "01_parabola.py").write_text(BROKEN[kind])
    copy_solution("bce_gradient", tmp_path)
    results = grade_folder(tmp_path)
    parabola = results["parabola"]
    assert parabola.score == 0 and parabola.status == "failing"
    for check in parabola.checks:
        assert check.message and "Traceback (most recent call last)" not in check.message
    assert results["bce_gradient"].score == results["bce_gradient"].max_score


def test_messages_say_what_happened(tmp_path):
    expectations = {
        "loop_at_import": "loading the file took longer than",
        "exit_at_import": "sys.exit(0)",
        "syntax_error": "SyntaxError in 01_parabola.py, line 1",
        "raise_at_import": "RuntimeError: boom",
        "nothing_defined": "no function named",
        "wrong_signature": "keep the signature",
        "print_flood": "output limit",
        "os_exit": "os._exit()",
    }
    for kind, words in expectations.items():
        folder = tmp_path / kind
        folder.mkdir()
        (folder / "01_parabola.py").write_text(BROKEN[kind])
        result = grade(folder, ["parabola"], include_hidden=True, limits=FAST).exercises[0]
        assert any(words in c.message for c in result.checks), (kind, result.checks[0].message)


@pytest.mark.skipif(not bubblewrap_works(), reason="needs bubblewrap")
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


def test_solution_in_a_hostile_folder_still_passes(tmp_path):
    """Sanity check for the tests above: the same harness gives full marks to real work."""
    (tmp_path / "01_parabola.py").write_text(solution_text("parabola"))
    copy_solution("bce_gradient", tmp_path)
    results = grade_folder(tmp_path)
    assert all(r.score == r.max_score for r in results.values())
