"""pytest set-up for the grader's tests (helpers live in grader_helpers.py)."""

import os

import pytest
from ordinary_user import ordinary_user  # noqa: F401 - a fixture the tests ask for


def pytest_configure(config):
    # the checks' marker, so that importing grader.checks here does not warn
    config.addinivalue_line("markers", "check(points, visibility, mistakes): a graded check")


@pytest.fixture(autouse=True, scope="session")
def _strict_checks():
    """The self-test's strict mode: every grading run in these tests computes each declared
    mistake's value on every input, and a check whose inputs cannot tell two of its mistakes
    apart (or that declares a mistake about a function it never calls) is an error."""
    saved = os.environ.get("GDKIT_STRICT_CHECKS")
    os.environ["GDKIT_STRICT_CHECKS"] = "1"
    yield
    if saved is None:
        os.environ.pop("GDKIT_STRICT_CHECKS", None)
    else:
        os.environ["GDKIT_STRICT_CHECKS"] = saved
