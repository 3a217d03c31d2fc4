"""Files that hold raw or published data: private folders, cleaned up on every exit.

Two helpers shared by every command that writes such files (publish, load-postgres,
load-spark), so there is one implementation:

* `terminate_as_exit()`: while it is active, SIGTERM (and SIGHUP) raise SystemExit in the main
  thread instead of ending the process at once, so `finally` blocks and context managers run
  and remove what the command staged. SIGKILL cannot be caught: what it leaves is swept at the
  next start.
* `private_work_dir(prefix)`: a folder (mode 0700) under a private base folder (0700;
  `PRIVATE_WORK_DIR`, default `<project>/.private-work`), removed on every exit. While it is in
  use its owner holds an advisory lock on a file inside it; every start first removes the
  folders of that prefix whose lock nobody holds (their process was killed), and leaves a live
  command's folder alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

PRIVATE_WORK_DIR_ENV = "PRIVATE_WORK_DIR"
DEFAULT_PRIVATE_WORK_DIR = ".private-work"  # inside the project (git-ignored)
LOCK_NAME = ".in-use.lock"
CAUGHT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class PrivateFilesError(RuntimeError):
    """A private folder cannot be made private (someone else owns it, or it is wider)."""


@contextlib.contextmanager
def terminate_as_exit() -> Iterator[None]:
    """SIGTERM/SIGHUP become SystemExit(128 + signal) while active (main thread only).

    The exit status is then 128 + signal whatever the SystemExit meets on its way out: a
    library that calls back into Python may turn it into an error of its own (psycopg2's COPY
    raised QueryCanceled "error in .read() call: SystemExit 143", and the loader exited 1), or
    code may catch it and carry on. Once a signal was received, leaving the outermost block by
    any way ends the process with 128 + signal, so a supervisor (and a test) can rely on it.
    A nested block leaves that to the outermost one."""
    if (threading.current_thread() is not threading.main_thread()
            or getattr(signal.getsignal(signal.SIGTERM), "terminates_as_exit", False)):
        yield
        return
    received: list[int] = []

    def _exit(signum, _frame):
        received.append(signum)
        raise SystemExit(128 + signum)

    _exit.terminates_as_exit = True
    previous = {signum: signal.signal(signum, _exit) for signum in CAUGHT_SIGNALS}
    try:
        yield
    except BaseException:
        if received:
            raise SystemExit(128 + received[0]) from None
        raise
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        raise SystemExit(128 + received[0])


def ensure_private_dir(path: Path, mode: int = 0o700) -> Path:
    """Create `path` (and parents) or check it: ours, a real folder, nothing wider than `mode`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, mode)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise PrivateFilesError(f"{path} is not a folder owned by this user: refusing to put "
                                "data there")
    os.chmod(path, mode)  # mkdir's mode is filtered by the umask; an old folder may be wider
    return path


def private_base(project_dir: Path | str = ".") -> Path:
    """The base folder of private work folders: PRIVATE_WORK_DIR or <project>/.private-work."""
    configured = os.environ.get(PRIVATE_WORK_DIR_ENV)
    return ensure_private_dir(Path(configured) if configured
                              else Path(project_dir) / DEFAULT_PRIVATE_WORK_DIR)


def sweep_stale(base: Path, prefix: str) -> list[Path]:
    """Remove the `prefix*` folders under `base` whose lock no live process holds."""
    removed = []
    for folder in sorted(Path(base).glob(f"{prefix}*")):
        if not folder.is_dir() or folder.is_symlink():
            continue
        lock = folder / LOCK_NAME
        try:
            handle = open(lock, "a")  # noqa: SIM115 (closed below, after the check)
        except OSError:
            handle = None  # no lock file: killed before it was made
        try:
            if handle is not None:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live command's folder
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        finally:
            if handle is not None:
                handle.close()
    return removed


@contextlib.contextmanager
def private_work_dir(prefix: str, project_dir: Path | str = ".") -> Iterator[Path]:
    """A fresh 0700 folder for one command's staged data, removed on every exit (an exception,
    SIGTERM/SIGHUP through terminate_as_exit); stale ones of `prefix` are swept first."""
    base = private_base(project_dir)
    sweep_stale(base, prefix)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=base))  # mode 0700
    try:
        with open(folder / LOCK_NAME, "w") as lock, terminate_as_exit():
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
