"""`generate --day D`: append one day's batch to an existing landing zone.

A source system lands a new file per table per day; this writes `part-<D>.parquet` into
`web/page_views`, `booking/orders` and `booking/payments`: page views of that day (new anonymous
visitors and known customers' devices), orders booked that day by existing good customers, and
their card and Swish payments. Ids embed the day (`O20260701-00001`) so they never collide with
the full zone's ids or another day's. The batch depends only on the zone's seed, scale and the
day, so writing it again gives the same bytes.

Customers that are planted boundary cases or bad rows never get new rows: their verdicts in
`_boundary_cases.csv` and `_bad_rows.csv` stay true.
"""

from __future__ import annotations

import csv
import json
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from privacy_warehouse.sql import quote_literal

from . import commerce
from .contract import TABLES_BY_NAME
from .draws import Draws
from .model import INVOICE, Sizes
from .render import create_macros, orders_sql, page_views_sql, payments_sql, typed_select
from .timeutil import DAY, HOUR, SECOND, day_number, us_of
from .vocabulary import PLACES
from .zone import Progress, connect, write_table

CUSTOMER_FORMAT = TABLES_BY_NAME["booking.customers"].id_format


def _excluded_customers(out: Path) -> list[str]:
    """Customer ids that must not get new rows: bad rows and boundary subjects."""
    excluded = set()
    bad_rows = out / "_bad_rows.csv"
    if bad_rows.exists():
        with bad_rows.open(encoding="utf-8") as handle:
            excluded |= {row["record_id"] for row in csv.DictReader(handle)
                         if row["source_table"] == "booking.customers"}
    boundary = out / "_boundary_cases.csv"
    if boundary.exists():
        with boundary.open(encoding="utf-8") as handle:
            excluded |= {row["subject_id"] for row in csv.DictReader(handle)
                         if row["source_table"].startswith("booking.")}
    return sorted(excluded)


def append_day(out: Path, day: date, force: bool = False,
               progress: Progress | None = None) -> dict[str, int]:
    """Write one day's batch into the landing zone at `out`; return table -> rows written."""
    out = Path(out)
    meta_path = out / "_generator.json"
    if not meta_path.exists():
        raise FileNotFoundError(f"{meta_path} not found: --day appends to a landing zone this "
                                "generator wrote; generate one first")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    seed, scale = int(meta["seed"]), float(meta["scale"])
    stem = f"part-{day.isoformat()}"
    tables = ["web.page_views", "booking.orders", "booking.payments"]
    existing = [TABLES_BY_NAME[name].folder(out) / f"{stem}.parquet" for name in tables]
    if any(path.exists() for path in existing) and not force:
        raise FileExistsError(f"the batch of {day} already exists ({existing[0]}); "
                              "use --force to write it again")
    say = progress or (lambda line: None)
    tag = day.strftime("%Y%m%d")
    draws = Draws(seed, scale, day)  # its clock ends on `day`: nothing after it
    sizes = Sizes.for_scale(scale)
    rng = np.random.default_rng([seed, day_number(day), 20_000])
    written: dict[str, int] = {}

    with tempfile.TemporaryDirectory(prefix="privacy-warehouse-day-") as work:
        con = connect(Path(work), on_disk=False)
        create_macros(con, seed)
        customers_glob = TABLES_BY_NAME["booking.customers"].folder(out) / "*.parquet"
        views_glob = TABLES_BY_NAME["web.page_views"].folder(out) / "*.parquet"
        excluded = ", ".join(quote_literal(value) for value in _excluded_customers(out)) or "''"
        places = ", ".join(f"({index}, {quote_literal(place[0])}, {quote_literal(place[1])})"
                           for index, place in enumerate(PLACES))
        # Eligible customers: good, existing before the day, at a known place.
        con.execute(f"""
            create table good_customers as
            select * from read_parquet('{customers_glob}')
            where created_at < {quote_literal((day).isoformat())}::timestamp
              and customer_id not in ({excluded})
              and regexp_full_match(customer_id, 'C[0-9]{{7}}');
            create table day_customers as
            select row_number() over (order by c.customer_id) - 1 as idx, c.customer_id,
                cast(substr(c.customer_id, 2) as bigint) as customer_no,
                c.customer_type = 'business' as business, p.place,
                cast(regexp_replace(c.postal_code, '[^0-9]', '', 'g') as bigint) as postal,
                list_position(['SE', 'NO', 'DK', 'FI', 'DE'], c.country_code) - 1 as country
            from good_customers as c
            join (values {places}) as p(place, country_code, city)
                on p.country_code = c.country_code and p.city = c.city
            order by c.customer_id""")
        customers = con.execute("select * from day_customers order by idx").fetchnumpy()
        customers = {key: np.asarray(values) for key, values in customers.items()}
        if customers["idx"].size == 0:
            raise ValueError(f"no customer in {out} existed before {day}")

        started = time.perf_counter()
        orders, payments = _plan_orders(draws, rng, customers, day, sizes)
        con.register("p_day_orders", orders)
        con.register("p_day_payments", payments)
        con.execute(f"""
            create table day_orders as {typed_select('booking.orders', orders_sql(
                order_id=f"printf('O{tag}-%05d', no % 1000000)",
                customer_id="customer_key",
                source="(select o.*, c.customer_id as customer_key from p_day_orders as o "
                       "join day_customers as c on c.idx = o.customer)"))};
            create table day_payments as {typed_select('booking.payments', payments_sql(
                payment_id=f"printf('P{tag}-%05d', no % 1000000)",
                order_id=f"printf('O{tag}-%05d', order_no % 1000000)",
                source="p_day_payments"))}""")
        for name, relation in (("booking.orders", "day_orders"),
                               ("booking.payments", "day_payments")):
            written[name] = write_table(con, TABLES_BY_NAME[name],
                                        f"(select *, 0 as _ord from {relation})",
                                        TABLES_BY_NAME[name].folder(out), file_stem=stem)
            say(f"{name:<28} {written[name]:>12,} rows {time.perf_counter() - started:6.1f} s")

        started = time.perf_counter()
        known = con.execute(f"""
            select v.visitor_id, min(c.customer_no) as customer_no
            from read_parquet('{views_glob}') as v
            join day_customers as c on c.customer_id = v.customer_id
            where v.visitor_id is not null
            group by v.visitor_id order by v.visitor_id""").fetchall()
        sessions = _plan_sessions(draws, rng, day, sizes, len(known))
        con.register("p_day_sessions", sessions)
        con.register("p_known_visitors", {
            "visitor_index": np.arange(len(known), dtype=np.int64),
            "visitor_id": np.array([row[0] for row in known], dtype=object),
            "known_customer_no": np.array([row[1] for row in known], dtype=np.int64)})
        source = f"""(select s.* replace (
                coalesce(k.known_customer_no, 0) as customer_no,
                s.logged_in and k.known_customer_no is not null as logged_in,
                -- a known device's home IP follows its cookie id, the same on every day
                case when s.known then cast(hash(k.visitor_id) >> 2 as bigint)
                     else s.visitor end as visitor),
                coalesce(k.visitor_id,
                         md5(printf('%d/{tag}/%d', {seed}, s.visitor))) as visitor_key
            from p_day_sessions as s
            left join p_known_visitors as k on s.known and k.visitor_index = s.visitor)"""
        con.execute(f"""create table day_page_views as {typed_select('web.page_views',
            page_views_sql(event_id=f"printf('E{tag}-%07d', first_event + k)",
                           session_id=f"printf('S{tag}-%06d', no % 1000000)",
                           visitor="visitor_key", source=source))}""")
        name = "web.page_views"
        written[name] = write_table(con, TABLES_BY_NAME[name],
                                    "(select *, 0 as _ord from day_page_views)",
                                    TABLES_BY_NAME[name].folder(out), file_stem=stem)
        say(f"{name:<28} {written[name]:>12,} rows {time.perf_counter() - started:6.1f} s")
        con.close()

    meta.setdefault("day_batches", {})[day.isoformat()] = written
    meta["day_batches"] = dict(sorted(meta["day_batches"].items()))
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return written


def _plan_orders(draws: Draws, rng: np.random.Generator, customers: dict, day: date,
                 sizes: Sizes) -> tuple[dict, dict]:
    """The day's orders (half again the decade's average daily volume) and their payments."""
    n = max(1, round(sizes.orders / 3650 * 1.5))
    customer = np.sort(rng.choice(customers["idx"].size, n))
    start = us_of(day)
    ordered = np.sort(start + rng.integers(6 * 3600, 20 * 3600, n) * SECOND)
    orders = draws.order_columns(rng, customers, customer, ordered)
    commerce.plan_order_lifecycle(draws, rng, orders)
    # No invoice goes out on the day of booking: invoice-paid orders wait for their invoice.
    payments, _, _, _ = commerce.plan_payments_and_invoices(draws, customers, orders)
    payments = {key: values[payments["method"] != INVOICE] for key, values in payments.items()}
    offset = day_number(day) * 1_000_000  # hash inputs differ from any other day's
    orders["no"] = offset + np.arange(1, n + 1)
    orders["customer_no"] = customers["customer_no"][customer]
    by_time = np.argsort(payments["paid"], kind="stable")
    payments = {key: values[by_time] for key, values in payments.items()}
    payments["no"] = offset + np.arange(1, payments["paid"].size + 1)
    payments["order_no"] = orders["no"][payments["order"]]
    payments["customer_no"] = orders["customer_no"][payments["order"]]
    return orders, payments


def _plan_sessions(draws: Draws, rng: np.random.Generator, day: date, sizes: Sizes,
                   n_known: int) -> dict:
    """The day's sessions: a quarter from known customers' devices, the rest new visitors."""
    n = max(1, round(sizes.page_views / 3650 * 1.3 / 3.5))
    start = us_of(day) + rng.integers(0, 22 * 3600, n) * SECOND
    start = np.sort(np.minimum(start, us_of(day) + DAY - 2 * HOUR))
    known = (rng.random(n) < 0.25) & (n_known > 0)
    visitor = np.where(known, rng.integers(0, max(n_known, 1), n),
                       rng.integers(0, max(1, n // 2), n))
    sessions = draws.session_columns(rng, visitor, start)
    sessions["known"] = known
    sessions["logged_in"] = known & (rng.random(n) < 0.6)
    sessions["customer_no"] = np.zeros(n, dtype=np.int64)  # filled from the known visitor
    sessions["no"] = day_number(day) * 1_000_000 + np.arange(1, n + 1)
    sessions["first_event"] = np.concatenate([[1], 1 + np.cumsum(sessions["pages"])[:-1]])
    # home IPs are keyed by visitor: offset so one day's visitor 7 is not another day's
    sessions["visitor"] = np.where(known, sessions["visitor"],
                                   day_number(day) * 1_000_000 + sessions["visitor"])
    return sessions


__all__ = ["append_day"]
