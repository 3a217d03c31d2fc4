"""Differentially private statistics (issue 18): computed with OpenDP from the private tier,
released once per closed period, charged to a budget ledger.

**Declared once.** The DP tables are declared in the private models' YAML (`meta.dp_tables`,
models/intermediate/private/_dp__models.yml): unit and contribution bounds, row filters, group keys
and where their values come from, measures with their clamping bounds, derived ratios and the
table's share of the budget. The budget itself is dbt var `differential_privacy`
(dbt_project.yml): zCDP rho per person per accounting period (a calendar year of data), the
settling time, the first period.

**What one release does** (`release`, called by the publish before it validates and swaps):

1. For each DP table, the data periods (months or years) that have closed on as_of: the period's
   end, one month, and `settling_days`. Open periods are not released (docs/decisions.md).
2. Closed periods already in the private store (`private.dp_answers__<table>`) are read back
   unchanged: no new noise, no new spend. The others are computed now, in one OpenDP measurement
   per table: the person is the unit (`identifier`), OpenDP truncates each person to the declared
   rows per cell and cells per period (times the periods computed together), clamps every summed
   value, and adds Gaussian noise calibrated to rho = (rho of one period) x (periods computed).
   The keys are public (`with_keys`): every key combination gets a row, present in the data or not.
3. The spend is checked against the ledger (`private.dp_budget_ledger`): per accounting period,
   spent so far plus this release must not exceed `rho_per_period`, else `BudgetExceeded` says by
   how much and nothing is stored. Otherwise the new answers and the ledger rows are written in
   one transaction, before anything is published (a publish refused later has still spent: the
   ledger errs on the side of the person).
4. Each table is written into the publication (`bizdev.<table>`) and exported as Parquet like the
   dbt marts, sorted by all columns: a closed period's rows are byte for byte the same in every
   release.

Each measure `m` is published with `m_ci95`: the half-width of the 95 % interval OpenDP states
for it (`summarize(alpha=0.05)`); a quantile has none (OpenDP's exponential mechanism states no
accuracy), so its `_ci95` is null. A derived ratio `r = a / b` carries `r_ci95_low` and
`r_ci95_high` from the intervals of `a` and `b` (the delta method; null where `b` is within its
own interval of zero).

**For other modules** (the cross-release gate, the report): the ledger and the store, and the
functions that read them, are in privacy_warehouse.dp_ledger.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from privacy_warehouse import dp_datasheet
from privacy_warehouse.dp_ledger import (
    BUDGET_TOLERANCE,
    LEDGER,
    BudgetExceeded,
    DpReleaseError,
    LedgerBehindRelease,
    accounting_period,
    check_budget,
    ensure_private_tables,
    ledger_behind_release,
    ledger_spent,
    store_relation,
    stored_answers,
    stored_periods,
)
from privacy_warehouse.sql import quote_identifier

__all__ = ["LEDGER", "BudgetExceeded", "DpReleaseError", "ledger_spent", "ensure_private_tables"]

PUBLISHED_SCHEMA = "bizdev"
CONFIDENCE_ALPHA = 0.05  # 95 % intervals
# A public upper bound on any input's rows (OpenDP needs one to bound a float sum's rounding).
MAX_ROWS = 100_000_000




# --------------------------------------------------------------------------------------------
# Declarations
# --------------------------------------------------------------------------------------------


@dataclass
class Budget:
    rho_per_period: float
    settling_days: int
    first_period: dt.date

    @classmethod
    def from_vars(cls, variables: dict) -> Budget:
        declared = variables.get("differential_privacy")
        if not declared:
            raise DpReleaseError("dbt_project.yml declares no vars.differential_privacy")
        return cls(rho_per_period=float(declared["rho_per_period"]),
                   settling_days=int(declared.get("settling_days", 0)),
                   first_period=dt.date.fromisoformat(str(declared["first_period"])))


@dataclass
class DpTable:
    name: str
    source_relation: str  # the private model, `private.int_dp_orders`
    description: str
    budget_share: float
    period_column: str
    grain: str  # month | year
    identifier: str
    max_rows_per_cell: int
    max_cells_per_period: int
    where: dict[str, Any]
    keys: dict[str, dict]
    measures: list[dict]
    derived: list[dict] = field(default_factory=list)

    @property
    def key_columns(self) -> list[str]:
        return list(self.keys)

    def rho_per_data_period(self, budget: Budget) -> float:
        """What one data period of this table costs: a year's share, or a twelfth of it."""
        per_year = budget.rho_per_period * self.budget_share
        return per_year / 12 if self.grain == "month" else per_year

    def published_columns(self) -> list[str]:
        columns = list(self.key_columns)
        for measure in self.measures:
            columns += [measure["name"], f"{measure['name']}_ci95"]
        for ratio in self.derived:
            columns += [ratio["name"], f"{ratio['name']}_ci95_low", f"{ratio['name']}_ci95_high"]
        return columns


def declared_tables(manifest: dict) -> list[DpTable]:
    """Every DP table the manifest's private models declare (meta.dp_tables), by name."""
    tables = []
    for node in manifest["nodes"].values():
        if node.get("resource_type") != "model":
            continue
        meta = (node.get("config") or {}).get("meta") or node.get("meta") or {}
        for spec in meta.get("dp_tables") or []:
            unit, period = spec["unit"], spec["period"]
            if period["grain"] not in ("month", "year"):
                raise DpReleaseError(f"{spec['name']}: period grain must be month or year")
            tables.append(DpTable(
                name=spec["name"],
                source_relation=f"{node['schema']}.{node.get('alias') or node['name']}",
                description=spec.get("description", ""),
                budget_share=float(spec["budget_share"]),
                period_column=period["column"], grain=period["grain"],
                identifier=unit["identifier"],
                max_rows_per_cell=int(unit["max_rows_per_cell"]),
                max_cells_per_period=int(unit["max_cells_per_period"]),
                where=dict(spec.get("where") or {}),
                keys=dict(spec["keys"]),
                measures=list(spec["measures"]),
                derived=list(spec.get("derived") or []),
            ))
    total = sum(t.budget_share for t in tables)
    if tables and total > 1 + BUDGET_TOLERANCE:
        raise DpReleaseError(f"the DP tables' budget shares add up to {total:g}, more than 1")
    return sorted(tables, key=lambda t: t.name)


# --------------------------------------------------------------------------------------------
# Periods and public keys
# --------------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def period_end(start: dt.date, grain: str) -> dt.date:
    return (dt.date(start.year, 12, 31) if grain == "year"
            else add_months(start, 1) - dt.timedelta(days=1))


def closes_on(start: dt.date, grain: str, settling_days: int) -> dt.date:
    """The day a data period closes: its end, one month after, and the settling time."""
    return add_months(period_end(start, grain), 1) + dt.timedelta(days=settling_days)


def closed_periods(grain: str, budget: Budget, as_of: dt.date) -> list[dt.date]:
    """Every period from the declared first one that has closed on as_of."""
    start = (dt.date(budget.first_period.year, 1, 1) if grain == "year"
             else budget.first_period.replace(day=1))
    periods = []
    while closes_on(start, grain, budget.settling_days) <= as_of:
        periods.append(start)
        start = dt.date(start.year + 1, 1, 1) if grain == "year" else add_months(start, 1)
    return periods


def _vocabulary(key: str, spec: dict, manifest: dict, con: duckdb.DuckDBPyConnection,
                database: str) -> list:
    """A key's values from where its declaration says: never from the data being released."""
    if "values" in spec:
        values = list(spec["values"])
    elif "range" in spec:
        low, high = spec["range"]
        values = list(range(int(low), int(high) + 1))
    elif "accepted_values_of" in spec:
        system, table, column = spec["accepted_values_of"].split(".")
        source = manifest["sources"].get(f"source.privacy_warehouse.{system}.{table}")
        try:
            values = list(source["columns"][column]["meta"]["accepted_values"])
        except (TypeError, KeyError):
            raise DpReleaseError(f"key {key}: {spec['accepted_values_of']} declares no "
                                 "accepted_values in the sources' YAML") from None
    elif "seed_values_of" in spec:
        seed, column = spec["seed_values_of"].split(".")
        node = next((n for n in manifest["nodes"].values()
                     if n["resource_type"] == "seed" and n["name"] == seed), None)
        if node is None:
            raise DpReleaseError(f"key {key}: no seed {seed}")
        relation = f"{quote_identifier(database)}.{node['schema']}.{node.get('alias') or seed}"
        values = [v for (v,) in con.execute(
            f"select distinct {quote_identifier(column)} from {relation} order by 1").fetchall()]
    else:
        raise DpReleaseError(f"key {key}: no vocabulary declared")
    return values + [v for v in spec.get("plus", []) if v not in values]


def public_keys(table: DpTable, periods: list[dt.date], manifest: dict,
                con: duckdb.DuckDBPyConnection, database: str) -> list[dict]:
    """Every key combination of the periods, with its data period: the cells to release."""
    fixed = {k: _vocabulary(k, s, manifest, con, database)
             for k, s in table.keys.items() if "calendar" not in s}
    calendar_keys = {k: s for k, s in table.keys.items() if "calendar" in s}
    rows = [{}]
    for key, values in fixed.items():
        rows = [{**row, key: value} for row in rows for value in values]
    cells = []
    for period in periods:
        for row in rows:
            for calendar_values in _calendar_values(calendar_keys, period, row):
                cells.append({**row, **calendar_values, "data_period": period})
    return cells


def _calendar_values(calendar_keys: dict[str, dict], period: dt.date, row: dict) -> list[dict]:
    values = [{}]
    for key, spec in calendar_keys.items():
        if spec["calendar"] == "period":
            if "minus_months_of" in spec:
                day = add_months(period, -int(row[spec["minus_months_of"]]))
            else:
                day = add_months(period, -int(spec.get("minus_months", 0)))
            values = [{**v, key: day} for v in values]
        elif spec["calendar"] == "weeks_of_period":
            end = period_end(period, "month")
            first_monday = period + dt.timedelta(days=(7 - period.weekday()) % 7)
            mondays = []
            day = first_monday
            while day <= end:
                mondays.append(day)
                day += dt.timedelta(days=7)
            values = [{**v, key: monday} for v in values for monday in mondays]
        else:
            raise DpReleaseError(f"key {key}: unknown calendar {spec['calendar']}")
    return values


# --------------------------------------------------------------------------------------------
# The OpenDP measurement
# --------------------------------------------------------------------------------------------


@dataclass
class Measurement:
    """A resolved OpenDP measurement of one table over some periods, and what it states."""

    table: DpTable
    measurement: Any  # opendp Measurement: invoke it on the LazyFrame to release
    rho: float  # OpenDP's privacy map at one person
    half_widths: dict[str, float | None]  # measure -> 95 % half-width (None: none stated)
    keys: Any  # polars DataFrame of the public keys (with data_period)


def _opendp():
    import logging

    import opendp.prelude as dp

    dp.enable_features("contrib")
    # OpenDP logs "rho should be <= 0.5" for any larger loss: here a query computes many closed
    # periods at once and its rho is their sum; the ledger, not this hint, bounds the spend.
    logging.getLogger("opendp.context").setLevel(logging.ERROR)
    return dp


def prepare_frame(table: DpTable, rows, keys):
    """The input as a polars DataFrame: filtered, limited to the public cells (so a row outside
    them cannot take a truncation slot), the keys as one OpenDP group column.

    Grouping is on one text column (`_cell`): OpenDP 0.16's truncation of the number of groups
    fails on a struct of several columns with polars 1.36 ("multiple fields with name")."""
    import polars as pl

    frame = pl.from_arrow(rows) if not isinstance(rows, pl.DataFrame) else rows
    for column, value in table.where.items():
        frame = frame.filter(pl.col(column) == value)
    frame = frame.with_columns(_cell_expression(table.key_columns))
    cells = keys.with_columns(_cell_expression(table.key_columns)).get_column("_cell")
    frame = frame.filter(pl.col("_cell").is_in(cells.implode()))
    needed = {table.identifier, "_cell"} | {m.get("sum") or m.get("quantile")
                                             for m in table.measures if not m.get("count")}
    frame = frame.select(sorted(c for c in needed if c))
    for measure in table.measures:
        if measure.get("sum"):
            frame = frame.with_columns(pl.col(measure["sum"]).cast(pl.Float64).round(0)
                                       .cast(pl.Int64))
        if measure.get("quantile"):
            frame = frame.with_columns(pl.col(measure["quantile"]).cast(pl.Float64))
    return frame


def _cell_expression(key_columns: list[str]):
    import polars as pl

    return pl.concat_str([pl.col(k).cast(pl.String) for k in key_columns],
                         separator="|").alias("_cell")


def build_measurement(table: DpTable, frame, keys, rho: float, periods: int) -> Measurement:
    """Resolve the table's OpenDP measurement at `rho` over `periods` periods of input."""
    import polars as pl
    from opendp.accuracy import summarize_polars_measurement

    dp = _opendp()
    key_frame = keys.with_columns(_cell_expression(table.key_columns)).select("_cell").unique()
    context = dp.Context.compositor(
        data=frame.lazy(),
        privacy_unit=dp.unit_of(contributions=1, identifier=pl.col(table.identifier)),
        privacy_loss=dp.loss_of(rho=rho),
        split_evenly_over=1,
        margins=[dp.polars.Margin(by=["_cell"], max_length=MAX_ROWS,
                                  max_groups=max(key_frame.height, 1))],
    )
    aggregates = []
    for measure in table.measures:
        name = measure["name"]
        if measure.get("count"):
            aggregates.append(dp.len(signed=True).alias(name))
        elif measure.get("sum"):
            # Integer sums: OpenDP bounds a float sum's rounding error by the frame's length,
            # which costs more noise than the values themselves (money is summed in whole SEK).
            low, high = (int(b) for b in measure["bounds"])
            aggregates.append(pl.col(measure["sum"]).fill_null(0).dp.sum((low, high))
                              .alias(name))
        elif measure.get("quantile"):
            start, stop, step = measure["candidates"]
            candidates = [float(c) for c in range(int(start), int(stop) + 1, int(step))]
            aggregates.append(pl.col(measure["quantile"]).fill_null(float(stop))
                              .dp.quantile(float(measure["alpha"]), candidates).alias(name))
        else:
            raise DpReleaseError(f"{table.name}.{name}: a measure is a count, sum or quantile")
    query = (context.query()
             .truncate_per_group(table.max_rows_per_cell, by=["_cell"])
             .truncate_num_groups(table.max_cells_per_period * periods, by=["_cell"],
                                  keep="first")
             .group_by(["_cell"]).agg(*aggregates)
             .with_keys(key_frame))
    measurement = _calibrate(query, rho)
    spent = float(measurement.map(1))
    if spent > rho * (1 + BUDGET_TOLERANCE):
        raise DpReleaseError(f"{table.name}: OpenDP's measurement spends {spent} > {rho}")
    summary = summarize_polars_measurement(measurement, CONFIDENCE_ALPHA)
    half_widths = {}
    for row in summary.iter_rows(named=True):
        accuracy = row.get("accuracy")
        half_widths[row["column"]] = None if accuracy is None else float(accuracy)
    return Measurement(table, measurement, spent, half_widths, keys)


def _calibrate(query, rho: float):
    """The measurement at the smallest noise scale whose zCDP loss OpenDP maps to at most rho.

    OpenDP's `resolve()` finds the scale by bisection, some sixty builds of the whole plan (about
    12 s a table here). Every mechanism of these tables (Gaussian sums and counts, the
    exponential mechanism's quantiles) has a zCDP loss proportional to 1/scale^2, so one build at
    scale 1 gives the scale directly; OpenDP's own privacy map then checks the result, and the
    scale is raised until it holds. The guarantee is still OpenDP's map, not this arithmetic."""
    dp = _opendp()
    plan = object.__getattribute__(query, "polars_plan")
    chain = object.__getattribute__(query, "_query")
    input_domain, input_metric = chain._chain

    def build(scale: float):
        return dp.m.make_private_lazyframe(
            input_domain=input_domain, input_metric=input_metric,
            output_measure=chain._output_measure, lazyframe=plan, global_scale=scale)

    loss_at_one = float(build(1.0).map(chain._d_in))
    scale = (loss_at_one / rho) ** 0.5
    for _ in range(20):
        measurement = build(scale)
        if float(measurement.map(chain._d_in)) <= rho:
            return measurement
        scale *= 1.0001
    raise DpReleaseError(f"OpenDP found no noise scale within rho {rho}")


def release_measurement(measurement: Measurement, frame):
    """One draw: the noisy answers joined to the public keys, intervals and ratios beside them."""
    import polars as pl

    table = measurement.table
    noisy = measurement.measurement(frame.lazy()).collect()
    keyed = measurement.keys.with_columns(_cell_expression(table.key_columns))
    result = keyed.join(noisy, on="_cell", how="left").drop("_cell")
    columns = []
    for measure in table.measures:
        name = measure["name"]
        half_width = measurement.half_widths.get(name)
        # Counts and sums are of integers (money in whole SEK): BIGINT, as every published count.
        if measure.get("count") or measure.get("sum"):
            columns.append(pl.col(name).cast(pl.Float64).round(0).cast(pl.Int64).alias(name))
        else:
            columns.append(pl.col(name).cast(pl.Float64).alias(name))
        columns.append(pl.lit(None if half_width is None else round(half_width, 2),
                              dtype=pl.Float64).alias(f"{name}_ci95"))
    result = result.with_columns(columns)
    for ratio in table.derived:
        result = result.with_columns(_ratio_columns(ratio, result))
    return result.select([*table.published_columns(), "data_period"])


def _ratio_columns(ratio: dict, result) -> list:
    """r = a / b with the 95 % interval of the delta method from a's and b's: the noises are
    independent Gaussians, so r's half-width is sqrt(h_a^2 + r^2 h_b^2) / b. Null where b <= its
    own half-width (the ratio of a cell that may be empty is not a figure)."""
    import polars as pl

    numerator, denominator = ratio["ratio"]
    scale = float(ratio.get("scale", 1))
    a, b = pl.col(numerator), pl.col(denominator)
    a_half, b_half = pl.col(f"{numerator}_ci95"), pl.col(f"{denominator}_ci95")
    fits = b > b_half.fill_null(0)
    r = a / b
    half = ((a_half ** 2 + (r ** 2) * (b_half ** 2)) ** 0.5) / b
    name = ratio["name"]
    return [pl.when(fits).then(r * scale).round(4).alias(name),
            pl.when(fits).then((r - half) * scale).round(4).alias(f"{name}_ci95_low"),
            pl.when(fits).then((r + half) * scale).round(4).alias(f"{name}_ci95_high")]


# --------------------------------------------------------------------------------------------
# One release
# --------------------------------------------------------------------------------------------


@dataclass
class TableRelease:
    table: DpTable
    rows: Any  # polars DataFrame: published columns + data_period
    new_periods: list[dt.date]
    reused_periods: list[dt.date]
    rho_new: float
    half_widths: dict[str, float | None]
    seconds: float


def compute_release(con: duckdb.DuckDBPyConnection, database: str, manifest: dict,
                    budget: Budget, as_of: dt.date, run_id: str,
                    live_periods: list[dict] = ()) -> list[TableRelease]:
    """Compute every DP table's closed periods (new ones now, stored ones read back), check the
    ledger, then store the new answers and the spend in one transaction. `live_periods` is the
    spend the live release published: a ledger holding less was lost, and nothing is drawn."""
    import polars as pl

    tables = declared_tables(manifest)
    ensure_private_tables(con, database)
    lost = ledger_behind_release(ledger_spent(con, database), list(live_periods))
    if lost:
        raise LedgerBehindRelease(
            "the budget ledger of this warehouse holds less than the live release spent, so "
            "its closed periods would be drawn again with new noise (nothing was drawn):\n  - "
            + "\n  - ".join(lost) + "\n  Restore the warehouse file the live release was "
            "published from (docs/decisions.md, 'The ledger errs on the side of the person').")
    releases, new_spend = [], {}
    for table in tables:
        started = time.perf_counter()
        periods = closed_periods(table.grain, budget, as_of)
        done = stored_periods(con, database, table.name)
        new = [p for p in periods if p not in done]
        reused = [p for p in periods if p in done]
        rows, rho_new, half_widths = None, 0.0, {}
        if new:
            keys = pl.DataFrame(public_keys(table, new, manifest, con, database))
            source = f"{quote_identifier(database)}.{table.source_relation}"
            frame = prepare_frame(table, con.execute(f"select * from {source}").to_arrow_table(), keys)
            measurement = build_measurement(
                table, frame, keys, table.rho_per_data_period(budget) * len(new), len(new))
            rows = release_measurement(measurement, frame)
            rho_new, half_widths = measurement.rho, measurement.half_widths
            for period in new:
                key = accounting_period(period)
                new_spend[key] = new_spend.get(key, 0.0) + rho_new / len(new)
        old = stored_answers(con, database, table.name, reused)
        releases.append(TableRelease(table, (rows, old), new, reused, rho_new, half_widths,
                                     time.perf_counter() - started))

    problems = check_budget(ledger_spent(con, database), new_spend, budget)
    if problems:
        raise BudgetExceeded("the differentially private tables would exceed the budget "
                             "(nothing was stored or spent):\n  - " + "\n  - ".join(problems))

    recorded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute("begin transaction")
    try:
        for release in releases:
            new_rows, old_rows = release.rows
            if new_rows is not None and new_rows.height:
                store = store_relation(database, release.table.name)
                con.register("dp_new_rows", new_rows.to_arrow())
                con.execute(f"create table if not exists {store} as "
                            "select * from dp_new_rows limit 0")
                con.execute(f"insert into {store} select * from dp_new_rows")
                con.unregister("dp_new_rows")
            for period in release.new_periods:
                con.execute(f"insert into {quote_identifier(database)}.{LEDGER} values "
                            "(?, ?, ?, ?, ?, ?)",
                            [accounting_period(period), release.table.name, period,
                             release.rho_new / len(release.new_periods), run_id, recorded_at])
            # Published from the store, so a new period reads exactly as it will next time.
            release.rows = stored_answers(con, database, release.table.name,
                                          sorted(release.new_periods + release.reused_periods))
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return releases


def budget_json(con: duckdb.DuckDBPyConnection, database: str, budget: Budget,
                releases: list[TableRelease], as_of: dt.date) -> dict:
    """What publication.json and the report show: each table's share, this release's spend, and
    per accounting period the spend so far and what is left."""
    spent = ledger_spent(con, database)
    return {
        "unit": "person (a customer, or a visitor for web sessions); zCDP",
        "rho_per_accounting_period": budget.rho_per_period,
        "accounting_period": "calendar year of the data",
        "settling_days": budget.settling_days,
        "as_of": as_of.isoformat(),
        "periods": [{"accounting_period": p, "rho_spent": round(r, 9),
                     "rho_left": round(budget.rho_per_period - r, 9)}
                    for p, r in sorted(spent.items())],
        "tables": {
            f"{PUBLISHED_SCHEMA}.{r.table.name}": {
                "budget_share": r.table.budget_share,
                "rho_per_data_period": r.table.rho_per_data_period(budget),
                "rho_per_accounting_period": budget.rho_per_period * r.table.budget_share,
                "grain": r.table.grain,
                "unit_bounds": {"max_rows_per_cell": r.table.max_rows_per_cell,
                                "max_cells_per_period": r.table.max_cells_per_period},
                "closed_periods": len(r.new_periods) + len(r.reused_periods),
                "new_periods_this_release": len(r.new_periods),
                "rho_spent_this_release": round(r.rho_new, 9),
                "ci95_half_widths_of_new_periods": r.half_widths,
                "seconds": round(r.seconds, 2),
            } for r in releases},
    }


def release(warehouse_path: Path, new_file: Path, parquet_dir: Path, manifest: dict,
            variables: dict, as_of: str, run_id: str, checksum,
            live_periods: list[dict] = ()) -> tuple[dict, dict, list]:
    """The publish's DP step: compute/store/charge (in the warehouse, read-write), then write the
    tables into the new publication file and its Parquet, each with its datasheet (DuckDB
    comments, Parquet metadata). Returns (table entries, budget, datasheets)."""
    from privacy_warehouse.datasheet import _literal, parquet_metadata
    from privacy_warehouse.report.evidence import sha256_file

    started = time.perf_counter()
    budget = budget_of_vars = Budget.from_vars(variables)
    as_of_day = dt.date.fromisoformat(as_of)
    sheets: list = []
    con = duckdb.connect(str(warehouse_path))
    try:
        database = con.execute("select current_database()").fetchone()[0]
        releases = compute_release(con, database, manifest, budget, as_of_day, run_id,
                                   live_periods)
        budget_summary = budget_json(con, database, budget, releases, as_of_day)
    finally:
        con.close()

    entries = {}
    out = duckdb.connect(str(new_file))
    try:
        out.execute(f"create schema if not exists {PUBLISHED_SCHEMA}")
        for table_release in releases:
            table = table_release.table
            relation = f"{PUBLISHED_SCHEMA}.{quote_identifier(table.name)}"
            rows = table_release.rows
            columns = table.published_columns()
            if rows is None:
                out.execute(f"create table {relation} as select * from (select "
                            + ", ".join(f"null::varchar as {quote_identifier(c)}" for c in columns)
                            + ") where false")
            else:
                out.register("dp_rows", rows.select(columns).to_arrow())
                out.execute(f"create table {relation} as select * from dp_rows order by all")
                out.unregister("dp_rows")
            types = {c: t for c, t, *_ in out.execute(f"describe {relation}").fetchall()}
            sheet = dp_datasheet.datasheet_of(table, budget_of_vars, types)
            sheets.append(sheet)
            out.execute(f"comment on table {relation} is {_literal(sheet.text())}")
            for column in sheet.columns:
                out.execute(f"comment on column {relation}.{quote_identifier(column.name)} is "
                            f"{_literal(column.text())}")
            path = parquet_dir / PUBLISHED_SCHEMA / f"{table.name}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            pairs = ", ".join(f"{_literal(k)}: {_literal(v)}"
                              for k, v in parquet_metadata(sheet, as_of).items())
            out.execute(f"copy (select * from {relation} order by all) to '{path}' "
                        f"(format parquet, compression zstd, kv_metadata {{{pairs}}})")
            row_count, content = checksum(out, relation)
            entries[f"{PUBLISHED_SCHEMA}.{table.name}"] = {
                "row_count": row_count, "content_checksum": content,
                "parquet_path": str(path.relative_to(parquet_dir.parent)),
                "parquet_sha256": sha256_file(path), "columns": columns,
                "differentially_private": True,
            }
        out.execute("checkpoint")
    finally:
        out.close()
    budget_summary["seconds"] = round(time.perf_counter() - started, 2)
    return entries, budget_summary, sheets



def live_spend(live_publication: Path | None) -> list[dict]:
    """The spend per accounting period the live release states (its publication.json), or
    nothing if there is no live release or it published no DP tables."""
    if live_publication is None or not Path(live_publication).is_file():
        return []
    stated = json.loads(Path(live_publication).read_text("utf-8"))
    return list((stated.get("differential_privacy") or {}).get("periods") or [])


def publish_step(warehouse_path: Path, new_file: Path, parquet_dir: Path, build,
                 tables: dict[str, dict], checksum, sheets: list | None = None,
                 live_publication: Path | None = None) -> dict:
    """The publish's call: release the DP tables into the new file, add them to `tables` (and
    their datasheets to `sheets`, for the release's README) and return the budget for
    publication.json. `checksum` is the publish's content checksum; `live_publication` the live
    release's publication.json, whose stated spend the ledger must hold.
    Raises DpReleaseError (BudgetExceeded, LedgerBehindRelease included): the publish refuses."""
    from privacy_warehouse.personal_data import project_vars

    try:
        entries, budget, dp_sheets = release(
            Path(warehouse_path), Path(new_file), Path(parquet_dir), build.manifest,
            project_vars(build.project_dir, build.build_vars), build.as_of, build.run_id,
            checksum, live_spend(live_publication))
    except duckdb.Error as error:
        raise DpReleaseError(f"differentially private tables: {error}") from None
    tables.update(entries)
    if sheets is not None:
        sheets.extend(dp_sheets)
    return budget
