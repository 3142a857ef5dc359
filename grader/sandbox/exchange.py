"""One exchange with a worker process: a request sent, the callbacks learner code makes answered
meanwhile, and the reply awaited, each within its wait limit (the call's, cut to the run's
overall deadline); a worker that overruns, ends, or sends anything malformed is killed, and the
call fails with a sentence saying why (:class:`SubmissionError`, the learner's; or the grader's:
:class:`ProcessLost`, :class:`StartFailed`)."""

from __future__ import annotations

import signal
import time

from grader.sandbox import wire
from grader.sandbox.errors import CANCELLED, ProcessLost, StartFailed, SubmissionError
from grader.sandbox.limits import Deadline
from grader.sandbox.process import Process
from grader.sandbox.sessions import stopped


def exchange(
    process: Process,
    request: dict,
    blobs: list[bytes],
    callbacks: dict,
    what: str = "",
    overall: Deadline | None = None,
) -> tuple[dict, list[bytes]]:
    """Send ``request``, answer learner code's callbacks, return the reply (or raise
    SubmissionError: the learner's failure; StartFailed: the backend's). ``overall``
    cuts the call's wall limit (and the wait for the worker to start) to the time left."""
    if overall is not None and overall.left() <= 0:
        raise SubmissionError("timeout", f"not run: {overall.reached}")
    process.idle_death = process.popen.poll() is not None  # ended with no request to serve
    process.seq += 1
    clock = _Clock(process.limits.wall, overall)
    try:
        if not process.ready:
            header, _ = process.replies.next(clock.cut(process.limits.start))
            if header.get("op") != "ready":
                raise wire.WireError("a first message that is not ready")
            process.ready = True
            process.tell_limits(header.get("limits"), header.get("guard"))
        deadline = clock.cut(process.limits.wall)
        process.send(request, blobs, deadline)
        while True:
            header, reply_blobs = process.replies.next(deadline)
            if header.get("seq") != process.seq:
                raise wire.WireError("a reply to a request that was not made")
            if header.get("op") != "callback":
                break
            if time.monotonic() >= deadline:  # a flood of callbacks is no way past it
                raise TimeoutError
            _answer(process, header, reply_blobs, callbacks, deadline)
    except TimeoutError:
        was_stopped = stopped(process.popen.pid)  # by a signal from outside, not a loop
        process.kill()
        if was_stopped and not process.interrupted:
            raise ProcessLost("it was stopped by a signal from outside") from None
        raise SubmissionError("timeout", clock.overrun(what)) from None
    except wire.WireError as error:
        process.kill()
        if process.interrupted:  # half a frame from a worker killed mid-reply
            raise SubmissionError("cancelled", CANCELLED) from None
        raise SubmissionError("bad_return", f"the worker sent {error}") from None
    except EOFError:
        raise _ended(process, what) from None
    if header.get("ok") is not True:
        kind, message, where = (reply_text(header.get(k))[:n] for k, n in _ERROR_FIELDS.items())
        output, more = reply_text(header.get("output")), reply_count(header.get("output_more"))
        raise SubmissionError(kind, message, where, output, more)
    return header, reply_blobs


def _answer(
    process: Process, header: dict, blobs: list[bytes], callbacks: dict, deadline: float
) -> None:
    """Run a grader function learner code called; any error goes back to learner code."""
    out: list[bytes] = []
    try:
        function = callbacks[header.get("id")]
        args = wire.decode(header.get("args"), blobs)
        if wire.entries(args) > process.limits.callback_entries:
            raise ValueError(_too_large(args, process.limits.callback_entries))
        result = function(*args)
        reply = {"ok": True, "result": wire.encode(result, out)}
    except Exception as error:  # noqa: BLE001 - learner-chosen arguments may break it
        reply, out = {"ok": False, "message": f"{type(error).__name__}: {error}"[:500]}, []
    process.send(reply, out, deadline)


def _ended(process: Process, what: str) -> Exception:
    """The worker closed the channel: why (a StartFailed if it never got ready)."""
    if process.interrupted:
        process.kill()
        return SubmissionError("cancelled", CANCELLED)
    ready = process.ready
    log = process.startup_log() if not ready else ""
    over_memory = ready and process.guard.exceeded(id(process))  # read before kill() removes it
    code = process.kill()
    if process.signal_offset and code is not None and code > process.signal_offset:
        code = process.signal_offset - code  # the signal that ended the wrapped worker
    if code is not None and code < 0 and (process.idle_death or not ready):
        return ProcessLost(f"{_signal_name(code)} while it ran no learner code")
    if not ready:
        return StartFailed(log.splitlines()[-1][:300] if log else f"exit status {code}")
    if hasattr(signal, "SIGXCPU") and code == -signal.SIGXCPU:  # not on Windows
        limit = process.limits.cpu
        return SubmissionError("timeout", f"used more than {limit:g} s of CPU time per call")
    if over_memory:  # the cgroup's memory.max: memory_bytes, and the room for its tmpfs
        held = (process.limits.memory_bytes + 2 * process.limits.temp_bytes) >> 20
        return SubmissionError("memory", MEMORY_KILLED.format(held))
    if code is not None and code < 0:
        name = _signal_name(code)
        return SubmissionError("crashed", f"the process running your code was killed ({name})")
    return SubmissionError(
        "crashed",
        f"the process running your code ended {what or 'during the call '}(exit status "
        f"{code}); do not call os._exit() or exit the interpreter",
    )


class _Clock:
    """The wait limits of one exchange: each of its own length, cut to the overall deadline;
    and, when one is overrun, the sentence saying which limit it was."""

    def __init__(self, wall: float, overall: Deadline | None) -> None:
        self.wall, self.overall = wall, overall
        self.by_overall = False  # the last limit handed out was the overall deadline's

    def cut(self, seconds: float) -> float:
        """The moment ``seconds`` from now, or the overall deadline if it comes first."""
        end = time.monotonic() + seconds
        self.by_overall = self.overall is not None and self.overall.at < end
        return self.overall.at if self.by_overall else end

    def overrun(self, what: str) -> str:
        if self.by_overall:
            return (
                f"{what or 'the call '}was stopped: {self.overall.reached}; look for a loop "
                "that never ends or a very slow step"
            )
        return (
            f"{what}took longer than {self.wall:g} s (the time limit per call); "
            "look for a loop that never ends or a very slow step"
        )


MEMORY_KILLED = (
    "the process running your code was killed: it held more than {} MB of memory, counting "
    "files written to memory (memfd files, /dev/shm, /tmp)"
)


def _too_large(args: list, limit: int) -> str:
    """Why a grader function refused its arguments: they hold more than ``limit`` entries."""
    shapes = [f"shape {v.shape}" for v in args if hasattr(v, "shape")][:3]
    given = f" (arrays of {', '.join(shapes)})" if shapes else ""
    return (
        f"the grader's function was called with {wire.entries(args):,} entries{given}, more "
        f"than the {limit:,} it takes (an empty dimension counts as 1); call it with arrays "
        "the size of the exercise's"
    )


def _signal_name(code: int) -> str:
    """The name of the signal that ended a process with status ``code`` (negative)."""
    return signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"


def reply_text(value: object) -> str:
    """A text a worker sent, or "" for anything else."""
    return value if type(value) is str else ""


def reply_count(value: object) -> int:
    """A count a worker sent (characters of output it did not send), or 0."""
    return value if type(value) is int and 0 <= value < 1 << 62 else 0


# the most a failure's fields hold, in characters, as a worker's reply gives them
_ERROR_FIELDS = {"kind": 40, "message": 2000, "where": 4000}
