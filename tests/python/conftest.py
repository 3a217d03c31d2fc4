"""Shared fixtures: warehouses built once per session by the real dbt project."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import handwritten  # noqa: E402
import landing  # noqa: E402
from dbt_project_runner import PROJECT_ROOT, DbtProject  # noqa: E402
from postgres_server import PostgresServer, PostgresUnavailable  # noqa: E402


@pytest.fixture(scope="session")
def handwritten_landing_zone(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("handwritten_landing")
    return landing.write_landing_zone(root, handwritten.tables_with_bad_rows())


@pytest.fixture(scope="session")
def handwritten_warehouse(tmp_path_factory, handwritten_landing_zone) -> DbtProject:
    """The hand-written landing zone built once, green, at as_of 2026-06-30.

    At k = 1: the zone has five customers, so at the project's k = 5 every business-development
    table would be empty and the tests of windows, rights, leaks and the publish would test
    nothing. k-anonymity itself is tested at k = 5 on a generated zone (test_attacker.py)."""
    project = DbtProject(
        root=PROJECT_ROOT,
        raw_data_dir=handwritten_landing_zone,
        work_dir=tmp_path_factory.mktemp("handwritten_warehouse"),
        as_of=handwritten.AS_OF,
        extra_vars=dict(handwritten.VARS),
    )
    result = project.build()
    assert result.returncode == 0, result.output[-5000:]
    project.frozen = True
    return project


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server on 127.0.0.1 for the session (tests/python/postgres_server.py),
    with the build role, the reader roles and the `warehouse` database. Missing server binaries
    fail the tests that need it, with the command that installs them: never a silent skip."""
    try:
        server = PostgresServer()
    except PostgresUnavailable as error:
        pytest.fail(str(error), pytrace=False)
    try:
        server.start()
        yield server
    finally:
        server.stop()
