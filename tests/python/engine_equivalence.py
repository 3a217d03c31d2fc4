"""Compare the public marts of two engines table for table: columns, row counts and an
order-independent checksum over every row, with values normalised so that equal data on
different engines gives equal text (dates ISO, decimals at a fixed scale, booleans true/false,
nulls marked). Engine-neutral: any DB-API cursor will do (DuckDB, psycopg2, later Spark).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

PUBLIC_MART_SCHEMAS = ("bizdev", "marketing", "sales", "contract_admin", "legal")
NULL = "\\N"
DECIMAL_SCALE = Decimal("0.000001")


def normalise(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(Decimal(value).quantize(DECIMAL_SCALE))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


@dataclass(frozen=True)
class TableDigest:
    columns: tuple[str, ...]
    row_count: int
    checksum: str


def digest_rows(columns: list[str], rows) -> TableDigest:
    """Order-independent: the rows' own hashes, sorted, hashed again (a multiset digest)."""
    row_hashes = sorted(
        hashlib.sha256("\x1f".join(normalise(v) for v in row).encode("utf-8")).hexdigest() for row in rows
    )
    checksum = hashlib.sha256("".join(row_hashes).encode("ascii")).hexdigest()
    return TableDigest(tuple(c.lower() for c in columns), len(row_hashes), checksum)


def mart_tables(cursor, schemas=PUBLIC_MART_SCHEMAS) -> list[str]:
    listed = ", ".join(f"'{s}'" for s in schemas)
    cursor.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({listed}) and table_type in ('BASE TABLE', 'VIEW') order by 1, 2"
    )
    return [f"{schema}.{name}" for schema, name in cursor.fetchall()]


def digest_table(cursor, table: str) -> TableDigest:
    cursor.execute(f"select * from {table}")
    columns = [d[0] for d in cursor.description]
    return digest_rows(columns, cursor.fetchall())


def digest_marts(cursor, schemas=PUBLIC_MART_SCHEMAS) -> dict[str, TableDigest]:
    return {table: digest_table(cursor, table) for table in mart_tables(cursor, schemas)}
