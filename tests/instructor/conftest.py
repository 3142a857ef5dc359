"""pytest set-up for the instructor tools' tests (release, autograder, batch)."""

import os

import pytest
from ordinary_user import ordinary_user  # noqa: F401 - a fixture the tests ask for


def pytest_configure(config):
    config.addinivalue_line("markers", "check(points, visibility, mistakes): a graded check")


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """grade remembers check times in $XDG_CACHE_HOME: keep the tests' own out of ~/.cache."""
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if saved is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = saved
