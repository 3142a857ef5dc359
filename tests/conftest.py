"""pytest set-up for every test of the project."""

import pytest


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory, monkeypatch):
    """Each test its own learner's cache (grade --hint counts the hints seen there, and the
    learner-loop doors keep the checks' reference values there): no test reads or writes the
    real one in the home folder, and none sees what another left."""
    monkeypatch.setenv("GDKIT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
