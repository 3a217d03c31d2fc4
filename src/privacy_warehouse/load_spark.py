"""Load the landing zone into Apache Spark: `privacy-warehouse load-spark`.

On DuckDB the on-run-start hook reads $RAW_DATA_DIR/<system>/<table>/*.parquet as views. On
Spark this command does what the hook does and puts the result into database `raw`, one managed
Parquet table per contract table, exactly as `load-postgres` does for PostgreSQL:

- the same contract checks, with the same messages (landing_checks.py, which the DuckDB hook
  and load-postgres run too): a required table without a file, a file lacking a contract column or
  carrying it with a type of another family, stops the load naming the file and the column,
  before anything is written; an absent optional table is an empty table;
- the same values: DuckDB reads the files (several batches together, extra columns ignored) and
  casts every column to the contract's type, Spark stores them with the same types (STRING,
  DATE, TIMESTAMP in the session time zone UTC, INT, DECIMAL(p,s)); loading again replaces the
  tables. Spark has no transaction over several tables: a failure while writing (not a contract
  breach, which is found first) can leave some tables new and some old; load again.

It also loads the key material of the keyed pseudonyms. Spark SQL has no HMAC, but HMAC-SHA256
is two SHA-256 over fixed pads of the key: HMAC(K, m) = SHA256(K0 ^ opad || SHA256(K0 ^ ipad || m))
with K0 the key padded with zeros to SHA-256's 64-byte block. For every purpose of the register
(seeds/policy/policy_purposes.csv) the purpose key HMAC-SHA256(master key, label + purpose)
(src/privacy_warehouse/pseudonyms.py) is turned into those two pads, written into
`private.pseudonym_hmac_pads`, and macros/privacy/pseudonymise.sql computes the HMAC with `sha2`
over them in plain Spark SQL, byte-identical to DuckDB's pseudonyms. The pads travel as data (a
DataFrame), never as SQL text, so neither the master key nor a purpose key passes through dbt's
Jinja, target/ or logs/. After writing them the loader computes the pseudonyms of a few hundred
probe texts (empty, multi-byte UTF-8, quotes, ids) with that SQL and compares each with
pseudonyms.py: pads that would not reproduce DuckDB's pseudonyms stop the load.

The Spark session is the one the dbt target opens: the loader reads the target's
`server_side_parameters` from profiles.yml (rendering its `env_var()` calls), so with
`method: session` both open the same metastore (an embedded Derby database) and the same
warehouse folder, under SPARK_WAREHOUSE_DIR. Run it from the project root, as dbt is run, and not
while a build runs: an embedded Derby metastore admits one process at a time. For a cluster
target (`method: thrift`) the loader runs as a Spark application with the machine's own Spark
configuration (SPARK_CONF_DIR: spark.master, hive-site.xml naming the cluster's metastore).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import duckdb
import yaml

from privacy_warehouse.landing_checks import ContractTable, LandingZoneError, check_zone, read_contract
from privacy_warehouse.load_postgres import add_loader_arguments, print_loaded, read_purposes
from privacy_warehouse.private_files import private_work_dir, terminate_as_exit
from privacy_warehouse.pseudonyms import (
    PseudonymisationKeyError,
    load_master_key,
    pseudonym,
    purpose_pads,
)
from privacy_warehouse.sql import quote_literal

RAW_DATABASE = "raw"
KEY_DATABASE = "private"
PAD_TABLE = "pseudonym_hmac_pads"
PROFILE_NAME = "privacy_warehouse"
# The contract's types as Spark names them (Spark has no unsized VARCHAR).
SPARK_TYPES = {"varchar": "string", "integer": "int"}
WORK_PREFIX = "load-spark-"  # its private work folder (privacy_warehouse.private_files)


def spark_type(data_type: str) -> str:
    return SPARK_TYPES.get(data_type.lower(), data_type)


def profile_spark_conf(profiles_dir: Path, target: str) -> dict[str, str]:
    """The target's server_side_parameters from profiles.yml, with env_var() rendered as dbt does."""
    import jinja2

    def env_var(name: str, default: str | None = None) -> str:
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise LandingZoneError(f"profiles.yml: target {target} needs environment variable {name}.")
        return default

    profiles = yaml.safe_load((profiles_dir / "profiles.yml").read_text(encoding="utf-8"))
    output = profiles[PROFILE_NAME]["outputs"].get(target)
    if output is None or output.get("type") != "spark":
        raise LandingZoneError(f"profiles.yml has no Spark target '{target}'.")
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    conf = {
        str(name): environment.from_string(str(value)).render(env_var=env_var)
        for name, value in (output.get("server_side_parameters") or {}).items()
    }
    if environment.from_string(str(output.get("method", ""))).render(env_var=env_var) != "session":
        # A cluster target (thrift, http, odbc): its parameters are for the server's sessions. The
        # loader then runs as an application of that cluster, with the machine's Spark
        # configuration (SPARK_CONF_DIR: master, hive-site.xml), keeping only the time zone.
        conf = {"spark.sql.session.timeZone": conf.get("spark.sql.session.timeZone", "UTC")}
    return conf


def spark_session(conf: dict[str, str]):
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # The folders of the warehouse and of Derby's log must exist before the JVM starts.
    java_options = conf.get("spark.driver.extraJavaOptions", "")
    derby_log = re.search(r"-Dderby\.stream\.error\.file=(\S+)", java_options)
    for folder in (conf.get("spark.sql.warehouse.dir"), derby_log and str(Path(derby_log.group(1)).parent)):
        if folder and "://" not in folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("privacy-warehouse load-spark").enableHiveSupport()
    # As dbt-spark does: ANSI mode off, so the same SQL means the same on every Spark version.
    for name, value in {**conf, "spark.sql.ansi.enabled": "false"}.items():
        builder = builder.config(name, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _write_table(spark, table: ContractTable, parquet_path: Path) -> None:
    typed = spark.read.parquet(str(parquet_path)).selectExpr(*(
        f"cast(`{column}` as {spark_type(data_type)}) as `{column}`" for column, data_type in table.columns
    ))
    typed.write.mode("overwrite").format("parquet").saveAsTable(f"{RAW_DATABASE}.{table.name}")


def _write_pads(spark, master_key: bytes, purposes: list[str]) -> None:
    from pyspark.sql.types import BinaryType, StringType, StructField, StructType

    schema = StructType([
        StructField("purpose", StringType(), False),
        StructField("inner_pad", BinaryType(), False),
        StructField("outer_pad", BinaryType(), False),
    ])
    rows = [(purpose, bytearray(inner), bytearray(outer))
            for purpose, inner, outer in purpose_pads(master_key, purposes)]
    spark.sql(f"create database if not exists {KEY_DATABASE}")
    spark.createDataFrame(rows, schema).coalesce(1).write.mode("overwrite").format("parquet") \
        .saveAsTable(f"{KEY_DATABASE}.{PAD_TABLE}")


# Probes of the pads: texts that are hard to hash the same way on two engines (empty, multi-byte
# UTF-8, quotes, separators, long), plus ids shaped like the landing zone's.
PROBES = ["", ":", "customer:C-000001", "order:O-1", "åäö ÅÄÖ é ü 漢字 🚚", "say \"hi\"", "it's",
          "line\nbreak", "back\\slash", "x" * 200] + [f"customer:C-{i:06d}" for i in range(200)]


def _check_pads(spark, master_key: bytes, purposes: list[str]) -> int:
    """Compute pseudonyms of PROBES in Spark SQL from the stored pads, exactly as
    macros/privacy/pseudonymise.sql does, and compare them with pseudonyms.py; a mismatch stops
    the load. Returns the number of values compared."""
    from pyspark.sql.types import StringType, StructField, StructType

    spark.createDataFrame([(p,) for p in PROBES], StructType([StructField("value", StringType())])) \
        .createOrReplaceTempView("pseudonym_probes")
    rows = spark.sql(f"""
        select pads.purpose, probes.value,
            sha2(concat(pads.outer_pad,
                        unhex(sha2(concat(pads.inner_pad, cast(probes.value as binary)), 256))), 256)
        from {KEY_DATABASE}.{PAD_TABLE} as pads cross join pseudonym_probes as probes
    """).collect()
    for purpose, value, computed in rows:
        if computed != pseudonym(master_key, purpose, value):
            raise RuntimeError(f"load-spark: the HMAC pads of purpose {purpose} do not reproduce the "
                               "reference pseudonyms (src/privacy_warehouse/pseudonyms.py).")
    if len(rows) != len(PROBES) * len(purposes):
        raise RuntimeError("load-spark: the HMAC pad table does not hold one row per purpose.")
    return len(rows)


def load(raw_root: Path, project_dir: Path, master_key: bytes,
         conf: dict[str, str]) -> tuple[dict[str, int], int]:
    """Check the zone, then load every contract table and the purpose pads: rows per table, and
    how many probe pseudonyms computed from the pads matched the reference."""
    contract = read_contract(project_dir)
    purposes = read_purposes(project_dir)
    duck = duckdb.connect()
    loaded: dict[str, int] = {}
    try:
        # Check the whole zone first: a breach stops before anything is written.
        selects = check_zone(raw_root, contract, duck)
        # Spark reads files, so the raw rows are staged: in a private folder (0700, files 0600)
        # removed on every exit and swept at the next start (privacy_warehouse.private_files,
        # shared with load-postgres), never in the system's temporary folder.
        with private_work_dir(WORK_PREFIX, project_dir) as work:
            files = []
            for table, select_sql in selects:
                path = work / f"{table.system}__{table.name}.parquet"
                copied = duck.execute(f"copy ({select_sql}) to {quote_literal(str(path))} (format parquet)")
                os.chmod(path, 0o600)
                loaded[table.label] = copied.fetchall()[0][0]
                files.append((table, path))
            spark = spark_session(conf)
            try:
                spark.sql(f"create database if not exists {RAW_DATABASE}")
                for table, path in files:
                    _write_table(spark, table, path)
                _write_pads(spark, master_key, purposes)
                checked = _check_pads(spark, master_key, purposes)
            finally:
                spark.stop()
    finally:
        duck.close()
    return loaded, checked


def run(args: argparse.Namespace) -> int:
    try:
        master_key = load_master_key(allow_key_file=not args.require_env_key)
    except PseudonymisationKeyError as error:
        print(f"load-spark: {error}", file=sys.stderr)
        return 2
    started = time.monotonic()
    profiles_dir = Path(args.profiles_dir or os.environ.get("DBT_PROFILES_DIR") or args.project_dir)
    try:
        conf = profile_spark_conf(profiles_dir, args.target)
        with terminate_as_exit():  # SIGTERM/SIGHUP run the `finally`s: the staged copy goes
            loaded, checked = load(Path(args.raw_data_dir), Path(args.project_dir), master_key,
                                   conf)
    except LandingZoneError as error:
        print(str(error), file=sys.stderr)
        return 1
    print_loaded(loaded)
    print(f"Loaded {len(loaded)} tables and the purpose pads in {time.monotonic() - started:.1f} s; "
          f"{checked} pseudonyms computed in Spark SQL from the pads equal the reference.")
    return 0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "load-spark", help="load the landing zone and the purpose key pads into Spark (database raw)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_loader_arguments(parser)
    parser.add_argument("--profiles-dir", default=None,
                        help="where profiles.yml is; default: DBT_PROFILES_DIR, else the project")
    parser.add_argument("--target", default="spark",
                        help="the Spark target of profiles.yml whose server_side_parameters the session uses")
    parser.set_defaults(func=run)
