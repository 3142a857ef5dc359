"""The stub generator: solution blocks out, everything else in, malformed markers refused."""

from __future__ import annotations

import pytest

from grader.authoring.stubs import StubError, make_stub

SOLUTION = '''"""Instructions stay."""
import numpy as np


def f(x):
    """Docstring stays."""
    x = np.asarray(x)
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION


class Model:
    def step(self, w):
        if w:
            ### BEGIN SOLUTION
            return w - 1
            ### END SOLUTION
        return w
'''


def test_blocks_become_not_implemented_at_their_indentation():
    stub = make_stub(SOLUTION)
    assert '    raise NotImplementedError("f is not written yet")\n' in stub
    assert '            raise NotImplementedError("step is not written yet")\n' in stub
    assert "return 2 * x" not in stub and "return w - 1" not in stub
    assert '"""Instructions stay."""' in stub and '"""Docstring stays."""' in stub
    assert "    x = np.asarray(x)\n" in stub and "        return w\n" in stub
    compile(stub, "stub", "exec")


@pytest.mark.parametrize(
    "source, message",
    [
        (
            "def f():\n    ### BEGIN SOLUTION\n    pass\n",
            "f.py:2: ### BEGIN SOLUTION is never closed",
        ),
        ("def f():\n    ### END SOLUTION\n", "f.py:2: ### END SOLUTION without"),
        (
            "def f():\n    ### BEGIN SOLUTION\n  ### END SOLUTION\n",
            "f.py:3: ### END SOLUTION is indented",
        ),
        ("### BEGIN SOLUTION\n### END SOLUTION\n", "f.py:1: ### BEGIN SOLUTION outside a function"),
        (
            "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n",
            "f.py:3: ### BEGIN SOLUTION inside",
        ),
        ("def f():\n    pass\n", "no ### BEGIN SOLUTION blocks"),
        ("def f():\n    x = 1  ### BEGIN SOLUTION\n", "f.py:2: a solution marker must be alone"),
    ],
)
def test_malformed_markers_are_refused_with_file_and_line(source, message):
    with pytest.raises(StubError, match=message.replace("(", r"\(")):
        make_stub(source, "f.py")
