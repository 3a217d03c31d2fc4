"""Run the real dbt project (no mocks) from tests, each run isolated in its own folders.

A `DbtProject` is a copy of the project (or the project itself) plus a landing zone, a warehouse
file, a target folder and a log folder of its own, so tests never touch the repository's
target/ or each other's warehouses.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"
COPY_IGNORE = shutil.ignore_patterns(
    ".venv", "target", "target_*", "logs", "warehouse", "publish", "evidence", "data", ".git",
    "__pycache__", ".pytest_cache", ".secrets", "test-artifacts", "bench", "*.duckdb",
)


@dataclass
class DbtResult:
    returncode: int
    output: str
    run_results: dict | None

    def statuses(self) -> dict[str, str]:
        """unique_id -> status of every node in the run."""
        if not self.run_results:
            return {}
        return {r["unique_id"]: r["status"] for r in self.run_results["results"]}

    def failed(self) -> set[str]:
        return {uid for uid, status in self.statuses().items() if status in ("fail", "error")}

    def failed_test_names(self) -> set[str]:
        """'<test name>:<model>' of every failed data test, e.g. 'privacy_k_anonymity:dim_customers'."""
        names = set()
        for uid in self.failed():
            if uid.startswith("test."):
                names.add(_test_label(uid))
        return names


def _test_label(unique_id: str) -> str:
    # test.privacy_warehouse.privacy_k_anonymity_dim_customers_.hash -> privacy_k_anonymity_dim_customers_
    return unique_id.split(".")[2]


def wait_for_state(reached: Callable[[], bool], process: subprocess.Popen, what: str,
                   hang_guard_seconds: float = 600) -> None:
    """Wait until `process` reports a state: `reached()` reads something it creates (a file, a
    line of its log), never a moment. Fails if the process ends first. The time limit only turns
    a hang into a failure, far beyond any run on a loaded machine: no test asserts a time."""
    deadline = time.monotonic() + hang_guard_seconds
    while not reached():
        if process.poll() is not None:
            raise AssertionError(f"ended before {what}: {process.communicate()}")
        assert time.monotonic() < deadline, f"never {what} (hung?)"
        time.sleep(0.01)


def log_mentions(log: Path, text: str) -> Callable[[], bool]:
    """For wait_for_state: dbt's log (or any file) mentions `text`."""
    return lambda: log.exists() and text in log.read_text(errors="replace")


TEST_KEY = "de334e996d4324ce35627c908baf1633c1277abba18751ac189182999617b954"


@dataclass
class DbtProject:
    root: Path
    raw_data_dir: Path
    work_dir: Path
    # A key of the accepted form (64 hex characters, pseudonyms.key_weakness), for tests only.
    key: str = TEST_KEY
    as_of: str = "2026-06-30"
    extra_vars: dict = field(default_factory=dict)
    # A session fixture's build is shared by many tests: its target/ and warehouse must not
    # change under them. Frozen projects refuse to run dbt; tests run it on a copy().
    frozen: bool = False

    @property
    def duckdb_path(self) -> Path:
        return self.work_dir / "warehouse.duckdb"

    @property
    def target_path(self) -> Path:
        return self.work_dir / "target"

    @property
    def log_path(self) -> Path:
        return self.work_dir / "logs"

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items()
            if k not in ("PSEUDONYMISATION_KEY", "PSEUDONYMISATION_KEY_FILE", "DBT_TARGET")
        }
        env.update(
            DBT_PROFILES_DIR=str(self.root),
            RAW_DATA_DIR=str(self.raw_data_dir),
            DUCKDB_PATH=str(self.duckdb_path),
            PSEUDONYMISATION_KEY=self.key,
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        env.update(overrides)
        return {k: v for k, v in env.items() if v is not None}

    def dbt(self, *args: str, as_of: str | None = None, env: dict | None = None,
            vars: dict | None = None) -> DbtResult:
        assert not self.frozen, "this build is shared by other tests: run dbt on a copy()"
        self.work_dir.mkdir(parents=True, exist_ok=True)
        run_results = self.target_path / "run_results.json"
        run_results.unlink(missing_ok=True)
        all_vars = {"as_of": as_of or self.as_of, **self.extra_vars, **(vars or {})}
        command = [
            str(DBT), *args, "--vars", json.dumps(all_vars),
            "--target-path", str(self.target_path), "--log-path", str(self.log_path),
        ]
        completed = subprocess.run(
            command, cwd=self.root, env=self.env(**(env or {})), capture_output=True,
            text=True, check=False,
        )
        results = json.loads(run_results.read_text()) if run_results.exists() else None
        return DbtResult(completed.returncode, completed.stdout + completed.stderr, results)

    def build(self, *args: str, **kwargs) -> DbtResult:
        return self.dbt("build", *args, **kwargs)

    def query(self, sql: str) -> list[tuple]:
        import duckdb

        con = duckdb.connect(str(self.duckdb_path), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def copy(self, work_dir: Path, copy_warehouse: bool = True) -> DbtProject:
        """A copy of the project and (optionally) its built warehouse, to mutate safely."""
        root = work_dir / "project"
        shutil.copytree(self.root, root, ignore=COPY_IGNORE)
        clone = DbtProject(root=root, raw_data_dir=self.raw_data_dir, work_dir=work_dir / "run",
                           key=self.key, as_of=self.as_of, extra_vars=dict(self.extra_vars))
        clone.work_dir.mkdir(parents=True, exist_ok=True)
        if copy_warehouse and self.duckdb_path.exists():
            shutil.copy2(self.duckdb_path, clone.duckdb_path)
        return clone

    def edit(self, relative_path: str, old: str, new: str) -> None:
        """Replace `old` (which must occur) by `new` in a file of this (copied) project."""
        assert self.root != PROJECT_ROOT, "edit only copies of the project"
        path = self.root / relative_path
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not found in {relative_path}"
        path.write_text(text.replace(old, new), encoding="utf-8")


def table_checksums(duckdb_path: Path, schemas: tuple[str, ...] | None = None,
                    exclude_schemas: tuple[str, ...] = ("audit",)) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent checksum of every row, per base table of `schemas`
    (default: every schema but the build ledger, which records the invocations themselves)."""
    import duckdb

    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1, 2").fetchall()
        return {
            f"{schema}.{name}": tuple(con.execute(
                f'select count(*), coalesce(sum(hash(t::varchar)), 0) from "{schema}"."{name}" as t'
            ).fetchall()[0])
            for schema, name in tables
            if (schemas is None or schema in schemas) and schema not in exclude_schemas
        }
    finally:
        con.close()
