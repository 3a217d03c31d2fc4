"""What the release costs an analyst, beside what it protects: utility figures and their gate.

Suppression is not random: the rows in small classes are the rare, the expensive and the late,
so withholding them biases every headline figure. For each published row-level table this module
compares the published rows with the population the table could have held (the warehouse's
private `int_bizdev_release_population`: every eligible customer, every order of an eligible
customer, every session inside its window) and reports:

* the share withheld by rows and, for orders, by revenue; the rows kept by local recoding or by
  blanking a column (macros/privacy/k_anonymous_classes.sql);
* the share withheld per breakdown value (service, site, age band) and per segment (customer
  type, or customer/visitor);
* the average class size and the discernibility per row (the size of the class a row sits in,
  averaged over rows: ARX's discernibility metric divided by the rows) of the published table;
* the bias of the headline figures against the exact private ones: orders, revenue, on-time
  share (as the published `is_on_time` reads it) and average order value.

Exact totals never leave the warehouse: every figure is published as a whole percent (or a
whole class size), which no total can be recovered from to better than half a percent. The
bounds (dbt var `release_utility_bounds`, declared once in dbt_project.yml) are checked on the
exact figures: the publish refuses a release that drifts beyond them, so levels chosen on one
day's data cannot silently bias another's (docs/attacker-model.md, "Utility beside risk").
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from privacy_warehouse.dbt_artifacts import quoted_relation, table_name
from privacy_warehouse.risk import quasi_identifiers, row_level
from privacy_warehouse.sql import quote_identifier, quote_literal

POPULATION_MODEL = "private.int_bizdev_release_population"


def _percent(value: float | None) -> int | None:
    return None if value is None else round(value)


def exact_figures(con: duckdb.DuckDBPyConnection, catalog: str, model_name: str) -> dict:
    """The exact comparison of one table's published rows with its population (private: the
    gate reads these; only `published_figures` leaves the warehouse)."""
    population = f"{quote_identifier(catalog)}.{POPULATION_MODEL}"
    where = f"model_name = {quote_literal(model_name)}"
    (rows, published, recoded, blanked, value, published_value, on_time, published_on_time,
     average_value, published_average_value) = con.execute(f"""
        select
            count(*),
            count(*) filter (where is_published),
            count(*) filter (where is_published and protection_step = 'recoded'),
            count(*) filter (where is_published and protection_step like 'blanked_%'),
            sum(value_sek),
            sum(value_sek) filter (where is_published),
            avg(case when is_on_time then 1.0 when not is_on_time then 0.0 end),
            avg(case when published_is_on_time then 1.0 when not published_is_on_time then 0.0 end)
                filter (where is_published),
            avg(value_sek),
            avg(value_sek) filter (where is_published)
        from {population} where {where}
    """).fetchall()[0]

    def withheld(column: str) -> dict:
        found = con.execute(
            f"select {column}_name, {column}, count(*) filter (where is_published), count(*) "
            f"from {population} where {where} group by all order by all").fetchall()
        return {"by": found[0][0] if found else None,
                "withheld_percent": {str(value): 100.0 * (1 - kept / total)
                                     for _, value, kept, total in found}}

    def ratio(published_part, whole) -> float | None:
        return None if not whole else 100.0 * (float(published_part or 0) / float(whole) - 1)

    return {
        "rows_withheld_percent": 100.0 * (1 - published / rows) if rows else 0.0,
        "rows_recoded_percent": 100.0 * recoded / rows if rows else 0.0,
        "rows_blanked_percent": 100.0 * blanked / rows if rows else 0.0,
        "revenue_withheld_percent": None if value is None else -ratio(published_value, value),
        "breakdown": withheld("breakdown"),
        "segment": withheld("segment"),
        "bias": {
            "rows_percent": ratio(published, rows),
            "revenue_percent": None if value is None else ratio(published_value, value),
            "on_time_share_points": (None if on_time is None or published_on_time is None
                                     else 100.0 * (float(published_on_time) - float(on_time))),
            "average_order_value_percent": (None if average_value is None
                                            else ratio(published_average_value, average_value)),
        },
    }


def class_figures(con: duckdb.DuckDBPyConnection, node: dict, relation: str) -> dict:
    """Average class size (rows per class) and discernibility per row (the average, over rows,
    of the size of the row's class) of a published table on its quasi-identifiers."""
    columns = ", ".join(quote_identifier(c) for c in quasi_identifiers(node)) or "1"
    classes, rows, squares = con.execute(
        f"select count(*), sum(size), sum(size * size) from "
        f"(select count(*) as size from {relation} group by {columns}) as classes").fetchall()[0]
    return {"average_class_size": round(rows / classes) if classes else None,
            "discernibility_per_row": round(squares / rows) if rows else None}


def published_figures(exact: dict) -> dict:
    """The exact figures, each rounded to a whole percent: what publication.json carries."""
    def rounded(value):
        if isinstance(value, dict):
            return {key: rounded(item) for key, item in value.items()}
        return _percent(value) if isinstance(value, float) else value
    return rounded(exact)


def bound_problems(model_name: str, exact: dict, bounds: dict) -> list[str]:
    """Where the exact figures drift beyond the declared bounds (var release_utility_bounds)."""
    problems = []
    bias = exact["bias"]
    checks = [
        ("revenue_suppressed_percent", exact["revenue_withheld_percent"],
         "of the eligible revenue withheld"),
        ("service_orders_suppressed_percent",
         max(exact["breakdown"]["withheld_percent"].values(), default=None)
         if exact["breakdown"]["by"] == "service" else None,
         "of one service's orders withheld"),
        ("on_time_share_bias_points", None if bias["on_time_share_points"] is None
         else abs(bias["on_time_share_points"]), "of bias in the on-time share"),
        ("average_order_value_bias_percent", None if bias["average_order_value_percent"] is None
         else abs(bias["average_order_value_percent"]), "of bias in the average order value"),
    ]
    for bound_name, value, what in checks:
        bound = bounds.get(bound_name)
        if bound is not None and value is not None and value > float(bound):
            unit = " points" if bound_name.endswith("_points") else " %"
            problems.append(f"{model_name}: {value:.1f}{unit} {what} (bound {bound}{unit})")
    return problems


def assess_utility(published_file, warehouse_path, nodes: list[dict],
                   bounds: dict) -> tuple[dict, list[str]]:
    """publication.json's `release_utility` and the gate's problems, for the row-level tables
    among `nodes` (the warehouse attached read-only for the private population)."""
    catalog = nodes[0]["database"] if nodes else "warehouse"
    published = quote_identifier(Path(published_file).stem)
    con = duckdb.connect(str(published_file), read_only=True)
    tables, problems = {}, []
    try:
        con.execute(f"attach {quote_literal(str(warehouse_path))} as {quote_identifier(catalog)} "
                    f"(read_only)")
        for node in nodes:
            if row_level(node) is None:
                continue
            name = table_name(node)
            exact = exact_figures(con, catalog, name)
            figures = published_figures(exact)
            figures.update(class_figures(con, node, f"{published}.{quoted_relation(node)}"))
            tables[name] = figures
            problems.extend(bound_problems(name, exact, bounds))
    finally:
        con.close()
    return ({"rounded_to": "whole percent", "bounds": bounds, "tables": tables,
             "within_bounds": not problems, "beyond_bounds": problems}, problems)
