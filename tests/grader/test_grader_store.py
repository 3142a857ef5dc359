"""The learner's store (grader/checking/record.py, "the learner's store"; opened by
grader/checking/remember.py's across_runs): the values public checks' remembered functions
computed, kept on disk for the next run of `grade`, watch and check(). Exact, used only by the
code and platform that made it, never a hidden value, never an error."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from grader_helpers import BUBBLEWRAP, MUTANT_LIMITS, forget_every_check_value

from grader.checking import framework, record, remember
from grader.checking.remember import across_runs, remembered
from grader.paths import cache_dir


@pytest.fixture(autouse=True)
def _fresh_process(monkeypatch):
    """Each test starts as a new process would: no store read yet, no check running."""
    monkeypatch.setattr(record, "_stores", {})
    monkeypatch.setattr(remember, "_public", False)


def new_process() -> None:
    """What a new run of `grade` would know: nothing remembered, the store not yet read."""
    forget_every_check_value()
    record._stores.clear()


def counted(value_of):
    calls = []

    @remembered
    def reference(*args):
        calls.append(args)
        return value_of(*args)

    return reference, calls


def in_public_check(function, *args):
    remember.public_check(True)
    try:
        return function(*args)
    finally:
        remember.public_check(False)


VALUES = [
    -0.0,
    float("nan"),
    float("-inf"),
    np.float32(-0.0),
    np.int32(7),
    np.array([[1.0, -0.0], [np.nan, np.inf]]),
    np.array([1, -2], dtype=np.int32),
    np.array([True, False]),
    np.array([1 + 2j], dtype=np.complex64),
    np.zeros((0, 3), dtype=np.float32),
    (1, [2.0, (3, "x")], None, True),
    {"a": np.array([1.0]), 2.5: ("tuple", -0.0)},
    framework.any_of(1.0, np.array([2.0])),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_value_comes_back_from_the_store_exactly(value):
    reference, calls = counted(lambda x: value)
    with across_runs():
        first = in_public_check(reference, 1.5)
    assert record.store_file().is_file()
    record._stores.clear()
    reference.forget()
    with across_runs():
        back = in_public_check(reference, 1.5)
    assert len(calls) == 1  # the second run read it
    assert type(back) is type(value)
    plain = tuple if isinstance(value, framework.Forms) else (lambda v: v)
    assert remember._key(plain(back)) == remember._key(plain(first))
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape


def test_integers_of_another_width_are_other_keys_in_the_store():
    """The release's record knows an int32 and an int64 array as one key (it is read on other
    platforms); the store is read only where it was made, where their results may differ."""
    reference, calls = counted(lambda x: x.dtype.str)
    with across_runs():
        in_public_check(reference, np.array([1, 2], dtype=np.int64))
    new_process()
    reference.forget()
    with across_runs():
        assert in_public_check(reference, np.array([1, 2], dtype=np.int32)) == "<i4"
    assert len(calls) == 2


def test_without_a_door_nothing_is_read_or_written():
    reference, calls = counted(lambda x: x + 1)
    in_public_check(reference, 1)
    assert not record.store_file().exists()
    with across_runs():
        in_public_check(reference, 2)
    reference.forget()
    record._stores.clear()
    in_public_check(reference, 2)
    assert len(calls) == 3  # the store was not read outside a door


def test_only_a_public_checks_outermost_values_are_kept():
    inner, _ = counted(lambda x: x * 2)
    outer, _ = counted(lambda x: inner(x) + 1)
    hidden, _ = counted(lambda x: -x)
    with across_runs():
        in_public_check(outer, 1)
        hidden(5)  # no public check runs: a hidden check, a fixture or the judgement
    kept = json.loads(record.store_file().read_bytes().partition(b"\n")[2])
    assert {name.rsplit(".", 1)[-1] for name in kept} == {"reference"}
    assert sum(len(entries) for entries in kept.values()) == 1


# -- what the store holds must never change a grade ---------------------------------------------

WRONG = [("momentum", "lr_in_velocity"), ("minibatch", "same_order_every_epoch")]
WRONG += [("logistic_regression", "test_own_statistics")]


def submissions(root: Path) -> list[Path]:
    from grader.authoring.mutants import apply_mutant
    from grader.exercises import by_name, solutions_dir

    folders = [solutions_dir()]
    for name, mistake_id in WRONG:
        exercise = by_name(name)
        source = (solutions_dir() / exercise.file).read_text(encoding="utf-8")
        folder = root / f"{name}-{mistake_id}"
        folder.mkdir()
        mutant = apply_mutant(source, exercise.mistake(mistake_id), exercise.file)
        (folder / exercise.file).write_text(mutant, encoding="utf-8")
        folders.append(folder)
    return folders


def whole_report(report) -> list:
    return [report.score, report.max_score] + [
        (
            check.name,
            check.status,
            check.message,
            check.details,
            check.diagnosis,
            check.diagnosis_message,
            check.hint,
        )
        for exercise in report.exercises
        for check in exercise.checks
    ]


@pytest.mark.slow
def test_the_grade_is_the_same_with_the_store_off_cold_and_warm(tmp_path, monkeypatch):
    """The solutions and three mutants, hidden checks included, each graded as a new process
    would with no store, with an empty one, and with the one that run left: the same reports,
    word for word; and the warm run works out no public check's value."""
    from grader.runner import grade
    from grader.sandbox.sandbox import Sandbox

    worked_out = []
    real_call = remember._call

    def counting(function, args, kwargs):
        if remember._depth == 0 and remember._public:
            worked_out.append(function.__name__)
        return real_call(function, args, kwargs)

    monkeypatch.setattr(remember, "_call", counting)
    diagnosed = set()
    with Sandbox(MUTANT_LIMITS) as sandbox:
        for folder in submissions(tmp_path):
            reports, counts = {}, {}
            for case in ("off", "cold", "warm"):
                new_process()
                if case == "cold":
                    record.store_file().unlink(missing_ok=True)
                worked_out.clear()
                with contextlib.nullcontext() if case == "off" else across_runs():
                    report = grade(folder, include_hidden=True, sandbox=sandbox)
                reports[case], counts[case] = whole_report(report), len(worked_out)
            assert reports["cold"] == reports["off"], folder.name
            assert reports["warm"] == reports["off"], folder.name
            assert counts["off"] == counts["cold"] > 20 and counts["warm"] == 0, folder.name
            diagnosed |= {check[4] for check in reports["off"][2:] if check[4]}
    assert {mistake for _, mistake in WRONG} <= diagnosed


def test_a_store_that_holds_another_value_is_what_a_warm_run_reads(tmp_path):
    """What the comparison above guards against: a store's values are taken as they are (a
    store changed by hand changes the grade), so the store must be exact and whole."""
    reference, calls = counted(lambda x: np.array([x, x]))
    with across_runs():
        in_public_check(reference, 1.0)
    path = record.store_file()
    head, _, body = path.read_bytes().partition(b"\n")
    values = json.loads(body)
    for entries in values.values():
        for name in entries:
            entries[name] = record.encode(np.array([9.0, 9.0]), "x")
    write_store(path, json.loads(head)["made_for"], values)
    new_process()
    reference.forget()
    with across_runs():
        assert in_public_check(reference, 1.0).tolist() == [9.0, 9.0]
    assert len(calls) == 1


def write_store(path: Path, made: str, values: object, sha: str | None = None) -> None:
    body = json.dumps(values).encode()
    head = {"format": record.STORE_FORMAT, "made_for": made}
    head["sha256"] = sha or record.hashlib.sha256(body).hexdigest()
    path.write_bytes(json.dumps(head).encode() + b"\n" + body)


# -- a store that cannot be used is an empty one ------------------------------------------------


def _spoil(how: str, path: Path, monkeypatch) -> None:
    data = path.read_bytes()
    head, _, body = data.partition(b"\n")
    header = json.loads(head)
    if how == "foreign":  # made by other code or another platform
        header["made_for"] = "0" * 64
        path.write_bytes(json.dumps(header).encode() + b"\n" + body)
    elif how == "other format":
        header["format"] = record.STORE_FORMAT + 1
        path.write_bytes(json.dumps(header).encode() + b"\n" + body)
    elif how == "a changed byte":
        at = body.index(b'"a"') + 10
        path.write_bytes(head + b"\n" + body[:at] + b"A" + body[at + 1 :])
    elif how == "cut short":
        path.write_bytes(data[: len(data) // 2])
    elif how == "not json":
        path.write_bytes(b"\xff\xfe not a store")
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "oversized":  # a whole store, larger than a store may be
        monkeypatch.setattr(record, "STORE_LIMIT", len(data) - 1)
    elif how == "a folder":
        path.unlink()
        path.mkdir()
    elif how == "a fifo":
        path.unlink()
        os.mkfifo(path)
    elif how == "a malformed value":  # whole and made for this code, but no value of ours
        values = json.loads(body)
        for entries in values.values():
            for name in entries:
                entries[name] = {"a": ["<f8", [3], "not base64!"]}
        write_store(path, header["made_for"], values)
    elif how == "nested deeper than Python's stack":
        path.write_bytes(b"[" * 200_000 + b"\n" + body)
    elif how == "not a mapping":
        write_store(path, header["made_for"], [1, 2, 3])


SPOILED = ["foreign", "other format", "a changed byte", "cut short", "not json", "empty"]
SPOILED += ["oversized", "a folder", "a malformed value", "not a mapping"]
SPOILED += ["nested deeper than Python's stack"]
SPOILED += ["a fifo"] if hasattr(os, "mkfifo") else []


@pytest.mark.parametrize("how", SPOILED)
def test_a_store_that_cannot_be_used_is_worked_out_again(how, monkeypatch):
    reference, calls = counted(lambda x: np.array([x, -x]))
    with across_runs():
        in_public_check(reference, 2.0)
    _spoil(how, record.store_file(), monkeypatch)
    new_process()
    reference.forget()
    with across_runs():
        value = in_public_check(reference, 2.0)
    assert value.tolist() == [2.0, -2.0]
    assert len(calls) == 2


@pytest.mark.parametrize("how", ["foreign", "a changed byte", "cut short"])
def test_a_store_that_cannot_be_used_is_replaced_by_a_whole_one(how, monkeypatch):
    reference, calls = counted(lambda x: np.array([x, -x]))
    with across_runs():
        in_public_check(reference, 2.0)
    _spoil(how, record.store_file(), monkeypatch)
    for _ in range(2):
        new_process()
        reference.forget()
        with across_runs():
            in_public_check(reference, 2.0)
    assert len(calls) == 2  # the run after the spoilt store wrote one the next could read


def test_a_store_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    monkeypatch.setenv("GDKIT_CACHE_DIR", str(blocked / "cache"))
    reference, calls = counted(lambda x: x + 1)
    with across_runs():
        assert in_public_check(reference, 1) == 2
    assert len(calls) == 1


# -- which code a store is for ------------------------------------------------------------------


def test_the_stores_sources_are_gdref_the_checks_and_their_api():
    import gdref
    from grader.paths import CHECKS_DIR

    assert {folder.resolve() for folder in record._sources()} == {
        Path(gdref.__file__).resolve().parent,
        CHECKS_DIR,
        Path(record.__file__).resolve().parent,
    }


@pytest.fixture
def sources(tmp_path, monkeypatch) -> list[Path]:
    """Copies of the store's sources, which the test may change."""
    copies = []
    for folder in record._sources():
        copy = tmp_path / "sources" / folder.name
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("__pycache__"))
        copies.append(copy)
    monkeypatch.setattr(record, "_sources", lambda: copies)
    return copies


@pytest.mark.parametrize(
    "changed",
    [
        "gdref/optim.py",
        "gdref/data/breast_cancer.csv",
        "checks/check_adam.py",
        "checking/remember.py",
    ],
)
def test_a_changed_source_file_makes_the_store_cold(changed, sources):
    reference, calls = counted(lambda x: x * 3)
    with across_runs():
        in_public_check(reference, 1)
    new_process()
    reference.forget()
    with across_runs():
        in_public_check(reference, 1)
    assert len(calls) == 1  # warm while nothing changed
    path = sources[0].parent / changed
    path.write_bytes(path.read_bytes() + b"\n# changed\n")
    new_process()
    reference.forget()
    with across_runs():
        in_public_check(reference, 1)
    assert len(calls) == 2


def test_a_new_source_file_makes_the_store_cold(sources):
    before = record.made_for()
    (sources[1] / "check_new.py").write_text("")
    assert record.made_for() != before


@pytest.mark.parametrize(
    "what", ["sys.version", "np.__version__", "np.__file__", "sysconfig.get_platform"]
)
def test_another_python_numpy_or_machine_makes_the_store_cold(what, monkeypatch):
    import sysconfig

    before = record.made_for()
    if what == "sys.version":
        monkeypatch.setattr(sys, "version", sys.version + " other")
    elif what == "np.__version__":
        monkeypatch.setattr(np, "__version__", "0.0.1")
    elif what == "np.__file__":
        monkeypatch.setattr(np, "__file__", "/elsewhere/numpy/__init__.py")
    else:
        monkeypatch.setattr(sysconfig, "get_platform", lambda: "other-machine")
    assert record.made_for() != before


def test_values_worked_out_while_a_source_changed_are_not_written(sources):
    reference, calls = counted(lambda x: x * 3)
    with across_runs():
        in_public_check(reference, 1)
        path = sources[1] / "check_adam.py"  # edited while the run was under way
        path.write_text(path.read_text() + "\n# changed\n")
    assert not record.store_file().exists()


# -- secrets ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_no_hidden_checks_value_or_input_is_ever_written(monkeypatch):
    """Grade the solutions with the hidden checks, the store on: every value a hidden check's
    remembered functions worked out (and every key of its inputs) is absent from the file,
    unless a public check asked for the very same value."""
    from grader.checking.plugin import GradingPlugin
    from grader.exercises import solutions_dir
    from grader.runner import grade
    from grader.sandbox.sandbox import Sandbox

    running: list[str] = []  # the visibility of the check under way, told by its marker
    original = GradingPlugin.pytest_runtest_call

    @pytest.hookimpl(wrapper=True)
    def spying(self, item):
        running.append(item.get_closest_marker("check").kwargs["visibility"])
        try:
            return (yield from original(self, item))
        finally:
            running.pop()

    seen: dict[str, list] = {"public": [], "hidden": []}  # -> (key digest, array blobs)
    real_call = remember._call

    def watching(function, args, kwargs):
        result = real_call(function, args, kwargs)
        if remember._depth == 0 and running:  # a check's outermost call
            key = remember.portable_key(args, kwargs, any_platform=False)
            encoded = json.dumps(record.encode(result, "x"))
            seen[running[-1]].append((record.digest(key), set(blobs(encoded))))
        return result

    monkeypatch.setattr(GradingPlugin, "pytest_runtest_call", spying)
    monkeypatch.setattr(remember, "_call", watching)
    new_process()
    with Sandbox(MUTANT_LIMITS) as sandbox, across_runs():
        grade(solutions_dir(), include_hidden=True, sandbox=sandbox)
    text = record.store_file().read_text(encoding="utf-8")
    public_keys = {key for key, _ in seen["public"]}
    public_blobs = set().union(*(found for _, found in seen["public"]))
    hidden_keys = {key for key, _ in seen["hidden"]} - public_keys
    hidden_blobs = set().union(*(found for _, found in seen["hidden"])) - public_blobs
    assert len(hidden_keys) > 20 and len(hidden_blobs) > 20  # the hidden checks did run
    assert [key for key in hidden_keys if key in text] == []
    assert [blob for blob in hidden_blobs if blob in text] == []
    assert all(key in text for key in public_keys)


def blobs(encoded: str) -> list[str]:
    """The arrays' bytes (base64) in a tagged JSON text: long enough to be found only where
    that very array is."""
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict) and set(node) == {"a"} and len(node["a"][2]) >= 24:
            found.append(node["a"][2])
        for inner in node.values() if isinstance(node, dict) else node:
            if isinstance(inner, dict | list):
                walk(inner)

    walk(json.loads(encoded))
    return found


@pytest.mark.skipif(not BUBBLEWRAP, reason="bubblewrap is not available here")
def test_learner_code_in_bubblewrap_cannot_reach_the_store(tmp_path):
    from grader.sandbox.sandbox import Sandbox

    reference, _ = counted(lambda x: x)
    with across_runs():
        in_public_check(reference, 1)
    store = record.store_file()
    assert store.is_file()
    probe = (
        "import os\n"
        "def probe(paths):\n"
        "    return [os.path.exists(p) or os.path.exists(os.path.dirname(p)) for p in paths]\n"
    )
    with Sandbox(isolation="bubblewrap") as sandbox:
        loaded = sandbox.load(probe, "01_parabola.py")
        assert loaded.call("probe", [str(store), str(store.parent / "hints.json")]) == [
            False,
            False,
        ]


# -- where the store is -------------------------------------------------------------------------


def test_the_store_is_in_gdkit_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GDKIT_CACHE_DIR", str(tmp_path / "mine"))
    assert record.store_file() == tmp_path / "mine" / record.STORE_FILE_NAME
    reference, _ = counted(lambda x: x)
    with across_runs():
        in_public_check(reference, 1)
    assert (tmp_path / "mine" / record.STORE_FILE_NAME).is_file()


def test_each_installation_has_a_store_of_its_own():
    """Two checkouts on one machine (made for different sources) would otherwise replace each
    other's store on every run."""
    import hashlib

    from grader.paths import REPO_ROOT

    here = hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:12]
    assert record.store_file().name == f"values-{here}.json"


def test_without_gdkit_cache_dir_the_store_is_in_the_users_cache_folder(monkeypatch):
    import platformdirs

    monkeypatch.delenv("GDKIT_CACHE_DIR")
    assert cache_dir() == Path(platformdirs.user_cache_dir("gdkit", appauthor=False))
    assert record.store_file().parent == cache_dir()


@pytest.fixture(scope="module")
def cache_of_a_module_fixture():
    """What a module-wide fixture that grades sees: set up before any test's own folder is."""
    return os.environ.get("GDKIT_CACHE_DIR")


def test_fixtures_wider_than_a_test_never_use_the_real_cache_folder(cache_of_a_module_fixture):
    import platformdirs

    real = Path(platformdirs.user_cache_dir("gdkit", appauthor=False)).resolve()
    assert cache_of_a_module_fixture
    assert real not in [
        Path(cache_of_a_module_fixture).resolve(),
        *Path(cache_of_a_module_fixture).resolve().parents,
    ]


def test_the_tests_never_use_the_real_cache_folder():
    """tests/conftest.py gives each test a cache folder of its own."""
    import platformdirs

    real = Path(platformdirs.user_cache_dir("gdkit", appauthor=False)).resolve()
    assert os.environ.get("GDKIT_CACHE_DIR")
    assert real not in [cache_dir().resolve(), *cache_dir().resolve().parents]


# -- runs at once -------------------------------------------------------------------------------

WRITER = """
import sys
import numpy as np
from pathlib import Path
from grader.checking import record

path, made, me = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for turn in range(12):
    store = record.Store(path, made)
    store._values = {}
    for n in range(40):
        store.keep(f"f{me}", ("turn", turn, n), np.full(2000, float(me)))
    store.save()
"""

READER = """
import hashlib, json, sys
from pathlib import Path

path, done = Path(sys.argv[1]), Path(sys.argv[2])
whole = spoilt = 0
while not done.exists():
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        continue
    head, _, body = data.partition(b"\\n")
    try:
        whole_file = json.loads(head)["sha256"] == hashlib.sha256(body).hexdigest()
    except (ValueError, KeyError):
        whole_file = False
    whole, spoilt = whole + whole_file, spoilt + (not whole_file)
print(whole, spoilt)
"""


@pytest.mark.slow
def test_runs_at_once_never_leave_or_see_a_spoilt_store(tmp_path):
    """Four processes write the store over and over while another reads it: every file it
    finds is a whole store (each is written beside and then moved into place in one step),
    and the last one is whole; no temporary file is left."""
    path = tmp_path / "cache" / record.STORE_FILE_NAME
    path.parent.mkdir()
    made = record.made_for()
    env = {**os.environ, "PYTHONPATH": str(Path(record.__file__).parents[2])}
    done = tmp_path / "done"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(path), str(done)], stdout=subprocess.PIPE, env=env
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), made, str(me)], env=env)
        for me in range(4)
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0] * 4
    done.write_text("")
    out, _ = reader.communicate(timeout=120)
    whole, spoilt = map(int, out.split())
    assert whole > 0 and spoilt == 0
    values = record._read_store(path, made)
    assert len(values) == 1 and len(next(iter(values.values()))) == 40
    assert sorted(p.name for p in path.parent.iterdir()) == [record.STORE_FILE_NAME]  # no .part


# -- which doors keep values ------------------------------------------------------------------


def _through_grade(folder: Path, tmp_path: Path) -> None:
    from grade_cli import run_grade

    assert run_grade([folder, "-e", "parabola"]).exit_code == 0


def _through_watch(folder: Path, tmp_path: Path) -> None:
    from grader.watch import Session

    session = Session(folder, ["parabola"], False, MUTANT_LIMITS, "auto")
    try:
        assert session.regrade({"parabola"}).score > 0
    finally:
        session.close()


def _through_check(folder: Path, tmp_path: Path) -> None:
    from grader.authoring.notebook_stubs import solution_notebook
    from grader.exercises import by_name
    from grader.notebook_check import check
    from grader.submission.resolve import candidates

    exercise = by_name("parabola")
    notebook = tmp_path / "nb" / candidates(exercise)[1]
    notebook.parent.mkdir()
    source = (folder / exercise.file).read_text(encoding="utf-8")
    notebook.write_text(solution_notebook(source, exercise.name), encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()) as shown:
        check("parabola", notebook)
    assert "parabola passes" in shown.getvalue()


def _through_batch(folder: Path, tmp_path: Path) -> None:
    from grader.instructor.batch import run_batch

    student = tmp_path / "class" / "student"
    shutil.copytree(folder, student)
    result = run_batch([student], tmp_path / "out", jobs=1, hidden=False, trust=True)
    assert result.outcomes[0].report is not None


DOORS = {"grade DIR": (_through_grade, True), "watch": (_through_watch, True)}
DOORS |= {"check()": (_through_check, True), "grade batch": (_through_batch, False)}


@pytest.mark.slow
@pytest.mark.parametrize("door", sorted(DOORS))
def test_the_learner_loops_doors_keep_values_and_batch_does_not(door, tmp_path):
    """`grade DIR`, watch and the notebook check() run on the learner's own machine and keep
    the public checks' values for the next run; `grade batch` grades other people's
    submissions and keeps nothing on disk."""
    from grader.exercises import solutions_dir

    through, keeps = DOORS[door]
    new_process()
    through(solutions_dir(), tmp_path)
    store = record.store_file()
    assert store.is_file() == keeps
    if keeps:
        kept = record._read_store(store, record.made_for())
        assert kept and all(".check_parabola." in name for name in kept)
