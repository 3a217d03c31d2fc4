"""Load the landing zone into PostgreSQL: `privacy-warehouse load-postgres`.

On DuckDB the on-run-start hook reads $RAW_DATA_DIR/<system>/<table>/*.parquet as views. A
PostgreSQL server cannot read the loader's files, so this command does what the hook does and
puts the result into schema `raw`, one table per contract table:

- the same contract checks, with the same messages: the one implementation in landing_checks.py,
  which the DuckDB hook runs too: a required table without a file, a file lacking a contract
  column or carrying it with a type of another family, stops the load naming the file and the
  column; an absent optional table is an empty table;
- the same values: DuckDB reads the files (several batches together, extra columns ignored) and
  casts every column to the contract's type; PostgreSQL gets the same types (VARCHAR, DATE,
  TIMESTAMP, INTEGER, DECIMAL(p,s)), so the staging validation rejects the same rows for the
  same reasons on both engines;
- bulk COPY, all tables in one transaction: a failed load leaves the previous `raw` in place,
  and loading again replaces it (idempotent).

It also loads the key material of the keyed pseudonyms: for every purpose of the register
(seeds/policy/policy_purposes.csv), the purpose key HMAC-SHA256(master key, label + purpose)
(src/privacy_warehouse/pseudonyms.py) into `private.pseudonym_purpose_keys`, readable by the
build role only. The model SQL reads it by a join (macros/privacy/pseudonymise.sql), so neither
the master key nor a purpose key passes through dbt's Jinja, target/ or logs/, and pgcrypto's
`hmac()` computes pseudonyms byte-identical to DuckDB's. The keys travel by COPY, so a server
logging statements does not log them. Connection: the libpq variables PGHOST, PGPORT, PGUSER,
PGPASSWORD, PGDATABASE (the `postgres` target of profiles.yml reads the same).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import select
import sys
import threading
import time
from pathlib import Path

import duckdb

from privacy_warehouse.landing_checks import ContractTable, LandingZoneError, check_zone, read_contract
from privacy_warehouse.private_files import private_work_dir, terminate_as_exit
from privacy_warehouse.pseudonyms import PseudonymisationKeyError, derive_purpose_key, load_master_key
from privacy_warehouse.sql import quote_literal as _quote_literal

RAW_SCHEMA = "raw"
KEY_SCHEMA = "private"
KEY_TABLE = "pseudonym_purpose_keys"
PURPOSES_CSV = Path("seeds") / "policy" / "policy_purposes.csv"
WORK_PREFIX = "load-postgres-"  # its private work folder (privacy_warehouse.private_files)

def read_purposes(project_dir: Path) -> list[str]:
    with (project_dir / PURPOSES_CSV).open(encoding="utf-8", newline="") as handle:
        return [row["purpose"] for row in csv.DictReader(handle)]


class _FifoReader:
    """The reading end of a FIFO that DuckDB writes in another thread, for psycopg2's COPY.

    Opened non-blocking so neither side can wait forever for the other: an empty read while
    the writer thread still runs means "not yet" (DuckDB has not opened its end), an empty read
    after it finished means the end."""

    def __init__(self, fifo: Path, writer: threading.Thread):
        self.fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        self.writer = writer

    def read(self, size: int = 65536) -> bytes:
        while True:
            try:
                chunk = os.read(self.fd, size)
            except BlockingIOError:
                select.select([self.fd], [], [], 0.1)
                continue
            if chunk or not self.writer.is_alive():
                return chunk
            select.select([self.fd], [], [], 0.01)
            time.sleep(0.005)  # no writer yet: select reports end-of-file at once

    def close(self, fifo: Path) -> None:
        """Close the reading end and make sure the writer thread ends: a writer still writing
        fails on the broken pipe; one still waiting to open its end is given a reader that
        closes at once, so it opens, fails and ends too (a SIGTERM or a PostgreSQL error ends
        the table at once rather than after the whole table was read)."""
        os.close(self.fd)
        while self.writer.is_alive():
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
            self.writer.join(0.05)


def _copy_table(pg_cursor, duck: duckdb.DuckDBPyConnection, select_sql: str, table: ContractTable,
                work_dir: Path) -> int:
    """Stream one table from DuckDB into PostgreSQL's COPY through a FIFO: no copy of the raw
    data is ever written to disk (the FIFO, in the private work folder, holds none)."""
    from psycopg2 import sql

    target = sql.Identifier(RAW_SCHEMA, table.name)
    columns_ddl = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(data_type))
        for column, data_type in table.columns
    )
    pg_cursor.execute(sql.SQL("drop table if exists {}").format(target))
    pg_cursor.execute(sql.SQL("create table {} ({})").format(target, columns_ddl))
    # CSV with every non-null value quoted: an unquoted empty field is NULL, a quoted one is the
    # empty string, so '' and NULL stay apart (the contract's rules tell them apart).
    fifo = work_dir / f"{table.system}__{table.name}.csv"
    os.mkfifo(fifo, 0o600)
    failure: list[BaseException] = []

    def write() -> None:
        try:
            duck.cursor().execute(f"copy ({select_sql}) to {_quote_literal(str(fifo))} "
                                  "(format csv, header false, force_quote *, null '')")
        except BaseException as error:  # noqa: BLE001 (re-raised in the main thread)
            failure.append(error)

    writer = threading.Thread(target=write, name=f"duckdb-copy-{table.label}", daemon=True)
    writer.start()
    reader = _FifoReader(fifo, writer)
    try:
        pg_cursor.copy_expert(
            sql.SQL("copy {} ({}) from stdin with (format csv, null '')").format(
                target, sql.SQL(", ").join(sql.Identifier(c) for c, _ in table.columns)),
            reader,
        )
    finally:
        reader.close(fifo)
        fifo.unlink(missing_ok=True)
    if failure:
        raise failure[0]
    return pg_cursor.rowcount


def _load_keys(pg_cursor, master_key: bytes, purposes: list[str]) -> None:
    from psycopg2 import sql

    key_table = sql.Identifier(KEY_SCHEMA, KEY_TABLE)
    pg_cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(KEY_SCHEMA)))
    pg_cursor.execute(sql.SQL("revoke all on schema {} from public").format(sql.Identifier(KEY_SCHEMA)))
    pg_cursor.execute(sql.SQL("drop table if exists {}").format(key_table))
    pg_cursor.execute(sql.SQL("create table {} (purpose varchar primary key, purpose_key bytea not null)")
                      .format(key_table))
    pg_cursor.execute(sql.SQL("revoke all on {} from public").format(key_table))
    rows = io.StringIO()
    for purpose in purposes:
        rows.write(f"{purpose}\t\\\\x{derive_purpose_key(master_key, purpose).hex()}\n")
    rows.seek(0)
    pg_cursor.copy_expert(sql.SQL("copy {} (purpose, purpose_key) from stdin").format(key_table), rows)


def load(raw_root: Path, project_dir: Path, master_key: bytes, connection) -> dict[str, int]:
    """Load every contract table and the purpose keys in one transaction; rows per table."""
    contract = read_contract(project_dir)
    purposes = read_purposes(project_dir)
    duck = duckdb.connect()
    loaded: dict[str, int] = {}
    try:
        # Check the whole zone first: a breach stops before anything is written.
        selects = check_zone(raw_root, contract, duck)
        with private_work_dir(WORK_PREFIX, project_dir) as work:
            with connection.cursor() as cur:
                cur.execute("create extension if not exists pgcrypto")
                cur.execute(f"create schema if not exists {RAW_SCHEMA}")
                for table, select_sql in selects:
                    loaded[table.label] = _copy_table(cur, duck, select_sql, table, Path(work))
                _load_keys(cur, master_key, purposes)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        duck.close()
    return loaded


def run(args: argparse.Namespace) -> int:
    import psycopg2

    try:
        master_key = load_master_key(allow_key_file=not args.require_env_key)
    except PseudonymisationKeyError as error:
        print(f"load-postgres: {error}", file=sys.stderr)
        return 2
    started = time.monotonic()
    # Connection parameters from the libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).
    # SIGTERM/SIGHUP end the load through its `finally`s: the transaction is rolled back and
    # the private work folder removed (private_files).
    with terminate_as_exit():
        connection = psycopg2.connect(args.dsn or "")
        try:
            loaded = load(Path(args.raw_data_dir), Path(args.project_dir), master_key, connection)
        except LandingZoneError as error:
            print(str(error), file=sys.stderr)
            return 1
        finally:
            connection.close()
    print_loaded(loaded)
    print(f"Loaded {len(loaded)} tables and the purpose keys in {time.monotonic() - started:.1f} s.")
    return 0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "load-postgres", help="load the landing zone and the purpose keys into PostgreSQL (schema raw)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_loader_arguments(parser)
    parser.add_argument("--dsn", default=None,
                        help="libpq connection string; default: the PG* environment variables")
    parser.set_defaults(func=run)


def add_loader_arguments(parser) -> None:
    """The arguments every landing-zone loader takes (load-postgres, load-spark)."""
    parser.add_argument("--raw-data-dir", default=os.environ.get("RAW_DATA_DIR", "data/raw"))
    parser.add_argument("--project-dir", default=".", help="the dbt project (for the contract and seeds)")
    parser.add_argument("--require-env-key", action="store_true",
                        help="accept the key only from PSEUDONYMISATION_KEY (as the prod target does)")


def print_loaded(loaded: dict[str, int]) -> None:
    """One line per loaded table: its raw name, row count and contract name."""
    for label, rows in loaded.items():
        print(f"raw.{label.split('.')[1]:<20} {rows:>10} rows  ({label})")
