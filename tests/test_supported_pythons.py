"""Every laptop's Python: no upper bound in requires-python; the classifiers list exactly what
.ci/run tests; the GitHub workflow covers Linux, macOS and Windows with the oldest and the
newest of them."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the instructor extra installs tomli
    import tomli as tomllib


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def declared() -> list[str]:
    found = [
        c.rsplit(" :: ", 1)[1]
        for c in project()["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    return sorted(found, key=lambda v: tuple(map(int, v.split("."))))


def test_requires_python_has_a_floor_and_no_ceiling():
    spec = project()["requires-python"]
    assert spec.startswith(">=3.10") and "<" not in spec and "!=" not in spec


def test_the_github_workflow_covers_three_platforms_with_the_oldest_and_newest_python():
    workflow = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    matrix = workflow["jobs"]["test"]["strategy"]["matrix"]
    assert set(matrix["os"]) == {"ubuntu-latest", "macos-latest", "windows-latest"}
    assert matrix["python"] == [declared()[0], declared()[-1]]


def test_ci_runs_every_declared_python():
    """.ci/run reads the classifiers to know which Pythons to run the suite on."""
    script = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert "Programming Language :: Python :: " in script
    assert declared() == ["3.10", "3.11", "3.12", "3.13"]
