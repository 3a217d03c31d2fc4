"""The same project on Apache Spark (issue 9): `privacy-warehouse load-spark`, then `dbt build
--target spark` (dbt-spark, method session: a real local Spark in the dbt process) green with
every privacy test, every public mart equal to DuckDB's table for table, pseudonyms
byte-identical to the reference, and the key in neither target/, logs/ nor Spark's files.

One generated zone, one key, one as_of: the DuckDB reference of equivalence_reference.py, shared
with test_postgres.py and built beside the Spark load and build. Spark's tables are read back by
DuckDB straight from the Parquet files Spark wrote (spark-warehouse/<schema>.db/<table>/), so
no second JVM starts and the embedded Derby metastore is never opened twice.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

import handwritten
import landing
from dbt_project_runner import PROJECT_ROOT, DbtProject
from engine_equivalence import PUBLIC_MART_SCHEMAS, TableDigest, digest_rows, digest_table, mart_tables
from equivalence_reference import AS_OF, assert_every_privacy_test_passed, reference_duckdb, reference_zone
from privacy_warehouse.pseudonyms import derive_purpose_key, hmac_pads, pseudonym

CLI = Path(sys.executable).parent / "privacy-warehouse"
# Besides the public marts: the rejection verdicts and the reconciliation must agree too.
ALSO_COMPARED = ("compliance.rejected_rows", "compliance.landing_reconciliation",
                 "compliance.retention_deadlines", "compliance.erasure_queue",
                 "private.int_bizdev_pseudonym_keys")


@dataclass
class SparkDbtProject(DbtProject):
    """The project run with `--target spark`; its metastore and tables live in spark_dir."""

    spark_dir: Path | None = None

    def env(self, **overrides: str) -> dict[str, str]:
        return super().env(**{"DBT_TARGET": "spark", "SPARK_WAREHOUSE_DIR": str(self.spark_dir),
                              "SPARK_LOCAL_IP": "127.0.0.1", **overrides})

    def load(self, raw_data_dir: Path | None = None, key: str | None = None) -> subprocess.CompletedProcess:
        env = self.env(PSEUDONYMISATION_KEY=key or self.key)
        env.pop("PSEUDONYMISATION_KEY_FILE", None)
        return subprocess.run(
            [str(CLI), "load-spark", "--raw-data-dir", str(raw_data_dir or self.raw_data_dir),
             "--project-dir", str(self.root)],
            cwd=self.root, env=env, capture_output=True, text=True, check=False,
        )

    def table_folder(self, table: str) -> Path:
        schema, name = table.split(".")
        return self.spark_dir / "spark-warehouse" / f"{schema}.db" / name

    def tables(self, schema: str) -> list[str]:
        folder = self.spark_dir / "spark-warehouse" / f"{schema}.db"
        if not folder.is_dir():
            return []
        return sorted(f"{schema}.{path.name}" for path in folder.iterdir() if path.is_dir())

    def read(self, con: duckdb.DuckDBPyConnection, table: str):
        return con.execute(f"select * from read_parquet('{self.table_folder(table)}/*.parquet')")

    def digest(self, con: duckdb.DuckDBPyConnection, table: str) -> TableDigest:
        result = self.read(con, table)
        return digest_rows([d[0] for d in result.description], result.fetchall())


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The shared zone loaded into Spark and built there, beside the shared DuckDB reference."""
    zone = reference_zone(tmp_path_factory)
    work = tmp_path_factory.mktemp("equivalence_spark")
    spark = SparkDbtProject(root=PROJECT_ROOT, raw_data_dir=zone, work_dir=work / "dbt", as_of=AS_OF,
                            spark_dir=work / "spark")

    def load_and_build():
        loaded = spark.load()
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr[-5000:]
        # The loader's own check: probe texts (multi-byte UTF-8, quotes, empty) x 6 purposes.
        assert "1260 pseudonyms computed in Spark SQL from the pads equal the reference" in loaded.stdout
        return spark.build()

    with ThreadPoolExecutor(max_workers=2) as pool:
        duck_run, spark_run = pool.submit(reference_duckdb, tmp_path_factory), pool.submit(load_and_build)
        duck, result = duck_run.result(), spark_run.result()
    assert duck.key == spark.key
    return duck, spark, result


def test_dbt_build_on_spark_is_green_with_every_privacy_test(builds):
    _, spark, result = builds
    assert_every_privacy_test_passed(result)
    # The metastore and its log are where the profile puts them, not in the working folder.
    assert (spark.spark_dir / "metastore_db").is_dir() and (spark.spark_dir / "derby.log").is_file()


def test_every_public_mart_equals_duckdb_table_for_table(builds):
    duck, spark, result = builds
    assert result.returncode == 0, result.output[-3000:]
    con = duckdb.connect(str(duck.duckdb_path), read_only=True)
    try:
        on_duckdb = mart_tables(con.cursor(), PUBLIC_MART_SCHEMAS)
        on_spark = [table for schema in PUBLIC_MART_SCHEMAS for table in spark.tables(schema)]
        assert len(on_duckdb) >= 13 and sorted(on_duckdb) == sorted(on_spark)
        for table in (*on_duckdb, *ALSO_COMPARED):
            duck_digest, spark_digest = digest_table(con.cursor(), table), spark.digest(con, table)
            assert duck_digest.columns == spark_digest.columns, table
            assert (table, duck_digest.row_count) == (table, spark_digest.row_count)
            assert (table, duck_digest.checksum) == (table, spark_digest.checksum)
        reasons = con.execute("select count(distinct reason) from compliance.rejected_rows").fetchall()[0][0]
        assert reasons >= 10
    finally:
        con.close()


def test_pseudonyms_are_byte_identical_to_the_reference(builds):
    _, spark, _ = builds
    con = duckdb.connect()
    try:
        rows = spark.read(con, "private.int_bizdev_pseudonym_keys").fetchall()
        pads = {purpose: (bytes(inner), bytes(outer))
                for purpose, inner, outer in spark.read(con, "private.pseudonym_hmac_pads").fetchall()}
    finally:
        con.close()
    assert len(rows) > 1000
    key = spark.key.encode()
    for purpose, object_type, object_id, value, _fingerprint in rows:
        assert value == pseudonym(key, purpose, f"{object_type}:{object_id}")
    assert pads["business_development"] == hmac_pads(derive_purpose_key(key, "business_development"))
    assert len(pads) == 6


def test_no_key_reaches_target_logs_or_spark_files(builds):
    """Neither the master key nor a purpose key is anywhere; the HMAC pads (key material too)
    only in their private table, never in target/ or logs/."""
    _, spark, _ = builds
    key = spark.key.encode()
    purpose_key = derive_purpose_key(key, "business_development")
    secrets = [key, purpose_key, purpose_key.hex().encode()]
    pads = [form for pad in hmac_pads(purpose_key) for form in (pad, pad.hex().encode())]
    searched = 0
    for folder, forbidden in ((spark.target_path, secrets + pads), (spark.log_path, secrets + pads),
                              (spark.spark_dir, secrets)):
        for path in folder.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                searched += 1
                assert not any(secret in content for secret in forbidden), path
    assert searched > 100


def test_loader_stops_on_a_contract_breach_before_spark_starts(tmp_path):
    zone = landing.write_landing_zone(tmp_path / "zone", handwritten.tables_with_bad_rows())
    for path in (zone / "booking" / "orders").glob("*.parquet"):
        path.unlink()
    spark = SparkDbtProject(root=PROJECT_ROOT, raw_data_dir=zone, work_dir=tmp_path / "dbt",
                            spark_dir=tmp_path / "spark")
    failed = spark.load()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "required table booking.orders has no Parquet file in" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert not spark.spark_dir.exists()  # checked first: no session, no metastore, nothing written
    short_key = spark.load(key="too-short")
    assert short_key.returncode == 2 and "too-short" not in short_key.stderr

