"""Who the students of an export are (grader/submission/exports.py): every LMS layout a course
uses, written as each LMS writes it, and one student, one row — keys unique by construction.

The layouts follow the LMSs' own code (cited in grader/submission/exports.py): Moodle's
mod/assign downloader, Canvas's content zipper, Gradescope's "Export Submissions"."""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import pytest

from grader.submission.exports import discover, encode
from grader.submission.uploads import close_export_zips, read_student

WANTED = {"01_parabola.py", "01_parabola.ipynb", "02_bce_gradient.py", "02_bce_gradient.ipynb"}
CODE = b"def gd_step(w, grad, lr):\n    return w - lr * grad\n"


def _write(path: Path, data: bytes = CODE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _by_name(students) -> dict[str, object]:
    found = {}
    for student in students:
        assert student.name not in found, f"{student.name} twice"
        found[student.name] = student
    return found


# -- one student, one row ----------------------------------------------------------------------

COLLIDING = [
    "alice",
    "alice-2",
    "Alice",
    "ALICE",
    "alice_2ezip",  # what alice.zip's key would be if "_" were kept as itself
    "moodle_id100200",  # what a Moodle student's key is
    "José",  # NFC
    unicodedata.normalize("NFD", "José"),  # the same letters, decomposed
    "Josè",
    "a b",
    "a_b",
    "a:b",
    "a\x1bb",
    "con",  # a Windows device name
    "CON",
    "x" * 200 + "1",
    "x" * 200 + "2",
]


def test_every_collision_we_can_think_of_stays_apart(tmp_path):
    export = tmp_path / "export"
    for name in COLLIDING:
        _write(export / name / "01_parabola.py", name.encode("utf-8", "surrogateescape"))
    _zip(export / "alice.zip", {"01_parabola.py": b"alice's zip"})
    _zip(export / "alice-2.zip", {"01_parabola.py": b"alice-2's zip"})
    _write(export / "Ana García_100200_assignsubmission_file_" / "01_parabola.py", b"moodle")
    students = discover([export], WANTED)
    keys = [s.key for s in students]
    assert len(students) == len(COLLIDING) + 3
    assert len({k.lower() for k in keys}) == len(keys)  # distinct on any file system
    assert all(len(k) <= 120 and k.isascii() for k in keys)
    assert all(not set(k) - set("abcdefghijklmnopqrstuvwxyz0123456789-_") for k in keys)
    assert not {"con", "prn", "aux", "nul"} & {k.split(".")[0] for k in keys}
    # each key reads back its own student's file, nobody else's
    for student in students:
        (data,) = read_student(student.sources, WANTED).files.values()
        source = student.sources[0].path
        if source.suffix == ".zip":
            assert data == f"{source.stem}'s zip".encode()
        elif student.lms == "moodle":
            assert data == b"moodle" and student.key == "moodle_id100200"
        else:
            assert data == source.name.encode("utf-8", "surrogateescape")
    # the names are shown as the export gives them (control characters made visible)
    names = {s.name for s in students}
    assert {"José", "Josè", "Alice", "ALICE", "alice-2", "alice", "Ana García"} <= names
    assert unicodedata.normalize("NFD", "José") in names


def test_keys_are_injective_and_stable():
    assert encode("alice") == "alice" and encode("alice.zip") == "alice_2ezip"
    assert encode("Alice") != encode("alice") != encode("alice_2ezip")
    samples = COLLIDING + ["", "_", "__", "alice.zip", "_61lice", "c", "_63on"]
    assert len({encode(s) for s in samples}) == len(set(samples))


def test_the_same_name_in_two_exports_is_two_students(tmp_path):
    for part in ("a", "b"):
        _write(tmp_path / part / "alice" / "01_parabola.py", part.encode())
    students = discover([tmp_path / "a", tmp_path / "b"], WANTED)
    assert [s.name for s in students] == ["alice", "alice"]
    assert len({s.key for s in students}) == 2


# -- Moodle -----------------------------------------------------------------------------------


def test_moodle_folders_files_zips_and_online_text(tmp_path):
    """Folders as Moodle writes them, before 4.1 (``…_file_``) and after (``…_file``); one
    student's plugins (file and onlinetext) are one student; a zip inside is opened; two
    people with the same name stay two."""
    export = tmp_path / "Week 2-Gradient descent-123"
    _write(export / "Ana García_100200_assignsubmission_file_" / "01_parabola.py")
    _write(export / "Ana García_100200_assignsubmission_onlinetext_" / "onlinetext.html", b"<p>")
    _zip(
        export / "Bo Li_100201_assignsubmission_file" / "hw2.zip",
        {"hw2/02_bce_gradient.py": b"bo", "__MACOSX/hw2/._02_bce_gradient.py": b"junk"},
    )
    _write(export / "Cy Doe_100202_assignsubmission_onlinetext" / "onlinetext.html", b"<p>x</p>")
    _write(export / "Ana García_100203_assignsubmission_file_" / "01_parabola.py", b"other ana")
    _write(export / "Participant_100204_assignsubmission_file_" / "sub" / "01_parabola.py")
    students = discover([export], WANTED)
    assert [(s.name, s.lms_id) for s in students] == [
        ("Ana García", "100200"),
        ("Ana García", "100203"),
        ("Bo Li", "100201"),
        ("Cy Doe", "100202"),
        ("Participant", "100204"),
    ]
    ana, other_ana, bo, cy, blind = (read_student(s.sources, WANTED) for s in students)
    assert set(ana.files) == {"01_parabola.py"} and len(students[0].sources) == 2
    assert other_ana.files == {"01_parabola.py": b"other ana"}
    assert bo.files == {"02_bce_gradient.py": b"bo"} and any("hw2.zip" in n for n in bo.notes)
    assert cy.files == {} and "onlinetext.html" in cy.nothing_found()
    assert set(blind.files) == {"01_parabola.py"}


def test_moodle_flat_files_and_the_export_zip(tmp_path):
    """ "Download submissions in folders" off: flat files named by the same prefix. And the
    zip Moodle hands out, read member by member."""
    flat = tmp_path / "flat"
    _write(flat / "Ana García_100200_assignsubmission_file_01_parabola.py", b"ana")
    _write(flat / "Ana García_100200_assignsubmission_file_notes.txt", b"")
    (ana,) = discover([flat], WANTED)
    assert (ana.name, ana.lms_id) == ("Ana García", "100200")
    assert read_student(ana.sources, WANTED).files == {"01_parabola.py": b"ana"}
    export = _zip(
        tmp_path / "COURSE-Week 2-77.zip",
        {
            "Ana García_100200_assignsubmission_file/01_parabola.py": b"ana",
            "Ana García_100200_assignsubmission_onlinetext/onlinetext.html": b"<p>",
            "Bo Li_100201_assignsubmission_file/hw.zip": _zip_bytes(
                tmp_path, {"02_bce_gradient.py": b"bo"}
            ),
        },
    )
    students = discover([export], WANTED)
    assert [(s.name, s.key) for s in students] == [
        ("Ana García", "moodle_id100200"),
        ("Bo Li", "moodle_id100201"),
    ]
    assert read_student(students[0].sources, WANTED).files == {"01_parabola.py": b"ana"}
    assert read_student(students[1].sources, WANTED).files == {"02_bce_gradient.py": b"bo"}
    close_export_zips()


def _zip_bytes(tmp_path: Path, members: dict[str, bytes]) -> bytes:
    return _zip(tmp_path / "inner-tmp.zip", members).read_bytes()


# -- Canvas -----------------------------------------------------------------------------------


def test_canvas_flat_names_late_resubmitted_and_text(tmp_path):
    export = tmp_path / "submissions"
    _write(export / "garcíaana_12345_678901_01_parabola.py", b"ana")
    _write(export / "garcíaana_12345_678902_02_bce_gradient-1.py", b"ana again")  # renamed
    _write(export / "libo_late_12346_678903_01_parabola.py", b"bo late")
    _write(export / "doecy_12347_text.html", b"<p>my answer</p>")
    _zip(export / "smithjo_12348_678904_week2.zip", {"w2/01_parabola.py": b"jo"})
    _write(export / "12349_678905_01_parabola.py", b"anonymous")  # anonymous grading
    students = _by_name(discover([export], WANTED))
    assert {n: (s.lms, s.lms_id) for n, s in students.items()} == {
        "garcíaana": ("canvas", "12345"),
        "libo": ("canvas", "12346"),
        "doecy": ("canvas", "12347"),
        "smithjo": ("canvas", "12348"),
        "canvas user 12349": ("canvas", "12349"),
    }
    files = {n: read_student(s.sources, WANTED) for n, s in students.items()}
    ana = {"01_parabola.py": b"ana", "02_bce_gradient.py": b"ana again"}
    assert files["garcíaana"].files == ana
    assert files["libo"].files == {"01_parabola.py": b"bo late"} and students["libo"].late
    assert files["doecy"].files == {} and "text.html" in files["doecy"].nothing_found()
    assert files["smithjo"].files == {"01_parabola.py": b"jo"}
    assert files["canvas user 12349"].files == {"01_parabola.py": b"anonymous"}
    # the zip Canvas hands out: the same students
    zipped = _zip(
        tmp_path / "course-week-2 submissions.zip",
        {p.name: p.read_bytes() for p in sorted(export.iterdir())},
    )
    again = _by_name(discover([zipped], WANTED))
    assert {n: s.key for n, s in again.items()} == {n: s.key for n, s in students.items()}
    for name, student in again.items():
        assert read_student(student.sources, WANTED).files == files[name].files, name
    close_export_zips()


# -- Gradescope, GitHub Classroom, plain ------------------------------------------------------

METADATA = """\
submission_111:
  :submitters:
  - :name: Ana García
    :sid: '2001'
    :email: ana@example.edu
  :created_at: 2026-12-01 10:00:00.000000000 -08:00
  :score: 0.0
submission_112:
  :submitters:
  - :name: Bo Li
    :sid: '2002'
    :email: bo@example.edu
"""


def test_gradescope_export(tmp_path):
    export = tmp_path / "assignment_42_export"
    _write(export / "submission_metadata.yml", METADATA.encode())
    _write(export / "submission_111" / "01_parabola.py", b"ana")
    _write(export / "submission_112" / "hw" / "02_bce_gradient.py", b"bo")
    students = discover([export], WANTED)
    pytest.importorskip("yaml")
    assert [(s.name, s.key) for s in students] == [
        ("Ana García", "gradescope_id111"),
        ("Bo Li", "gradescope_id112"),
    ]
    assert read_student(students[1].sources, WANTED).files == {"02_bce_gradient.py": b"bo"}


def test_github_classroom_and_plain_folders_and_zips(tmp_path):
    """GitHub Classroom clones one repository per student, ``<assignment>-<login>``."""
    export = tmp_path / "week2-submissions"
    _write(export / "week2-ana-garcia" / "exercises" / "01_parabola.py", b"ana")
    _write(export / "week2-bo-li" / ".git" / "01_parabola.py", b"in .git: not graded")
    _zip(export / "cy.zip", {"01_parabola.py": b"cy"})
    (export / "empty").mkdir()
    students = _by_name(discover([export], WANTED))
    assert set(students) == {"week2-ana-garcia", "week2-bo-li", "cy", "empty"}
    read = {n: read_student(s.sources, WANTED) for n, s in students.items()}
    assert read["week2-ana-garcia"].files == {"01_parabola.py": b"ana"}
    assert read["week2-bo-li"].files == {} and read["cy"].files == {"01_parabola.py": b"cy"}
    assert read["empty"].nothing_found() == "the upload is empty: no file in it"


def test_an_export_folder_that_cannot_be_listed_is_a_reason_not_a_crash(tmp_path, monkeypatch):
    from grader.submission import exports, uploads

    export = tmp_path / "export"
    _write(export / "alice" / "01_parabola.py")
    real = exports.os.scandir
    calls = []

    def scandir(path):
        calls.append(path)
        if len(calls) > 1 and Path(path) == export:  # listed once (one student?), then refused
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(exports.os, "scandir", scandir)
    monkeypatch.setattr(uploads.os, "scandir", scandir)
    (student,) = discover([export], WANTED)
    assert student.name == "export"
    assert "Permission denied" in read_student(student.sources, WANTED).nothing_found()
