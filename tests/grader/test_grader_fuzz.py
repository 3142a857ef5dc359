"""Fuzzing: every reader of learner input (a file, a notebook, a folder, a zip, an upload, an
LMS export, a worker's frames) and every helper that formats a learner's value, driven with
random and extreme inputs. Each must end with its result or its documented refusal — never
another exception — holding memory in proportion to its input (tracemalloc's peak, NumPy's
arrays included), and in time well inside hypothesis's deadline (generous: a hang guard, not
a speed test). The largest inputs each reader accepts run apart, in a process of their own,
with a time limit and a bound on its peak memory (its own, ``VmHWM``)."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from grader_helpers import PEAK_MEMORY
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.checking.compare import difference, observe, show, show_pair
from grader.report.sanitize import clean_name, clean_text
from grader.sandbox import wire
from grader.submission import notebook, uploads
from grader.submission.exports import discover
from grader.submission.files import SubmissionFileError, read_source

WANTED = {"01_parabola.py", "01_parabola.ipynb", "02_bce_gradient.py"}
FUZZ = settings(
    max_examples=60,
    deadline=timedelta(seconds=20),  # a hang guard for one example, on a busy machine
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
BASE = 32 << 20  # what any helper may hold on top of its input's size (times PER_BYTE);
# reading a file reserves a buffer of the most it may read (16 MB for a notebook) at once
PER_BYTE = 40


def bounded(size: int, function, *args, **kwargs):
    """``function(*args, **kwargs)``, asserting its peak memory stays within BASE + PER_BYTE
    per byte of input (``size``)."""
    tracemalloc.start()
    try:
        result = function(*args, **kwargs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < BASE + PER_BYTE * size, f"{function.__name__} held {peak >> 20} MB"
    return result


# -- values a learner's function can return, and the helpers that show them ------------------

EDGE_FLOATS = st.sampled_from(
    [5e-324, -5e-324, 1.7976931348623157e308, -1.7976931348623157e308, 0.0, -0.0]
    + [float("inf"), float("-inf"), float("nan"), 2.2250738585072014e-308]
)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    EDGE_FLOATS,
    st.integers(min_value=-(2**1100), max_value=2**1100),
    st.booleans(),
)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6)
ARRAYS = st.one_of(
    hnp.arrays(np.float64, SHAPES, elements=st.floats(allow_nan=True, allow_infinity=True)),
    hnp.arrays(np.int8, SHAPES),
    hnp.arrays(np.complex128, hnp.array_shapes(max_dims=2, max_side=3)),
    hnp.arrays(np.bool_, SHAPES),
)
PLAIN = st.recursive(  # what can come back from the sandbox: plain data only
    st.one_of(NUMBERS, ARRAYS, st.none(), st.text(max_size=50)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=5).map(tuple),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=20,
)
EXPECTED = st.one_of(  # what a check expects: numbers, arrays, tuples of them
    st.floats(allow_nan=False, allow_infinity=False),
    hnp.arrays(np.float64, SHAPES, elements=st.floats(-1e6, 1e6)),
    st.tuples(st.floats(-10, 10), hnp.arrays(np.float64, (3,), elements=st.floats(-1, 1))),
)


@FUZZ
@given(got=PLAIN, expected=EXPECTED)
def test_comparing_and_showing_any_returned_value(got, expected):
    found = bounded(0, difference, got, expected)
    assert found is None or (isinstance(found.text, str) and len(found.text) < 20_000)
    for text in (bounded(0, show, got), *bounded(0, show_pair, got, expected)):
        assert isinstance(text, str) and len(text) < 20_000  # ~7 members a level, ≤20 leaves
    assert isinstance(bounded(0, observe, got, expected), str)


@settings(FUZZ, max_examples=20)
@given(
    shape=st.lists(st.integers(0, 3000), min_size=1, max_size=3).filter(
        lambda shape: np.prod(shape, dtype=np.int64) <= 4_000_000
    ),
    dtype=st.sampled_from([np.int8, np.float32, np.float64]),
)
def test_showing_a_large_array_of_the_wrong_shape(shape, dtype):
    """Shown from its ends, never converted whole (a 6 M-entry array's tolist() was 559 MB)."""
    got = np.ones(shape, dtype=dtype)
    found = bounded(got.nbytes, difference, got, np.zeros(3))
    assert found is not None and len(found.text) < 4000
    assert len(bounded(got.nbytes, show, got)) < 4000


@FUZZ
@given(
    text=st.text(max_size=20_000) | st.binary(max_size=20_000).map(lambda b: b.decode("latin-1"))
)
def test_sanitizing_any_text(text):
    cleaned = bounded(len(text) * 4, clean_text, text, 8000)
    assert len(cleaned) <= 8200 and "\x1b]" not in cleaned
    assert isinstance(bounded(len(text) * 4, clean_name, text), str)


# -- a worker's frames -------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40)
    ),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
)


def frame_of(body: bytes, blobs: list[bytes] = ()) -> io.BytesIO:
    parts = [struct.pack(">I", len(body)), body]
    for blob in blobs:
        parts += [struct.pack(">Q", len(blob)), blob]
    return io.BytesIO(b"".join(parts))


@FUZZ
@given(data=st.binary(max_size=4096))
def test_reading_any_bytes_as_a_frame(data):
    try:
        header, blobs = bounded(len(data), wire.read_frame, io.BytesIO(data), 1 << 20)
    except (wire.WireError, EOFError):
        return
    assert type(header) is dict and all(type(b) is bytes for b in blobs)


@FUZZ
@given(value=JSON_VALUES, blobs=st.lists(st.binary(max_size=64), max_size=3))
def test_decoding_any_header(value, blobs):
    body = json.dumps({"result": value, "blobs": len(blobs)}).encode()
    try:
        header, got_blobs = bounded(len(body), wire.read_frame, frame_of(body, blobs), 1 << 20)
        decoded = bounded(len(body), wire.decode, header["result"], got_blobs)
    except (wire.WireError, RecursionError):
        return
    assert wire.entries(decoded) >= 1


@FUZZ
@given(
    dtype=st.sampled_from(["<f8", "|i1", "<c16", "|b1", "<U3", "|O", ">i4", "V8"]),
    shape=st.lists(st.integers(0, 2**41), max_size=40),
    size=st.integers(0, 64),
)
# empty, but its other dimensions beyond any NumPy's size (NumPy 2.2 raised ValueError on it)
@example(dtype="<f8", shape=[0, 6357, 13463620, 13470561], size=0)
def test_decoding_any_array_header(dtype, shape, size):
    """A zero-byte array of any shape decodes (or is refused) without being built whole."""
    try:
        array = bounded(size, wire.decode, {"__ndarray__": [0, dtype, shape]}, [bytes(size)])
    except wire.WireError:
        return
    assert array.nbytes == size


def test_an_empty_array_whose_shape_no_numpy_can_make_is_refused():
    """Refused the same with every NumPy (2.2 raised ValueError, 2.4 made it)."""
    header = {"__ndarray__": [0, "<f8", [0, 6357, 13463620, 13470561]]}
    with pytest.raises(wire.WireError, match="shape is too large"):
        wire.decode(header, [b""])


# -- files, notebooks, folders, zips, exports ---------------------------------------------------

SOURCE_LINES = st.sampled_from(
    [
        "import numpy as np",
        "import matplotlib.pyplot as plt",
        "def f(w):\n    return w",
        "%matplotlib inline",
        "%a",
        "!pip install x",
        "x = %timeit -o f(1)",
        "np.sum?",
        "EPS = 1e-12",
        "print(1)",
        "for i in range(3):\n    pass",
        "def broken(:\n    pass",
        '"""unclosed',
        "from __future__ import annotations",
        "\x00",
        "\ud800",
        "x = [" * 40 + "]" * 40,
    ]
)
CELLS = st.lists(
    st.fixed_dictionaries(
        {
            "cell_type": st.sampled_from(["code", "markdown", "raw", "other", 3]),
            "source": st.one_of(
                st.lists(SOURCE_LINES, max_size=8).map("\n".join),
                st.lists(SOURCE_LINES.map(lambda x: x + "\n"), max_size=8),
                JSON_VALUES,
            ),
            "metadata": st.one_of(st.just({}), st.just({"tags": ["skip-grading"]}), JSON_VALUES),
            "outputs": st.just([]) | JSON_VALUES,
        }
    ),
    max_size=12,
)


@FUZZ
@given(
    cells=CELLS,
    nbformat=st.sampled_from([4, 3, 5, "4", None]),
    minor=st.sampled_from([0, 2, 5, -1]),
)
def test_reading_any_notebook(cells, nbformat, minor):
    data = json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": nbformat, "nbformat_minor": minor}
    ).encode("utf-8", "surrogatepass")
    for validate in (True, False):
        try:
            result = bounded(len(data), notebook.extract, data, "nb.ipynb", validate=validate)
        except notebook.NotebookError as error:
            assert str(error)
            continue
        assert isinstance(result.source, str)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".py", ".ipynb"]))
def test_reading_any_bytes_as_an_exercise_file(tmp_path_factory, data, suffix):
    folder = tmp_path_factory.mktemp("file")
    name = "01_parabola" + suffix
    (folder / name).write_bytes(data)
    try:
        source = bounded(len(data), read_source, folder, name)
    except SubmissionFileError as error:
        assert str(error)
        return
    assert isinstance(source.text, str)


MEMBER_NAMES = st.one_of(
    st.sampled_from(sorted(WANTED)),
    st.sampled_from(["../01_parabola.py", "/abs/01_parabola.py", "a/b/c/d/e/f/g/h/i/j/k.py"]),
    st.sampled_from(["venv/x.py", "sub/01_parabola.py", "inner.zip", "\\evil\\01_parabola.py"]),
    st.text(min_size=1, max_size=30),
)


def a_zip(members: list[tuple[str, bytes]], compression: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members:
            try:
                archive.writestr(name, data)
            except (ValueError, UnicodeEncodeError, IndexError):  # IndexError: a name zipfile
                pass  # cuts at its NUL to nothing ("\x00…"), which it cannot write
    return buffer.getvalue()


def test_a_member_whose_header_lies_costs_no_more_than_its_bytes(tmp_path):
    """A 515-byte zip (found by the test below) whose damaged directory makes a notebook
    member look large: one read of the most a notebook may hold reserved 16 MB at once, twice
    over (32 MB of the grading process); read in chunks, what it holds."""
    members = [("01_parabola.ipynb", b"\x00")] * 2 + [("0", b"\x00"), ("0", b"\x00" * 19)]
    data = bytearray(a_zip([*members, ("inner.zip", b"\x00")], zipfile.ZIP_STORED))
    data[2521 % len(data)] = 2
    path = tmp_path / "upload.zip"
    path.write_bytes(bytes(data))
    tracemalloc.start()
    try:
        upload = uploads.read_submission(path, WANTED)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert upload.notes and peak < 4 << 20, f"{peak >> 20} MB for {len(data)} bytes"


@FUZZ
@given(
    members=st.lists(st.tuples(MEMBER_NAMES, st.binary(max_size=300)), max_size=10),
    compression=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2]),
    damage=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=6),
    cut=st.none() | st.integers(0, 10_000),
)
def test_reading_any_zip_as_an_upload(tmp_path_factory, members, compression, damage, cut):
    """A zip, whole, damaged byte by byte, or cut short: its files or its reasons, never a
    traceback (a damaged deflate stream raised zlib.error, others EOFError)."""
    data = bytearray(a_zip(members, compression))
    for where, byte in damage:
        if data:
            data[where % len(data)] = byte
    data = bytes(data[:cut] if cut is not None else data)
    path = tmp_path_factory.mktemp("zip") / "upload.zip"
    path.write_bytes(data)
    upload = bounded(len(data), uploads.read_submission, path, WANTED)
    assert set(upload.files) <= WANTED
    assert all(isinstance(note, str) for note in upload.notes)


FOLDER_NAMES = st.one_of(
    MEMBER_NAMES.filter(lambda n: "/" not in n and "\\" not in n and n not in (".", "..")),
    st.sampled_from(
        [
            "Alice Smith_12345_assignsubmission_file_",
            "smithalice_12345_67890_01_parabola.py",
            "smithalice_LATE_12345_67890_01_parabola.py",
            "alice",
            "alice-2",
            "alice.zip",
            "submission_metadata.yml",
        ]
    ),
)


def plant(folder: Path, tree: dict) -> None:
    for name, content in tree.items():
        if "\x00" in name or "/" in name or name in (".", ".."):
            continue
        path = folder / name
        try:
            if isinstance(content, dict):
                path.mkdir(exist_ok=True)
                plant(path, content)
            else:
                path.write_bytes(content)
        except OSError:  # a name this filesystem refuses
            pass


TREES = st.recursive(
    st.binary(max_size=200),
    lambda inner: st.dictionaries(FOLDER_NAMES, inner, max_size=5),
    max_leaves=15,
).filter(lambda tree: isinstance(tree, dict))


@FUZZ
@given(tree=TREES)
def test_reading_any_folder_as_an_upload_and_as_an_export(tmp_path_factory, tree):
    folder = tmp_path_factory.mktemp("tree")
    plant(folder, tree)
    upload = bounded(0, uploads.read_submission, folder, WANTED)
    assert set(upload.files) <= WANTED
    students = bounded(0, discover, [folder], WANTED)
    keys = [student.key for student in students]
    assert len(keys) == len(set(keys))  # one student, one row
    for student in students:
        assert bounded(0, uploads.read_student, student.sources, WANTED) is not None
    uploads.close_export_zips()


# -- the largest inputs each reader accepts, each in a process of its own ------------------------

EXTREMES = PEAK_MEMORY + textwrap.dedent("""
    import io, json, sys, time, zipfile
    from pathlib import Path
    import numpy as np
    from grader.checking.compare import difference, show
    from grader.sandbox import wire
    from grader.submission import notebook, uploads
    from grader.submission.exports import discover

    case, folder = sys.argv[1], Path(sys.argv[2])
    wanted = {"01_parabola.py"}

    def nb(source):
        cell = {"cell_type": "code", "source": source, "metadata": {}, "outputs": [],
                "execution_count": None}
        return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 4})

    def run():
        if case == "magic_lines":
            return notebook.extract(nb("%a\\n" * 30_000))
        if case == "short_statements":
            return notebook.extract(nb("x=1\\n" * 100_000))
        if case == "statements_on_a_line":  # within every bound on the code's size
            return notebook.extract(nb("x=1;" * 60_000))
        if case == "list_literal":  # kept: a constant
            return notebook.extract(nb("X = [" + "0," * 125_000 + "]"))
        if case == "many_cells":
            cell = {"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": []}
            data = {"cells": [cell] * 200_000, "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
            return notebook.extract(json.dumps(data))
        if case == "zip_entries":
            path = folder / "big.zip"
            with zipfile.ZipFile(path, "w") as archive:
                for n in range(20_000):
                    archive.writestr(f"venv/{n:05}.txt", b"")
                archive.writestr("01_parabola.py", b"x = 1\\n")
            return uploads.read_submission(path, wanted)
        if case == "folder_entries":
            (folder / "many").mkdir()
            for n in range(20_000):
                (folder / "many" / f"{n:05}.txt").write_bytes(b"")
            return discover([folder / "many"], wanted)
        if case == "header_digits":
            body = ("[" + ",".join(["1" * 400] * 40_000) + "]").encode()
            return wire.parse_header(b'{"a":' + body + b"}")
        if case == "header_string":
            return wire.parse_header(json.dumps({"a": "\\\\\\"" * (4 << 20)}).encode())
        if case == "wrong_shape":
            got = np.ones(24_000_000, dtype=np.int8)
            return difference(got, np.zeros(3)), show(got)
        raise SystemExit(f"no case {case}")

    try:
        run()
    except (notebook.NotebookError, wire.WireError) as refused:
        print("refused:", str(refused)[:200])
    print("PEAK", peak_memory())
""")
CASES = [
    "magic_lines",
    "short_statements",
    "statements_on_a_line",
    "list_literal",
    "many_cells",
    "zip_entries",
    "folder_entries",
    "header_digits",
    "header_string",
    "wrong_shape",
]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="its bounds are Linux's")
@pytest.mark.parametrize("case", CASES)
def test_the_largest_inputs_stay_bounded_apart(tmp_path, case):
    done = subprocess.run(
        [sys.executable, "-c", EXTREMES, case, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,  # a hang guard: quadratic work on these inputs took minutes to hours
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    peak = int(done.stdout.rsplit("PEAK ", 1)[1])
    assert peak < 600 << 20, f"{case}: {peak >> 20} MB"  # NumPy and the input itself: ~150
