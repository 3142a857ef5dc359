"""pytest set-up for every test of the project."""

import pytest


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory, monkeypatch):
    """Each test its own learner's cache (grade --hint counts the hints seen there, and the
    learner-loop doors keep the checks' reference values there): no test reads or writes the
    real one in the home folder, and none sees what another left."""
    monkeypatch.setenv("GDKIT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(autouse=True, scope="session")
def _session_cache(tmp_path_factory):
    """The same for what runs before a test's own folder is set: a module's or the session's
    fixtures that grade through a learner-loop door (they would use the real cache folder)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GDKIT_CACHE_DIR", str(tmp_path_factory.mktemp("session-cache")))
        yield
