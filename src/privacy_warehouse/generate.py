"""A synthetic Swedish landing zone in the contract's layout, vectorised in DuckDB.

    privacy-warehouse generate --out data/raw --scale 1 --seed 42 --as-of 2026-11-25

Scale 1 is about 20,000 customers, 200,000 orders and 2,000,000 page views; every table scales
with it. Randomness is `hash(seed, row, salt)`, so the same arguments give the same files.
Ten years of history end on `as_of`, with the lifecycles every rule of the register needs (open,
closed, unpaid and cancelled orders; active and terminated agreements; converted and unconverted
leads; consents granted, withdrawn and granted again; objections of every scope; open and
closed legal holds) and hand-placed boundary cases on both sides of each window
(`_boundary_cases.csv`). `--bad-rows 0.01` adds that share of extra bad rows of every kind the
contract lists, each recorded with its expected reason in `_bad_rows.csv`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

FIRST_NAMES = ["Åsa", "Björn", "Märta", "Jörgen", "Zoë", "Östen", "Anna", "Erik", "Lars", "Karin",
               "Sofia", "Mikael", "Eva", "Håkan", "Ingrid", "Göran", "Linnéa", "Måns", "Elin",
               "Oskar", "Agnès", "Nils", "Frida", "Ali", "Fatima", "Kalle", "Maja", "Sven"]
LAST_NAMES = ["Öberg", "Ström", "Lindqvist", "Åkesson", "Andersson", "Johansson", "Karlsson",
              "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson",
              "Pettersson", "Jönsson", "Hägg", "Ålund", "Lövgren", "Sjöberg", "Bäckström",
              "Nyström", "Wästerlund", "O'Connor"]
CITIES = [("Stockholm", 111), ("Göteborg", 411), ("Malmö", 211), ("Uppsala", 753),
          ("Västerås", 722), ("Örebro", 702), ("Linköping", 582), ("Helsingborg", 252),
          ("Jönköping", 553), ("Norrköping", 602), ("Lund", 222), ("Umeå", 903), ("Gävle", 802),
          ("Borås", 503), ("Södertälje", 151), ("Eskilstuna", 632), ("Karlstad", 652),
          ("Täby", 183), ("Växjö", 352), ("Halmstad", 302), ("Luleå", 972), ("Sundsvall", 852),
          ("Östersund", 831), ("Kiruna", 981)]
STREETS = ["Storgatan", "Drottninggatan", "Kungsgatan", "Vasagatan", "Östra Långgatan",
           "Södra vägen", "Skolgatan", "Järnvägsgatan", "Åsgatan", "Björkvägen"]
PATHS = ["/", "/boka", "/priser", "/tjanster/express", "/tjanster/same-day", "/kontakt",
         "/spara-forsandelse", "/om-oss", "/karriar", "/en/prices", "/boka?utm_source=nyhetsbrev",
         "/priser?email=kund%40exempel.se", "/boka?ref=partner&id=42"]
AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1",
          "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15",
          "Googlebot/2.1 (+http://www.google.com/bot.html)"]
NOTES = ["Ringde om offert för expressleveranser.", "Möte på kontoret; vill ha ramavtal.",
         "Skickade prislista per e-post.", "Kunden är nöjd men tycker att det är dyrt.",
         "Uppföljning efter mässan i Göteborg.", "Inget intresse just nu, återkom i höst."]
MESSAGES = ["Hej! Vad kostar en same day-leverans till Malmö?", "Vi vill ha en offert, tack.",
            "Kan ni hämta på lördagar?", "Prenumerera på nyhetsbrevet.",
            "Bra möte, säljaren var kunnig. 👍", "Kontakta mig på telefon efter kl 15."]
# Valid but hostile text: quotes, SQL, right-to-left marks, emoji, control characters, length.
HOSTILE = ["O'Brien \"citat\"", "'; drop table customers; --", "Ahmed \u200fמנהל\u200f 🚚",
           "tab\tand\x07bell", "x" * 10_000]
SERVICES = ["same_day", "express", "next_day", "airport_to_airport"]

TABLE_ORDER = ["booking.customers", "booking.agreements", "booking.orders", "booking.payments",
               "booking.invoices", "booking.invoice_lines", "web.page_views",
               "web.form_submissions", "crm.leads", "crm.activities", "crm.survey_responses",
               "consent.consent_events", "consent.objections", "legal.legal_holds"]


def _contract() -> dict[str, list[tuple[str, str]]]:
    """Column names and types per table, read from the dbt sources (the contract, once)."""
    import yaml

    sources = Path(__file__).resolve().parents[2] / "models" / "staging" / "_staging__sources.yml"
    declared = yaml.safe_load(sources.read_text(encoding="utf-8"))
    return {f"{s['name']}.{t['name']}": [(c["name"], c["data_type"]) for c in t["columns"]]
            for s in declared["sources"] for t in s["tables"]}


def _list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


class Generator:
    def __init__(self, out: Path, scale: float, seed: int, as_of: date, bad_rows: float):
        self.out, self.scale, self.seed, self.as_of, self.bad_share = out, scale, seed, as_of, bad_rows
        self.con = duckdb.connect()
        self.con.execute("set preserve_insertion_order = true")
        self.contract = _contract()
        self.counts: dict[str, int] = {}
        self.bad: list[tuple[str, str, str]] = []
        self.boundary: list[tuple[str, str, str, str, str]] = []
        self.n_customers = max(60, int(20_000 * scale))
        self.n_orders = max(300, int(200_000 * scale))
        self.n_page_views = max(2_000, int(2_000_000 * scale))
        self.n_leads = max(40, int(8_000 * scale))
        self._macros()

    # -- randomness -------------------------------------------------------------------------
    def _macros(self) -> None:
        seed, as_of = self.seed, self.as_of.isoformat()
        self.con.execute(f"""
            create macro u(i, salt) as (hash({seed}, i, salt) % 1000000) / 1000000.0;
            create macro pick(list_value, i, salt) as
                list_value[1 + cast(hash({seed}, i, salt) % len(list_value) as integer)];
            create macro as_of_ts() as timestamp '{as_of} 00:00:00';
            create macro luhn(digits) as (10 - list_sum(list_transform(range(1, length(digits) + 1),
                lambda p: (cast(substr(digits, p, 1) as integer) * (case when p % 2 = 1 then 2 else 1 end))
                     // 10 + (cast(substr(digits, p, 1) as integer) * (case when p % 2 = 1 then 2 else 1 end)) % 10
            )) % 10) % 10;
        """)

    def progress(self, table: str, started: float) -> None:
        print(f"  {table:<26} {self.counts[table]:>11,} rows  {time.time() - started:5.1f}s",
              file=sys.stderr, flush=True)

    # -- writing ----------------------------------------------------------------------------
    def write(self, table: str, query: str, file_name: str = "part-0000.parquet") -> None:
        started = time.time()
        system, name = table.split(".")
        folder = self.out / system / name
        folder.mkdir(parents=True, exist_ok=True)
        columns = ", ".join(f"cast({c} as {t}) as {c}" for c, t in self.contract[table])
        self.con.execute(f"create or replace temp table t_{name} as select {columns} from ({query})")
        self._add_bad_rows(table, name)
        path = folder / file_name
        self.con.execute(f"copy (select * from t_{name} order by all) to '{path}' "
                         "(format parquet, row_group_size 200000)")
        self.counts[table] = self.con.execute(f"select count(*) from t_{name}").fetchall()[0][0]
        self.progress(table, started)

    # -- good data --------------------------------------------------------------------------
    def customers(self) -> None:
        n = self.n_customers
        cities = _list([c for c, _ in CITIES])
        prefixes = "[" + ", ".join(str(p) for _, p in CITIES) + "]"
        self.con.execute(f"""
            create or replace temp table people as
            with base as (
                select
                    i,
                    'C' || lpad(cast(i as varchar), 7, '0') as customer_id,
                    case when u(i, 'type') < 0.7 then 'private' else 'business' end as customer_type,
                    date '1940-01-01' + cast(floor(u(i, 'birth') * 23000) as integer) as birth_date,
                    1 + cast(floor(u(i, 'bn') * 998) as integer) as birth_number,
                    u(i, 'samordning') < 0.03 as is_samordning,
                    pick({_list(FIRST_NAMES)}, i, 'first') as first_name,
                    pick({_list(LAST_NAMES)}, i, 'last') as last_name,
                    cast(floor(u(i, 'city') * {len(CITIES)}) as integer) + 1 as city_index,
                    u(i, 'foreign') < 0.02 as is_foreign,
                    -- ten years of history; created between 10 years and 1 day before as_of
                    as_of_ts() - to_seconds(cast(60 + u(i, 'created') * 315000000 as bigint)) as created_at,
                    u(i, 'span') as span
                from range({n}) as r(i)
            )
            select
                *,
                strftime(birth_date, '%y%m%d') as yymmdd,
                strftime(birth_date, '%Y%m') || lpad(cast(day(birth_date) + case when is_samordning then 60 else 0 end as varchar), 2, '0') as pn_date,
                lpad(cast(birth_number as varchar), 3, '0') as nnn
            from base
        """)
        self.con.execute(f"""
            create or replace temp table customers_src as
            select
                customer_id,
                customer_type,
                case when customer_type = 'private' then
                    pn_date || '-' || nnn || cast(luhn(substr(pn_date, 3, 6) || nnn) as varchar)
                end as personnummer,
                case when customer_type = 'business' then
                    case when u(i, 'sole') < 0.1 then
                        substr(pn_date, 3, 6) || '-' || nnn || cast(luhn(substr(pn_date, 3, 6) || nnn) as varchar)
                    else
                        '55' || lpad(cast(cast(floor(u(i, 'org') * 9999) as integer) as varchar), 4, '0') || '-'
                        || lpad(cast(cast(floor(u(i, 'org2') * 999) as integer) as varchar), 3, '0')
                        || cast(luhn('55' || lpad(cast(cast(floor(u(i, 'org') * 9999) as integer) as varchar), 4, '0')
                            || lpad(cast(cast(floor(u(i, 'org2') * 999) as integer) as varchar), 3, '0')) as varchar)
                    end
                end as organisation_number,
                case
                    when i % 997 = 5 then {_list(HOSTILE)}[1 + cast(i % {len(HOSTILE)} as integer)]
                    when customer_type = 'private' then first_name || ' ' || last_name
                    else last_name || ' ' || pick(['Frakt AB', 'Logistik AB', 'Handelsbolag', 'Bygg AB', 'Design AB'], i, 'suffix')
                end as name,
                case when u(i, 'email') < 0.9 then
                    lower(strip_accents(replace(first_name, '''', ''))) || '.' || lower(strip_accents(replace(last_name, '''', '')))
                    || cast(i as varchar) || '@' || pick(['exempel.se', 'post.se', 'foretag.se', 'mail.com'], i, 'domain')
                end as email,
                case when u(i, 'phone') < 0.85 then '+467' || lpad(cast(cast(floor(u(i, 'phone_n') * 99999999) as bigint) as varchar), 8, '0') end as phone,
                case when u(i, 'street') < 0.9 then pick({_list(STREETS)}, i, 'street') || ' ' || cast(1 + i % 120 as varchar) end as street_address,
                case when is_foreign then pick(['0150', '2100', '00100', '10115'], i, 'fpc')
                    else cast({prefixes}[city_index] as varchar) || ' ' || lpad(cast(i % 100 as varchar), 2, '0') end as postal_code,
                case when is_foreign then pick(['Oslo', 'København', 'Helsinki', 'Berlin'], i, 'fcity')
                    else {cities}[city_index] end as city,
                case when is_foreign then pick(['NO', 'DK', 'FI', 'DE'], i, 'fcc') else 'SE' end as country_code,
                case when u(i, 'user') < 0.8 then lower(strip_accents(replace(first_name, '''', ''))) || cast(i as varchar) end as username,
                cast(null as varchar) as lead_id,
                created_at,
                -- the customer stops ordering some time after joining (its relationship may end)
                created_at + to_seconds(cast(span * epoch(as_of_ts() - created_at) as bigint)) as active_until,
                i
            from people
        """)

    def leads(self) -> None:
        n = self.n_leads
        self.con.execute(f"""
            create or replace temp table leads_src as
            select
                'L' || lpad(cast(i as varchar), 7, '0') as lead_id,
                as_of_ts() - to_seconds(cast(3600 + u(i, 'obtained') * 315000000 as bigint)) as obtained_at,
                pick(['web_form', 'event', 'referral', 'outbound'], i, 'source') as source,
                pick({_list(FIRST_NAMES)}, i, 'lfirst') || ' ' || pick({_list(LAST_NAMES)}, i, 'llast') as name,
                case when u(i, 'lemail') < 0.85 then 'lead' || cast(i as varchar) || '@' || pick(['exempel.se', 'bolaget.se'], i, 'ld') end as email,
                case when u(i, 'lphone') < 0.6 then '+467' || lpad(cast(cast(floor(u(i, 'lp') * 99999999) as bigint) as varchar), 8, '0') end as phone,
                case when u(i, 'lcomp') < 0.7 then pick({_list(LAST_NAMES)}, i, 'lc') || ' AB' end as company,
                i
            from range({n}) as r(i)
        """)
        # About 30 % of leads convert: customer i takes lead i, created after it was obtained.
        self.con.execute("""
            update customers_src set
                lead_id = leads_src.lead_id,
                created_at = least(leads_src.obtained_at + to_seconds(cast(86400 * (1 + u(leads_src.i, 'conv') * 200) as bigint)), as_of_ts() - interval 1 day)
            from leads_src
            where customers_src.i = leads_src.i and u(leads_src.i, 'converts') < 0.3
        """)
        self.con.execute("update customers_src set active_until = greatest(active_until, created_at)")

    def orders(self) -> None:
        n = self.n_orders
        self.con.execute(f"""
            create or replace temp table orders_src as
            with picked as (
                select
                    j,
                    -- a few customers order a lot, many order a little
                    cast(pow(u(j, 'cust'), 1.6) * {self.n_customers} as integer) as i,
                    u(j, 'when') as when_share
                from range({n}) as r(j)
            ),
            timed as (
                select picked.j, c.customer_id, c.i, c.city,
                    c.created_at + to_seconds(cast(picked.when_share * epoch(c.active_until - c.created_at) as bigint)) as ordered_at
                from picked join customers_src as c on c.i = picked.i
            )
            select
                'O' || lpad(cast(j as varchar), 8, '0') as order_id,
                customer_id,
                ordered_at,
                pick({_list(SERVICES)}, j, 'service') as service,
                {_list([str(p) for _, p in CITIES])}[1 + cast(floor(u(j, 'pc') * {len(CITIES)}) as integer)] || ' ' || lpad(cast(j % 100 as varchar), 2, '0') as pickup_postal_code,
                {_list([c for c, _ in CITIES])}[1 + cast(floor(u(j, 'pc') * {len(CITIES)}) as integer)] as pickup_city,
                case when u(j, 'abroad') < 0.05 then pick(['0150', '2100', '00100'], j, 'dpc')
                    else {_list([str(p) for _, p in CITIES])}[1 + cast(floor(u(j, 'dc') * {len(CITIES)}) as integer)] || ' ' || lpad(cast((j * 7) % 100 as varchar), 2, '0') end as delivery_postal_code,
                case when u(j, 'abroad') < 0.05 then pick(['Oslo', 'København', 'Helsinki'], j, 'dcity')
                    else {_list([c for c, _ in CITIES])}[1 + cast(floor(u(j, 'dc') * {len(CITIES)}) as integer)] end as delivery_city,
                case when u(j, 'abroad') < 0.05 then pick(['NO', 'DK', 'FI'], j, 'dcity') else 'SE' end as delivery_country_code,
                case when u(j, 'recipient') < 0.8 then pick({_list(FIRST_NAMES)}, j, 'rf') || ' ' || pick({_list(LAST_NAMES)}, j, 'rl') end as recipient_name,
                case when u(j, 'rphone') < 0.6 then '+467' || lpad(cast(cast(floor(u(j, 'rp') * 99999999) as bigint) as varchar), 8, '0') end as recipient_phone,
                round(0.1 + u(j, 'weight') * 30, 2) as weight_kg,
                round(99 + u(j, 'price') * 1900, 0) as price_sek,
                ordered_at + to_seconds(cast(3600 * case pick({_list(SERVICES)}, j, 'service')
                    when 'same_day' then 6 when 'express' then 10 when 'next_day' then 24 else 14 end as bigint)) as promised_by,
                u(j, 'state') as state_draw,
                u(j, 'late') as late_draw,
                j
            from timed
        """)
        self.con.execute("""
            create or replace temp table orders_final as
            select * exclude (state_draw, late_draw, delivered_guess),
                case when state_draw < 0.04 then 'cancelled'
                     when delivered_guess > as_of_ts() then 'open'
                     else 'delivered' end as state
            from (
                select *,
                    promised_by + to_seconds(cast((case when late_draw < 0.1 then 1 + late_draw * 40 else -late_draw * 3 end) * 3600 as bigint)) as delivered_guess
                from orders_src
            )
        """)

    def payments(self) -> None:
        self.con.execute("""
            create or replace temp table payments_src as
            with delivered as (
                select *, u(j, 'pay') as pay_draw, u(j, 'method') as method_draw
                from orders_final where state = 'delivered'
            ),
            first_payment as (
                select
                    'P' || lpad(cast(j as varchar), 8, '0') || 'A' as payment_id, order_id,
                    delivered_at_guess + to_seconds(cast(u(j, 'paydelay') * 5 * 86400 as bigint)) as paid_at,
                    case when pay_draw < 0.03 then round(price_sek / 2, 2) else price_sek + case when pay_draw > 0.98 then 50 else 0 end end as amount_sek,
                    case when method_draw < 0.5 then 'card' when method_draw < 0.75 then 'swish' else 'invoice' end as method,
                    j, pay_draw
                from (select *, promised_by as delivered_at_guess from delivered)
                where pay_draw >= 0.05
            ),
            refunds as (
                select 'P' || lpad(cast(j as varchar), 8, '0') || 'R' as payment_id, order_id,
                    paid_at + interval 3 day as paid_at, -50.0 as amount_sek, method, j, pay_draw
                from first_payment where pay_draw > 0.98
            )
            select payment_id, order_id, paid_at, amount_sek, method,
                case when method = 'card' then lpad(cast(cast(floor(u(j, 'card') * 9999) as integer) as varchar), 4, '0') end as card_last4
            from (select * from first_payment union all select * from refunds)
            where paid_at <= as_of_ts()
        """)

    # -- the tables -------------------------------------------------------------------------
    def run(self) -> dict[str, int]:
        started = time.time()
        print(f"Generating a landing zone at scale {self.scale} (seed {self.seed}, as_of "
              f"{self.as_of}) in {self.out}", file=sys.stderr)
        self.customers()
        self.leads()
        self.orders()
        self.payments()
        self.write_all()
        self.boundary_cases()
        self.side_files()
        total = sum(self.counts.values())
        print(f"Done: {total:,} rows in {len(self.counts)} tables, {time.time() - started:.1f}s "
              f"-> {self.out}", file=sys.stderr)
        return self.counts

    def write_all(self) -> None:
        self.write("crm.leads", "select * from leads_src")
        self.write("booking.customers", "select * from customers_src")
        self.write("booking.agreements", """
            select 'A' || customer_id as agreement_id, customer_id,
                cast(created_at as date) as started_on,
                case when u(i, 'terminated') < 0.5 then cast(active_until as date) end as terminated_on
            from customers_src where customer_type = 'business' and u(i, 'agreement') < 0.3
        """)
        self.write("booking.orders", """
            select order_id, customer_id, ordered_at, service, pickup_postal_code, pickup_city,
                delivery_postal_code, delivery_city, delivery_country_code, recipient_name,
                recipient_phone, weight_kg, price_sek, promised_by,
                case when state = 'delivered' then promised_by end as delivered_at,
                case when state = 'cancelled' then ordered_at + interval 2 hour end as cancelled_at
            from orders_final
        """)
        self.write("booking.payments", "select * from payments_src")
        self.con.execute("""
            create or replace temp table invoiced as
            select p.order_id, o.customer_id, p.amount_sek,
                last_day(cast(o.ordered_at as date)) + 1 as invoice_date
            from payments_src as p join orders_final as o on p.order_id = o.order_id
            where p.method = 'invoice' and p.amount_sek > 0
                and last_day(cast(o.ordered_at as date)) + 1 <= cast(as_of_ts() as date)
        """)
        self.write("booking.invoices", """
            select 'INV-' || customer_id || '-' || strftime(invoice_date, '%Y%m') as invoice_id,
                customer_id, invoice_date, 'Fakturamottagare ' || customer_id as billing_name,
                'Box ' || substr(customer_id, 5) || ', Stockholm' as billing_address,
                sum(amount_sek) as total_sek, invoice_date + 30 as due_date
            from invoiced group by customer_id, invoice_date
        """)
        self.write("booking.invoice_lines", """
            select 'INV-' || customer_id || '-' || strftime(invoice_date, '%Y%m') as invoice_id,
                order_id, amount_sek
            from invoiced
        """)
        self.page_views()
        self.write("web.form_submissions", f"""
            select 'F' || lpad(cast(k as varchar), 7, '0') as submission_id,
                case when link < 0.4 then leads_src.obtained_at
                     else as_of_ts() - to_seconds(cast(7200 + u(k, 'fwhen') * 315000000 as bigint)) end as submitted_at,
                pick(['contact', 'quote', 'newsletter', 'post_meeting_survey'], k, 'form') as form,
                'V' || lpad(cast(k as varchar), 8, '0') || 'F' as visitor_id,
                case when link < 0.4 then leads_src.lead_id end as lead_id,
                case when link >= 0.4 and link < 0.6 then c.customer_id end as customer_id,
                case when link < 0.4 then leads_src.name else pick({_list(FIRST_NAMES)}, k, 'ff') end as name,
                case when link < 0.4 then leads_src.email when link < 0.6 then c.email end as email,
                case when link < 0.4 then leads_src.phone end as phone,
                case when link < 0.4 then leads_src.company end as company,
                case when k % 499 = 3 then {_list(HOSTILE)}[1 + cast(k % {len(HOSTILE)} as integer)]
                     else pick({_list(MESSAGES)}, k, 'msg') end as message
            from (select k, u(k, 'link') as link from range({int(self.n_customers * 0.75)}) as r(k)) as f
            left join leads_src on leads_src.i = f.k % {self.n_leads}
            left join customers_src as c on c.i = f.k % {self.n_customers}
            where link >= 0.6 or link < 0.4 or c.created_at <= as_of_ts() - to_seconds(cast(floor(u(k, 'fwhen') * 1000) as bigint))
        """)
        self.write("crm.activities", f"""
            select 'AC' || lpad(cast(k as varchar), 7, '0') as activity_id,
                case when is_customer then c.created_at + to_seconds(cast(u(k, 'aw') * epoch(as_of_ts() - c.created_at) as bigint))
                     else l.obtained_at + to_seconds(cast(u(k, 'aw') * least(epoch(as_of_ts() - l.obtained_at), 20000000) as bigint)) end as occurred_at,
                case when is_customer then 'customer' else 'lead' end as subject_type,
                case when is_customer then c.customer_id else l.lead_id end as subject_id,
                pick(['call', 'meeting', 'email'], k, 'kind') as kind,
                case when k % 401 = 7 then {_list(HOSTILE)}[1 + cast(k % {len(HOSTILE)} as integer)]
                     else pick({_list(NOTES)}, k, 'note') end as notes,
                'rep-' || lpad(cast(1 + k % 40 as varchar), 3, '0') as owner
            from (select k, u(k, 'subject') < 0.6 as is_customer from range({int(self.n_customers * 1.5)}) as r(k)) as a
            join customers_src as c on c.i = cast(floor(u(k, 'ac') * {self.n_customers}) as integer)
            join leads_src as l on l.i = cast(floor(u(k, 'al') * {self.n_leads}) as integer)
        """)
        self.write("crm.survey_responses", f"""
            select 'R' || lpad(cast(k as varchar), 7, '0') as response_id, c.customer_id,
                c.created_at + to_seconds(cast(u(k, 'sw') * epoch(as_of_ts() - c.created_at) as bigint)) as responded_at,
                cast(least(10, floor(pow(u(k, 'nps'), 0.5) * 11)) as integer) as nps_score,
                case when u(k, 'comment') < 0.4 then pick({_list(MESSAGES)}, k, 'sc') end as comment
            from range({int(self.n_customers * 0.5)}) as r(k)
            join customers_src as c on c.i = cast(floor(u(k, 'sc2') * {self.n_customers}) as integer)
        """)
        self.consents()
        self.write("consent.objections", """
            select 'OB' || subject_type || subject_id as objection_id, subject_type, subject_id,
                pick(['direct_marketing', 'all_legitimate_interest', 'marketing', 'sales',
                      'business_development', 'public_interest'], h, 'scope') as scope,
                start_at + to_seconds(cast(u(h, 'ow') * epoch(as_of_ts() - start_at) as bigint)) as received_at
            from (
                select 'customer' as subject_type, customer_id as subject_id, created_at as start_at, i * 2 as h from customers_src
                union all
                select 'lead', lead_id, obtained_at, i * 2 + 1 from leads_src
            )
            where u(h, 'objects') < 0.03
        """)
        self.write("legal.legal_holds", """
            select 'H' || customer_id as hold_id, customer_id,
                pick(['payment_dispute', 'claim', 'authority_request'], i, 'reason') as reason,
                cast(active_until as date) + 30 as opened_on,
                case when u(i, 'hold_open') < 0.5 then null
                     else least(cast(active_until as date) + 30 + cast(floor(u(i, 'hold_len') * 1500) as integer), cast(as_of_ts() as date)) end as closed_on
            from customers_src
            where u(i, 'hold') < 0.008 and cast(active_until as date) + 30 <= cast(as_of_ts() as date)
        """)

    def page_views(self) -> None:
        n = self.n_page_views
        n_visitors = self.n_customers * 3
        self.write("web.page_views", f"""
            with sessions as (
                select s,
                    cast(floor(u(s, 'visitor') * {n_visitors}) as integer) as v,
                    as_of_ts() - to_seconds(cast(600 + pow(u(s, 'swhen'), 1.5) * 315000000 as bigint)) as started_at,
                    u(s, 'login') < 0.3 as logs_in
                from range({(n + 4) // 5}) as r(s)
            )
            select
                'E' || lpad(cast(s * 5 + step as varchar), 9, '0') as event_id,
                started_at + to_seconds(step * 45) as occurred_at,
                'S' || lpad(cast(s as varchar), 8, '0') as session_id,
                'V' || lpad(cast(v as varchar), 8, '0') as visitor_id,
                case when logs_in and v < {self.n_customers} and c.created_at <= started_at then c.customer_id end as customer_id,
                case when u(v, 'ip6') < 0.1 then '2001:db8:' || lpad(lower(printf('%x', v % 65535)), 4, '0') || '::' || cast(1 + step as varchar)
                     else cast(10 + v % 200 as varchar) || '.' || cast(v % 251 as varchar) || '.' || cast((v // 7) % 251 as varchar) || '.' || cast(1 + step as varchar) end as ip_address,
                case when u(s, 'site') < 0.8 then 'own' else 'partner' end as site,
                pick({_list(PATHS)}, s * 5 + step, 'path') as url_path,
                case when step = 0 and u(s, 'ref') < 0.5 then pick(['https://www.google.se/', 'https://www.bing.com/', 'https://partner.example/'], s, 'r') end as referrer,
                case when u(s, 'ua') < 0.95 then pick({_list(AGENTS)}, v, 'agent') end as user_agent,
                cast(5 + u(s * 5 + step, 'top') * 300 as integer) as time_on_page_s
            from sessions
            cross join range(5) as steps(step)
            left join customers_src as c on c.i = sessions.v
            where s * 5 + step < {n}
        """)

    def consents(self) -> None:
        self.write("consent.consent_events", """
            with subjects as (
                select 'customer' as subject_type, customer_id as subject_id, created_at as start_at, i * 2 as h from customers_src
                union all
                select 'lead', lead_id, obtained_at, i * 2 + 1 from leads_src
            ),
            channels as (select unnest(['email', 'sms', 'mms', 'personalised_offers']) as channel),
            granted as (
                select subjects.*, channel, hash(h, channel) as hc from subjects cross join channels
                where u(hash(h, channel), 'consents') < case channel when 'email' then 0.6 when 'sms' then 0.3 when 'mms' then 0.05 else 0.2 end
            ),
            events as (
                select subject_type, subject_id, channel, 'granted' as action, start_at + interval 1 hour as occurred_at, hc, 1 as n from granted
                union all
                select subject_type, subject_id, channel, 'withdrawn', start_at + to_seconds(cast(3600 * 2 + u(hc, 'wd') * epoch(as_of_ts() - start_at) / 2 as bigint)), hc, 2
                from granted where u(hc, 'withdraws') < 0.25
                union all
                select subject_type, subject_id, channel, 'granted', start_at + to_seconds(cast(3600 * 3 + epoch(as_of_ts() - start_at) * (0.5 + u(hc, 'rg') / 2) as bigint)), hc, 3
                from granted where u(hc, 'withdraws') < 0.25 and u(hc, 'regrants') < 0.3
            )
            select 'CE' || subject_id || '-' || channel || '-' || cast(n as varchar) as event_id,
                subject_type, subject_id, channel, action, least(occurred_at, as_of_ts()) as occurred_at
            from events
        """)

    # -- boundary cases ---------------------------------------------------------------------
    def boundary_cases(self) -> None:
        """Rows on both sides of each window, appended as their own file of each table."""
        as_of = self.as_of

        def minus_months(day: date, months: int) -> date:
            import calendar

            index = day.month - 1 - months
            year, month = day.year + index // 12, index % 12 + 1
            return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

        inside = minus_months(as_of, 36)
        outside = inside - timedelta(days=1)
        lead_inside = minus_months(as_of, 12)
        lead_outside = lead_inside - timedelta(days=1)
        rows: dict[str, list[str]] = {t: [] for t in TABLE_ORDER}
        cases = [("customer_closed_36_months_ago", inside, "inside"),
                 ("customer_closed_36_months_and_1_day_ago", outside, "outside")]
        leap = date(as_of.year - 4 - (as_of.year % 4), 2, 29) if as_of.month > 2 else None
        if leap:
            cases.append(("customer_closed_on_leap_day", leap,
                          "inside" if as_of <= minus_months(leap, -36) else "outside"))
        for n, (case, closed, expected) in enumerate(cases):
            customer, order = f"BND-C{n}", f"BND-O{n}"
            rows["booking.customers"].append(
                f"select '{customer}', 'business', null, null, 'Gränsfall {n} AB', null, null, null,"
                f" '111 22', 'Stockholm', 'SE', null, null, timestamp '{closed - timedelta(days=400)} 09:00:00'")
            rows["booking.orders"].append(
                f"select '{order}', '{customer}', timestamp '{closed - timedelta(days=2)} 09:00:00', 'express',"
                f" '111 22', 'Stockholm', '411 01', 'Göteborg', 'SE', null, null, 1.00, 100.00,"
                f" timestamp '{closed - timedelta(days=1)} 09:00:00', timestamp '{closed - timedelta(days=1)} 08:00:00', null")
            rows["booking.payments"].append(
                f"select 'BND-P{n}', '{order}', timestamp '{closed} 10:00:00', 100.00, 'swish', null")
            self.boundary.append((case, "booking.customers", customer, customer, expected))
        for n, (case, obtained, expected) in enumerate(
                [("lead_obtained_12_months_ago", lead_inside, "inside"),
                 ("lead_obtained_12_months_and_1_day_ago", lead_outside, "outside")]):
            rows["crm.leads"].append(
                f"select 'BND-L{n}', timestamp '{obtained} 12:00:00', 'event', 'Gräns Lead {n}', null, null, null")
            self.boundary.append((case, "crm.leads", f"BND-L{n}", f"BND-L{n}", expected))
            rows["web.page_views"].append(
                f"select 'BND-E{n}', timestamp '{obtained} 12:00:00', 'BND-S{n}', 'BND-V{n}', null,"
                f" '192.0.2.{n + 1}', 'own', '/', null, null, 10")
            self.boundary.append((case.replace("lead_obtained", "anonymous_page_view"),
                                  "web.page_views", f"BND-E{n}", f"BND-V{n}", expected))
        last_in = as_of.year - 7  # fiscal year = calendar year: kept through Dec 31 of year + 7
        for n, (invoice_day, expected) in enumerate(
                [(date(last_in - 1, 12, 31), "outside"), (date(last_in, 1, 1), "inside")]):
            rows["booking.invoices"].append(
                f"select 'BND-I{n}', 'BND-C0', date '{invoice_day}', 'Gränsfall 0 AB', null, 100.00,"
                f" date '{invoice_day + timedelta(days=30)}'")
            self.boundary.append((f"invoice_of_{invoice_day}", "booking.invoices", f"BND-I{n}",
                                  "BND-C0", expected))
        for table, selects in rows.items():
            if not selects:
                continue
            system, name = table.split(".")
            columns = ", ".join(f"cast(col{k} as {t}) as {c}" for k, (c, t) in
                                enumerate(self.contract[table]))
            union = " union all ".join(selects)
            renamed = ", ".join(f"col{k}" for k in range(len(self.contract[table])))
            path = self.out / system / name / "part-boundary.parquet"
            self.con.execute(f"copy (select {columns} from ({union}) as t({renamed})) to '{path}' (format parquet)")
            self.counts[table] += len(selects)

    # -- bad rows ---------------------------------------------------------------------------
    def _add_bad_rows(self, table: str, name: str) -> None:
        """Append `bad_share` extra rows per table, spread over the kinds that apply to it.

        Each bad row is a copy of a good row (a different one per kind) with one defect and a
        new id, so the good data is unchanged and nothing refers to a bad row."""
        if self.bad_share <= 0 or not BAD_ROW_KINDS.get(table):
            return
        kinds = BAD_ROW_KINDS[table]
        total = self.con.execute(f"select count(*) from t_{name}").fetchall()[0][0]
        if total < 4:
            return
        per_kind = max(1, min(total // 4, round(self.bad_share * total / len(kinds))))
        id_column = self.contract[table][0][0]
        key = ("invoice_id || ':' || order_id" if table == "booking.invoice_lines" else id_column)
        for number, (kind, replacement) in enumerate(kinds):
            offset = (number * 997) % max(1, total - per_kind)
            # Templates are good rows only: earlier bad rows would shift the offsets.
            templates = (f"(select *, row_number() over () as bad_n from (select * from t_{name} "
                         f"where {id_column} not like 'BAD-%' and {id_column} not like '%-NOBODY' "
                         f"order by all limit {per_kind} offset {{offset}}))")
            new_id = f"'BAD-{number}-{kind}-' || cast(bad_n as varchar)"
            if kind == "duplicate_row":
                copied = templates.format(offset=offset)
                self.bad += [(table, r, kind) for (r,) in self.con.execute(
                    f"select {key} from {copied}").fetchall()]
                self.con.execute(f"insert into t_{name} select * exclude (bad_n) from {copied}")
                continue
            if kind == "conflicting_duplicate_id":
                for twin in (0, 1):
                    copied = templates.format(offset=(offset + per_kind * twin) % max(1, total - per_kind))
                    self.con.execute(f"insert into t_{name} select * exclude (bad_n) replace "
                                     f"({new_id} as {id_column}) from {copied}")
            else:
                copied = templates.format(offset=offset)
                if f" as {id_column}" in replacement:  # the defect is in the id column itself
                    replaced = replacement
                else:
                    replaced = f"{new_id} as {id_column}, {replacement}"
                self.con.execute(f"insert into t_{name} select * exclude (bad_n) replace "
                                 f"({replaced}) from {copied}")
            marker = (f"{id_column} = '{replacement.split(chr(39))[1]}'"
                      if f" as {id_column}" in replacement else f"{id_column} like 'BAD-{number}-%'")
            self.bad += [(table, r, kind) for (r,) in self.con.execute(
                f"select {key} from t_{name} where {marker}").fetchall()]

    def side_files(self) -> None:
        with open(self.out / "_bad_rows.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["source_table", "record_id", "reason"])
            writer.writerows(self.bad)
        with open(self.out / "_boundary_cases.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["case", "source_table", "record_id", "subject_id", "expected"])
            writer.writerows(self.boundary)
        (self.out / "_generator.json").write_text(json.dumps({
            "seed": self.seed, "scale": self.scale, "as_of": self.as_of.isoformat(),
            "bad_rows": self.bad_share, "row_counts": self.counts}, indent=2))


FUTURE = "as_of_ts() + interval 30 day"
# Per table: (reason code, the one replaced column that makes the row bad). Every reason the
# contract lists appears in at least one table; duplicates and conflicts in every table.
BAD_ROW_KINDS: dict[str, list[tuple[str, str]]] = {
    "booking.customers": [
        ("duplicate_row", ""), ("conflicting_duplicate_id", ""),
        ("missing_required_value", "null as name"),
        ("invalid_enum_value", "'alien' as customer_type"),
        ("invalid_personnummer_check_digit", "'19850412-1239' as personnummer, 'private' as customer_type, null as organisation_number"),
        ("invalid_personnummer_date", "'19870231-1234' as personnummer, 'private' as customer_type, null as organisation_number"),
        ("invalid_personnummer_birth_number", "'19850412-0000' as personnummer, 'private' as customer_type, null as organisation_number"),
        ("invalid_organisation_number", "'556123-4568' as organisation_number, 'business' as customer_type, null as personnummer"),
        ("invalid_email", "'anna.at.example.se' as email"),
        ("timestamp_after_as_of", f"{FUTURE} as created_at"),
        ("unknown_reference", "'L-NOBODY' as lead_id"),
    ],
    "booking.orders": [
        ("duplicate_row", ""), ("conflicting_duplicate_id", ""),
        ("missing_required_value", "null as service"),
        ("invalid_enum_value", "'teleport' as service"),
        ("unknown_reference", "'C-NOBODY' as customer_id"),
        ("negative_amount", "-10.00 as price_sek"),
        ("delivered_before_ordered", "ordered_at - interval 1 day as delivered_at, null as cancelled_at"),
        ("timestamp_after_as_of", f"{FUTURE} as ordered_at, null as delivered_at, null as cancelled_at"),
    ],
    "booking.payments": [
        ("duplicate_row", ""), ("invalid_enum_value", "'barter' as method"),
        ("unknown_reference", "'O-NOBODY' as order_id"),
        ("timestamp_after_as_of", f"{FUTURE} as paid_at"),
    ],
    "booking.invoice_lines": [("unknown_reference", "'INV-NOBODY' as invoice_id")],
    "web.page_views": [
        ("duplicate_row", ""), ("conflicting_duplicate_id", ""),
        ("invalid_ip_address", "'999.1.2.3' as ip_address"),
        ("invalid_enum_value", "'darkweb' as site"),
        ("unknown_reference", "'C-NOBODY' as customer_id"),
        ("missing_required_value", "null as session_id"),
        ("timestamp_after_as_of", f"{FUTURE} as occurred_at"),
    ],
    "web.form_submissions": [
        ("invalid_email", "'bo@@x' as email"), ("invalid_enum_value", "'chat' as form"),
    ],
    "crm.leads": [
        ("duplicate_row", ""), ("invalid_email", "'kalle@' as email"),
        ("invalid_enum_value", "'psychic' as source"),
        ("missing_required_value", "null as name"),
    ],
    "crm.activities": [
        ("invalid_enum_value", "'fax' as kind"),
        ("unknown_reference", "'L-NOBODY' as subject_id"),
    ],
    "crm.survey_responses": [("out_of_range", "11 as nps_score")],
    "consent.consent_events": [
        ("invalid_enum_value", "'maybe' as action"),
        ("invalid_enum_value", "'pigeon' as channel"),
    ],
    "consent.objections": [("invalid_enum_value", "'everything' as scope")],
    "legal.legal_holds": [("invalid_enum_value", "'curiosity' as reason")],
}


def generate_landing_zone(out: Path, scale: float = 1.0, seed: int = 42,
                          as_of: date | None = None, bad_rows: float = 0.0) -> dict[str, int]:
    as_of = as_of or datetime.now(UTC).date()
    return Generator(Path(out), scale, seed, as_of, bad_rows).run()


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        if not args.force:
            print(f"generate: {out} already holds files; use --force to replace them.",
                  file=sys.stderr)
            return 2
        shutil.rmtree(out)
    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    generate_landing_zone(out, args.scale, args.seed, as_of, args.bad_rows)
    return 0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("generate", help="write a synthetic landing zone")
    parser.add_argument("--out", default=os.environ.get("RAW_DATA_DIR", "data/raw"))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD; default today (UTC)")
    parser.add_argument("--bad-rows", dest="bad_rows", type=float, default=0.0,
                        help="share of extra bad rows of every kind, e.g. 0.01")
    parser.add_argument("--force", action="store_true", help="replace an existing landing zone")
    parser.set_defaults(func=run)
