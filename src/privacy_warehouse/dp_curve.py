"""The utility-privacy curve of the DP tables: `privacy-warehouse dp-curve`.

For each rho per accounting period (default 0.1, 0.5, 1, 2), computes the DP tables of every
closed period from the built warehouse's private tier exactly as the publish does
(privacy_warehouse.dp_release), in memory: nothing is stored and nothing enters the ledger (the
figures are read by the engineer who runs it, never published). Each is compared with the exact
value for the same population, as an analyst would use them:

- monthly orders and revenue per service (dp_orders_monthly, summed over customer types),
- monthly on-time share per service (dp_deliveries_monthly, summed over regions),
- the 90-day repeat share per cohort month (dp_repeat_within_90_days),

giving the median relative error over all cells, and over cells of more than 500 orders. Writes
JSON (`--json`) and a Markdown table (`--markdown`), the source of docs/dp-utility.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import statistics
import time
from pathlib import Path

import duckdb

from privacy_warehouse import dp_release
from privacy_warehouse.dbt_artifacts import MANIFEST, read_artifact
from privacy_warehouse.personal_data import project_vars
from privacy_warehouse.sql import quote_identifier

DEFAULT_RHOS = (0.1, 0.5, 1.0, 2.0)
LARGE_CELL_ORDERS = 500


def _release_in_memory(con, database, manifest, table, budget, periods):
    """One draw of a table over the periods, with the exact values beside it (polars)."""
    import polars as pl

    keys = pl.DataFrame(dp_release.public_keys(table, periods, manifest, con, database))
    source = f"{quote_identifier(database)}.{table.source_relation}"
    rows = con.execute(f"select * from {source}").to_arrow_table()
    frame = dp_release.prepare_frame(table, rows, keys)
    measurement = dp_release.build_measurement(
        table, frame, keys, table.rho_per_data_period(budget) * len(periods), len(periods))
    noisy = dp_release.release_measurement(measurement, frame)
    raw = pl.from_arrow(rows)
    for column, value in table.where.items():
        raw = raw.filter(pl.col(column) == value)
    exact_aggregates = []
    for measure in table.measures:
        if measure.get("count"):
            exact_aggregates.append(pl.len().cast(pl.Float64).alias(f"{measure['name']}_exact"))
        elif measure.get("sum"):
            exact_aggregates.append(pl.col(measure["sum"]).cast(pl.Float64).sum()
                                    .alias(f"{measure['name']}_exact"))
    exact = raw.group_by(table.key_columns).agg(*exact_aggregates)
    casts = [pl.col(k).cast(noisy.schema[k]) for k in table.key_columns]
    exact = exact.with_columns(casts)
    joined = noisy.join(exact, on=table.key_columns, how="left").fill_null(0.0)
    return joined, measurement


def _relative_errors(noisy, exact, weights=None, floor: float | None = None) -> list[float]:
    errors = []
    for index, (value, truth) in enumerate(zip(noisy, exact, strict=True)):
        if truth is None or truth == 0 or value is None or math.isnan(value) or math.isnan(truth):
            continue
        if floor is not None and (weights[index] or 0) <= floor:
            continue
        errors.append(abs(value - truth) / abs(truth))
    return errors


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


def curve_point(con, database: str, manifest: dict, variables: dict, rho: float,
                as_of: dt.date) -> dict:
    """The median relative errors at one rho per accounting period."""
    import polars as pl

    budget = dp_release.Budget.from_vars({**variables, "differential_privacy": {
        **variables["differential_privacy"], "rho_per_period": rho}})
    tables = {t.name: t for t in dp_release.declared_tables(manifest)}
    started = time.perf_counter()
    point: dict = {"rho_per_period": rho}

    orders_table = tables["dp_orders_monthly"]
    periods = dp_release.closed_periods("month", budget, as_of)
    orders, _ = _release_in_memory(con, database, manifest, orders_table, budget, periods)
    per_service = orders.group_by(["order_month", "service"]).agg(
        pl.col("order_count").sum(), pl.col("order_count_exact").sum(),
        pl.col("revenue_sek").sum(), pl.col("revenue_sek_exact").sum())
    for name in ("order_count", "revenue_sek"):
        noisy = per_service[name].to_list()
        exact = per_service[f"{name}_exact"].to_list()
        counts = per_service["order_count_exact"].to_list()
        point[f"monthly_{name}_per_service"] = {
            "median_relative_error": _median(_relative_errors(noisy, exact)),
            f"median_relative_error_cells_over_{LARGE_CELL_ORDERS}_orders": _median(
                _relative_errors(noisy, exact, counts, LARGE_CELL_ORDERS)),
            "cells": per_service.height,
            f"cells_over_{LARGE_CELL_ORDERS}_orders": sum(c > LARGE_CELL_ORDERS for c in counts),
        }

    deliveries, _ = _release_in_memory(con, database, manifest, tables["dp_deliveries_monthly"],
                                       budget, periods)
    per_service = deliveries.group_by(["order_month", "service"]).agg(
        pl.col("delivered_count").sum(), pl.col("delivered_count_exact").sum(),
        pl.col("on_time_count").sum(), pl.col("on_time_count_exact").sum())
    per_service = per_service.with_columns(
        (pl.col("on_time_count") / pl.col("delivered_count")).alias("share"),
        (pl.col("on_time_count_exact") / pl.col("delivered_count_exact")).alias("share_exact"))
    counts = per_service["delivered_count_exact"].to_list()
    noisy, exact = per_service["share"].to_list(), per_service["share_exact"].to_list()
    point["monthly_on_time_share_per_service"] = {
        "median_relative_error": _median(_relative_errors(noisy, exact)),
        f"median_relative_error_cells_over_{LARGE_CELL_ORDERS}_orders": _median(
            _relative_errors(noisy, exact, counts, LARGE_CELL_ORDERS)),
        "cells": per_service.height,
    }

    repeat_table = tables["dp_repeat_within_90_days"]
    repeat, _ = _release_in_memory(con, database, manifest, repeat_table, budget, periods)
    repeat = repeat.with_columns(
        (pl.col("reordered_customers_exact") / pl.col("cohort_customers_exact"))
        .alias("share_exact"))
    noisy = repeat["repeat_within_90_days_share"].to_list()
    exact = repeat["share_exact"].to_list()
    point["repeat_within_90_days_share_per_cohort"] = {
        "median_relative_error": _median(_relative_errors(noisy, exact)),
        "cells": repeat.height,
        "cells_without_a_figure": sum(v is None for v in noisy),
    }
    point["seconds"] = round(time.perf_counter() - started, 1)
    return point


def markdown(result: dict) -> str:
    big = f"cells_over_{LARGE_CELL_ORDERS}_orders"
    lines = [
        f"| rho per period | monthly orders per service | (cells > {LARGE_CELL_ORDERS} orders) "
        f"| monthly revenue per service | (cells > {LARGE_CELL_ORDERS}) | monthly on-time share "
        f"per service | (cells > {LARGE_CELL_ORDERS}) | 90-day repeat share per cohort |",
        "|---|---|---|---|---|---|---|---|",
    ]

    def pct(value):
        return "n/a" if value is None else f"{value * 100:.1f} %"

    for point in result["points"]:
        orders = point["monthly_order_count_per_service"]
        revenue = point["monthly_revenue_sek_per_service"]
        on_time = point["monthly_on_time_share_per_service"]
        repeat = point["repeat_within_90_days_share_per_cohort"]
        lines.append(
            f"| {point['rho_per_period']} | {pct(orders['median_relative_error'])} | "
            f"{pct(orders['median_relative_error_' + big])} | "
            f"{pct(revenue['median_relative_error'])} | "
            f"{pct(revenue['median_relative_error_' + big])} | "
            f"{pct(on_time['median_relative_error'])} | "
            f"{pct(on_time['median_relative_error_' + big])} | "
            f"{pct(repeat['median_relative_error'])} |")
    return "\n".join(lines) + "\n"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dp-curve", help="median relative error of the DP tables per rho (utility-privacy curve)",
        description=__doc__.split("\n\n")[0])
    parser.add_argument("--target-path", default="target", type=Path)
    parser.add_argument("--as-of", default=None, help="default: the build's as_of")
    parser.add_argument("--rho", type=float, nargs="+", default=list(DEFAULT_RHOS))
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--markdown", type=Path, default=None, help="write the table here")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from privacy_warehouse.dbt_artifacts import load_build

    build = load_build(args.target_path)
    manifest = read_artifact(args.target_path, MANIFEST)
    variables = project_vars(build.project_dir, build.build_vars)
    as_of = dt.date.fromisoformat(args.as_of or build.as_of)
    warehouse = Path(os.environ.get("DUCKDB_PATH", "warehouse/warehouse.duckdb"))
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        database = con.execute("select current_database()").fetchone()[0]
        orders = con.execute(f"select count(*), count(distinct person_id) from "
                             f"{quote_identifier(database)}.private.int_dp_orders").fetchone()
        points = [curve_point(con, database, manifest, variables, rho, as_of)
                  for rho in args.rho]
    finally:
        con.close()
    result = {"as_of": as_of.isoformat(), "orders": orders[0], "customers": orders[1],
              "points": points}
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n", "utf-8")
    if args.markdown:
        args.markdown.write_text(markdown(result), "utf-8")
    print(markdown(result))
    return 0
