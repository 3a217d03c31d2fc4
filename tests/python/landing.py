"""Write small landing zones by hand, in the contract's layout and types.

The column types come from the contract as the dbt project declares it
(models/staging/_staging__sources.yml), so a test's landing zone is exactly what another system
would land. Rows are dicts; a missing key is null.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from privacy_warehouse import declarations

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def contract() -> dict[str, list[tuple[str, str]]]:
    """`system.table` -> [(column, type)] in the contract's order."""
    return {table.full_name: list(table.column_types) for table in declarations.landing_tables()}


def write_table(root: Path, table: str, rows: list[dict], file_name: str = "part-0000.parquet",
                columns: list[tuple[str, str]] | None = None) -> Path:
    """Write `rows` as one Parquet file of `table` (`system.table`) under `root`."""
    system, name = table.split(".")
    columns = columns or contract()[table]
    folder = root / system / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    con = duckdb.connect()
    # Values travel as JSON text and are cast by DuckDB, so every type is exactly the contract's.
    payload = json.dumps([{c: row.get(c) for c, _ in columns} for row in rows], default=str)
    selects = ", ".join(
        f"cast(json_extract_string(value, '$.{c}') as {t}) as {c}" for c, t in columns
    )
    con.execute("create table rows_json as select unnest(cast(? as json[])) as value", [payload])
    source = f"select {selects} from rows_json" if rows else (
        "select " + ", ".join(f"cast(null as {t}) as {c}" for c, t in columns) + " where false"
    )
    con.execute(f"copy ({source}) to '{path}' (format parquet)")
    con.close()
    return path


def write_landing_zone(root: Path, tables: dict[str, list[dict]]) -> Path:
    for table, rows in tables.items():
        write_table(root, table, rows)
    return root
