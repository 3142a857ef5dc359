"""Hidden checks run after every public check: learner code cannot carry what a hidden check
passed it into a later public check's visible output."""

from __future__ import annotations

import re

from grader_helpers import MUTANT_LIMITS

from grader.exercises import solutions_dir
from grader.runner import grade
from grader.sandbox.sandbox import Sandbox

SPY = """
_SEEN = []


def _count(function):
    def counted(*args, **kwargs):
        _SEEN.append(args)
        print(f"call {len(_SEEN)}")
        return function(*args, **kwargs)

    return counted


for _name in ("parabola_loss", "parabola_grad", "gd_step", "trajectory", "error_ratio"):
    globals()[_name] = _count(globals()[_name])
"""


def test_no_public_check_runs_after_a_hidden_one(tmp_path):
    source = (solutions_dir() / "01_parabola.py").read_text(encoding="utf-8")
    (tmp_path / "01_parabola.py").write_text(source + SPY, encoding="utf-8")
    with Sandbox(MUTANT_LIMITS) as sandbox:
        result = grade(tmp_path, ["parabola"], include_hidden=True, sandbox=sandbox).exercises[0]
    calls = {"public": [], "hidden": []}
    for check in result.checks:
        numbers = [int(n) for n in re.findall(r"call (\d+)", check.output)]
        calls[check.visibility] += numbers
    assert calls["public"] and calls["hidden"], "the spy saw both kinds of check"
    assert max(calls["public"]) < min(calls["hidden"])
