"""The sandbox worker: runs learner code in a child process, never in the grading process.

This file is executed *by itself* inside the sandbox (``python -I -S _worker.py zygote CONFIG``),
so it imports only the standard library and NumPy. The grading process also imports it (as
``grader._worker``) for the wire format, which is the same on both sides.

Processes
---------
zygote  started once per grading run; imports NumPy, then waits on its control socket (fd given on
        the command line). For every ``spawn`` request it receives a fresh socket (SCM_RIGHTS) and
        forks a *child*. It also kills and reaps children on request.
child   one per exercise file. Sets its resource limits, sends its stdout/stderr to an unlinked
        file, refuses imports of gdref/grader/solutions, loads the submission file by path and
        answers ``call`` requests on its own socket until that socket closes.

Wire format
-----------
A message is a 4-byte big-endian length, a JSON header, and for each binary blob an 8-byte length
and the bytes of an ``.npy`` file. Values are tagged JSON: numbers, strings, booleans and ``None``
as themselves; lists as lists; ``{"__tuple__": [...]}``, ``{"__dict__": {...}}``,
``{"__ndarray__": i}`` (blob i, read with ``allow_pickle=False``) and ``{"__callback__": k}`` (a
function that lives in the grading process). Nothing is ever pickled.
"""

from __future__ import annotations

import io
import json
import os
import socket
import struct
import sys

NUMERIC_KINDS = "biufc"  # bool, signed, unsigned, float, complex
REFUSED_MODULES = ("gdref", "grader", "solutions")
MAX_MESSAGE = 256 * 1024 * 1024


class WireError(Exception):
    """A value that cannot cross the sandbox boundary, or a malformed message."""


def _describe(value: object) -> str:
    cls = type(value)
    module = cls.__module__
    name = cls.__qualname__ if module in ("builtins", None) else f"{module}.{cls.__qualname__}"
    return f"a {name}"


def encode(value: object, blobs: list[bytes], callbacks: dict | None = None) -> object:
    """Turn plain data into tagged JSON; arrays go to ``blobs`` as .npy bytes."""
    import numpy as np

    if value is None or type(value) in (bool, str):
        return value
    if type(value) is int:
        return value
    if type(value) is float:
        return value
    if type(value) is np.ndarray:
        if value.dtype.kind not in NUMERIC_KINDS or value.dtype.names is not None:
            raise WireError(
                f"an array of dtype {value.dtype}, but only numeric arrays are accepted"
            )
        blobs.append(np.ascontiguousarray(value).tobytes())
        return {"__ndarray__": [len(blobs) - 1, value.dtype.str, list(value.shape)]}
    if isinstance(value, np.ndarray):
        raise WireError(
            f"{_describe(value)} (a subclass of numpy.ndarray); return a plain array, "
            "for example np.asarray(result)"
        )
    if (
        isinstance(value, np.generic)
        and type(value).__module__ == "numpy"
        and (value.dtype.kind in NUMERIC_KINDS)
    ):
        if value.dtype.kind == "c":
            return encode(np.asarray(value), blobs, callbacks)
        return value.item()
    if type(value) is list:
        return [encode(v, blobs, callbacks) for v in value]
    if type(value) is tuple:
        return {"__tuple__": [encode(v, blobs, callbacks) for v in value]}
    if type(value) is dict:
        if not all(type(k) is str for k in value):
            raise WireError("a dict with non-string keys")
        return {"__dict__": {k: encode(v, blobs, callbacks) for k, v in value.items()}}
    if callbacks is not None and callable(value):
        key = len(callbacks)
        callbacks[key] = value
        return {"__callback__": key}
    raise WireError(_describe(value))


def decode(data: object, blobs: list[bytes], make_callback=None) -> object:
    """Inverse of :func:`encode`; arrays must have a plain numeric dtype (nothing unpickled)."""

    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v, blobs, make_callback) for v in data]
    if type(data) is dict and len(data) == 1:
        ((tag, inner),) = data.items()
        if tag == "__tuple__" and type(inner) is list:
            return tuple(decode(v, blobs, make_callback) for v in inner)
        if tag == "__dict__" and type(inner) is dict:
            return {str(k): decode(v, blobs, make_callback) for k, v in inner.items()}
        if tag == "__ndarray__" and type(inner) is list and len(inner) == 3:
            return _decode_array(*inner, blobs)
        if tag == "__callback__" and type(inner) is int and make_callback is not None:
            return make_callback(inner)
    raise WireError("a malformed value")


def _decode_array(index: object, dtype: object, shape: object, blobs: list[bytes]):
    """Raw bytes + a numeric dtype + a shape -> a fresh, plain ndarray (never unpickles)."""
    import numpy as np

    if type(index) is not int or not 0 <= index < len(blobs) or type(dtype) is not str:
        raise WireError("a malformed array")
    if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("an array with a malformed shape")
    try:
        kind = np.dtype(dtype)
    except TypeError:
        raise WireError(f"an array of unknown dtype {dtype!r}") from None
    if kind.kind not in NUMERIC_KINDS or kind.names is not None or kind.subdtype is not None:
        raise WireError(f"an array of dtype {kind}, but only numeric arrays are accepted")
    count = 1
    for n in shape:
        count *= n
    if count * kind.itemsize != len(blobs[index]):
        raise WireError("an array whose size does not match its shape")
    return np.frombuffer(blobs[index], dtype=kind).reshape(shape).copy()


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            raise EOFError("connection closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def send_message(sock: socket.socket, header: dict, blobs: list[bytes] = ()) -> None:
    body = json.dumps(dict(header, blobs=len(blobs))).encode()
    parts = [struct.pack(">I", len(body)), body]
    for blob in blobs:
        parts.append(struct.pack(">Q", len(blob)))
        parts.append(blob)
    sock.sendall(b"".join(parts))


def recv_message(sock: socket.socket, limit: int = MAX_MESSAGE) -> tuple[dict, list[bytes]]:
    (size,) = struct.unpack(">I", _recv_exact(sock, 4))
    if size > limit:
        raise WireError(f"a message of {size} bytes (limit {limit})")
    header = json.loads(_recv_exact(sock, size))
    if type(header) is not dict or type(header.get("blobs")) is not int:
        raise WireError("a malformed message")
    blobs, total = [], size
    for _ in range(header["blobs"]):
        (blob_size,) = struct.unpack(">Q", _recv_exact(sock, 8))
        total += blob_size
        if total > limit:
            raise WireError(f"more than {limit} bytes in one message")
        blobs.append(_recv_exact(sock, blob_size))
    return header, blobs


# --------------------------------------------------------------------------------------------
# Everything below runs only inside the sandbox.


class _RefuseImports:
    """Meta path finder that refuses the grader's own packages."""

    def find_spec(self, name, path=None, target=None):  # noqa: ARG002
        top = name.partition(".")[0]
        if top in REFUSED_MODULES:
            raise ImportError(
                f"importing {top!r} is not allowed in an exercise: write the code yourself "
                "(exercises may import only numpy and the standard library)",
                name=name,
            )
        return None


def _limit(resource_module, which: int, value: int) -> None:
    try:
        resource_module.setrlimit(which, (value, value))
    except (ValueError, OSError):
        pass


def _vm_size() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        pass


def _short_traceback(exc: BaseException, files: set[str]) -> str:
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in files]
    lines = []
    for frame in frames[-3:]:
        name = os.path.basename(frame.filename)
        code = (frame.line or "").strip()
        lines.append(f"  {name}, line {frame.lineno}, in {frame.name}: {code}")
    return "\n".join(lines)


class _Child:
    def __init__(self, chan: socket.socket, request: dict) -> None:
        self.chan = chan
        self.file = request["file"]
        self.limits = request["limits"]
        self.module = None
        self.files = {self.file}
        self.signatures: dict = {}

    def setup(self) -> None:
        import resource
        import signal

        os.setsid()
        _die_with_parent()
        try:
            with open(self.file, "rb") as source:  # read before dropping privileges
                self.source = source.read()
        except OSError as exc:
            self.source = exc
        out = os.open(
            os.path.join(self.limits["tmp"], f"out-{os.getpid()}"), os.O_RDWR | os.O_CREAT, 0o600
        )
        os.unlink(os.path.join(self.limits["tmp"], f"out-{os.getpid()}"))
        if self.limits.get("drop_to") is not None:
            uid = int(self.limits["drop_to"])
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        self.out = out
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        _limit(resource, resource.RLIMIT_FSIZE, int(self.limits["output_bytes"]))
        _limit(resource, resource.RLIMIT_CORE, 0)
        used = resource.getrusage(resource.RUSAGE_SELF)
        self.cpu_base = used.ru_utime + used.ru_stime
        hard = int(self.cpu_base + self.limits["cpu_total"]) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
        _limit(resource, resource.RLIMIT_AS, _vm_size() + int(self.limits["memory_bytes"]))
        _limit(resource, resource.RLIMIT_NPROC, 0)
        sys.meta_path.insert(0, _RefuseImports())
        sys.path.append(os.path.dirname(self.file))
        sys.argv = [self.file]
        sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), "utf-8", "replace")
        sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", closefd=False), "utf-8", "replace")
        self.stdout, self.stderr = sys.stdout, sys.stderr

    def set_cpu_budget(self) -> None:
        import resource

        used = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(used.ru_utime + used.ru_stime + self.limits["cpu"]) + 1
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        try:
            resource.setrlimit(resource.RLIMIT_CPU, (min(soft, hard), hard))
        except (ValueError, OSError):
            pass

    def take_output(self) -> tuple[str, bool]:
        """Return what the learner's code printed since the last call, and whether it overflowed."""
        overflow = False
        for stream in (self.stdout, self.stderr):
            try:
                stream.flush()
            except OSError:
                overflow = True
        sys.stdout, sys.stderr = self.stdout, self.stderr
        size = os.lseek(self.out, 0, os.SEEK_END)
        os.lseek(self.out, 0, os.SEEK_SET)
        keep = int(self.limits["output_keep"])
        data = os.read(self.out, keep) if size else b""
        os.ftruncate(self.out, 0)
        os.lseek(self.out, 0, os.SEEK_SET)
        text = data.decode("utf-8", "replace")
        if size > keep:
            text += f"\n… ({size - keep} more bytes of output not shown)"
        if size >= int(self.limits["output_bytes"]):
            overflow = True
        return text, overflow

    def error(self, kind: str, message: str, exc: BaseException | None = None) -> dict:
        output, overflow = self.take_output()
        if overflow and kind == "exception" and isinstance(exc, OSError):
            kind = "output_limit"
            message = (
                f"printed more than {self.limits['output_bytes']} bytes (the output limit); "
                "remove prints inside loops"
            )
        where = _short_traceback(exc, self.files) if exc is not None else ""
        return {"ok": False, "kind": kind, "message": message, "where": where, "output": output}

    def load(self) -> dict:
        import importlib.util
        import linecache

        name = "submission_" + os.path.splitext(os.path.basename(self.file))[0]
        if isinstance(self.source, OSError):
            if isinstance(self.source, FileNotFoundError):
                return self.error("missing_file", f"{os.path.basename(self.file)} was not found")
            return self.error("missing_file", f"{os.path.basename(self.file)}: {self.source}")
        try:
            text = self.source.decode("utf-8")
            linecache.cache[self.file] = (len(text), None, text.splitlines(True), self.file)
            code = compile(text, self.file, "exec", dont_inherit=True)
            spec = importlib.util.spec_from_loader(name, loader=None, origin=self.file)
            module = importlib.util.module_from_spec(spec)
            module.__file__ = self.file
            sys.modules[name] = module
            exec(code, module.__dict__)
        except UnicodeDecodeError as exc:
            return self.error("syntax", f"{os.path.basename(self.file)} is not UTF-8 text ({exc})")
        except SyntaxError as exc:
            return self.error(
                "syntax",
                f"{type(exc).__name__} in {os.path.basename(exc.filename or self.file)}, "
                f"line {exc.lineno}: {exc.msg}",
            )
        except SystemExit as exc:
            return self.error("exit", f"the file calls sys.exit({exc.code!r}) when it is loaded")
        except BaseException as exc:  # noqa: BLE001 - learner code may raise anything
            return self.error("import", f"loading the file raised {type(exc).__name__}: {exc}", exc)
        self.module = module
        output, _ = self.take_output()
        return {"ok": True, "output": output}

    def callback(self, key: int):
        chan = self.chan

        def call_grader(*args):
            blobs: list[bytes] = []
            send_message(
                chan, {"op": "callback", "id": key, "args": encode(list(args), blobs)}, blobs
            )
            header, reply_blobs = recv_message(chan)
            if not header.get("ok"):
                raise ValueError(header.get("message", "the callback failed"))
            return decode(header["result"], reply_blobs)

        return call_grader

    def call(self, request: dict, blobs: list[bytes]) -> tuple[dict, list[bytes]]:
        import inspect

        name = request["function"]
        function = getattr(self.module, name, None)
        if function is None:
            return self.error("missing", f"the file has no function named {name}()"), []
        if not callable(function):
            return self.error("missing", f"{name} is {_describe(function)}, not a function"), []
        args = decode(request["args"], blobs, self.callback)
        kwargs = decode(request["kwargs"], blobs, self.callback)
        try:
            if name not in self.signatures:
                self.signatures[name] = inspect.signature(function)
            self.signatures[name].bind(*args, **kwargs)
        except TypeError as exc:
            try:
                shown = f"{name}{inspect.signature(function)}"
            except (TypeError, ValueError):
                shown = f"{name}(…)"
            return self.error(
                "signature",
                f"{shown} cannot be called as the exercise describes ({exc}); "
                "keep the signature given in the exercise",
            ), []
        except ValueError:
            pass
        self.set_cpu_budget()
        import warnings

        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = function(*args, **kwargs)
        except NotImplementedError as exc:
            return self.error("not_implemented", str(exc) or f"{name} is not written yet", exc), []
        except SystemExit as exc:
            return self.error("exit", f"{name} called sys.exit({exc.code!r})", exc), []
        except MemoryError as exc:
            return self.error(
                "memory",
                f"{name} ran out of memory (limit {self.limits['memory_bytes'] >> 20} MB)",
                exc,
            ), []
        except RecursionError as exc:
            return self.error("exception", f"{name} recursed too deeply (RecursionError)", exc), []
        except BaseException as exc:  # noqa: BLE001 - learner code may raise anything
            return self.error("exception", f"{name} raised {type(exc).__name__}: {exc}", exc), []
        out_blobs: list[bytes] = []
        try:
            encoded = encode(result, out_blobs)
        except WireError as exc:
            return self.error(
                "bad_return",
                f"{name} returned {exc}; expected a number, a list or tuple, or a numpy array",
            ), []
        output, overflow = self.take_output()
        if overflow:
            return self.error(
                "output_limit",
                f"{name} printed more than {self.limits['output_bytes']} bytes (the output "
                "limit); remove prints inside loops",
            ), []
        seen = []
        for warning in caught[:20]:
            text = f"{getattr(warning.category, '__name__', 'Warning')}: {warning.message}"
            if text not in seen:
                seen.append(text[:300])
        reply = {"ok": True, "result": encoded, "output": output, "warnings": seen}
        return reply, out_blobs

    def serve(self) -> None:
        while True:
            try:
                request, blobs = recv_message(self.chan)
            except (EOFError, OSError):
                return
            if request.get("op") == "load":
                send_message(self.chan, self.load())
            elif request.get("op") == "call":
                if self.module is None:
                    send_message(
                        self.chan,
                        {
                            "ok": False,
                            "kind": "internal",
                            "message": "call before load",
                            "output": "",
                        },
                    )
                    continue
                reply, out_blobs = self.call(request, blobs)
                send_message(self.chan, reply, out_blobs)


def _child_main(chan: socket.socket, request: dict) -> None:
    code = 0
    try:
        child = _Child(chan, request)
        child.setup()
    except BaseException as exc:  # noqa: BLE001 - report the sandbox's own failure
        import traceback

        message = "".join(traceback.format_exception(exc))
        try:
            send_message(chan, {"ok": False, "kind": "internal", "message": message})
        finally:
            os._exit(70)
    try:
        child.serve()
    except BaseException:  # noqa: BLE001
        code = 70
    finally:
        os._exit(code)


def _status(status: int) -> dict:
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    return {"exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}


def zygote(ctrl_fd: int, config: dict) -> None:
    import signal

    sys.path[:0] = config["site"]
    # imported once here and inherited by every forked child: NumPy, the submodules exercises
    # use most, and what the child itself needs
    import importlib.util  # noqa: F401
    import inspect  # noqa: F401
    import linecache  # noqa: F401
    import resource  # noqa: F401
    import traceback  # noqa: F401
    import warnings  # noqa: F401

    import numpy
    import numpy.linalg  # noqa: F401
    import numpy.random  # noqa: F401

    _die_with_parent()
    import gc

    gc.freeze()  # children share these objects: keep the collector from touching (copying) them
    ctrl = socket.socket(fileno=ctrl_fd)
    ctrl.send(json.dumps({"ready": True, "numpy": numpy.__version__}).encode())
    children: set[int] = set()
    while True:
        try:
            data, fds, _flags, _addr = socket.recv_fds(ctrl, 1 << 16, 4)
        except OSError:
            data, fds = b"", []
        if not data:
            for pid in children:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            os._exit(0)
        request = json.loads(data)
        op = request.get("op")
        if op == "spawn":
            pid = os.fork()
            if pid == 0:
                ctrl.close()
                _child_main(socket.socket(fileno=fds[0]), request)
            os.close(fds[0])
            children.add(pid)
            ctrl.send(json.dumps({"pid": pid}).encode())
        elif op in ("kill", "reap"):
            pid = int(request["pid"])
            if op == "kill":
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            status: dict = {"exit": None}
            if pid in children:
                try:
                    _, raw = os.waitpid(pid, 0)
                    status = _status(raw)
                except ChildProcessError:
                    pass
                children.discard(pid)
            ctrl.send(json.dumps(status).encode())
        for fd in fds[1:]:
            os.close(fd)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "zygote":
        zygote(int(sys.argv[2]), json.loads(sys.argv[3]))
    else:
        sys.stderr.write("usage: _worker.py zygote CONTROL_FD CONFIG_JSON\n")
        sys.exit(2)
