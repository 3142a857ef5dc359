"""How running learner code fails: the learner's failure (:class:`SubmissionError`), the
sandbox's own (:class:`SandboxError`, :class:`ProcessLost`), and a worker that never got ready
(:class:`StartFailed`, the backend's). The sandbox and each worker process raise them."""

from __future__ import annotations


class SubmissionError(Exception):
    """Learner code did not produce a usable result.

    kind is one of: not_implemented, missing (no such function), missing_file, syntax, import,
    signature, exception, exit, memory, timeout, crashed, output_limit, bad_return, mutated,
    cancelled (the run was stopped: see Sandbox.cancel).
    """

    def __init__(
        self, kind: str, message: str, where: str = "", output: str = "", dropped: int = 0
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.where = where
        self.output = output
        self.dropped = dropped  # characters of printed output not kept (see sandbox.Printed)


CANCELLED = "not run: this run was stopped (a newer save is graded instead)"


class SandboxError(RuntimeError):
    """The sandbox itself could not be started (not the learner's fault)."""


class ProcessLost(SandboxError):
    """Something outside the learner's code stopped or killed a worker (a signal while no
    learner code ran, or a worker found stopped when its time ran out): the grader's problem,
    never the learner's loop or crash. The run that lost it is not to be trusted: regrade."""

    def __init__(self, why: str) -> None:
        super().__init__(f"the grader lost this worker ({why}); regrade")


class StartFailed(Exception):
    """A worker process ended before it was ready (the backend, not the learner)."""
