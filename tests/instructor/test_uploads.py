"""Reading student folders and zips: hostile input, bounded where it enters."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from grader.submission import limits, uploads
from grader.submission.uploads import read_submission

WANTED = {"01_parabola.py", "02_bce_gradient.py", "03_momentum.py"}


def test_files_at_any_depth_shallowest_first(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "01_parabola.py").write_text("deep = 1\n")
    (tmp_path / "a" / "01_parabola.py").write_text("shallow = 1\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "02_bce_gradient.py").write_text("hidden folder\n")
    upload = read_submission(tmp_path, WANTED)
    assert upload.files == {"01_parabola.py": b"shallow = 1\n"}
    assert any("second copy" in note for note in upload.notes)


def test_links_fifos_and_big_files_are_refused_with_a_reason(tmp_path):
    (tmp_path / "01_parabola.py").symlink_to("/etc/passwd")
    os.mkfifo(tmp_path / "02_bce_gradient.py")
    (tmp_path / "03_momentum.py").write_bytes(b"#" * (limits.FILE_BYTES[".py"] + 1))
    upload = read_submission(tmp_path, WANTED)
    assert upload.files == {}
    assert "not a regular file" in upload.refused["01_parabola.py"]
    assert "not a regular file" in upload.refused["02_bce_gradient.py"]
    assert "larger than" in upload.refused["03_momentum.py"]


def test_depth_and_entry_bounds(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "UPLOAD_DEPTH", 2)
    deep = tmp_path / "1" / "2" / "3"
    deep.mkdir(parents=True)
    (deep / "01_parabola.py").write_text("x = 1\n")
    assert read_submission(tmp_path, WANTED).files == {}
    monkeypatch.setattr(limits, "UPLOAD_ENTRIES", 5)
    for index in range(10):
        (tmp_path / f"f{index}").write_text("")
    assert any("more than 5 files" in n for n in read_submission(tmp_path, WANTED).notes)


def test_zip_members_are_read_by_name_never_by_path(tmp_path):
    archive_path = tmp_path / "s.zip"
    with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("../../../escape/01_parabola.py", "x = 1\n")
        archive.writestr("/abs/02_bce_gradient.py", "y = 2\n")
        link = zipfile.ZipInfo("03_momentum.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("__MACOSX/01_parabola.py", "junk\n")
    upload = read_submission(archive_path, WANTED)
    assert upload.files == {"01_parabola.py": b"x = 1\n", "02_bce_gradient.py": b"y = 2\n"}
    assert "link" in upload.refused["03_momentum.py"]
    staged = tmp_path / "staged"
    upload.write(staged)
    assert sorted(p.name for p in staged.iterdir()) == ["01_parabola.py", "02_bce_gradient.py"]
    assert not (tmp_path.parent / "escape").exists()


def test_a_zip_bomb_costs_at_most_the_size_limit(tmp_path, monkeypatch):
    archive_path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("01_parabola.py", b"#" * 20_000_000)
    assert archive_path.stat().st_size < 100_000
    upload = read_submission(archive_path, WANTED)
    assert "larger than" in upload.refused["01_parabola.py"]
    # a member whose header lies about its size is read only up to the limit, and refused
    monkeypatch.setattr(zipfile.ZipInfo, "file_size", property(lambda self: 10, lambda s, v: None))
    upload = read_submission(archive_path, WANTED)
    assert upload.files == {} and "01_parabola.py" in upload.refused


def test_not_a_zip_and_not_a_folder(tmp_path):
    fake = tmp_path / "x.zip"
    fake.write_bytes(b"PK\x03\x04 garbage")
    assert read_submission(fake, WANTED).files == {}
    assert read_submission(tmp_path / "missing", WANTED).notes
    (tmp_path / "plain.txt").write_text("hi")
    assert "neither a folder nor a zip" in read_submission(tmp_path / "plain.txt", WANTED).notes[0]


def test_names_are_shown_safely():
    assert "\n" not in uploads.safe_name("evil\nname\x1b[2J")
    assert Path(uploads.safe_name(b"\xff.py".decode("utf-8", "surrogateescape"))).name


# -- a broken upload costs its own student only ---------------------------------------------


def _zip_with(path: Path, name: str, data: bytes, method: int = zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr(name, data)


def _corrupt_first_member_data(path: Path) -> None:
    """Overwrite the middle of the first member's compressed bytes (the CRC and sizes stay)."""
    with zipfile.ZipFile(path) as archive:
        info = archive.infolist()[0]
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for index in range(start + 2, start + min(40, info.compress_size - 2)):
        data[index] ^= 0xA5
    path.write_bytes(bytes(data))


def test_a_damaged_deflate_stream_is_that_files_reason(tmp_path):
    archive = tmp_path / "student.zip"
    _zip_with(archive, "01_parabola.py", ("def f(w):\n    return w\n" * 200).encode())
    _corrupt_first_member_data(archive)
    upload = read_submission(archive, WANTED)
    assert upload.files == {}
    assert "01_parabola.py could not be read" in upload.refused["01_parabola.py"]


def test_an_unsupported_compression_is_that_files_reason(tmp_path):
    archive = tmp_path / "student.zip"
    _zip_with(archive, "01_parabola.py", b"x = 1\n" * 100)
    data = bytearray(archive.read_bytes())
    data[8:10] = (99).to_bytes(2, "little")  # the local header's method: AE-x encryption
    central = data.rfind(b"PK\x01\x02")
    data[central + 10 : central + 12] = (99).to_bytes(2, "little")
    archive.write_bytes(bytes(data))
    upload = read_submission(archive, WANTED)
    assert upload.files == {} and "could not be read" in upload.refused["01_parabola.py"]


def test_a_truncated_or_lying_zip_is_a_note_not_a_crash(tmp_path):
    archive = tmp_path / "student.zip"
    _zip_with(archive, "01_parabola.py", b"x = 1\n" * 1000)
    whole = archive.read_bytes()
    for cut in (len(whole) // 2, len(whole) - 10, 30):
        archive.write_bytes(whole[:cut])
        upload = read_submission(archive, WANTED)
        assert upload.files == {} and (upload.notes or upload.refused)


def test_an_unreadable_subfolder_or_entry_is_a_note(tmp_path, monkeypatch):
    """A folder the grader may not read (mode 0444 for an ordinary user; simulated here, as
    CI runs as root) and an entry whose stat fails: the rest is still read."""
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "02_bce_gradient.py").write_text("y = 2\n")
    (tmp_path / "01_parabola.py").write_text("x = 1\n")
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(uploads.os, "scandir", scandir)
    upload = read_submission(tmp_path, WANTED)
    assert upload.files == {"01_parabola.py": b"x = 1\n"}
    assert any("could not read the folder locked" in n for n in upload.notes)


def test_thousands_of_other_files_cannot_crowd_out_the_exercises(tmp_path):
    """2,000 files listed before the exercise files (a folder of data; a zip whose venv/
    members come first): the exercise files are still found."""
    folder = tmp_path / "upload"
    (folder / "week2").mkdir(parents=True)
    for index in range(2000):
        (folder / f"{index:05d}.txt").write_text("")
    (folder / "01_parabola.py").write_text("x = 1\n")
    (folder / "week2" / "02_bce_gradient.py").write_text("y = 2\n")
    assert set(read_submission(folder, WANTED).files) == {"01_parabola.py", "02_bce_gradient.py"}
    archive = tmp_path / "student.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for index in range(2500):
            zipped.writestr(f"venv/lib/site-packages/{index:05d}.py", "")
        zipped.writestr("hw/01_parabola.py", "x = 1\n")
    assert read_submission(archive, WANTED).files == {"01_parabola.py": b"x = 1\n"}


def test_a_huge_zip_is_refused_before_it_is_opened(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "UPLOAD_ARCHIVE_BYTES", 1000)
    archive = tmp_path / "student.zip"
    _zip_with(archive, "01_parabola.py", os.urandom(5000), zipfile.ZIP_STORED)
    upload = read_submission(archive, WANTED)
    assert upload.files == {} and "more than the 1.0 kB a zip may have" in upload.notes[0]
