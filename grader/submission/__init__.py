"""Submissions: what a learner hands in, read as hostile input and bounded where it enters.

``files`` reads one exercise file (regular files only, inside the submission, size-limited,
UTF-8; ``.py`` or ``.ipynb``); ``notebook`` is the one rule for what of a notebook is graded;
``uploads`` finds exercise files in a folder or zip of any layout and stages them;
``exports`` says who the students of an LMS export are (Moodle, Canvas, Gradescope, plain).
"""

from grader._lazy import exports

__all__ = ["SubmissionFileError", "read_source"]
__getattr__ = exports(__name__, {name: "files" for name in __all__})
