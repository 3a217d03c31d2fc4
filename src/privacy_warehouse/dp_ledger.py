"""The DP tables' private state in the warehouse: the budget ledger and the closed-period store.

Both live in the warehouse's `private` schema, are created and appended by the publish
(privacy_warehouse.dp_release), never rebuilt by dbt, and never published:

- `private.dp_budget_ledger`: one row per (release, DP table, data period) it computed, with the
  zCDP rho charged to that period's accounting period (a calendar year): LEDGER_COLUMNS.
  `ledger_spent()` gives the spend so far per accounting period, `ledger_summary()` per table.
- `private.dp_answers__<table>`: the noisy answers of every closed period, as published (the
  table's published columns) plus `data_period`. A closed period is read back from here,
  unchanged, by every later release: `stored_answers()`.

Other modules (the cross-release gate, the report) read them through these functions.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from privacy_warehouse.sql import quote_identifier

PRIVATE_SCHEMA = "private"
LEDGER = f"{PRIVATE_SCHEMA}.dp_budget_ledger"
STORE_PREFIX = "dp_answers__"
LEDGER_COLUMNS = (
    "accounting_period varchar not null, dp_table varchar not null, data_period date not null, "
    "rho double not null, release_run_id varchar not null, recorded_at timestamp not null"
)
# Budget arithmetic is floating point: a spend this close to the budget is within it.
BUDGET_TOLERANCE = 1e-9


class DpReleaseError(RuntimeError):
    """The DP tables cannot be released (a declaration is wrong, or OpenDP refused)."""


class BudgetExceeded(DpReleaseError):
    """The release would spend more than an accounting period's budget."""


class LedgerBehindRelease(DpReleaseError):
    """The warehouse's ledger records less spend than the live release published: it was lost
    (the warehouse file replaced or deleted). Releasing would draw closed periods afresh."""


def accounting_period(data_period: dt.date) -> str:
    """The accounting period a data period is charged to: its calendar year."""
    return str(data_period.year)


def ensure_private_tables(con: duckdb.DuckDBPyConnection, database: str) -> None:
    con.execute(f"create schema if not exists {quote_identifier(database)}.{PRIVATE_SCHEMA}")
    con.execute(f"create table if not exists {quote_identifier(database)}.{LEDGER} "
                f"({LEDGER_COLUMNS})")


def store_relation(database: str, name: str) -> str:
    return f"{quote_identifier(database)}.{PRIVATE_SCHEMA}.{quote_identifier(STORE_PREFIX + name)}"


def _relation_exists(con: duckdb.DuckDBPyConnection, database: str, name: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_catalog = ? "
        "and table_schema = ? and table_name = ?", [database, PRIVATE_SCHEMA, name]
    ).fetchone()[0])


def stored_periods(con: duckdb.DuckDBPyConnection, database: str, table: str) -> set:
    if not _relation_exists(con, database, STORE_PREFIX + table):
        return set()
    return {p for (p,) in con.execute(
        f"select distinct data_period from {store_relation(database, table)}").fetchall()}


def stored_answers(con: duckdb.DuckDBPyConnection, database: str, table: str,
                   periods: list[dt.date]):
    """The stored rows of these closed periods (a polars DataFrame), in the published order."""
    import polars as pl

    if not periods or not _relation_exists(con, database, STORE_PREFIX + table):
        return None
    arrow = con.execute(
        f"select * from {store_relation(database, table)} where data_period in "
        f"(select unnest(?)) order by all", [periods]).to_arrow_table()
    return pl.from_arrow(arrow)


def ledger_spent(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, float]:
    """rho spent so far per accounting period."""
    return {period: float(rho) for period, rho in con.execute(
        f"select accounting_period, sum(rho) from {quote_identifier(database)}.{LEDGER} "
        "group by accounting_period").fetchall()}


def ledger_summary(con: duckdb.DuckDBPyConnection, database: str) -> list[dict]:
    """Per accounting period and table: rho spent, releases that spent it (for the report)."""
    return [{"accounting_period": p, "dp_table": t, "rho_spent": float(r), "periods": int(n)}
            for p, t, r, n in con.execute(
                f"select accounting_period, dp_table, sum(rho), count(distinct data_period) "
                f"from {quote_identifier(database)}.{LEDGER} group by all order by all"
            ).fetchall()]


def check_budget(spent: dict[str, float], new_spend: dict[str, float],
                 budget) -> list[str]:
    """Each accounting period that the new spend would take over its budget, and by how much."""
    problems = []
    for period, rho in sorted(new_spend.items()):
        total = spent.get(period, 0.0) + rho
        if total > budget.rho_per_period * (1 + BUDGET_TOLERANCE):
            problems.append(
                f"accounting period {period}: spent {spent.get(period, 0.0):.6g} + this release "
                f"{rho:.6g} = {total:.6g} > budget {budget.rho_per_period:.6g} "
                f"(over by {total - budget.rho_per_period:.6g})")
    return problems




def ledger_behind_release(spent: dict[str, float], live_periods: list[dict]) -> list[str]:
    """Each accounting period whose spend the live release (its publication.json,
    `differential_privacy.periods`) states above what this warehouse's ledger holds.

    The ledger lives in the warehouse file: a deleted or replaced warehouse starts with an empty
    one, and would draw every closed period afresh, with new noise, for analysts who kept the
    old release to average the two. The publish fails closed on this instead."""
    problems = []
    for entry in live_periods:
        period, published = entry["accounting_period"], float(entry["rho_spent"])
        held = spent.get(period, 0.0)
        if held + BUDGET_TOLERANCE < published:
            problems.append(f"accounting period {period}: the live release spent rho "
                            f"{published:.6g}, this warehouse's ledger holds {held:.6g}")
    return problems
