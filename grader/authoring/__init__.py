"""Authoring tools: what a course's authors run, never a learner.

``stubs`` makes the learner stubs from ``solutions/`` by removing the marked solution blocks,
``notebook_stubs`` the matching notebooks (with ``docstring_markdown`` for the instructions),
``mutants`` proves every catalogued mistake is caught and named, ``public_checks`` strips the
hidden checks for the student release, ``exercises_cli`` is ``gdkit exercises``. None of this
is part of the student release.
"""
