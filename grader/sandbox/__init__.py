"""The sandbox: the only place learner code runs, in worker processes the grading process talks
to over pipes.

``sandbox`` opens workers through a backend, loads source text into them and makes calls with
time limits (``limits`` holds the limits, ``errors`` how a call fails); ``backends`` says how a
worker is started (``bubblewrap``, ``process``) and what each one protects against; ``worker``
is the program that runs inside (it imports only the standard library, NumPy and ``wire``);
``wire`` is the one bounded wire format both sides speak; ``replies`` waits for a worker's
frames with a deadline on every platform, and ``outbox`` writes to it with one; ``memory``
counts (or refuses) what ``RLIMIT_AS`` does not.
"""

from grader._lazy import exports

__all__ = ["Deadline", "Limits", "Sandbox", "SandboxError", "SubmissionError"]
__getattr__ = exports(
    __name__,
    {
        "Deadline": "limits",
        "Limits": "limits",
        "Sandbox": "sandbox",
        "SandboxError": "errors",
        "SubmissionError": "errors",
    },
)
