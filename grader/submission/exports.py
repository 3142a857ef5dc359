"""Who the students of an export are: one :class:`Student` per person, named as the export names
them, with a key unique by construction.

``grade batch`` is given folders and zips; each argument is one of:

- **one student**: a zip, or a folder with exercise files directly inside;
- **an export folder** of student entries, each recognised by its name (a registry of layouts,
  :data:`LAYOUTS`, tried in order, the first that matches an entry names its student):

  =============  ===================================================  =====================
  layout         an entry                                             id kept
  =============  ===================================================  =====================
  Moodle         ``Ana García_100200_assignsubmission_file_/`` (or     the participant id
                 ``…_file``, ``…_onlinetext_``; or, with "download
                 in folders" off, the flat files
                 ``Ana García_100200_assignsubmission_file_x.py``)
  Canvas         ``garcíaana_12345_678901_01_parabola.py``,           the Canvas user id
                 ``garcíaana_late_12345_678901_…``, ``…_text.html``
  Gradescope     ``submission_123456/`` beside ``submission_metadata.yml``  the submission id
  plain          ``alice/``, ``alice.zip``, a GitHub Classroom         the entry's own name
                 repository folder ``week2-alice/``
  =============  ===================================================  =====================

  Several entries with the same LMS id are one student (Moodle writes one folder per
  submission plugin; Canvas one file per uploaded file); an export zip whose members carry
  these names is read the same way, member by member.

Where the names come from (so a layout can be checked against its source):

- Moodle, ``mod/assign/classes/downloader.php`` (``get_student_prefix``,
  ``load_submissionplugin_filelist``): the prefix is the full name with ``_`` made a space,
  then ``_`` and ``get_uniqueid_for_user`` (the assignment's participant id, also the
  ``Participant N`` of its grading worksheet); then ``_assignsubmission_<plugin>`` — with a
  trailing ``_`` before Moodle 4.1 — as a folder, or followed by ``_<file name>`` when
  "download submissions in folders" is off. Team submissions use the group's name and id.
- Canvas, ``lib/content_zipper.rb`` (``get_filename``, ``add_upload_submission``): the sortable
  name without non-word characters, lower-cased, then ``LATE`` for a late submission (lower-cased
  with the rest), the user id, the attachment id and the file's display name; a text entry is
  ``…_<user id>_text.html``. A file submitted twice under one name may come back as
  ``01_parabola-1.py``; such a name is read as ``01_parabola.py``.
- Gradescope's "Export Submissions": one ``submission_<id>/`` folder per submission and a
  ``submission_metadata.yml`` naming each one's submitters.

**Keys** (``reports/<key>.json``, the resume cache): a plain entry's name encoded injectively —
``a-z``, ``0-9`` and ``-`` kept, every other byte of its UTF-8 written ``_xx`` (so ``alice``,
``Alice``, ``alice.zip`` and ``alice-2`` are ``alice``, ``_41lice``, ``alice_2ezip`` and
``alice-2``: distinct, and safe on a case-insensitive file system; a name Windows keeps for
a device, ``con``, has its first letter written as a byte too); an LMS student's key is
``<lms>_id<encoded id>`` (``moodle_id100200``), which no encoded name can equal (``_`` is
always followed by two hex digits there). With more than one argument, each key starts with
the argument's number (``2_2f…``), so the same name in two exports stays two students.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.report.sanitize import clean_name
from grader.submission import limits

KEY_CHARS = 120  # longer keys end in a hash of the whole


@dataclass
class Source:
    """Where some of a student's files are: a folder or zip (``path``), a single file read as
    ``as_name``, or members of an export zip (``members``: member name -> the name to read it
    as, ``""`` for a zip member to open)."""

    path: Path
    as_name: str = ""
    members: dict[str, str] = field(default_factory=dict)


@dataclass
class Student:
    key: str  # unique in the batch, safe as a file name
    name: str  # as the export gives it (shown, written to the gradebook)
    lms: str = ""  # "moodle", "canvas", "gradescope", or "" for a plain entry
    lms_id: str = ""
    sources: list[Source] = field(default_factory=list)
    late: bool = False


# names Windows keeps for devices, whatever the suffix: their first letter is written as a byte
_DEVICES = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(-|$)")


def encode(text: str) -> str:
    """An injective, file-system-safe spelling of ``text`` (see the module docstring)."""
    out = []
    for char in text:
        if char in "abcdefghijklmnopqrstuvwxyz0123456789-":
            out.append(char)
        else:
            raw = char.encode("utf-8", "surrogateescape")
            out.append("".join(f"_{byte:02x}" for byte in raw))
    key = "".join(out) or "_"
    if _DEVICES.match(key):
        key = f"_{ord(key[0]):02x}{key[1:]}"
    if len(key) > KEY_CHARS:
        key = key[: KEY_CHARS - 17] + "_h" + hashlib.sha256(key.encode()).hexdigest()[:15]
    return key


def lms_key(lms: str, lms_id: str) -> str:
    return f"{lms}_id{encode(lms_id)}"


# ---------------------------------------------------------------------------------------------
# the layouts: an entry name -> (lms, id, shown name, the file name it stands for, late) or None


@dataclass(frozen=True)
class Match:
    lms: str
    lms_id: str
    name: str
    as_name: str = ""  # a flat file: the name it is read as ("" for a folder or zip to search)
    late: bool = False


MOODLE_FOLDER = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
MOODLE_FLAT = re.compile(
    r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)$"
)
CANVAS = re.compile(
    r"^(?:(?P<name>[^\W_]*?)_)??(?:(?P<late>late)_)?(?P<id>\d+)_(?:(?P<file_id>\d+)_(?P<file>.+)"
    r"|(?P<entry>text|link)\.html)$"
)
CANVAS_RENAMED = re.compile(r"-\d+(?=\.[A-Za-z0-9]+$)")  # 01_parabola-1.py: submitted twice


def moodle(name: str, is_dir: bool) -> Match | None:
    found = (MOODLE_FOLDER if is_dir else MOODLE_FLAT).match(name)
    if not found:
        return None
    as_name = "" if is_dir else found["file"]
    return Match("moodle", found["id"], found["name"], as_name)


def canvas(name: str, is_dir: bool) -> Match | None:
    found = None if is_dir else CANVAS.match(name)
    if not found:
        return None
    as_name = CANVAS_RENAMED.sub("", found["file"]) if found["file"] else found["entry"] + ".html"
    shown = found["name"] or f"canvas user {found['id']}"
    return Match("canvas", found["id"], shown, as_name, bool(found["late"]))


LAYOUTS: list[Callable[[str, bool], Match | None]] = [moodle, canvas]


# ---------------------------------------------------------------------------------------------
# finding the students


def is_one_student(folder: Path, wanted: set[str]) -> bool:
    """A folder with an exercise file directly inside is one student's."""
    try:
        with os.scandir(folder) as entries:
            return any(entry.name in wanted for entry in entries)
    except OSError:
        return True  # reported as unreadable when it is read


def _is_zip(name: str) -> bool:
    return name.lower().endswith(".zip")


class _Found:
    """Students in the order first seen, merged by key."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.students: dict[str, Student] = {}

    def add(self, key: str, name: str, source: Source, match: Match | None = None) -> None:
        key = self.prefix + key
        student = self.students.get(key)
        if student is None:
            lms, lms_id = (match.lms, match.lms_id) if match else ("", "")
            student = self.students[key] = Student(key, name, lms, lms_id)
        if match and match.late:
            student.late = True
        student.sources.append(source)

    def add_entry(self, path: Path, is_dir: bool) -> None:
        match = next((m for layout in LAYOUTS if (m := layout(path.name, is_dir))), None)
        if match is None:
            self.add(encode(path.name), _plain_name(path.name), Source(path))
        else:
            as_name = "" if _is_zip(match.as_name) else match.as_name
            key = lms_key(match.lms, match.lms_id)
            self.add(key, clean_name(match.name), Source(path, as_name), match)


def _plain_name(name: str) -> str:
    return clean_name(name[: -len(".zip")] if _is_zip(name) else name)


def _export_entries(folder: Path) -> list[tuple[Path, bool]]:
    """The entries of an export folder that may be students: subfolders, zips and files an
    LMS layout names (sorted; dot-entries and ``__MACOSX`` left out)."""
    entries = []
    with os.scandir(folder) as listing:
        for entry in listing:
            if entry.name.startswith(".") or entry.name == "__MACOSX":
                continue
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue
            if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
                entries.append((Path(entry.path), stat.S_ISDIR(mode)))
    return sorted(entries, key=lambda e: e[0].name)


def _gradescope_names(folder: Path) -> dict[str, str]:
    """submission folder -> its submitters' names, from Gradescope's metadata (when PyYAML is
    there to read it, as ``pip install gdkit[instructor]`` has it; else the folder's own name
    is shown)."""
    metadata = folder / "submission_metadata.yml"
    try:
        import yaml

        if metadata.stat().st_size > 10_000_000:
            return {}
        data = yaml.safe_load(metadata.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - the metadata is a nicety: without it, folder names
        return {}
    names = {}
    for submission, info in (data or {}).items() if isinstance(data, dict) else ():
        submitters = (info or {}).get(":submitters") or (info or {}).get("submitters") or []
        people = [s for s in submitters if isinstance(s, dict)]
        who = [str(s.get(":name") or s.get("name") or "") for s in people]
        names[str(submission)] = ", ".join(w for w in who if w)
    return names


def _add_export_folder(found: _Found, folder: Path) -> None:
    try:
        entries = _export_entries(folder)
    except OSError:  # unreadable: one student, whose reader says why
        found.add_entry(folder, True)
        return
    if (folder / "submission_metadata.yml").is_file():
        names = _gradescope_names(folder)
        for path, is_dir in entries:
            if is_dir and path.name.startswith("submission_"):
                lms_id = path.name[len("submission_") :]
                match = Match("gradescope", lms_id, names.get(path.name) or path.name)
                key = lms_key("gradescope", lms_id)
                found.add(key, clean_name(match.name), Source(path), match)
        return
    for path, is_dir in entries:
        if is_dir or _is_zip(path.name) or any(layout(path.name, False) for layout in LAYOUTS):
            found.add_entry(path, is_dir)


def _export_zip_members(path: Path) -> list[str] | None:
    """The member names of a zip that is a whole LMS export (its top-level names follow an LMS
    layout), else None."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist()[: limits.UPLOAD_ENTRIES]]
    except Exception:  # noqa: BLE001 - an unreadable zip is a student's; its reader says why
        return None
    tops = {PurePosixPath(name).parts[0] for name in names if PurePosixPath(name).parts}
    lms = [top for top in tops if moodle(top, True) or moodle(top, False) or canvas(top, False)]
    return names if lms and len(lms) * 2 >= len(tops) else None


def _add_export_zip(found: _Found, path: Path, members: list[str]) -> None:
    for member in sorted(members):
        parts = PurePosixPath(member.replace("\\", "/")).parts
        if not parts or member.endswith("/") or "__MACOSX" in parts:
            continue
        top, inner = parts[0], len(parts) > 1
        match = moodle(top, inner) or (None if inner else canvas(top, False))
        if match is None:
            continue
        as_name = PurePosixPath(member).name if inner else match.as_name
        as_name = "" if _is_zip(as_name) else as_name
        key = lms_key(match.lms, match.lms_id)
        found.add(key, clean_name(match.name), Source(path, members={member: as_name}), match)


def discover(paths: Iterable[Path], wanted: set[str]) -> list[Student]:
    """Every student the arguments name, once each, keys unique by construction."""
    paths = list(paths)
    students: dict[str, Student] = {}
    for index, path in enumerate(paths):
        found = _Found(f"{index + 1}_2f" if len(paths) > 1 else "")
        if path.is_dir() and not path.is_symlink() and not is_one_student(path, wanted):
            _add_export_folder(found, path)
        elif path.is_file() and _is_zip(path.name) and (members := _export_zip_members(path)):
            _add_export_zip(found, path, members)
        else:
            found.add_entry(path, path.is_dir())
        for key, student in found.students.items():
            _merge_sources(student)
            students[key] = student
    _tell_apart(list(students.values()))
    return list(students.values())


def _tell_apart(students: list[Student]) -> None:
    """Plain entries shown alike (``alice/`` beside ``alice.zip``) are shown by their whole
    entry name, so a person can tell their rows apart (their keys differ anyway)."""
    seen: dict[tuple[str, str], int] = {}
    for student in students:
        seen[student.name, student.lms_id] = seen.get((student.name, student.lms_id), 0) + 1
    for student in students:
        if not student.lms and seen[student.name, student.lms_id] > 1:
            student.name = clean_name(student.sources[0].path.name)


def _merge_sources(student: Student) -> None:
    """An export zip's members of one student, as one source."""
    merged: dict[Path, Source] = {}
    kept = []
    for source in student.sources:
        if source.members:
            if source.path in merged:
                merged[source.path].members.update(source.members)
                continue
            merged[source.path] = source
        kept.append(source)
    student.sources = kept
