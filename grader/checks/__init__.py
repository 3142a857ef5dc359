"""Checks, one module per exercise: ``test_<name>.py`` with ``EXERCISE`` and ``@check`` tests.

They are pytest tests, run by ``grade`` through :mod:`grader.runner` (not by the project's own
test suite). See ``grader/CHECKS.md``.
"""
