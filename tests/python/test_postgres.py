"""The same project on a real PostgreSQL server (issue 9): the loader, `dbt build --target
postgres` green with every privacy test, every public mart equal to DuckDB's table for table,
pseudonyms byte-identical, and roles that are refused everything that isn't theirs.

One generated zone (scale 0.01, bad rows of every kind), one key, one as_of, one fiscal year end
for both engines; the DuckDB reference (equivalence_reference.py) is shared with test_spark.py
and built beside the PostgreSQL build, to keep the file within a few minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

import landing
from dbt_project_runner import PROJECT_ROOT, DbtProject
from engine_equivalence import PUBLIC_MART_SCHEMAS, digest_marts, digest_rows, digest_table
from equivalence_reference import AS_OF, assert_every_privacy_test_passed, reference_duckdb, reference_zone
from postgres_server import BUILD_ROLE, READER_ROLES
from privacy_warehouse.load_postgres import read_contract
from privacy_warehouse.pseudonyms import derive_purpose_key, pseudonym

CLI = Path(sys.executable).parent / "privacy-warehouse"
# What each role may read (dbt_project.yml grants); every other schema is refused.
ROLE_SCHEMAS = {"analyst": {"bizdev"}, "marketing": {"marketing"}, "compliance": {"compliance", "legal"}}
WAREHOUSE_SCHEMAS = (*PUBLIC_MART_SCHEMAS, "compliance", "private", "raw", "staging", "intermediate",
                     "quarantine", "policy")
# Besides the public marts: the rejection verdicts and the reconciliation must agree too.
ALSO_COMPARED = ("compliance.rejected_rows", "compliance.landing_reconciliation",
                 "compliance.retention_deadlines", "compliance.erasure_queue",
                 "private.int_bizdev_pseudonym_keys")


@dataclass
class PostgresDbtProject(DbtProject):
    """The project run with `--target postgres` against the test server."""

    pg_env: dict = field(default_factory=dict)

    def env(self, **overrides: str) -> dict[str, str]:
        return super().env(**{"DBT_TARGET": "postgres", **self.pg_env, **overrides})


def load_postgres(raw_data_dir: Path, pg_env: dict, key: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PSEUDONYMISATION_KEY_FILE",)}
    env.update(pg_env, PSEUDONYMISATION_KEY=key)
    return subprocess.run(
        [str(CLI), "load-postgres", "--raw-data-dir", str(raw_data_dir), "--project-dir", str(PROJECT_ROOT)],
        env=env, capture_output=True, text=True, check=False,
    )


@pytest.fixture(scope="module")
def generated_zone(tmp_path_factory) -> Path:
    return reference_zone(tmp_path_factory)


@pytest.fixture(scope="module")
def builds(tmp_path_factory, generated_zone, postgres_server):
    """The zone loaded into PostgreSQL and built there, beside the shared DuckDB reference
    (tests/python/equivalence_reference.py, built here or by test_spark.py's worker)."""
    pg = PostgresDbtProject(root=PROJECT_ROOT, raw_data_dir=generated_zone,
                            work_dir=tmp_path_factory.mktemp("equivalence_postgres"), as_of=AS_OF,
                            key=DbtProject.key, pg_env=postgres_server.env())
    loaded = load_postgres(generated_zone, postgres_server.env(), pg.key)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    with ThreadPoolExecutor(max_workers=2) as pool:
        duck_run, pg_run = pool.submit(reference_duckdb, tmp_path_factory), pool.submit(pg.build)
        duck, pg_result = duck_run.result(), pg_run.result()
    assert duck.key == pg.key
    return duck, pg, pg_result


def test_dbt_build_on_postgres_is_green_with_every_privacy_test(builds):
    _, _, result = builds
    assert_every_privacy_test_passed(result)


def test_every_public_mart_equals_duckdb_table_for_table(builds, postgres_server):
    duck, _, result = builds
    assert result.returncode == 0, result.output[-3000:]
    con = duckdb.connect(str(duck.duckdb_path), read_only=True)
    pg = postgres_server.connect(BUILD_ROLE)
    try:
        on_duckdb, on_postgres = digest_marts(con), digest_marts(pg.cursor())
        assert len(on_duckdb) >= 13 and sorted(on_duckdb) == sorted(on_postgres)
        for table in (*on_duckdb, *ALSO_COMPARED):
            duck_digest = on_duckdb.get(table) or digest_table(con, table)
            pg_digest = on_postgres.get(table) or digest_table(pg.cursor(), table)
            assert duck_digest.columns == pg_digest.columns, table
            assert (table, duck_digest.row_count) == (table, pg_digest.row_count)
            assert (table, duck_digest.checksum) == (table, pg_digest.checksum)
        # The zone's bad rows were rejected, for the same reasons (compared above), on both.
        reasons = con.execute("select count(distinct reason) from compliance.rejected_rows").fetchall()[0][0]
        assert reasons >= 10
    finally:
        con.close()
        pg.close()


def test_pseudonyms_are_byte_identical_to_the_reference(builds, postgres_server):
    duck, _, _ = builds
    pg = postgres_server.connect(BUILD_ROLE)
    try:
        with pg.cursor() as cur:
            cur.execute("select purpose, object_type, object_id, pseudonym "
                        "from private.int_bizdev_pseudonym_keys")
            rows = cur.fetchall()
            cur.execute("select purpose, purpose_key from private.pseudonym_purpose_keys")
            purpose_keys = {purpose: bytes(value) for purpose, value in cur.fetchall()}
    finally:
        pg.close()
    assert len(rows) > 1000
    key = duck.key.encode()
    for purpose, object_type, object_id, value in rows:
        assert value == pseudonym(key, purpose, f"{object_type}:{object_id}")
    assert purpose_keys["business_development"] == derive_purpose_key(key, "business_development")


def test_neither_key_reaches_target_or_logs(builds):
    _, pg, _ = builds
    secrets = [pg.key.encode(), derive_purpose_key(pg.key.encode(), "business_development").hex().encode()]
    searched = 0
    for folder in (pg.target_path, pg.log_path):
        for path in folder.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                searched += 1
                assert not any(secret in content for secret in secrets), path
    assert searched > 50


def _tables(pg, schema: str) -> list[str]:
    with pg.cursor() as cur:
        cur.execute("select table_name from information_schema.tables where table_schema = %s", [schema])
        return [f"{schema}.{name}" for (name,) in cur.fetchall()]


def test_each_role_reads_its_schemas_and_is_refused_everything_else(builds, postgres_server):
    import psycopg2
    from psycopg2.errors import InsufficientPrivilege

    _, _, result = builds
    assert result.returncode == 0, result.output[-3000:]
    owner = postgres_server.connect(BUILD_ROLE)
    tables = {schema: _tables(owner, schema) for schema in WAREHOUSE_SCHEMAS}
    owner.close()
    assert "private.pseudonym_purpose_keys" in tables["private"]
    assert "private.int_bizdev_pseudonym_keys" in tables["private"]
    assert len(tables["raw"]) == 14 and all(tables.values())
    refused = 0
    for role in READER_ROLES:
        con = postgres_server.connect(role)
        con.autocommit = True
        try:
            for schema, schema_tables in tables.items():
                for table in schema_tables:
                    with con.cursor() as cur:
                        if schema in ROLE_SCHEMAS[role]:
                            cur.execute(f"select count(*) from {table}")
                            assert cur.fetchall()[0][0] >= 0
                        else:
                            with pytest.raises(InsufficientPrivilege):
                                cur.execute(f"select 1 from {table} limit 1")
                            refused += 1
            # Nor can a role grant itself more, or create in a schema.
            with con.cursor() as cur, pytest.raises(psycopg2.Error):
                cur.execute(f"create table {sorted(ROLE_SCHEMAS[role])[0]}.mine (x int)")
        finally:
            con.close()
    assert refused > 3 * 60


def _hostile_zone(root: Path) -> Path:
    """The hand-written zone plus page views whose text is hard to move: empty strings beside
    nulls, quotes, separators, newlines, backslashes, the COPY null markers, Swedish letters."""
    import handwritten

    landing.write_landing_zone(root, handwritten.tables_with_bad_rows())
    texts = ["", " ", "a,b", 'say "hi"', "line\nbreak", "tab\there", "back\\slash", "\\N", "NULL",
             "åäö ÅÄÖ é ü 漢字", "'; drop table raw.page_views; --", "\r\n"]
    rows = [
        {"event_id": f"HOSTILE-{i}", "occurred_at": "2026-06-01 10:00:00.123456", "session_id": "S-H",
         "visitor_id": "V-H", "ip_address": "10.0.0.1", "site": "www", "url_path": text,
         "referrer": None if i % 2 else text, "user_agent": text, "time_on_page_s": i}
        for i, text in enumerate(texts)
    ]
    landing.write_table(root, "web.page_views", rows, file_name="part-0001.parquet")
    return root


def test_loader_moves_every_value_exactly_and_is_idempotent(tmp_path, postgres_server):
    postgres_server.create_database("loader_check")
    pg_env = postgres_server.env(database="loader_check")
    zone = _hostile_zone(tmp_path / "zone")
    key = DbtProject.key
    for _ in range(2):  # loading again replaces, never appends
        loaded = load_postgres(zone, pg_env, key)
        assert loaded.returncode == 0, loaded.stderr
    duck = duckdb.connect()
    pg = postgres_server.connect(BUILD_ROLE, database="loader_check")
    try:
        for table in read_contract(PROJECT_ROOT):
            files = sorted((zone / table.system / table.name).glob("*.parquet"))
            typed = ", ".join(f"cast({c} as {t}) as {c}" for c, t in table.columns)
            if files:
                listed = ", ".join(f"'{f}'" for f in files)
                expected = duck.execute(f"select {typed} from read_parquet([{listed}], union_by_name = true)")
                expected = digest_rows([d[0] for d in expected.description], expected.fetchall())
            else:
                expected = digest_rows([c for c, _ in table.columns], [])
            assert digest_table(pg.cursor(), f"raw.{table.name}") == expected, table.label
        with pg.cursor() as cur:
            cur.execute("select count(*), count(*) filter (where referrer = '') from raw.page_views "
                        "where event_id like 'HOSTILE-%'")
            assert cur.fetchall() == [(12, 1)]
            cur.execute("select purpose_key from private.pseudonym_purpose_keys where purpose = 'marketing'")
            assert bytes(cur.fetchall()[0][0]) == derive_purpose_key(key.encode(), "marketing")
    finally:
        pg.close()
        duck.close()


def test_loader_stops_on_a_contract_breach_and_keeps_the_previous_load(tmp_path, postgres_server):
    postgres_server.create_database("loader_breach")
    pg_env = postgres_server.env(database="loader_breach")
    zone = _hostile_zone(tmp_path / "zone")
    assert load_postgres(zone, pg_env, DbtProject.key).returncode == 0
    for path in (zone / "booking" / "orders").glob("*.parquet"):
        path.unlink()
    failed = load_postgres(zone, pg_env, DbtProject.key)
    assert failed.returncode == 1
    assert "required table booking.orders has no Parquet file in" in failed.stderr
    assert "Traceback" not in failed.stderr
    pg = postgres_server.connect(BUILD_ROLE, database="loader_breach")
    try:
        with pg.cursor() as cur:
            cur.execute("select count(*) from raw.orders")
            assert cur.fetchall()[0][0] > 0  # the failed load changed nothing
    finally:
        pg.close()
    short_key = load_postgres(zone, pg_env, "too-short")
    assert short_key.returncode == 2 and "too-short" not in short_key.stderr


# Percent-escaped text as the leak scan meets it: every escape an attacker may use, in either
# case of hex, and escapes that cannot be decoded.
URL_ESCAPED = [
    "anna.svensson%40exempel.se", "%31%39%38%30%30%31%30%31-1234", "j%C3%B6rgen%20%c3%a5kesson",
    "/a%0Aring%20070", "%7E%21%2A%27%3B%26%3D%2B%24%2C%3F%23", "pris %E2%82%AC 100",
    "%F0%9F%9A%9A bil", "%41%42%43%61%62%63", "/boka%3Ftjanst%3Dexpress", "plain", "",
]
URL_UNDECODABLE = {"100%": "100%", "%ZZ%4": "%ZZ%4", "a%E2%82b": "a%E2%82b",
                   "%00x%40": "%00x@", "%C3%28": "%C3("}


def _macro(path: str, name: str):
    """A macro of this project that needs no dbt context, rendered by plain Jinja."""
    import jinja2

    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    template = environment.from_string((PROJECT_ROOT / path).read_text(encoding="utf-8"))
    return getattr(template.module, name)


def test_url_decoding_on_postgres_decodes_every_escape_as_duckdb(postgres_server):
    """macros/privacy/url_decoded.sql: PostgreSQL's decoder (no built-in there) decodes every
    %XX as DuckDB's url_decode does, and keeps what cannot be decoded as written."""
    decoded = str(_macro("macros/privacy/url_decoded.sql", "default__url_decoded")("v")).strip()
    pg = postgres_server.connect()
    try:
        cursor = pg.cursor()
        on_postgres = {}
        for value in [*URL_ESCAPED, *URL_UNDECODABLE, None]:
            # psycopg2 reads % as a placeholder: the SQL's own are doubled.
            cursor.execute(f"select {decoded.replace('%', '%%')} from (select %s::text as v) as t",
                           [value])
            on_postgres[value] = cursor.fetchone()[0]
    finally:
        pg.close()
    con = duckdb.connect()
    on_duckdb = {value: con.execute("select url_decode(?)", [value]).fetchone()[0]
                 for value in URL_ESCAPED}
    assert {value: on_postgres[value] for value in URL_ESCAPED} == on_duckdb
    assert on_duckdb["anna.svensson%40exempel.se"] == "anna.svensson@exempel.se"
    assert {value: on_postgres[value] for value in URL_UNDECODABLE} == URL_UNDECODABLE
    assert on_postgres[None] is None
