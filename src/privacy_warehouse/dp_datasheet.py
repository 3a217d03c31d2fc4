"""The datasheet of a differentially private table: what its README entry, DuckDB comments and
Parquet key-value metadata say, written from its declaration (meta.dp_tables) in the same shape
as the marts' (privacy_warehouse.datasheet), so analysts read both the same way."""

from __future__ import annotations

PUBLISHED_SCHEMA = "bizdev"


def _column_words(table, budget) -> dict[str, str]:
    """What each published column of a DP table means, from its declaration."""
    words = {}
    for key, spec in table.keys.items():
        if spec.get("calendar") == "weeks_of_period":
            origin = "the Monday of the week (public calendar)"
        elif "calendar" in spec:
            cohort = "minus_months" in spec or "minus_months_of" in spec
            origin = f"the first day of the {'month' if cohort else table.grain} (public calendar)"
        elif "range" in spec:
            origin = f"an integer from {spec['range'][0]} to {spec['range'][1]}"
        elif "accepted_values_of" in spec:
            origin = f"one of the values {spec['accepted_values_of']} accepts"
        elif "seed_values_of" in spec:
            origin = f"one of seed {spec['seed_values_of']}"
        else:
            origin = "one of " + ", ".join(str(v) for v in spec["values"])
        words[key] = f"Group key {key}: {origin}. Every key is released, empty or not."
    for measure in table.measures:
        name = measure["name"]
        if measure.get("count"):
            what = "Count of rows in the cell"
        elif measure.get("sum"):
            low, high = measure["bounds"]
            what = f"Sum of {measure['sum']} in the cell, each value clamped to {low}..{high}"
        else:
            what = (f"The {measure['alpha']} quantile of {measure['quantile']} in the cell, "
                    "chosen among the whole numbers {0}..{1}".format(*measure["candidates"][:2]))
        words[name] = (f"{what}, with noise from OpenDP (zCDP, a person's contribution bounded "
                       f"to {table.max_rows_per_cell} rows a cell and "
                       f"{table.max_cells_per_period} cells a {table.grain}).")
        words[f"{name}_ci95"] = (
            f"Half-width of the 95 % interval OpenDP states for {name}: the exact value lies "
            f"within {name} ± this in 95 % of releases (noise only, not the bounds' bias)."
            if not measure.get("quantile") else
            "Null: OpenDP states no interval for a quantile (the exponential mechanism).")
    for ratio in table.derived:
        name, (numerator, denominator) = ratio["name"], ratio["ratio"]
        scale = f" x {ratio['scale']}" if ratio.get("scale") else ""
        words[name] = (f"{numerator} / {denominator}{scale}: post-processing, no budget; null "
                       f"where {denominator} is within its interval of zero.")
        words[f"{name}_ci95_low"] = f"Lower end of {name}'s 95 % interval (delta method)."
        words[f"{name}_ci95_high"] = f"Upper end of {name}'s 95 % interval (delta method)."
    return words


def datasheet_of(table, budget, types: dict[str, str]):
    """The datasheet of a DP table (README, DuckDB comments, Parquet metadata), as the marts'."""
    from privacy_warehouse.datasheet import ColumnSheet, TableSheet

    words = _column_words(table, budget)
    declared = {"differential_privacy.unit": f"person ({table.identifier})",
                "differential_privacy.rho_per_data_period":
                    f"{table.rho_per_data_period(budget):.6g} (zCDP, a {table.grain})",
                "differential_privacy.budget_share": str(table.budget_share)}
    return TableSheet(
        name=f"{PUBLISHED_SCHEMA}.{table.name}",
        description=(f"One row per {' x '.join(table.key_columns)} of a closed {table.grain}. "
                     f"{table.description} Differentially private (OpenDP), computed once per "
                     "closed period from the private tier and republished unchanged."),
        kind="differentially private aggregate",
        purpose={"purpose": "business_development"},
        windows=[], left_out=["open periods (not yet closed)"], declared=declared,
        columns=[ColumnSheet(name=c, data_type=types.get(c, ""), description=words.get(c, ""),
                             unit="", generalisation="", values=[], values_complete=False,
                             declared={}) for c in table.published_columns()])
