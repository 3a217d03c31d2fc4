"""The DuckDB reference that every other engine is compared with (test_postgres.py,
test_spark.py): one generated zone (scale 0.01, bad rows of every kind, seed 42, fixed as_of)
and its DuckDB build, made once per pytest run and shared by the engine tests.

Under pytest-xdist (`--dist loadfile`) the engine files may run on different workers, each a
process with its own session fixtures; the zone and the build therefore live in the run's
shared temporary folder, and a file lock lets the first worker make them while the other
waits, then reads the same files. The build is frozen: tests only read it.
"""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from dbt_project_runner import PROJECT_ROOT, DbtProject
from privacy_warehouse.generate import generate_landing_zone

AS_OF = "2026-06-30"


def shared_root(tmp_path_factory) -> Path:
    """The folder all xdist workers of this run share (the session's own one without xdist)."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "equivalence_reference"
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextmanager
def _locked(root: Path):
    with (root / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def reference_zone(tmp_path_factory) -> Path:
    root = shared_root(tmp_path_factory)
    zone = root / "zone"
    with _locked(root):
        if not (root / "zone.done").exists():
            generate_landing_zone(zone, scale=0.01, seed=42, as_of=date.fromisoformat(AS_OF), bad_rows=0.05)
            (root / "zone.done").touch()
    return zone


def reference_duckdb(tmp_path_factory) -> DbtProject:
    """The zone built green on DuckDB (asserted), frozen."""
    zone = reference_zone(tmp_path_factory)
    root = shared_root(tmp_path_factory)
    project = DbtProject(root=PROJECT_ROOT, raw_data_dir=zone, work_dir=root / "duckdb", as_of=AS_OF)
    with _locked(root):
        done = root / "duckdb.done"
        if not done.exists():
            result = project.build()
            done.write_text(json.dumps({"returncode": result.returncode, "tail": result.output[-5000:]}))
        outcome = json.loads(done.read_text())
    assert outcome["returncode"] == 0, outcome["tail"]
    project.frozen = True
    return project


def assert_every_privacy_test_passed(result) -> None:
    """The engine's build is green with every privacy test, every guard test of `tests/compliance/`
    and every unit test."""
    assert result.returncode == 0, result.output[-8000:]
    statuses = result.statuses()
    privacy = {uid: s for uid, s in statuses.items() if uid.startswith("test.privacy_warehouse.privacy_")}
    guards = {uid: s for uid, s in statuses.items() if uid.startswith("test.privacy_warehouse.assert_")}
    guard_files = {path.stem for path in (PROJECT_ROOT / "tests" / "compliance").glob("assert_*.sql")}
    assert len(privacy) >= 40 and {uid.split(".")[2] for uid in guards} == guard_files
    assert set(privacy.values()) | set(guards.values()) == {"pass"}
    assert {s for uid, s in statuses.items() if uid.startswith("unit_test.")} == {"pass"}
