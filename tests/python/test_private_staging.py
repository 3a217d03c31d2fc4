"""A killed loader leaves no raw data behind (issue 13, item 4).

load-postgres streams every table from DuckDB into PostgreSQL's COPY through a FIFO in a private
folder: no copy of the raw rows is ever on disk. load-spark has to stage Parquet for Spark: in a
private folder (0700, files 0600), removed on every exit and swept at the next start. Both use
privacy_warehouse.private_files, so the Spark side is tested here without a Spark session (the
staging happens before Spark starts; the session is replaced by a wait to be killed in).

Each loader is killed half-way with SIGTERM (it cleans up on the way out) and with SIGKILL
(nothing can run: what is left holds no readable raw data, and the next start sweeps it). The
checks are shown failing once on a planted leftover: a 0644 staged CSV in the old place.

No test depends on timing: each waits for a state the loader reports (load-postgres's FIFO in
its work folder; the replaced Spark start prints a line once every table is staged), then sends
the signal. The exit status is asserted because it is guaranteed: SIGKILL's by the kernel, and
SIGTERM's (128 + 15) by private_files.terminate_as_exit whatever the signal interrupts.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from dbt_project_runner import PROJECT_ROOT, TEST_KEY, wait_for_state
from privacy_warehouse import private_files
from privacy_warehouse.generate import generate_landing_zone

CLI = Path(sys.executable).parent / "privacy-warehouse"
SPARK_STARTING = "spark starting"
SPARK_WITHOUT_SPARK = f"""
import sys, time
from privacy_warehouse import load_spark
def spark_starting(conf):
    # Spark 'starting': every table is staged. The state the test waits for, then a wait to be
    # killed in (the test always ends this process).
    print({SPARK_STARTING!r}, flush=True)
    time.sleep(3600)
load_spark.spark_session = spark_starting
sys.exit(load_spark.run(load_spark_args()))
"""


@pytest.fixture(scope="module")
def zone(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("staging_zone") / "zone"
    generate_landing_zone(root, scale=0.05, seed=7, as_of=date(2026, 6, 30), bad_rows=0.0)
    return root


def readable_raw_copies(folder: Path) -> list[str]:
    """Regular files with content under `folder` that the group or others may read."""
    found = []
    for path in [folder, *folder.rglob("*")] if folder.exists() else []:
        info = path.lstat()
        if stat.S_ISREG(info.st_mode) and info.st_size and info.st_mode & 0o044:
            found.append(f"{path} ({oct(stat.S_IMODE(info.st_mode))})")
    return found


def _env(private: Path, extra: dict | None = None) -> dict:
    """The loader's environment: its own system temporary folder (TMPDIR, beside `private`),
    so the test sees whatever it would put there (the old loaders staged their CSV there)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PSEUDONYMISATION_KEY")}
    system_tmp = private.parent / "system-tmp"
    system_tmp.mkdir(exist_ok=True)
    return {**env, "PSEUDONYMISATION_KEY": TEST_KEY, "PRIVATE_WORK_DIR": str(private),
            "TMPDIR": str(system_tmp), **(extra or {})}


def _system_tmp_staging(private: Path) -> list[str]:
    """Anything a loader left in its system temporary folder (DuckDB's own spill files aside)."""
    return [str(p) for p in (private.parent / "system-tmp").glob("load-*")]


def _work_folders(private: Path, prefix: str) -> list[Path]:
    return sorted(private.glob(f"{prefix}*"))


def _signal_and_check(process, private: Path, prefix: str, signum: int) -> None:
    process.send_signal(signum)
    process.communicate(timeout=600)
    assert readable_raw_copies(private) == []
    assert _system_tmp_staging(private) == []
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    if signum == signal.SIGTERM:
        assert process.returncode == 128 + signal.SIGTERM  # private_files.terminate_as_exit
        assert _work_folders(private, prefix) == []  # removed on the way out
    else:
        assert process.returncode == -signal.SIGKILL
        # SIGKILL: the folder stays until the next start, 0700 like its base.
        for folder in _work_folders(private, prefix):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_killed_load_postgres_leaves_no_raw_copy(zone, postgres_server, tmp_path, signum):
    private = tmp_path / "private"
    command = [str(CLI), "load-postgres", "--raw-data-dir", str(zone),
               "--project-dir", str(PROJECT_ROOT)]
    env = _env(private, postgres_server.env())
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)

    def streaming() -> bool:
        return any(stat.S_ISFIFO(p.lstat().st_mode)
                   for p in private.glob("load-postgres-*/*.csv"))

    wait_for_state(streaming, process, "streaming a table")
    # Streamed, never staged: the work folder holds a FIFO (no data at rest) and the lock.
    for path in private.glob("load-postgres-*/*"):
        assert stat.S_ISFIFO(path.lstat().st_mode) or path.stat().st_size == 0, path
    _signal_and_check(process, private, "load-postgres-", signum)

    # The next start sweeps what SIGKILL left, and loads.
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _work_folders(private, "load-postgres-") == []


def load_spark_staging(zone: Path, private: Path) -> subprocess.Popen:
    """load-spark up to its (replaced) Spark start: returns once every table is staged, as the
    loader reports by the line SPARK_STARTING."""
    script = SPARK_WITHOUT_SPARK.replace("load_spark_args()", (
        "load_spark.argparse.Namespace(require_env_key=True, profiles_dir=None, target='spark', "
        f"project_dir={str(PROJECT_ROOT)!r}, raw_data_dir={str(zone)!r})"))
    process = subprocess.Popen([sys.executable, "-c", script], env=_env(private),
                               cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    lines = []
    for line in process.stdout:  # ends if the loader ends first
        lines.append(line)
        if line.strip() == SPARK_STARTING:
            return process
    process.wait()
    raise AssertionError(f"load-spark ended before staging every table: {lines}, "
                         f"{process.stderr.read()[-3000:]}")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_killed_load_spark_leaves_no_raw_copy(zone, tmp_path, signum):
    private = tmp_path / "private"
    process = load_spark_staging(zone, private)
    # Spark is 'starting' once every table is staged; the page views are raw rows.
    staged_files = list(private.glob("load-spark-*/*.parquet"))
    assert len(staged_files) >= 14
    assert any("page_views" in p.name for p in staged_files)
    for path in staged_files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    _signal_and_check(process, private, "load-spark-", signum)

    # The next start sweeps what SIGKILL left (a live loader's folder stays: it holds the lock).
    killed = set(_work_folders(private, "load-spark-"))
    live = load_spark_staging(zone, private)
    try:
        folders = set(_work_folders(private, "load-spark-"))
        assert len(folders) == 1 and not folders & killed, (folders, killed)
        assert len(list(private.glob("load-spark-*/*.parquet"))) >= 14
        private_files.sweep_stale(private, "load-spark-")
        assert len(_work_folders(private, "load-spark-")) == 1  # the live one is not swept
    finally:
        live.send_signal(signal.SIGTERM)
        live.communicate(timeout=600)
    assert _work_folders(private, "load-spark-") == []


def test_the_staging_check_fails_on_an_old_style_staged_csv(tmp_path):
    """Planted: what the loaders did before, a CSV of raw rows 0644 in a readable folder."""
    old = tmp_path / "load-postgres-abc"
    old.mkdir()
    os.chmod(old, 0o755)
    os.chmod(tmp_path, 0o755)
    planted = old / "web__page_views.csv"
    planted.write_text('"E-1","192.0.2.10","V-1"\n')
    os.chmod(planted, 0o644)
    assert readable_raw_copies(tmp_path)


def test_an_open_private_base_is_closed_and_a_foreign_one_refused(tmp_path, monkeypatch):
    base = tmp_path / "work"
    base.mkdir()
    os.chmod(base, 0o755)
    monkeypatch.setenv("PRIVATE_WORK_DIR", str(base))
    with private_files.private_work_dir("load-test-") as folder:
        assert stat.S_IMODE(base.stat().st_mode) == 0o700
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert not folder.exists()
    link = tmp_path / "link"
    link.symlink_to(base)
    monkeypatch.setenv("PRIVATE_WORK_DIR", str(link))
    with pytest.raises(private_files.PrivateFilesError):
        private_files.private_base()
