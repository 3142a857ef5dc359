"""pytest set-up for the grader's tests (helpers live in grader_helpers.py)."""


def pytest_configure(config):
    # the checks' marker, so that importing grader.checks here does not warn
    config.addinivalue_line("markers", "check(points, visibility, mistakes): a graded check")
