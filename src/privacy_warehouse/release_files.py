"""The files of a publication: PUBLISH_DIR holds the current release only, readable by its owner
and one group, and a killed publish leaves nothing behind.

* **Current release only.** When a publish has swapped in its release, every other release under
  `PUBLISH_DIR/releases/` is removed at once (retire_old_releases). A reader that already opened
  one of their files keeps its open file (POSIX unlink), so nothing has to stay for readers;
  the old `analytics.duckdb` is unlinked by the rename of the new one over it. So no file outlives
  an objection, an erasure or a key rotation by more than the publish that follows it, and two
  releases made under different keys never sit side by side to be joined.
* **Modes.** With `PUBLISH_GROUP` (a group name or id) folders are 0750 and files 0640, group
  that group; without it 0700 and 0600. Never readable by others. The staged release gets its
  modes before the swap (apply_modes), so no published file is ever wider, even for a moment.
* **Nothing left behind.** publish() removes its `.incoming-*` staging folder in a `finally`, and
  runs under private_files.terminate_as_exit so SIGTERM/SIGHUP take that path too; what SIGKILL
  leaves (a staging folder, a temporary link or JSON file) is swept by the next publish's start
  (sweep_leftovers), before it audits anything, unless another publish holds the lock.
"""

from __future__ import annotations

import fcntl
import grp
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

PUBLISH_GROUP_ENV = "PUBLISH_GROUP"
LOCK_FILE = ".publish.lock"
RELEASES = "releases"
# What a killed publish can leave in PUBLISH_DIR: its staging folder, a temporary symlink, a
# temporary publication.json or datasheet (write_text_atomic's `.<name>.*`).
LEFTOVER_PATTERNS = (".incoming-*", ".parquet-*", ".publication.json.*", ".README.md.*",
                     ".datasheet.html.*")


class ReleaseFilesError(RuntimeError):
    """The release files cannot be given the configured modes (say, an unknown group)."""


@dataclass(frozen=True)
class Modes:
    directory: int
    file: int
    gid: int | None  # None: the files keep the publishing user's group (and the group has no access)


def modes_from_environment(environ=os.environ) -> Modes:
    """0750/0640 for the group PUBLISH_GROUP names, else 0700/0600."""
    name = (environ.get(PUBLISH_GROUP_ENV) or "").strip()
    if not name:
        return Modes(0o700, 0o600, None)
    try:
        gid = grp.getgrnam(name).gr_gid
    except KeyError:
        if not name.isdigit():
            raise ReleaseFilesError(f"{PUBLISH_GROUP_ENV} names no group of this machine: "
                                    f"{name!r}") from None
        gid = int(name)
    return Modes(0o750, 0o640, gid)


def _set(path: Path, mode: int, gid: int | None) -> None:
    if gid is not None:
        os.chown(path, -1, gid, follow_symlinks=False)
    os.chmod(path, mode)


def set_mode(path: Path, mode: int, gid: int | None) -> None:
    """One folder or file: `mode`, and the group `gid` when PUBLISH_GROUP names one."""
    _set(path, mode, gid)


def apply_modes(root: Path, modes: Modes) -> None:
    """`root` and everything under it: folders modes.directory, files modes.file (symlinks,
    which carry no permissions of their own, are left alone)."""
    root = Path(root)
    if root.is_symlink():
        return
    if root.is_file():
        _set(root, modes.file, modes.gid)
        return
    _set(root, modes.directory, modes.gid)
    for folder, folders, files in os.walk(root):
        for name in folders:
            path = Path(folder) / name
            if not path.is_symlink():
                _set(path, modes.directory, modes.gid)
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                _set(path, modes.file, modes.gid)


def sweep_leftovers(publish_dir: Path) -> list[str]:
    """Remove what a killed publish left, unless a publish is running (it holds the lock)."""
    publish_dir = Path(publish_dir)
    if not publish_dir.is_dir():
        return []
    with open(publish_dir / LOCK_FILE, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []  # a running publish: its staging folder is not a leftover
        try:
            return remove_leftovers(publish_dir)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_leftovers(publish_dir: Path) -> list[str]:
    """The leftovers of killed publishes (the caller holds the publish lock)."""
    removed = []
    for pattern in LEFTOVER_PATTERNS:
        for leftover in Path(publish_dir).glob(pattern):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
            removed.append(leftover.name)
    return removed


def retire_old_releases(publish_dir: Path, current: str) -> list[str]:
    """Remove every release but `current` (and anything else under releases/)."""
    releases = Path(publish_dir) / RELEASES
    removed = []
    if not releases.is_dir():
        return removed
    for entry in sorted(releases.iterdir()):
        if entry.name == current:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed.append(entry.name)
    return removed


def finish_release(publish_dir: Path, current: str, modes: Modes) -> list[str]:
    """After the swap: the old releases removed, and the modes of everything the publication
    consists of (PUBLISH_DIR itself, releases/, the current release, analytics.duckdb,
    publication.json, the lock file). Returns the removed releases' names."""
    publish_dir = Path(publish_dir)
    removed = retire_old_releases(publish_dir, current)
    if os.lstat(publish_dir).st_uid == os.getuid():
        _set(publish_dir, modes.directory, modes.gid)
    releases = publish_dir / RELEASES
    if releases.is_dir():
        _set(releases, modes.directory, modes.gid)
        apply_modes(releases / current, modes)
    for entry in publish_dir.iterdir():
        if entry.is_file() and not entry.is_symlink():
            _set(entry, modes.file, modes.gid)
    return removed


def wider_than(root: Path, modes: Modes) -> list[str]:
    """Files and folders under `root` that others may read, or wider than `modes` allow."""
    found = []
    for path in [Path(root), *Path(root).rglob("*")]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        allowed = modes.directory if path.is_dir() else modes.file
        if mode & ~allowed or mode & 0o007:
            found.append(f"{path} {oct(mode)}")
    return found
