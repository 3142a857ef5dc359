"""The check author's API: what a checks module (``grader/checks/check_<name>.py``) is made of.

``framework`` holds the exercise metadata, the mistake catalogue, the ``@check`` marker and the
helpers that compare a learner's value with gdref's and name a mistake only when nothing else
explains the value; ``compare`` says what a wrong value shows; ``remember`` keeps gdref's
values for the rest of the process (and, in the learner's loop, on disk for the next run, in
``record``'s format); ``plugin`` is the pytest plugin that turns check outcomes
into results and gives checks their ``student`` and ``rng`` fixtures; ``judge`` weighs every
check of an exercise together before the report is built (a name no call contradicts, the
function at fault). See ``grader/CHECKS.md``.
"""

from grader._lazy import exports

__all__ = ["Exercise", "Mistake", "check", "expect_close", "expect", "remembered"]
__getattr__ = exports(
    __name__,
    {
        "Exercise": "framework",
        "Mistake": "framework",
        "check": "framework",
        "expect_close": "framework",
        "expect": "framework",
        "remembered": "remember",
    },
)
