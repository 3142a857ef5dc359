"""A folder of notes (an Obsidian vault, or any folder): its note files and its pictures.

- ``gdkit decks build DIR`` builds every note file under DIR (``.md``, ``.markdown``, ``.txt``),
  in path order, skipping hidden folders (``.obsidian/``, ``.trash/``, ``.git/``) and never
  following a link to a folder. Attachments (pictures, PDFs, …) are not note files; a picture
  is taken into a package only when a note shows it.
- A picture is found as Obsidian finds it: beside the note (or at the path written), at that
  path from the vault's root, else by its file name anywhere under the root. The root is the
  nearest folder above the note holding ``.obsidian/`` (Obsidian's vault marker), else the
  folder given to ``build DIR``. A name that two different files share is an error naming
  both: write the path instead.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from decks.errors import DeckError

NOTE_SUFFIXES = (".md", ".markdown", ".txt")
MAX_NOTE_FILES = 10_000  # a folder holding more is not a folder of notes
MAX_VAULT_FILES = 200_000  # files looked at when searching a picture by name
VAULT_MARKER = ".obsidian"


def _visible_dirs(dirs: list[str], root: str) -> list[str]:
    return sorted(
        d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(root, d))
    )


def note_files(folder: Path) -> list[Path]:
    """Every note file under ``folder``, in path order (hidden folders and links skipped)."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = _visible_dirs(dirs, root)
        for name in sorted(files):
            path = Path(root) / name
            if name.lower().endswith(NOTE_SUFFIXES) and not name.startswith(".") and path.is_file():
                found.append(path)
                if len(found) > MAX_NOTE_FILES:
                    raise DeckError(
                        str(folder),
                        1,
                        f"more than {MAX_NOTE_FILES} note files under this folder: build a "
                        "smaller folder (the one that holds your flashcard notes)",
                    )
    return found


@lru_cache(maxsize=64)
def vault_root(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` holding ``.obsidian/``, if any."""
    for candidate in (folder, *folder.parents):
        if (candidate / VAULT_MARKER).is_dir():
            return candidate
    return None


@lru_cache(maxsize=8)
def _by_name(root: Path) -> dict[str, tuple[Path, ...]]:
    """File name → every file of that name under ``root`` (hidden folders skipped)."""
    index: dict[str, list[Path]] = {}
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = _visible_dirs(dirs, folder)
        for name in files:
            index.setdefault(name, []).append(Path(folder) / name)
            seen += 1
            if seen > MAX_VAULT_FILES:
                return {k: tuple(v) for k, v in index.items()}
    return {k: tuple(v) for k, v in index.items()}


def forget() -> None:
    """Drop what was learnt about folders (each build looks at the files as they are now)."""
    vault_root.cache_clear()
    _by_name.cache_clear()


def find_picture(
    name: str, base_dir: Path, root: Path | None, *, file: str, line: int
) -> Path | None:
    """The picture ``name`` (as written, decoded) for a note in ``base_dir``; None if absent."""
    beside = (base_dir / name).resolve()
    if beside.is_file():
        return beside
    root = vault_root(base_dir.resolve()) or root
    if root is None:
        return None
    at_root = (root / name).resolve()
    if at_root.is_file() and at_root.is_relative_to(root.resolve()):
        return at_root
    matches = _by_name(root.resolve()).get(Path(name).name, ())
    if len(matches) > 1:
        shown = ", ".join(str(m.relative_to(root.resolve())) for m in matches[:3])
        raise DeckError(
            file,
            line,
            f"image {name!r}: {len(matches)} files have that name ({shown}): write the path "
            "from the vault's root, e.g. ![[folder/picture.png]]",
        )
    return matches[0].resolve() if matches else None
