"""Anki's own reviewer assets (MathJax 3 with Anki's configuration, reviewer.css, webview.css).

They ship in the ``aqt`` wheel (Anki's desktop GUI), which the tests do not install: it pulls in
PyQt6 and QtWebEngine. Instead ``python tests/decks/anki_web.py`` (run by ``.ci/run`` after the
install) fetches the wheel of the same version as the installed ``anki`` package with ``pip
download --no-deps`` and unpacks the few files the browser test needs into
``.cache/anki-web/<version>/`` at the top of the checkout. Nothing is fetched while tests run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB_PREFIX = "_aqt/data/web/"
WANTED = ("js/mathjax.js", "js/vendor/mathjax/", "css/reviewer.css", "css/webview.css")


def anki_version() -> str:
    return metadata.version("anki")


def assets_dir(version: str | None = None) -> Path:
    """Where the unpacked assets of Anki ``version`` (default: the installed one) live."""
    return ROOT / ".cache" / "anki-web" / (version or anki_version())


def is_complete(folder: Path) -> bool:
    return (folder / "js/vendor/mathjax/tex-chtml-full.js").is_file() and all(
        (folder / name).exists() for name in WANTED
    )


def fetch(version: str | None = None) -> Path:
    """Download the aqt wheel of ``version`` and unpack the reviewer assets (idempotent)."""
    version = version or anki_version()
    target = assets_dir(version)
    if is_complete(target):
        return target
    with tempfile.TemporaryDirectory(prefix="gdkit-aqt-") as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--dest", tmp]
            + [f"aqt=={version}"],
            check=True,
        )
        (wheel,) = Path(tmp).glob("aqt-*.whl")
        staging = Path(tmp) / "web"
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                inside = name.removeprefix(WEB_PREFIX)
                if name.startswith(WEB_PREFIX) and inside.startswith(WANTED):
                    destination = staging / inside
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    destination.write_bytes(archive.read(name))
        if not is_complete(staging):
            raise RuntimeError(f"aqt {version}: the wheel lacks Anki's MathJax or reviewer CSS")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        shutil.copytree(staging, partial)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(partial, target)
    return target


if __name__ == "__main__":
    print(f"Anki reviewer assets: {fetch()}")
