"""Differentially private tables (issue 18): honest intervals, the budget ledger, closed periods.

The interval test runs OpenDP in-process on a small fixed population (no dbt); the ledger and
closed-period tests run the release on copies of the session's hand-written warehouse (its
private tier, `int_dp_*`, built by the real dbt project). Each check is shown failing once on a
planted violation.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from privacy_warehouse import dp_release
from privacy_warehouse.dbt_artifacts import MANIFEST, read_artifact
from privacy_warehouse.personal_data import project_vars
from privacy_warehouse.publish import PublishRefused
from test_publish import publish_into, snapshot

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DP_YAML = PROJECT_ROOT / "models" / "intermediate" / "private" / "_dp__models.yml"
DRAWS = 200


# --------------------------------------------------------------------------------------------
# The stated 95 % interval holds: 93-97 % coverage over 200 draws
# --------------------------------------------------------------------------------------------


def _declared(table_name: str) -> dp_release.DpTable:
    """A table as _dp__models.yml declares it (the same spec the publish reads)."""
    for model in yaml.safe_load(DP_YAML.read_text("utf-8"))["models"]:
        manifest = {"nodes": {model["name"]: {
            "resource_type": "model", "schema": "private", "name": model["name"],
            "config": model.get("config") or {}}}}
        for table in dp_release.declared_tables(manifest):
            if table.name == table_name:
                return table
    raise AssertionError(f"{table_name} is not declared")


def _population(table) -> tuple[pl.DataFrame, pl.DataFrame, list[dt.date]]:
    """400 customers' orders over 3 months, 4 services, 2 customer types, within the table's
    declared bounds (so OpenDP's truncation and clamping change nothing and the exact value is
    the plain aggregate)."""
    import random

    price_bound = int(next(m["bounds"][1] for m in table.measures if m.get("sum")))
    cells_per_month = min(table.max_cells_per_period, 4)

    rng = random.Random(18)
    months = [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)]
    services = ["same_day", "express", "next_day", "airport_to_airport"]
    rows = []
    for person in range(400):
        customer_type = "private" if person % 3 else "business"
        for month in months:
            for service in rng.sample(services, rng.randint(0, cells_per_month)):
                for _ in range(rng.randint(1, table.max_rows_per_cell)):
                    rows.append({"person_id": f"C-{person}", "order_month": month,
                                 "service": service, "customer_type": customer_type,
                                 "price_sek": rng.randint(50, price_bound)})
    frame = pl.DataFrame(rows)
    keys = pl.DataFrame([{"order_month": m, "service": s, "customer_type": t, "data_period": m}
                         for m in months for s in services for t in ("private", "business")])
    return frame, keys, months


def _coverage(table, frame, keys, months, narrowing: float = 1.0,
              draws: int = DRAWS) -> dict[str, float]:
    """Share of (draw, cell) pairs whose exact value lies within the stated interval."""
    prepared = dp_release.prepare_frame(table, frame, keys)
    measurement = dp_release.build_measurement(table, prepared, keys, rho=0.05,
                                               periods=len(months))
    exact = frame.group_by(table.key_columns).agg(
        pl.len().alias("order_count_exact"), pl.col("price_sek").sum().alias("revenue_sek_exact"))
    expected = keys.join(exact, on=table.key_columns, how="left").fill_null(0)
    hits = {"order_count": 0, "revenue_sek": 0}
    cells = 0
    for _ in range(draws):
        draw = dp_release.release_measurement(measurement, prepared).join(
            expected, on=table.key_columns)
        cells += draw.height
        for name in hits:
            half = draw[f"{name}_ci95"] * narrowing
            hits[name] += int(((draw[name] - draw[f"{name}_exact"]).abs() <= half).sum())
    return {name: hit / cells for name, hit in hits.items()}


def test_the_stated_95_percent_interval_covers_the_exact_value_in_93_to_97_percent():
    table = _declared("dp_orders_monthly")
    frame, keys, months = _population(table)
    coverage = _coverage(table, frame, keys, months)
    print(f"coverage over {DRAWS} draws x {keys.height} cells: {coverage}")
    for name, share in coverage.items():
        assert 0.93 <= share <= 0.97, (name, share)


def test_the_coverage_check_fails_on_a_planted_too_narrow_interval():
    """Planted: the intervals stated at half their width cover far less than 93 %."""
    table = _declared("dp_orders_monthly")
    frame, keys, months = _population(table)
    coverage = _coverage(table, frame, keys, months, narrowing=0.5, draws=50)
    assert all(share < 0.93 for share in coverage.values()), coverage


# --------------------------------------------------------------------------------------------
# The budget ledger and closed periods, on the hand-written warehouse's private tier
# --------------------------------------------------------------------------------------------


@pytest.fixture
def warehouse_copy(handwritten_warehouse, tmp_path) -> tuple[Path, dict, dp_release.Budget]:
    # The shared warehouse may already hold a ledger and answers (another test published it):
    # start from none.
    copy = _without_dp_state(handwritten_warehouse.duckdb_path, tmp_path / "warehouse.duckdb")
    manifest = read_artifact(handwritten_warehouse.target_path, MANIFEST)
    budget = dp_release.Budget.from_vars(project_vars(PROJECT_ROOT, {}))
    return copy, manifest, budget


def _compute(path: Path, manifest: dict, budget, as_of: str, run_id: str):
    con = duckdb.connect(str(path))
    try:
        database = con.execute("select current_database()").fetchone()[0]
        return dp_release.compute_release(con, database, manifest, budget,
                                          dt.date.fromisoformat(as_of), run_id), con
    except Exception:
        con.close()
        raise


def _published_bytes(releases) -> dict[str, dict[dt.date, bytes]]:
    """Each table's rows per data period, serialised: what must not change once closed."""
    out = {}
    for release in releases:
        if release.rows is None:
            continue
        out[release.table.name] = {
            period: group.write_csv().encode()
            for (period,), group in release.rows.sort(pl.all()).group_by(
                "data_period", maintain_order=True)}
    return out


def test_closed_periods_are_released_once_byte_for_byte_without_new_spend(warehouse_copy):
    path, manifest, budget = warehouse_copy
    first, con = _compute(path, manifest, budget, "2026-05-31", "release-1")
    spent_first = dp_release.ledger_spent(con, con.execute("select current_database()")
                                          .fetchone()[0])
    # A person objects after the periods closed: their orders leave the private tier.
    con.execute("delete from private.int_dp_orders where person_id = "
                "(select min(person_id) from private.int_dp_orders)")
    con.close()
    second, con = _compute(path, manifest, budget, "2026-06-30", "release-2")
    database = con.execute("select current_database()").fetchone()[0]
    ledger = con.execute(f"select release_run_id, count(*) from {dp_release.LEDGER} "
                         "group by 1 order by 1").fetchall()
    spent_second = dp_release.ledger_spent(con, database)
    con.close()

    before, after = _published_bytes(first), _published_bytes(second)
    assert before, "the first release published nothing"
    for table, periods in before.items():
        for period, rows in periods.items():
            assert after[table][period] == rows, (table, period)
    # Only the month that closed in between was computed and charged (one per monthly table).
    monthly = sum(1 for r in second if r.table.grain == "month")
    assert dict(ledger)["release-2"] == monthly, ledger
    assert all(len(r.new_periods) == (1 if r.table.grain == "month" else 0) for r in second)
    assert spent_second["2026"] > spent_first["2026"]
    assert {p: r for p, r in spent_second.items() if p != "2026"} == \
        {p: r for p, r in spent_first.items() if p != "2026"}


def test_the_closed_period_check_fails_when_the_store_is_lost(warehouse_copy):
    """Planted: without the private store, the same closed periods get fresh noise."""
    path, manifest, budget = warehouse_copy
    first, con = _compute(path, manifest, budget, "2026-05-31", "release-1")
    for release in first:
        con.execute(f"drop table if exists private.dp_answers__{release.table.name}")
    con.execute(f"delete from {dp_release.LEDGER}")
    con.close()
    again, con = _compute(path, manifest, budget, "2026-05-31", "release-2")
    con.close()
    before, after = _published_bytes(first), _published_bytes(again)
    assert any(after[t][p] != rows for t, periods in before.items() for p, rows in periods.items())


def test_the_ledger_refuses_a_planted_overspend_and_says_by_how_much(warehouse_copy):
    path, manifest, budget = warehouse_copy
    con = duckdb.connect(str(path))
    database = con.execute("select current_database()").fetchone()[0]
    dp_release.ensure_private_tables(con, database)
    # Planted: an earlier release already spent 99 % of 2026's budget.
    con.execute(f"insert into {dp_release.LEDGER} values "
                "('2026', 'planted', date '2026-01-01', ?, 'planted-run', now())",
                [budget.rho_per_period * 0.99])
    con.close()
    with pytest.raises(dp_release.BudgetExceeded, match=r"accounting period 2026: .*over by"):
        _compute(path, manifest, budget, "2026-06-30", "release-1")
    con = duckdb.connect(str(path), read_only=True)
    stored = con.execute("select count(*) from information_schema.tables "
                         "where table_name like 'dp_answers__%'").fetchone()[0]
    ledger_rows = con.execute(f"select count(*) from {dp_release.LEDGER}").fetchone()[0]
    con.close()
    assert (stored, ledger_rows) == (0, 1), "a refused release stored or spent something"


def test_the_ledger_admits_the_same_release_without_the_planted_spend(warehouse_copy):
    """The control: the declared shares fit the budget, so the release goes through."""
    path, manifest, budget = warehouse_copy
    releases, con = _compute(path, manifest, budget, "2026-06-30", "release-1")
    spent = dp_release.ledger_spent(con, con.execute("select current_database()").fetchone()[0])
    con.close()
    assert releases and max(spent.values()) <= budget.rho_per_period * (1 + 1e-9)


def _without_dp_state(source: Path, copy: Path) -> Path:
    """A copy of the warehouse whose ledger and closed-period store are gone: what a warehouse
    rebuilt from scratch (or a deleted file) holds."""
    shutil.copy2(source, copy)
    con = duckdb.connect(str(copy))
    for (name,) in con.execute("select table_name from information_schema.tables where "
                               "table_schema = 'private' and table_name like 'dp\\_%' "
                               "escape '\\'").fetchall():
        con.execute(f"drop table private.{name}")
    con.close()
    return copy


def test_a_publish_refuses_a_warehouse_whose_ledger_is_behind_the_live_release(
        handwritten_warehouse, tmp_path):
    """Planted: the live release came from a warehouse with a ledger; the next publish comes from
    one without (deleted and rebuilt). It would draw the closed periods again with new noise,
    so it is refused and the live release stays. The control: the warehouse that published the
    live release publishes again."""
    kept = _without_dp_state(handwritten_warehouse.duckdb_path, tmp_path / "kept.duckdb")
    live = publish_into(handwritten_warehouse, tmp_path, warehouse=kept)
    assert any(p["rho_spent"] > 0 for p in live["differential_privacy"]["periods"])
    before = snapshot(tmp_path / "publish")

    lost = _without_dp_state(kept, tmp_path / "rebuilt.duckdb")
    with pytest.raises(PublishRefused, match=r"(?s)ledger of this warehouse holds less.*"
                                             r"accounting period 20\d\d: the live release spent"):
        publish_into(handwritten_warehouse, tmp_path, warehouse=lost)
    assert snapshot(tmp_path / "publish") == before
    con = duckdb.connect(str(lost), read_only=True)
    drawn = con.execute("select count(*) from information_schema.tables where "
                        "table_schema = 'private' and table_name like 'dp\\_answers%' "
                        "escape '\\'").fetchone()[0]
    con.close()
    assert drawn == 0, "the refused publish stored answers"

    again = publish_into(handwritten_warehouse, tmp_path, warehouse=kept)
    assert again["differential_privacy"]["periods"] == live["differential_privacy"]["periods"]
