"""Write a whole landing zone: plan, render each table, plant bad rows, write Parquet and the
side files (`_generator.json`, `_bad_rows.csv`, `_boundary_cases.csv`).

Determinism: the plan comes from seeded NumPy streams and DuckDB's `hash()`; every file is
written by one `COPY (... ORDER BY key, _ord)` on a single thread, so the same seed, scale, as_of
and bad-row rate give byte-identical files.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import numpy as np

from . import bad_rows as bad
from .contract import DECLARED_TABLES, TABLES, TABLES_BY_NAME, Table
from .model import Plan
from .plan import plan_landing_zone
from .render import GOOD_TABLE_SQL, create_macros, good_table_name, register, render_table

SYSTEMS = sorted({table.system for table in DECLARED_TABLES})
SIDE_FILES = ["_generator.json", "_bad_rows.csv", "_boundary_cases.csv"]
# Above this many rows a table is written as several files of at most this many rows each, so
# that no single sort has to hold a whole scale-10 table.
CHUNK_ROWS = 5_000_000

Progress = Callable[[str], None]


def stderr_progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def connect(work_dir: Path, threads: int | None = None,
            on_disk: bool = True) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for the generator's work tables.

    In memory is fastest; `on_disk` (a database file in `work_dir`) keeps big zones (scale 10:
    20 million page views) compressed on disk, within the memory limit.
    """
    con = duckdb.connect(str(work_dir / "generate.duckdb") if on_disk else ":memory:")
    con.execute(f"set temp_directory = '{work_dir / 'spill'}'")
    con.execute("set memory_limit = '3GB'")
    con.execute("set enable_progress_bar = false")
    if threads:
        con.execute(f"set threads = {threads}")
    return con


def write_table(con: duckdb.DuckDBPyConnection, table: Table, relation: str, folder: Path,
                file_stem: str = "part-0000", chunk_rows: int = CHUNK_ROWS) -> int:
    """COPY `relation` (contract columns plus `_ord`) to Parquet, sorted by key then `_ord`.

    One thread writes, so row groups and bytes do not depend on scheduling.
    """
    folder.mkdir(parents=True, exist_ok=True)
    columns = ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in table.columns)
    order = ", ".join(table.key) + ", _ord"
    total = con.execute(f"select count(*) from {relation}").fetchall()[0][0]
    ranges: list[tuple[str | None, str | None]] = [(None, None)]
    if table.id_format and total > chunk_rows:
        cuts = [table.id_format % (chunk * chunk_rows + 1)
                for chunk in range(1, (total - 1) // chunk_rows + 1)]
        bounds = [None, *cuts, None]
        ranges = list(zip(bounds[:-1], bounds[1:], strict=True))
    threads = con.execute("select current_setting('threads')").fetchall()[0][0]
    con.execute("set threads = 1")
    try:
        for number, (low, high) in enumerate(ranges):
            where = []
            if low is not None:
                where.append(f"{table.key[0]} >= '{low}'")
            if high is not None:
                where.append(f"{table.key[0]} < '{high}'")
            condition = ("where " + " and ".join(where)) if where else ""
            name = file_stem if len(ranges) == 1 else f"part-{number:04d}"
            path = folder / f"{name}.parquet"
            con.execute(f"copy (select {columns} from {relation} {condition} order by {order}) "
                        f"to '{path}' (format parquet)")
    finally:
        con.execute(f"set threads = {threads}")
    return total


def pools_for(table: str, plan: Plan) -> dict[str, np.ndarray]:
    """The good ids (numbers) a bad row of `table` may copy.

    Rows of the boundary subjects are left alone, so that even the bad rows (which the warehouse
    rejects anyway) never touch a planted case: it keeps exactly the rows it was planned with.
    """
    def numbers(entity: str, keep: np.ndarray | None = None) -> np.ndarray:
        values = plan.numbers[entity]
        return np.sort(values if keep is None else values[keep])

    customers, orders = plan.customers, plan.orders
    regular = ~customers["special"]
    private = regular & ~customers["business"]
    if table == "booking.customers":
        return {"all": numbers("customers", regular),
                "invalid_personnummer_check_digit": numbers("customers", private),
                "invalid_personnummer_date": numbers("customers", private),
                "invalid_personnummer_birth_number": numbers("customers", private),
                "invalid_organisation_number": numbers(
                    "customers", regular & customers["business"] & ~customers["sole_trader"])}
    if table == "web.page_views":
        sessions = plan.sessions
        total = int(sessions["pages"].sum())
        planted = sessions["first_event"][sessions["special"]]
        return {"all": np.setdiff1d(np.arange(1, total + 1), planted)}
    if table == "booking.invoice_lines":
        # Lines are picked by row number in (invoice_id, order_id) order, as bad_rows numbers them.
        lines = plan.invoice_lines
        order = np.lexsort((lines["order_no"], lines["invoice_no"]))
        row_number = np.empty(order.size, dtype=np.int64)
        row_number[order] = np.arange(1, order.size + 1)
        return {"all": np.sort(row_number[~orders["special"][lines["order"]]])}
    keep = {
        "crm.leads": lambda: ~plan.leads["special"],
        "booking.orders": lambda: ~orders["special"],
        "booking.agreements": lambda: regular[plan.agreements["customer"]],
        "booking.payments": lambda: ~orders["special"][plan.payments["order"]],
        "booking.invoices": lambda: regular[plan.invoices["customer"]],
        "legal.legal_holds": lambda: regular[plan.holds["customer"]],
    }
    entity = {"crm.leads": "leads", "booking.orders": "orders",
              "booking.agreements": "agreements", "booking.payments": "payments",
              "booking.invoices": "invoices", "web.form_submissions": "forms",
              "crm.activities": "activities", "crm.survey_responses": "surveys",
              "consent.consent_events": "consents", "consent.objections": "objections",
              "legal.legal_holds": "holds"}[table]
    return {"all": numbers(entity, keep[table]() if table in keep else None)}


def check_out_dir(out: Path, force: bool) -> None:
    """Refuse to write over an existing landing zone unless forced; when forced, remove only
    what this generator writes (the five systems' folders and the side files)."""
    if out.exists() and any(out.iterdir()):
        if not force:
            raise FileExistsError(
                f"{out} already holds files; refusing to overwrite a landing zone. "
                "Use --force to replace it, or --out for another folder.")
        for system in SYSTEMS:
            _remove_tree(out / system)
        for name in SIDE_FILES:
            (out / name).unlink(missing_ok=True)


def _remove_tree(path: Path) -> None:
    if not path.exists():
        return
    for child in sorted(path.rglob("*"), reverse=True):
        child.rmdir() if child.is_dir() else child.unlink()
    path.rmdir()


def generate_landing_zone(out: Path, scale: float = 1.0, seed: int = 42,
                          as_of: date | None = None, bad_rows: float = 0.0, *,
                          force: bool = False,
                          progress: Progress | None = None) -> dict[str, int]:
    """Write a complete landing zone under `out`; return `system.table` -> rows written.

    Rows written include the planted bad rows; `_generator.json` has both counts.
    """
    out = Path(out)
    as_of = as_of or today_utc()
    if scale <= 0:
        raise ValueError("scale must be positive")
    if not 0 <= bad_rows <= 1:
        raise ValueError("bad_rows is a share between 0 and 1")
    check_out_dir(out, force)
    out.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda line: None)

    started = time.perf_counter()
    plan = plan_landing_zone(seed, scale, as_of)
    say(f"{'plan (NumPy)':<28} {'':>12}       {time.perf_counter() - started:6.1f} s")

    written: dict[str, int] = {}
    good_counts: dict[str, int] = {}
    bad_lines: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="privacy-warehouse-generate-") as work:
        con = connect(Path(work), on_disk=scale > 2)
        create_macros(con, seed)
        register(con, plan)
        as_of_sql = f"date '{as_of.isoformat()}'"
        for name in GOOD_TABLE_SQL:
            table_started = time.perf_counter()
            table = TABLES_BY_NAME[name]
            good_counts[name] = render_table(con, name, plan)
            rng = np.random.default_rng([seed, 99, TABLES.index(table)])
            bad_table = bad.plant(con, name, good_table_name(name), bad_rows,
                                  pools_for(name, plan), rng, as_of_sql)
            relation = f"(select *, 0 as _ord from {good_table_name(name)}"
            if bad_table:
                relation += f" union all select * exclude (_reason) from {bad_table}"
                bad_lines += con.execute(
                    f"select '{name}', {table.record_id_sql()}, _reason from {bad_table} "
                    f"order by {', '.join(table.key)}, _ord").fetchall()
            relation += ")"
            written[name] = write_table(con, table, relation, table.folder(out))
            extra = written[name] - good_counts[name]
            say(f"{name:<28} {written[name]:>12,} rows"
                + (f" ({extra:,} bad)" if extra else "")
                + f" {time.perf_counter() - table_started:6.1f} s")
        # A table declared in the sources that the generator does not plan lands empty, so a
        # generated zone builds as soon as a new table is declared (docs/recipes.md).
        for table in DECLARED_TABLES:
            if table.full_name not in TABLES_BY_NAME:
                empty = "(select " + ", ".join(
                    f"cast(null as {kind}) as {name}" for name, kind in table.columns
                ) + ", 0 as _ord where false)"
                write_table(con, table, empty, table.folder(out))
        con.close()

    write_side_files(out, plan, seed, scale, as_of, bad_rows, written, good_counts, bad_lines)
    return {table.full_name: written[table.full_name] for table in TABLES}


def write_side_files(out: Path, plan: Plan, seed: int, scale: float, as_of: date,
                     bad_rows: float, written: dict[str, int], good_counts: dict[str, int],
                     bad_lines: list[tuple[str, str, str]]) -> None:
    order = {table.full_name: position for position, table in enumerate(TABLES)}
    bad_lines = sorted(bad_lines, key=lambda line: order[line[0]])  # stable: keeps id order
    with (out / "_bad_rows.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["source_table", "record_id", "reason"])
        writer.writerows(bad_lines)
    with (out / "_boundary_cases.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["case", "source_table", "record_id", "subject_id",
                                         "expected"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(plan.boundary)
    meta = {
        "generator": "privacy_warehouse.generate",
        "seed": seed,
        "scale": scale,
        "as_of": as_of.isoformat(),
        "bad_rows": bad_rows,
        "rows": {table.full_name: written[table.full_name] for table in TABLES},
        "good_rows": {table.full_name: good_counts[table.full_name] for table in TABLES},
        "bad_rows_planted": {table.full_name: written[table.full_name]
                             - good_counts[table.full_name] for table in TABLES},
        "boundary_cases": len(plan.boundary),
        "day_batches": {},
    }
    (out / "_generator.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")


def today_utc() -> date:
    from datetime import UTC, datetime

    return datetime.now(UTC).date()
