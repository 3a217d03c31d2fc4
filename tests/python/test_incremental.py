"""Incremental daily builds: a full build, then a day's files and a build the next day, equals a
full build of everything on that next day, table for table, in every schema (private included).

What keeps state between builds: the quarantine models (incremental by landed file on DuckDB,
re-judging only what a day can change: macros/landing/check_landing_table.sql), the key map
`private.int_bizdev_pseudonym_keys` and the leak-scan hashes `private.leak_scan_values`. The
day planted here exercises every way an old verdict can change: it repeats an old order id
(the old row now conflicts, and its payments lose their parent), it brings the customer an
earlier order pointed at (a late parent: the order and its payment are accepted now), as_of
moves past a page view that landed timestamped ahead, and windows planted on day one's edge end.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

from dbt_project_runner import PROJECT_ROOT, DbtProject, table_checksums
from privacy_warehouse.generate import append_day, generate_landing_zone
from privacy_warehouse.pseudonyms import pseudonym

DAY_ONE = date(2026, 6, 30)
DAY_TWO = DAY_ONE + timedelta(days=1)
STATEFUL_MODELS = ("private.int_bizdev_pseudonym_keys", "private.leak_scan_values",
                   "quarantine.base_booking__orders", "quarantine.base_booking__payments",
                   "quarantine.base_booking__customers", "quarantine.base_web__page_views")
OTHER_KEY = "a4efc5abe85fe23377cba1865114e2196d574c6f63fe6734bdcae89113edb194"  # tests only
LATE_CUSTOMER = "C9999901"  # the parent that lands a day after the order pointing at it
LATE_ORDER = "O20260630-99901"
LATE_PAYMENT = "P20260630-99901"
EARLY_VIEW = "PV-EARLY-99901"  # landed on day one, timestamped on day two


def every_table(project: DbtProject) -> dict[str, tuple[int, int]]:
    return table_checksums(project.duckdb_path)


def _build(project: DbtProject, as_of: date, *args: str) -> None:
    result = project.build("--exclude", "test_type:unit", *args, as_of=as_of.isoformat())
    assert result.returncode == 0, result.output[-4000:]


def _write(zone: Path, table: str, file_name: str, select: str) -> None:
    """A file of rows made from the zone's own rows by `select` (over `landed`, the table)."""
    folder = zone / table.replace(".", "/")
    con = duckdb.connect()
    try:
        con.execute(f"create view landed as select * from read_parquet('{folder}/part-0000*.parquet')")
        con.execute(f"copy ({select}) to '{folder / file_name}' (format parquet)")
    finally:
        con.close()


def _plant_day_one(zone: Path) -> None:
    """An order (and its payment) whose customer has not landed yet; a page view ahead of as_of."""
    _write(zone, "booking.orders", f"part-{DAY_ONE}.parquet",
           f"select * replace ('{LATE_ORDER}' as order_id, '{LATE_CUSTOMER}' as customer_id) "
           "from landed where order_id in (select min(order_id) from landed where order_id like 'O%')")
    _write(zone, "booking.payments", f"part-{DAY_ONE}.parquet",
           f"select * replace ('{LATE_PAYMENT}' as payment_id, '{LATE_ORDER}' as order_id) "
           "from landed where payment_id in (select min(payment_id) from landed where payment_id like 'P%')")
    _write(zone, "web.page_views", f"part-{DAY_ONE}.parquet",
           f"select * replace ('{EARLY_VIEW}' as event_id, "
           f"timestamp '{DAY_TWO} 09:00:00' as occurred_at) "
           "from landed where event_id in (select min(event_id) from landed where customer_id is null)")


def _plant_day_two(zone: Path, repeated_order: str) -> None:
    """The late customer; an old order's id again with another amount."""
    _write(zone, "booking.customers", f"part-{DAY_TWO}-late.parquet",
           f"select * replace ('{LATE_CUSTOMER}' as customer_id) from landed "
           "where customer_id in (select min(customer_id) from landed where customer_type = 'business')")
    _write(zone, "booking.orders", f"part-{DAY_TWO}-repeat.parquet",
           "select * replace (price_sek + 1 as price_sek) from landed "
           f"where order_id = '{repeated_order}'")


def _verdicts(project: DbtProject, model: str, key: str, ids: list[str]) -> dict[str, list]:
    listed = ", ".join(f"'{i}'" for i in ids)
    rows = project.query(f"select {key}, rejection_reason from quarantine.{model} "
                         f"where {key} in ({listed}) order by 1, 2")
    found: dict[str, list] = {}
    for record_id, reason in rows:
        found.setdefault(record_id, []).append(reason)
    return found


def test_full_build_then_a_day_equals_a_full_build_of_everything(tmp_path):
    landing_zone = tmp_path / "raw"
    generate_landing_zone(landing_zone, scale=0.01, seed=5, as_of=DAY_ONE, bad_rows=0.02)
    _plant_day_one(landing_zone)

    daily = DbtProject(root=PROJECT_ROOT, raw_data_dir=landing_zone, work_dir=tmp_path / "daily")
    _build(daily, DAY_ONE)
    before = every_table(daily)
    # An accepted order that has an accepted payment: the day repeats its id.
    repeated_order = daily.query(
        "select min(o.order_id) from quarantine.base_booking__orders as o "
        "inner join quarantine.base_booking__payments as p on p.order_id = o.order_id "
        "where o.rejection_reason is null and p.rejection_reason is null")[0][0]
    assert _verdicts(daily, "base_booking__orders", "order_id", [LATE_ORDER]) == {
        LATE_ORDER: ["unknown_reference"]}
    assert _verdicts(daily, "base_booking__payments", "payment_id", [LATE_PAYMENT]) == {
        LATE_PAYMENT: ["unknown_reference"]}
    assert _verdicts(daily, "base_web__page_views", "event_id", [EARLY_VIEW]) == {
        EARLY_VIEW: ["timestamp_after_as_of"]}
    # Windows end between the two days (the generator plants rows on day one's edges).
    ending = daily.query("select count(*) from compliance.retention_deadlines "
                         f"where retention_until = date '{DAY_ONE}'")[0][0]
    assert ending > 0

    written = append_day(landing_zone, DAY_TWO)
    assert sum(written.values()) > 0
    _plant_day_two(landing_zone, repeated_order)
    _build(daily, DAY_TWO)

    full = DbtProject(root=PROJECT_ROOT, raw_data_dir=landing_zone, work_dir=tmp_path / "full")
    _build(full, DAY_TWO, "--full-refresh")
    expected = every_table(full)

    assert set(STATEFUL_MODELS) <= set(expected)
    assert "private.int_bizdev_pseudonym_keys" in expected
    assert every_table(daily) == expected
    # Not vacuous: the day changed the stateful tables, and every planted case happened.
    for model in STATEFUL_MODELS:
        assert before[model] != expected[model], model
    assert _verdicts(daily, "base_booking__orders", "order_id", [LATE_ORDER, repeated_order]) == {
        LATE_ORDER: [None], repeated_order: ["conflicting_duplicate_id"] * 2}
    assert _verdicts(daily, "base_booking__payments", "payment_id", [LATE_PAYMENT]) == {
        LATE_PAYMENT: [None]}
    assert _verdicts(daily, "base_web__page_views", "event_id", [EARLY_VIEW]) == {EARLY_VIEW: [None]}
    lost = daily.query("select count(*), count(rejection_reason) from quarantine.base_booking__payments "
                       f"where order_id = '{repeated_order}'")[0]
    assert lost[0] > 0 and lost[0] == lost[1]  # its payments lost their parent
    # The two sets a day re-judges, as models: counted, and holding the planted rows.
    assert daily.query("select source_table, landed_files, landed_rows, rejected_rows "
                       "from quarantine.landing_repeated_ids "
                       f"where record_id = '{repeated_order}'") == [("booking.orders", 2, 2, 2)]
    assert daily.query("select source_table, reference_column, landed_rows, rejected_rows "
                       "from quarantine.landing_late_parents "
                       f"where record_id = '{LATE_ORDER}'") == [("booking.orders", "customer_id", 1, 0)]
    assert daily.query("select count(*) from staging.stg_booking__orders "
                       f"where order_id = '{repeated_order}'") == [(0,)]


    # A judged file that is gone (an erased extract) stops the build instead of leaving its rows.
    (landing_zone / "booking" / "orders" / f"part-{DAY_TWO}-repeat.parquet").unlink()
    gone = daily.build("-s", "base_booking__orders", as_of=DAY_TWO.isoformat())
    assert gone.returncode != 0
    assert f"part-{DAY_TWO}-repeat.parquet" in gone.output and "--full-refresh" in gone.output


def test_a_new_key_recomputes_every_pseudonym_incrementally(tmp_path):
    landing_zone = tmp_path / "raw"
    generate_landing_zone(landing_zone, scale=0.005, seed=6, as_of=DAY_ONE)
    project = DbtProject(root=PROJECT_ROOT, raw_data_dir=landing_zone, work_dir=tmp_path / "run")
    for key in (project.key, OTHER_KEY):  # the second run finds a map made under another key
        project.key = key
        # build, not run: the quarantine models read seeds (country codes); no tests needed here.
        result = project.dbt("build", "--select", "+int_bizdev_pseudonym_keys",
                             "--resource-type", "seed", "--resource-type", "model",
                             as_of=DAY_ONE.isoformat())
        assert result.returncode == 0, result.output[-4000:]

    rows = project.query("select object_type, object_id, pseudonym "
                         "from private.int_bizdev_pseudonym_keys")
    assert len(rows) > 100
    assert len({(object_type, object_id) for object_type, object_id, _ in rows}) == len(rows)
    key = OTHER_KEY.encode()
    wrong = [(t, i) for t, i, p in rows
             if p != pseudonym(key, "business_development", f"{t}:{i}")]
    assert wrong == []
