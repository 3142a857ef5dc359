"""Reading submission files (grader/submission/files.py): one test per class of odd or hostile file.

Each refusal must be one sentence that says what was found and what to do, must never block
(FIFOs, devices) or read what it refuses (huge files), and must show odd names safely.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from grader.submission import files as submission
from grader.submission import limits
from grader.submission.files import (
    FORMATS,
    SourceFormat,
    SubmissionFileError,
    read_source,
    register,
)

NAME = "01_parabola.py"
CODE = "def gd_step(w, grad, lr):\n    return w - lr * grad\n"


def refusal(folder: Path, name: str = NAME) -> SubmissionFileError:
    with pytest.raises(SubmissionFileError) as caught:
        read_source(folder, name)
    sentence = str(caught.value)
    assert sentence.count(";") >= 1, "what was found; what to do"
    assert "\n" not in sentence and "\x1b" not in sentence
    return caught.value


def refused_without_blocking(folder: Path) -> SubmissionFileError:
    """read_source in a thread: a FIFO opened for reading would block it forever."""
    outcome: list[BaseException | object] = []
    thread = threading.Thread(target=lambda: outcome.append(_attempt(folder)), daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():
        os.close(os.open(folder / NAME, os.O_RDWR | os.O_NONBLOCK))  # set the reader free
        pytest.fail("read_source blocked on the file")
    assert isinstance(outcome[0], SubmissionFileError), outcome
    return outcome[0]


def _attempt(folder: Path):
    try:
        return read_source(folder, NAME)
    except SubmissionFileError as error:
        return error


def test_a_plain_file_is_read_as_it_is(tmp_path):
    (tmp_path / NAME).write_text(CODE, encoding="utf-8")
    source = read_source(tmp_path, NAME)
    assert source.text == CODE and source.path == tmp_path / NAME
    assert source.display == NAME and source.notes == []


def test_a_byte_order_mark_is_fine(tmp_path):
    (tmp_path / NAME).write_bytes(b"\xef\xbb\xbf" + CODE.encode())
    assert read_source(tmp_path, NAME).text == CODE


def test_a_symlink_out_of_the_folder_is_refused(tmp_path):
    outside = tmp_path / "secret.py"
    outside.write_text(CODE)
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / NAME).symlink_to(outside)
    error = refusal(folder)
    assert "symbolic link" in str(error) and "outside the submission folder" in str(error)
    assert "secret" not in str(error)  # where it points is not shown either


def test_a_symlink_through_a_folder_link_out_is_refused(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "p.py").write_text(CODE)
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "versions").symlink_to(tmp_path / "elsewhere")  # inside by name only
    (folder / NAME).symlink_to("versions/p.py")
    assert "outside the submission folder" in str(refusal(folder))


def test_a_symlink_inside_the_folder_is_followed(tmp_path):
    (tmp_path / "versions").mkdir()
    (tmp_path / "versions" / "second_try.py").write_text(CODE)
    (tmp_path / NAME).symlink_to("versions/second_try.py")
    source = read_source(tmp_path, NAME)
    assert source.text == CODE and source.path == tmp_path / NAME
    assert source.notes == [f"{NAME} is a link to versions/second_try.py"]


def test_dangling_and_looping_links_are_refused(tmp_path):
    (tmp_path / NAME).symlink_to("nowhere.py")
    assert "leads nowhere" in str(refusal(tmp_path))
    (tmp_path / NAME).unlink()
    (tmp_path / NAME).symlink_to(NAME)
    assert "leads nowhere" in str(refusal(tmp_path))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / NAME)
    error = refused_without_blocking(tmp_path)
    assert "named pipe (FIFO)" in str(error) and not error.missing


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_where_open_has_no_nofollow_or_nonblock(tmp_path, monkeypatch):
    """The portable path (Windows has neither flag): lstat alone keeps the FIFO unopened."""
    monkeypatch.setattr(submission, "_OPEN_FLAGS", os.O_RDONLY)
    os.mkfifo(tmp_path / NAME)
    assert "named pipe" in str(refused_without_blocking(tmp_path))


def test_a_link_to_a_device_is_refused(tmp_path):
    (tmp_path / NAME).symlink_to("/dev/zero")
    assert "outside the submission folder" in str(refusal(tmp_path))


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod needs root")
def test_a_device_file_is_refused_without_reading(tmp_path):
    os.mknod(tmp_path / NAME, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero's numbers
    error = refused_without_blocking(tmp_path)
    assert "is a device, not a file" in str(error)


def test_a_huge_sparse_file_is_refused_by_its_size_without_reading(tmp_path, monkeypatch):
    with open(tmp_path / NAME, "wb") as handle:
        handle.truncate(5 * 10**9)  # 5 GB that take no space on disk

    def no_reading(*args):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(os, "open", no_reading)
    error = refusal(tmp_path)
    assert "is 5.0 GB, more than the 1.0 MB" in str(error)


def test_a_file_just_over_the_limit_is_refused(tmp_path):
    (tmp_path / NAME).write_bytes(b"#" * (limits.FILE_BYTES[".py"] + 1))
    assert "more than the 1.0 MB" in str(refusal(tmp_path))
    (tmp_path / NAME).write_bytes(b"#" * (limits.FILE_BYTES[".py"] - 1) + b"\n")
    assert len(read_source(tmp_path, NAME).text) == limits.FILE_BYTES[".py"]


def test_a_file_replaced_between_lstat_and_open_is_refused(tmp_path, monkeypatch):
    (tmp_path / NAME).write_text(CODE)
    (tmp_path / "other.py").write_text(CODE)
    other = os.lstat(tmp_path / "other.py")
    monkeypatch.setattr(submission.os, "lstat", lambda path: other)
    assert "was replaced while the grader read it" in str(refusal(tmp_path))


def test_non_utf8_content_names_its_line_and_byte(tmp_path):
    (tmp_path / NAME).write_bytes(b"# caf\xc3\xa9 ok\n\ndef f():\n    return '\xe9t\xe9'\n")
    error = str(refusal(tmp_path))
    assert "is not UTF-8 text" in error and "0xE9" in error
    assert "line 4" in error and "column 13" in error and "byte 34" in error
    assert "save the file with the UTF-8 encoding" in error


def test_encoded_surrogates_are_not_utf8(tmp_path):
    (tmp_path / NAME).write_bytes(b"x = '\xed\xa0\x80'\n")  # U+D800 encoded: not valid UTF-8
    assert "is not UTF-8 text" in str(refusal(tmp_path))


def test_a_nul_character_is_refused_with_its_line(tmp_path):
    (tmp_path / NAME).write_bytes(CODE.encode() + b"\n\x00\x00")
    assert "NUL character on line 4" in str(refusal(tmp_path))


def test_odd_folder_names_are_shown_safely(tmp_path):
    folder = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9\n\x1b]0;owned\x07"))
    folder.mkdir()
    error = refusal(folder)
    assert error.missing
    assert "caf\\xe9\\n\\x1b]0;owned\\x07" in str(error)


def test_odd_file_names_are_shown_safely(tmp_path):
    name = "bad\nname\x1b[2J\u202e.py"
    (tmp_path / name).write_text(CODE)
    source = read_source(tmp_path, name)
    assert source.text == CODE and source.display == "bad\\nname\\x1b[2J\\u202e.py"
    (tmp_path / name).write_text("")
    assert "bad\\nname\\x1b[2J\\u202e.py is empty" in str(refusal(tmp_path, name))


def test_a_folder_in_place_of_the_file_is_refused(tmp_path):
    (tmp_path / NAME).mkdir()
    assert f"{NAME} is a folder, not a file" in str(refusal(tmp_path))


def test_a_missing_file_is_marked_missing(tmp_path):
    error = refusal(tmp_path)
    assert error.missing and f"{NAME} was not found in" in str(error)
    assert not refusal_of_file_as_folder(tmp_path).missing


def refusal_of_file_as_folder(tmp_path: Path) -> SubmissionFileError:
    (tmp_path / "plain").write_text("")
    return refusal(tmp_path / "plain")


@pytest.mark.parametrize("content", ["", "\n\n   \n", "\ufeff"])
def test_an_empty_file_is_refused(tmp_path, content):
    (tmp_path / NAME).write_text(content, encoding="utf-8")
    error = refusal(tmp_path)
    assert f"{NAME} is empty" in str(error) and not error.missing


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_an_unreadable_file_is_refused(tmp_path):
    (tmp_path / NAME).write_text(CODE)
    (tmp_path / NAME).chmod(0)
    assert "cannot be read (Permission denied)" in str(refusal(tmp_path))


def test_only_plain_names_are_asked_for(tmp_path):
    for name in ("../x.py", "a/x.py", "", ".."):
        with pytest.raises(ValueError):
            read_source(tmp_path, name)


def test_an_unknown_suffix_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    assert "cannot be graded; the grader reads files ending in .ipynb, .py" in str(
        refusal(tmp_path, "notes.txt")
    )


def test_a_format_is_one_small_class(tmp_path, monkeypatch):
    """A format is one class here and one line in the table of limits."""
    monkeypatch.setattr(submission, "FORMATS", dict(FORMATS))
    monkeypatch.setitem(limits.FILE_BYTES, ".loud", 10)

    @register
    class Shouting(SourceFormat):
        suffix = ".loud"

        def to_source(self, text, display):
            return text.lower(), [f"{display} was lowered"]

    (tmp_path / "a.loud").write_text("X = 1\n")
    source = read_source(tmp_path, "a.loud")
    assert source.text == "x = 1\n" and source.notes == ["a.loud was lowered"]
    (tmp_path / "a.loud").write_text("X = 1000000\n")
    assert "more than the 10 bytes" in str(refusal(tmp_path, "a.loud"))
