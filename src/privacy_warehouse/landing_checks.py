"""The landing zone's checks against the contract, written once for every engine.

$RAW_DATA_DIR/<system>/<table>/*.parquet is checked against the contract declared in
models/staging/_staging__sources.yml: a required table without a file, a file lacking a
contract column or carrying it with a type of another family, or a file that is not readable
Parquet (empty, corrupt) stops everything with one message naming the table, the file and the
column; an absent optional table is an empty table of the contract's shape; extra columns are
ignored. The result is, per table, the DuckDB SELECT of its rows in the contract's types.

Three callers, one implementation:
- DuckDB: the on-run-start hook (macros/landing/register_landing_zone.sql) calls the SQL
  function `landing_zone_views(raw_root, contract)` that the dbt-duckdb plugin
  (duckdb_plugin.py) registers on every connection, raises the problem it returns as a
  compilation error, or creates the views of schema `raw` from the SELECTs;
- `privacy-warehouse load-postgres` and `load-spark` call `check_zone()` directly and copy the
  SELECTs' rows into their engine.

Types are compared by family (a file may hold BIGINT where the contract says INTEGER, or
nanosecond timestamps): the contract's rule is that values can be wrong but types cannot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from privacy_warehouse import declarations
from privacy_warehouse.sql import quote_literal

# Parquet physical/logical types by family.
TYPE_FAMILY_SQL = """
    case
        when logical_type = 'NullType()' then 'null'
        when converted_type = 'UTF8' or logical_type like 'StringType%' or type = 'BYTE_ARRAY' then 'varchar'
        when converted_type = 'DATE' or logical_type like 'DateType%' then 'date'
        when logical_type like 'TimestampType%' or converted_type like 'TIMESTAMP%' or type = 'INT96'
            then 'timestamp'
        when converted_type = 'DECIMAL' or logical_type like 'DecimalType%' or type in ('DOUBLE', 'FLOAT')
            then 'decimal'
        when type in ('INT32', 'INT64') then 'integer'
        else coalesce(type, 'group')
    end
"""
ACCEPTED_FAMILIES = {
    "varchar": {"varchar", "null"},
    "date": {"date", "null"},
    "timestamp": {"timestamp", "null"},
    "integer": {"integer", "null"},
    "decimal": {"decimal", "integer", "null"},
}
# The SQL function the dbt-duckdb plugin registers for the on-run-start hook.
FUNCTION_NAME = "landing_zone_views"


class LandingZoneError(RuntimeError):
    """The landing zone breaks the contract; the message names the table, file and column."""


@dataclass(frozen=True)
class ContractTable:
    system: str
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, data_type) in the contract's order
    optional: bool

    @property
    def label(self) -> str:
        return f"{self.system}.{self.name}"


def read_contract(project_dir: Path) -> list[ContractTable]:
    """The raw tables as models/staging/_staging__sources.yml declares them (read through
    privacy_warehouse.declarations, the one reader of the sources' declarations)."""
    return [
        ContractTable(system=table.system, name=table.name, columns=table.column_types,
                      optional=table.optional)
        for table in declarations.landing_tables(project_dir)
    ]


def _check_files(con: duckdb.DuckDBPyConnection, table: ContractTable, files: list[str]) -> None:
    listed = ", ".join(quote_literal(f) for f in files)
    try:
        schema = con.execute(
            f"select file_name, name, {TYPE_FAMILY_SQL} from parquet_schema([{listed}])"
        ).fetchall()
    except duckdb.Error as error:  # an empty or corrupt file: DuckDB's message names it
        raise LandingZoneError(
            f"Landing zone: a file of {table.label} is not readable Parquet: {error}"
        ) from None
    found = {(file_name, name): family for file_name, name, family in schema}
    for file in files:
        for column, data_type in table.columns:
            family = found.get((file, column))
            expected = data_type.split("(")[0].lower()
            if family is None:
                raise LandingZoneError(
                    f"Landing zone: file {file} lacks column '{column}' that the contract requires for "
                    f"{table.label} ({data_type.upper()})."
                )
            if family not in ACCEPTED_FAMILIES[expected]:
                raise LandingZoneError(
                    f"Landing zone: file {file} has column '{column}' of type {family.upper()}; "
                    f"the contract says {data_type.upper()} for {table.label}."
                )


# The column the DuckDB views add: the name of the file a row landed in (never a value of the
# row). The quarantine models are incremental by landed file on DuckDB: a file already judged is
# not judged again (docs/architecture.md, "Daily builds"). Files are immutable once landed.
LANDED_FILE_COLUMN = "landed_file"


def table_select(raw_root: Path, table: ContractTable, con: duckdb.DuckDBPyConnection,
                 with_landed_file: bool = False) -> str:
    """The DuckDB SELECT of the table's rows in the contract's types, after checking its files;
    `with_landed_file` adds the file's name (within the table's folder) as `landed_file`."""
    folder = Path(raw_root) / table.system / table.name
    files = sorted(str(path) for path in folder.glob("*.parquet"))
    if not files:
        if not table.optional:
            raise LandingZoneError(
                f"Landing zone: required table {table.label} has no Parquet file in {folder}/ "
                "(the contract, ../shared/contracts/raw-sources.md, requires it)."
            )
        nulls = ", ".join(f"cast(null as {data_type}) as {column}" for column, data_type in table.columns)
        landed = f", cast(null as varchar) as {LANDED_FILE_COLUMN}" if with_landed_file else ""
        return f"select {nulls}{landed} where false"
    _check_files(con, table, files)
    typed = ", ".join(f"cast({column} as {data_type}) as {column}" for column, data_type in table.columns)
    listed = ", ".join(quote_literal(f) for f in files)
    # union_by_name: daily batch files may carry different extra columns, which are ignored.
    if not with_landed_file:
        return f"select {typed} from read_parquet([{listed}], union_by_name = true)"
    # filename = true adds the file's path; only its last part is kept (the zone's location is
    # not a fact about the row, and moving the zone must not make every file look new).
    return (f"select {typed}, regexp_extract(filename, '[^/]+$') as {LANDED_FILE_COLUMN} "
            f"from read_parquet([{listed}], union_by_name = true, filename = true)")


def check_zone(raw_root: Path, contract: list[ContractTable],
               con: duckdb.DuckDBPyConnection | None = None,
               with_landed_file: bool = False) -> list[tuple[ContractTable, str]]:
    """Check the whole zone (the first breach raises LandingZoneError) and return every
    table's SELECT; nothing is written, so a breach stops a load before it starts."""
    own = con is None
    con = duckdb.connect() if own else con
    try:
        return [(table, table_select(raw_root, table, con, with_landed_file)) for table in contract]
    finally:
        if own:
            con.close()


def zone_views_json(raw_root: str, contract_json: str) -> str:
    """The body of the SQL function `landing_zone_views(raw_root, contract)` for the DuckDB hook.

    `contract` is the JSON the hook renders from dbt's graph of the same sources' YAML:
    [{"system", "name", "optional", "columns": [[name, data_type], ...]}, ...]. Returns JSON:
    {"problem": the first breach's message or null, "views": [[table, select], ...]}. The checks
    read the files on a connection of their own: a function may not query the connection
    that calls it.
    """
    contract = [
        ContractTable(system=t["system"], name=t["name"], optional=bool(t["optional"]),
                      columns=tuple((c, d) for c, d in t["columns"]))
        for t in json.loads(contract_json)
    ]
    try:
        views = [[table.name, select]
                 for table, select in check_zone(Path(raw_root), contract, with_landed_file=True)]
    except LandingZoneError as error:
        return json.dumps({"problem": str(error), "views": []})
    return json.dumps({"problem": None, "views": views})
