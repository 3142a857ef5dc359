"""Nothing a worker writes outlives the run: what a sandbox user left in the shared temporary
folders is removed before its uid serves again (grader/sandbox/leftovers.py), and never
anything of anyone else's — not through a symlink, not a hard link to another's file, not in a
folder the uid could not write in, not after a name was swapped while the sweep ran. Under
bubblewrap the worker's /tmp and /dev/shm are its own (in memory) and /var/tmp is not there."""

from __future__ import annotations

import os
import textwrap
import uuid
from pathlib import Path

import pytest
from grader_helpers import FAST, ISOLATIONS

from grader.sandbox import leftovers, users
from grader.sandbox.sandbox import Sandbox

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
pytestmark = pytest.mark.skipif(not ROOT, reason="files of another user need root to be made")
LEARNER, OTHER = 2_000_123, 2_000_456  # uids no account has


def owned(path: Path, uid: int, *, text: str | None = "x", folder: bool = False) -> Path:
    """``path`` made (a file holding ``text``, or a folder), owned by ``uid``."""
    if folder:
        path.mkdir(mode=0o755)
    else:
        path.write_text(text)
    os.chown(path, uid, uid, follow_symlinks=False)
    return path


@pytest.fixture
def shared(tmp_path) -> Path:
    """A world-writable sticky folder, as /tmp is."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o1777)
    return folder


def test_what_the_uid_owns_is_removed_and_nothing_else(tmp_path, shared):
    outside = owned(tmp_path / "outside", LEARNER, folder=True)  # reached only by a link
    kept_outside = owned(outside / "mine.txt", LEARNER)
    secret = owned(tmp_path / "secret.txt", 0, text="root's")
    owned(shared / "a.bin", LEARNER)
    tree = owned(shared / "tree", LEARNER, folder=True)
    owned(owned(tree / "deeper", LEARNER, folder=True) / "b.txt", LEARNER)
    for name, target in (("to-folder", outside), ("to-secret", secret)):
        (shared / name).symlink_to(target)
        os.chown(shared / name, LEARNER, LEARNER, follow_symlinks=False)
    os.link(secret, shared / "hard-link")  # the inode is root's, whoever made the name
    roots = owned(shared / "roots", 0, folder=True)  # the uid could not write in it
    given = owned(roots / "given.txt", LEARNER)
    open_to_all = owned(shared / "open", 0, folder=True)
    open_to_all.chmod(0o777)
    owned(open_to_all / "c.txt", LEARNER)
    with_others = owned(shared / "with-others", LEARNER, folder=True)
    with_others.chmod(0o777)
    theirs = owned(with_others / "theirs.txt", OTHER)
    others = owned(shared / "others.txt", OTHER)

    assert leftovers.remove_owned(LEARNER, [str(shared)]) is True

    left = sorted(str(p.relative_to(shared)) for p in shared.rglob("*"))
    assert left == ["hard-link", "open", "others.txt", "roots", "roots/given.txt",
                    "with-others", "with-others/theirs.txt"]  # fmt: skip
    assert kept_outside.exists() and secret.read_text() == "root's"
    assert given.exists() and theirs.exists() and others.exists()


def test_a_sweep_is_bounded_in_entries_and_depth_and_says_it_did_not_finish(shared, monkeypatch):
    for index in range(30):
        owned(shared / f"{index:02}", LEARNER)
    monkeypatch.setattr(leftovers, "MAX_ENTRIES", 10)
    assert leftovers.remove_owned(LEARNER, [str(shared)]) is False
    assert 0 < len(list(shared.iterdir())) < 30
    monkeypatch.undo()
    folder = shared
    for _ in range(leftovers.MAX_DEPTH + 2):
        folder = owned(folder / "d", LEARNER, folder=True)
    assert leftovers.remove_owned(LEARNER, [str(shared)]) is False
    assert [p.name for p in shared.iterdir()] == ["d"]  # the files all went; the deep folders stay


@pytest.mark.parametrize("swap", ["symlink", "another folder"])
def test_a_folder_swapped_while_the_sweep_runs_is_not_entered(tmp_path, shared, monkeypatch, swap):
    """The learner's folder is looked at, then replaced (a race) by a link to a folder of the
    uid's elsewhere, or by a folder the uid cannot write in (root's, holding a file given to
    the uid): neither is entered, and what is in them stays."""
    victim = owned(tmp_path / "victim", LEARNER if swap == "symlink" else 0, folder=True)
    kept = owned(victim / "kept.txt", LEARNER)
    owned(shared / "x", LEARNER, folder=True)
    looked_at = leftovers._folder

    def swap_then_enter(parent, name, seen, *args):
        if name == "x":  # looked at (seen), not yet entered: swapped now
            os.rmdir(shared / "x")
            if swap == "symlink":
                (shared / "x").symlink_to(victim)
            else:
                victim.rename(shared / "x")
            entered.append(seen.st_uid)
        return looked_at(parent, name, seen, *args)

    entered: list[int] = []
    monkeypatch.setattr(leftovers, "_folder", swap_then_enter)
    assert leftovers.remove_owned(LEARNER, [str(shared)]) is True
    assert entered == [LEARNER]  # the swap happened where a learner's race would put it
    assert (kept if swap == "symlink" else shared / "x" / "kept.txt").exists()


@pytest.fixture
def one_uid(monkeypatch) -> int:
    """A pool of one uid."""
    uid = users.uid_pool()[0]
    monkeypatch.setattr(users, "uid_pool", lambda: (uid,))
    return uid


@pytest.fixture
def write_everywhere():
    """Makes files and a folder of a uid's in each shared temporary folder, as its worker
    would; removes whatever of them is left when the test ends (it failed)."""
    made: list[Path] = []

    def write(uid: int) -> list[Path]:
        token = uuid.uuid4().hex
        paths = [owned(Path(f) / f"gdkit-left-{token}", uid) for f in leftovers.SHARED_TEMP]
        tree = owned(Path("/tmp") / f"gdkit-left-{token}.d", uid, folder=True)
        paths += [tree, owned(tree / "inside", uid)]
        made.extend(paths)
        return paths

    yield write
    for path in reversed(made):
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        elif os.path.lexists(path):
            path.unlink()


def test_a_released_uid_leaves_nothing_in_the_shared_temporary_folders(one_uid, write_everywhere):
    lease = users.lease()
    made = write_everywhere(lease.uid)
    lease.release()
    assert [str(path) for path in made if os.path.lexists(path)] == []
    lease = users.lease()
    assert os.fstat(lease.lock).st_size  # held now; it was released cleanly
    lease.release()


def test_a_uid_left_by_a_killed_grader_is_swept_before_it_serves_again(one_uid, write_everywhere):
    lease = users.lease()
    made = write_everywhere(lease.uid)
    os.close(lease.lock)  # the grader died: the lock dropped, the file not emptied
    again = users.lease()
    try:
        assert [str(path) for path in made if os.path.lexists(path)] == []
    finally:
        again.release()


def test_a_sweep_that_did_not_finish_leaves_the_uid_marked_for_another(one_uid, monkeypatch):
    sweeps = []
    with monkeypatch.context() as patched:
        patched.setattr(leftovers, "remove_owned", lambda uid: sweeps.append(uid) or False)
        users.lease().release()
    path = os.path.join(users.lock_folder(), str(one_uid))
    assert sweeps == [one_uid] and os.path.getsize(path)  # swept again by its next holder
    users.lease().release()
    assert os.path.getsize(path) == 0


WRITER = textwrap.dedent("""
    import os
    def write(token):
        made = []
        for folder in ("/tmp", "/var/tmp", "/dev/shm"):
            try:
                with open(f"{folder}/gdkit-left-{token}", "wb") as handle:
                    handle.write(b"x" * 4096)
                os.makedirs(f"{folder}/gdkit-left-{token}.d/a/b")
                with open(f"{folder}/gdkit-left-{token}.d/a/b/c", "w") as handle:
                    handle.write("deep")
                os.symlink("/etc/passwd", f"{folder}/gdkit-left-{token}.link")
                made.append(folder)
            except OSError:
                pass
        return made
""")


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_files_written_by_full_path_do_not_outlive_the_sandbox(isolation):
    """Learner code writes a file, a folder tree and a symlink by full path into /tmp, /var/tmp
    and /dev/shm: none is on the machine once the sandbox is closed (the process backend: its
    user's leftovers removed; bubblewrap: its own /tmp and /dev/shm, no /var/tmp), and the
    report names the backend that ran."""
    token = uuid.uuid4().hex
    with Sandbox(FAST, isolation) as sandbox:
        made = sandbox.load(WRITER, "writer.py").call("write", token)
        assert sandbox.isolation.name == isolation
    expected = {"process": ["/tmp", "/var/tmp", "/dev/shm"], "bubblewrap": ["/tmp", "/dev/shm"]}
    assert made == expected[isolation]  # written, so that what follows can fail
    left = [
        f"{folder}/{name}"
        for folder in leftovers.SHARED_TEMP
        for name in os.listdir(folder)
        if token in name
    ]
    assert left == []
    assert os.path.exists("/etc/passwd")


@pytest.mark.parametrize("uid", [0, -1, "own"])
def test_only_a_sandbox_users_files_are_ever_swept(shared, uid):
    """A slip that handed root's uid, or the grader's own, would remove everyone's files."""
    uid = os.geteuid() if uid == "own" else uid
    with pytest.raises(ValueError, match="not a sandbox user's"):
        leftovers.remove_owned(uid, [str(shared)])


def test_a_shared_folder_that_is_itself_a_link_is_swept(tmp_path, shared):
    """macOS's /tmp is a link to /private/tmp: the folder named is followed, nothing below it."""
    owned(shared / "a.bin", LEARNER)
    (tmp_path / "tmp").symlink_to(shared)
    assert leftovers.remove_owned(LEARNER, [str(tmp_path / "tmp")]) is True
    assert list(shared.iterdir()) == []


def test_uids_left_marked_by_killed_graders_are_swept_on_demand(monkeypatch, write_everywhere):
    """After killing a grader (grade batch past its time limit), the pool sweeps at once what
    its workers' users left, instead of leaving it for the uid's next holder; a uid a running
    worker holds is left alone."""
    pool = users.uid_pool()[:2]
    monkeypatch.setattr(users, "uid_pool", lambda: pool)
    killed, running = users.lease(), users.lease()
    left, kept = write_everywhere(killed.uid), write_everywhere(running.uid)
    os.close(killed.lock)  # its grader was killed: the lock dropped, the file not emptied
    try:
        users.sweep_stale()
        assert [str(path) for path in left if os.path.lexists(path)] == []
        assert os.path.getsize(os.path.join(users.lock_folder(), str(killed.uid))) == 0
        assert all(os.path.lexists(path) for path in kept)
    finally:
        running.release()
    assert [str(path) for path in kept if os.path.lexists(path)] == []
