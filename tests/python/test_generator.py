"""The synthetic landing zone (`privacy-warehouse generate`), checked without dbt.

Small zones (scale 0.01, ~200 customers) are generated once per session. The checks are written
independently of the generator: the contract's schema is spelled out here, and a row checker
below re-implements the warehouse's landing rules (macros/landing/check_landing_table.sql, in
its order: identity, column rules in contract order, references) so that every good row must
pass and every planted bad row must fail for exactly the reason `_bad_rows.csv` gives.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privacy_warehouse import cli
from privacy_warehouse.generate import (
    generate_landing_zone,
    luhn_check_digit,
    organisation_number_is_valid,
    personnummer_is_valid,
)
from privacy_warehouse.generate.timeutil import add_months, first_day_inside

AS_OF = date(2026, 6, 30)
SCALE = 0.01

# The contract (shared/contracts/raw-sources.md), written out again on purpose.
CONTRACT = {
    "booking.customers": "customer_id VARCHAR, customer_type VARCHAR, personnummer VARCHAR, "
    "organisation_number VARCHAR, name VARCHAR, email VARCHAR, phone VARCHAR, "
    "street_address VARCHAR, postal_code VARCHAR, city VARCHAR, country_code VARCHAR, "
    "username VARCHAR, lead_id VARCHAR, created_at TIMESTAMP",
    "booking.agreements": "agreement_id VARCHAR, customer_id VARCHAR, started_on DATE, "
    "terminated_on DATE",
    "booking.orders": "order_id VARCHAR, customer_id VARCHAR, ordered_at TIMESTAMP, "
    "service VARCHAR, pickup_postal_code VARCHAR, pickup_city VARCHAR, "
    "delivery_postal_code VARCHAR, delivery_city VARCHAR, delivery_country_code VARCHAR, "
    "recipient_name VARCHAR, recipient_phone VARCHAR, weight_kg DECIMAL(9,2), "
    "price_sek DECIMAL(12,2), promised_by TIMESTAMP, delivered_at TIMESTAMP, "
    "cancelled_at TIMESTAMP",
    "booking.payments": "payment_id VARCHAR, order_id VARCHAR, paid_at TIMESTAMP, "
    "amount_sek DECIMAL(12,2), method VARCHAR, card_last4 VARCHAR",
    "booking.invoices": "invoice_id VARCHAR, customer_id VARCHAR, invoice_date DATE, "
    "billing_name VARCHAR, billing_address VARCHAR, total_sek DECIMAL(12,2), due_date DATE",
    "booking.invoice_lines": "invoice_id VARCHAR, order_id VARCHAR, amount_sek DECIMAL(12,2)",
    "web.page_views": "event_id VARCHAR, occurred_at TIMESTAMP, session_id VARCHAR, "
    "visitor_id VARCHAR, customer_id VARCHAR, ip_address VARCHAR, site VARCHAR, "
    "url_path VARCHAR, referrer VARCHAR, user_agent VARCHAR, time_on_page_s INTEGER",
    "web.form_submissions": "submission_id VARCHAR, submitted_at TIMESTAMP, form VARCHAR, "
    "visitor_id VARCHAR, lead_id VARCHAR, customer_id VARCHAR, name VARCHAR, email VARCHAR, "
    "phone VARCHAR, company VARCHAR, message VARCHAR",
    "crm.leads": "lead_id VARCHAR, obtained_at TIMESTAMP, source VARCHAR, name VARCHAR, "
    "email VARCHAR, phone VARCHAR, company VARCHAR",
    "crm.activities": "activity_id VARCHAR, occurred_at TIMESTAMP, subject_type VARCHAR, "
    "subject_id VARCHAR, kind VARCHAR, notes VARCHAR, owner VARCHAR",
    "crm.survey_responses": "response_id VARCHAR, customer_id VARCHAR, responded_at TIMESTAMP, "
    "nps_score INTEGER, comment VARCHAR",
    "consent.consent_events": "event_id VARCHAR, subject_type VARCHAR, subject_id VARCHAR, "
    "channel VARCHAR, action VARCHAR, occurred_at TIMESTAMP",
    "consent.objections": "objection_id VARCHAR, subject_type VARCHAR, subject_id VARCHAR, "
    "scope VARCHAR, received_at TIMESTAMP",
    "legal.legal_holds": "hold_id VARCHAR, customer_id VARCHAR, reason VARCHAR, "
    "opened_on DATE, closed_on DATE",
}


# ISO 3166-1 alpha-2: the contract names the standard; its 249 codes are the seed's.
with (Path(__file__).resolve().parents[2] / "seeds" / "reference"
      / "reference_country_codes.csv").open(encoding="utf-8") as _codes:
    ISO_COUNTRY_CODES = {row["country_code"] for row in csv.DictReader(_codes)}


def columns_of(table: str) -> list[tuple[str, str]]:
    return [tuple(part.strip().split(" ", 1)) for part in CONTRACT[table].split(", ")]


# The landing rules per table, as the dbt sources declare them.
SUBJECT = ("customer", "booking.customers", "lead", "crm.leads")
RULES: dict[str, dict] = {
    "crm.leads": {"key": ["lead_id"], "required": ["obtained_at", "source", "name"],
                  "enums": {"source": ["web_form", "event", "referral", "outbound"]},
                  "event": "obtained_at", "formats": {"email": "email"}},
    "booking.customers": {
        "key": ["customer_id"], "required": ["customer_type", "name", "country_code", "created_at"],
        "enums": {"customer_type": ["private", "business"]}, "event": "created_at",
        "formats": {"personnummer": "personnummer", "organisation_number": "organisation",
                    "email": "email"},
        "countries": ["country_code"],
        "references": {"lead_id": "crm.leads"}},
    "booking.agreements": {"key": ["agreement_id"], "required": ["customer_id", "started_on"],
                           "event": "started_on",
                           "references": {"customer_id": "booking.customers"}},
    "booking.orders": {
        "key": ["order_id"],
        "required": ["customer_id", "ordered_at", "service", "pickup_postal_code", "pickup_city",
                     "delivery_postal_code", "delivery_city", "delivery_country_code",
                     "weight_kg", "price_sek", "promised_by"],
        "enums": {"service": ["same_day", "express", "next_day", "airport_to_airport"]},
        "event": "ordered_at", "non_negative": ["weight_kg", "price_sek"],
        "countries": ["delivery_country_code"],
        "not_before": {"delivered_at": "ordered_at"},
        "references": {"customer_id": "booking.customers"}},
    "booking.payments": {"key": ["payment_id"],
                         "required": ["order_id", "paid_at", "amount_sek", "method"],
                         "enums": {"method": ["card", "invoice", "swish"]}, "event": "paid_at",
                         "references": {"order_id": "booking.orders"}},
    "booking.invoices": {"key": ["invoice_id"],
                         "required": ["customer_id", "invoice_date", "billing_name", "total_sek",
                                      "due_date"],
                         "event": "invoice_date",
                         "references": {"customer_id": "booking.customers"}},
    "booking.invoice_lines": {"key": ["invoice_id", "order_id"], "required": ["amount_sek"],
                              "references": {"invoice_id": "booking.invoices",
                                             "order_id": "booking.orders"}},
    "web.page_views": {"key": ["event_id"],
                       "required": ["occurred_at", "session_id", "visitor_id", "ip_address",
                                    "site", "url_path"],
                       "enums": {"site": ["own", "partner"]}, "event": "occurred_at",
                       "formats": {"ip_address": "ip"},
                       "references": {"customer_id": "booking.customers"}},
    "web.form_submissions": {
        "key": ["submission_id"], "required": ["submitted_at", "form"],
        "enums": {"form": ["contact", "quote", "newsletter", "post_meeting_survey"]},
        "event": "submitted_at", "formats": {"email": "email"},
        "references": {"lead_id": "crm.leads", "customer_id": "booking.customers"}},
    "crm.activities": {"key": ["activity_id"],
                       "required": ["occurred_at", "subject_type", "subject_id", "kind", "owner"],
                       "enums": {"subject_type": ["customer", "lead"],
                                 "kind": ["call", "meeting", "email"]},
                       "event": "occurred_at", "references": {"subject_id": SUBJECT}},
    "crm.survey_responses": {"key": ["response_id"],
                             "required": ["customer_id", "responded_at", "nps_score"],
                             "event": "responded_at", "range": {"nps_score": (0, 10)},
                             "references": {"customer_id": "booking.customers"}},
    "consent.consent_events": {
        "key": ["event_id"],
        "required": ["subject_type", "subject_id", "channel", "action", "occurred_at"],
        "enums": {"subject_type": ["customer", "lead"],
                  "channel": ["email", "sms", "mms", "personalised_offers"],
                  "action": ["granted", "withdrawn"]},
        "event": "occurred_at", "references": {"subject_id": SUBJECT}},
    "consent.objections": {
        "key": ["objection_id"], "required": ["subject_type", "subject_id", "scope",
                                              "received_at"],
        "enums": {"subject_type": ["customer", "lead"],
                  "scope": ["direct_marketing", "all_legitimate_interest", "marketing", "sales",
                            "business_development", "public_interest"]},
        "event": "received_at", "references": {"subject_id": SUBJECT}},
    "legal.legal_holds": {"key": ["hold_id"], "required": ["customer_id", "reason", "opened_on"],
                          "enums": {"reason": ["payment_dispute", "claim", "authority_request"]},
                          "event": "opened_on",
                          "references": {"customer_id": "booking.customers"}},
}

ALL_REASONS = {
    "duplicate_row", "conflicting_duplicate_id", "missing_required_value", "invalid_enum_value",
    "invalid_personnummer_check_digit", "invalid_personnummer_date",
    "invalid_personnummer_birth_number", "invalid_organisation_number", "unknown_reference",
    "negative_amount", "delivered_before_ordered", "timestamp_after_as_of", "invalid_email",
    "invalid_ip_address", "out_of_range", "invalid_country_code",
}

EMAIL = re.compile(r"[^@ ]+@[^@ ]+[.][^@ .]+")
IPV4 = re.compile(r"((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])[.]){3}"
                  r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])")
IPV6 = re.compile(r"([0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}")


# ------------------------------------------------------------------------------ fixtures

@pytest.fixture(scope="session")
def clean_zone(tmp_path_factory) -> Path:
    """Scale 0.01, no bad rows."""
    out = tmp_path_factory.mktemp("zone_clean")
    generate_landing_zone(out, scale=SCALE, seed=42, as_of=AS_OF, bad_rows=0.0)
    return out


@pytest.fixture(scope="session")
def bad_zone(tmp_path_factory) -> Path:
    """Scale 0.01 with 5 % bad rows."""
    out = tmp_path_factory.mktemp("zone_bad")
    generate_landing_zone(out, scale=SCALE, seed=42, as_of=AS_OF, bad_rows=0.05)
    return out


def read(zone: Path, table: str, pattern: str = "*.parquet") -> list[dict]:
    system, name = table.split(".")
    con = duckdb.connect()
    try:
        cursor = con.execute(f"select * from read_parquet('{zone / system / name / pattern}')")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def record_id(table: str, row: dict) -> str:
    return ":".join(str(row[key]) for key in RULES[table]["key"])


def bad_lines(zone: Path) -> list[dict]:
    with (zone / "_bad_rows.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# ------------------------------------------------------------------------------ row checker

def personnummer_reason(value: str) -> str | None:
    """The warehouse's reason for a personnummer, written from the contract (not the module)."""
    if not re.fullmatch(r"[0-9]{8}-[0-9]{4}", value):
        return "invalid_personnummer_format"
    year, month, day = int(value[0:4]), int(value[4:6]), int(value[6:8])
    day = day - 60 if day > 60 else day
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return "invalid_personnummer_date"
    if value[9:12] == "000":
        return "invalid_personnummer_birth_number"
    return None if luhn_valid(value[2:8] + value[9:13]) else "invalid_personnummer_check_digit"


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, character in enumerate(digits):
        product = int(character) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def format_reason(kind: str, value: str) -> str | None:
    if kind == "personnummer":
        return personnummer_reason(value)
    if kind == "organisation":
        ok = re.fullmatch(r"[0-9]{6}-[0-9]{4}", value) and luhn_valid(value[:6] + value[7:])
        return None if ok else "invalid_organisation_number"
    if kind == "email":
        return None if EMAIL.fullmatch(value) else "invalid_email"
    return None if IPV4.fullmatch(value) or IPV6.fullmatch(value) else "invalid_ip_address"


def row_reason(table: str, row: dict, as_of: date, accepted: dict[str, set]) -> str | None:
    """The first failing column rule or reference of one row (identity is checked apart)."""
    rules = RULES[table]
    for column, _ in columns_of(table):
        value = row[column]
        if column in rules["key"] and value is None:
            return "missing_required_value"
        if column in rules.get("required", []) and (
                value is None or (isinstance(value, str) and value.strip() == "")):
            return "missing_required_value"
        if column in rules.get("enums", {}) and value is not None \
                and value not in rules["enums"][column]:
            return "invalid_enum_value"
        if column == rules.get("event") and value is not None:
            day = value.date() if isinstance(value, datetime) else value
            if day > as_of:
                return "timestamp_after_as_of"
        if column in rules.get("formats", {}) and value is not None:
            reason = format_reason(rules["formats"][column], value)
            if reason:
                return reason
        if column in rules.get("countries", []) and value is not None \
                and value not in ISO_COUNTRY_CODES:
            return "invalid_country_code"
        if column in rules.get("non_negative", []) and value is not None and value < 0:
            return "negative_amount"
        if column in rules.get("range", {}) and value is not None:
            low, high = rules["range"][column]
            if not low <= value <= high:
                return "out_of_range"
        other = rules.get("not_before", {}).get(column)
        if other and value is not None and row[other] is not None and value < row[other]:
            return "delivered_before_ordered"
    for column, target in rules.get("references", {}).items():
        value = row[column]
        if value is None:
            continue
        if isinstance(target, tuple):
            customers = value in accepted[target[1]] and row["subject_type"] == target[0]
            leads = value in accepted[target[3]] and row["subject_type"] == target[2]
            if not (customers or leads):
                return "unknown_reference"
        elif value not in accepted[target]:
            return "unknown_reference"
    return None


def check_zone(zone: Path, as_of: date = AS_OF) -> tuple[list[tuple[str, str, str]], dict]:
    """Every row's verdict: the rejected (table, record_id, reason) and the accepted ids."""
    rejected: list[tuple[str, str, str]] = []
    accepted: dict[str, set] = {}
    for table in RULES:  # parents before children
        rows = read(zone, table)
        names = [column for column, _ in columns_of(table)]
        with_key = Counter(record_id(table, row) for row in rows)
        identical = Counter(tuple(row[name] for name in names) for row in rows)
        seen: Counter = Counter()
        keys = set()
        for row in rows:
            full = tuple(row[name] for name in names)
            seen[full] += 1
            rid = record_id(table, row)
            if seen[full] > 1:
                reason = "duplicate_row"
            elif with_key[rid] > identical[full]:
                reason = "conflicting_duplicate_id"
            else:
                reason = row_reason(table, row, as_of, accepted)
            if reason:
                rejected.append((table, rid, reason))
            else:
                keys.add(row[RULES[table]["key"][0]] if len(RULES[table]["key"]) == 1 else rid)
        accepted[table] = keys
    return rejected, accepted


# ------------------------------------------------------------------------------ tests

def test_luhn_and_validators_on_known_numbers():
    assert luhn_check_digit("811218987") == 6
    assert personnummer_is_valid("19811218-9876")
    assert personnummer_is_valid("19811278-9873")  # samordningsnummer: day 18 + 60
    assert not personnummer_is_valid("19811218-9875")  # check digit
    assert not personnummer_is_valid("19870231-1234")  # no February 31
    assert not personnummer_is_valid("19851305-0000")  # month 13
    assert not personnummer_is_valid("811218-9876")  # ten digits is not the contract's form
    assert organisation_number_is_valid("556036-0793")
    assert not organisation_number_is_valid("556036-0794")
    assert organisation_number_is_valid("811218-9876")  # a sole trader's: the personnummer


@given(year=st.integers(1900, 2025), day_of_year=st.integers(0, 364),
       birth=st.integers(1, 999), coordination=st.booleans())
def test_a_check_digit_makes_any_real_personnummer_valid(year, day_of_year, birth, coordination):
    born = date(year, 1, 1) + timedelta(days=day_of_year)
    day = born.day + (60 if coordination else 0)
    nine = f"{year % 100:02d}{born.month:02d}{day:02d}{birth:03d}"
    check = luhn_check_digit(nine)
    number = f"{year:04d}{born.month:02d}{day:02d}-{birth:03d}"
    assert personnummer_is_valid(f"{number}{check}")
    assert personnummer_reason(f"{number}{check}") is None
    assert not personnummer_is_valid(f"{number}{(check + 1) % 10}")


def test_add_months_clamps_to_month_end():
    assert add_months(date(2020, 2, 29), 36) == date(2023, 2, 28)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert first_day_inside(date(2026, 6, 30), 36) == date(2023, 6, 30)
    # 2023-02-28 and 2023-02-27 both map into 2024-02-2x; the earliest day still inside:
    assert first_day_inside(date(2024, 2, 29), 12) == date(2023, 3, 1)


def test_layout_and_exact_contract_schema(clean_zone):
    con = duckdb.connect()
    for table in CONTRACT:
        system, name = table.split(".")
        files = sorted((clean_zone / system / name).glob("*.parquet"))
        assert [path.name for path in files] == ["part-0000.parquet"], table
        described = con.execute(f"describe select * from read_parquet('{files[0]}')").fetchall()
        assert [(row[0], row[1]) for row in described] == columns_of(table), table
    side = sorted(path.name for path in clean_zone.iterdir() if path.is_file())
    assert side == ["_bad_rows.csv", "_boundary_cases.csv", "_generator.json"]
    meta = json.loads((clean_zone / "_generator.json").read_text())
    assert (meta["seed"], meta["scale"], meta["as_of"], meta["bad_rows"]) == (
        42, SCALE, AS_OF.isoformat(), 0.0)
    assert set(meta["rows"]) == set(CONTRACT)


def test_scale_is_linear_and_small_at_one_percent(clean_zone):
    meta = json.loads((clean_zone / "_generator.json").read_text())["rows"]
    assert 190 <= meta["booking.customers"] <= 260
    assert 1_900 <= meta["booking.orders"] <= 2_200
    assert 18_000 <= meta["web.page_views"] <= 23_000
    assert all(count > 0 for count in meta.values()), meta


def test_same_arguments_give_identical_bytes(bad_zone, tmp_path):
    again = tmp_path / "again"
    generate_landing_zone(again, scale=SCALE, seed=42, as_of=AS_OF, bad_rows=0.05)
    files = sorted(path.relative_to(bad_zone) for path in bad_zone.rglob("*") if path.is_file())
    assert files == sorted(path.relative_to(again) for path in again.rglob("*") if path.is_file())
    for relative in files:
        assert (bad_zone / relative).read_bytes() == (again / relative).read_bytes(), relative


def test_another_seed_gives_other_data(clean_zone, tmp_path):
    other = tmp_path / "other"
    generate_landing_zone(other, scale=SCALE, seed=7, as_of=AS_OF)
    first = read(clean_zone, "booking.customers")
    second = read(other, "booking.customers")
    assert [row["name"] for row in first[:20]] != [row["name"] for row in second[:20]]


def test_good_data_passes_every_landing_rule(clean_zone):
    rejected, _ = check_zone(clean_zone)
    assert rejected == []


def test_every_good_identity_number_is_valid(clean_zone):
    customers = read(clean_zone, "booking.customers")
    private = [row for row in customers if row["customer_type"] == "private"]
    business = [row for row in customers if row["customer_type"] == "business"]
    assert 0.6 < len(private) / len(customers) < 0.8
    assert all(personnummer_is_valid(row["personnummer"]) for row in private)
    assert all(row["organisation_number"] is None for row in private)
    assert all(organisation_number_is_valid(row["organisation_number"]) for row in business)
    assert all(row["personnummer"] is None for row in business)
    numbers = [row["personnummer"] for row in private]
    assert len(set(numbers)) == len(numbers)
    # Companies have a third digit of at least 2; sole traders carry a personnummer (month digit).
    sole = [row for row in business if row["organisation_number"][2] in "01"]
    assert sole and all(personnummer_is_valid(("19" if int(row["organisation_number"][:2]) > 26
                                               else "20") + row["organisation_number"])
                        for row in sole)


def test_realistic_swedish_values(clean_zone):
    customers = read(clean_zone, "booking.customers")
    swedish = [row for row in customers if row["country_code"] == "SE"]
    assert all(re.fullmatch(r"[0-9]{3} [0-9]{2}", row["postal_code"]) for row in swedish)
    assert all(re.fullmatch(r"\+467[0-9]{8}", row["phone"]) for row in swedish if row["phone"])
    assert any(set("åäöÅÄÖé") & set(row["name"]) for row in customers)
    assert {row["city"] for row in swedish} & {"Stockholm", "Göteborg", "Malmö"}
    views = read(clean_zone, "web.page_views")
    assert any(":" in row["ip_address"] for row in views)
    assert any("." in row["ip_address"] for row in views)
    assert any("email=" in row["url_path"] for row in views)
    assert {row["site"] for row in views} == {"own", "partner"}


def test_hostile_but_valid_text_is_present(clean_zone):
    names = [row["name"] for row in read(clean_zone, "booking.customers")]
    assert any("'" in name for name in names)
    assert any("drop table" in name.lower() for name in names)
    assert any("\u200f" in name for name in names)
    messages = [row["message"] or "" for row in read(clean_zone, "web.form_submissions")]
    assert max(len(message) for message in messages) == 10_000
    notes = [row["notes"] or "" for row in read(clean_zone, "crm.activities")]
    assert any("\u200f" in note for note in notes) and any("📦" in note for note in notes)


def test_disguised_personal_data_is_planted_in_page_paths(clean_zone):
    """Issue 12's free-text attacks ride on real customers' entry pages (good rows)."""
    paths = [row["url_path"] for row in read(clean_zone, "web.page_views")]
    for marker in ("(at)", " [at] ", "%40", "/ring/+46 (0)7", "/ring/+46 7", "/ring/00467",
                   "/ring/08-", "/leverans/", "/mina-sidor/ordrar/O", "/mina-sidor/C", "/a\n"):
        assert any(marker in path for path in paths), marker


def test_lifecycles_cover_every_kind_of_row(clean_zone):
    orders = read(clean_zone, "booking.orders")
    assert any(row["cancelled_at"] and not row["delivered_at"] for row in orders)
    assert any(not row["cancelled_at"] and not row["delivered_at"] for row in orders)  # open
    assert any(row["delivered_at"] and row["delivered_at"] > row["promised_by"] for row in orders)
    assert all(row["promised_by"] > row["ordered_at"] for row in orders)
    assert {row["service"] for row in orders} == {"same_day", "express", "next_day",
                                                  "airport_to_airport"}
    payments = read(clean_zone, "booking.payments")
    assert any(row["amount_sek"] < 0 for row in payments)  # refunds
    assert all((row["card_last4"] is not None) == (row["method"] == "card") for row in payments)
    leads = read(clean_zone, "crm.leads")
    converted = {row["lead_id"] for row in read(clean_zone, "booking.customers") if row["lead_id"]}
    assert 0.2 < len(converted) / len(leads) < 0.4
    agreements = read(clean_zone, "booking.agreements")
    assert any(row["terminated_on"] is None for row in agreements)
    assert any(row["terminated_on"] is not None for row in agreements)
    objections = read(clean_zone, "consent.objections")
    assert {(row["subject_type"], row["scope"]) for row in objections} == {
        (subject, scope) for subject in ("customer", "lead")
        for scope in RULES["consent.objections"]["enums"]["scope"]}
    events = read(clean_zone, "consent.consent_events")
    per_pair = Counter((row["subject_id"], row["channel"]) for row in events)
    assert {1, 2, 3} <= set(per_pair.values())  # granted; withdrawn; granted again
    holds = read(clean_zone, "legal.legal_holds")
    assert any(row["closed_on"] is None for row in holds)
    assert any(row["closed_on"] is not None for row in holds)
    forms = read(clean_zone, "web.form_submissions")
    assert any(row["lead_id"] for row in forms) and any(row["customer_id"] for row in forms)
    assert any(row["visitor_id"] and not row["lead_id"] and not row["customer_id"]
               for row in forms)
    assert {row["form"] for row in forms} == set(RULES["web.form_submissions"]["enums"]["form"])


def test_referential_integrity_and_time_of_good_rows(clean_zone):
    _, accepted = check_zone(clean_zone)
    lines = read(clean_zone, "booking.invoice_lines")
    invoices = {row["invoice_id"]: row for row in read(clean_zone, "booking.invoices")}
    totals: defaultdict = defaultdict(int)
    for line in lines:
        assert line["invoice_id"] in invoices and line["order_id"] in accepted["booking.orders"]
        totals[line["invoice_id"]] += line["amount_sek"]
    for invoice_id, invoice in invoices.items():
        assert totals[invoice_id] == invoice["total_sek"]
        assert invoice["due_date"] == invoice["invoice_date"] + timedelta(days=30)
    end = datetime.combine(AS_OF, datetime.max.time())
    start = datetime.combine(add_months(AS_OF, -120), datetime.min.time())
    for table in CONTRACT:
        for row in read(clean_zone, table):
            for column, kind in columns_of(table):
                value = row[column]
                if value is None or kind not in ("TIMESTAMP", "DATE"):
                    continue
                moment = value if kind == "TIMESTAMP" else datetime.combine(value,
                                                                            datetime.min.time())
                if column != "due_date":
                    assert start <= moment <= end, (table, column, value)
    customers = {row["customer_id"]: row for row in read(clean_zone, "booking.customers")}
    leads = {row["lead_id"]: row for row in read(clean_zone, "crm.leads")}
    for customer in customers.values():
        if customer["lead_id"]:
            assert customer["created_at"] > leads[customer["lead_id"]]["obtained_at"]
    for order in read(clean_zone, "booking.orders"):
        assert order["ordered_at"] >= customers[order["customer_id"]]["created_at"]


def test_bad_rows_are_additions_with_exactly_the_planted_reason(clean_zone, bad_zone):
    lines = bad_lines(bad_zone)
    assert {line["reason"] for line in lines} == ALL_REASONS
    planted = sorted((line["source_table"], line["record_id"], line["reason"]) for line in lines)
    rejected, _ = check_zone(bad_zone)
    assert sorted(rejected) == planted
    meta = json.loads((bad_zone / "_generator.json").read_text())
    for table in CONTRACT:
        good = read(clean_zone, table)
        everything = read(bad_zone, table)
        # The good rows are unchanged; the bad ones are extra, about 5 % of the table.
        names = [column for column, _ in columns_of(table)]
        remaining = Counter(tuple(row[name] for name in names) for row in everything)
        remaining.subtract(Counter(tuple(row[name] for name in names) for row in good))
        assert min(remaining.values()) >= 0, table
        extra = sum(remaining.values())
        assert extra == sum(1 for line in lines if line["source_table"] == table), table
        assert extra >= max(1, round(0.05 * len(good))), table
        assert meta["bad_rows_planted"][table] == extra


def test_every_table_gets_every_kind_that_applies_to_it(bad_zone):
    kinds: defaultdict = defaultdict(set)
    for line in bad_lines(bad_zone):
        kinds[line["source_table"]].add(line["reason"])
    for table, rules in RULES.items():
        expected = {"duplicate_row", "conflicting_duplicate_id", "missing_required_value"}
        expected |= {"invalid_enum_value"} if rules.get("enums") else set()
        expected |= {"timestamp_after_as_of"} if rules.get("event") else set()
        expected |= {"unknown_reference"} if rules.get("references") else set()
        assert expected <= kinds[table], table
    assert {"invalid_personnummer_check_digit", "invalid_personnummer_date",
            "invalid_personnummer_birth_number", "invalid_organisation_number",
            "invalid_email"} <= kinds["booking.customers"]
    assert {"negative_amount", "delivered_before_ordered",
            "invalid_country_code"} <= kinds["booking.orders"]
    assert "invalid_country_code" in kinds["booking.customers"]
    assert "invalid_ip_address" in kinds["web.page_views"]
    assert "out_of_range" in kinds["crm.survey_responses"]
    assert "invalid_email" in kinds["crm.leads"] and "invalid_email" in kinds[
        "web.form_submissions"]


def test_no_good_row_refers_to_a_bad_row(bad_zone):
    rejected, accepted = check_zone(bad_zone)
    new_ids = {(table, rid) for table, rid, reason in rejected if reason != "duplicate_row"}
    for table, rules in RULES.items():
        for row in read(bad_zone, table):
            if (table, record_id(table, row)) in new_ids:
                continue
            for column, target in rules.get("references", {}).items():
                targets = target[1::2] if isinstance(target, tuple) else (target,)
                assert not any((parent, row[column]) in new_ids for parent in targets), (
                    table, row)


def _relationship_end(zone: Path, customer_id: str) -> date | None:
    """The register's decision 1, computed again from the landed rows (None = still open)."""
    orders = [row for row in read(zone, "booking.orders") if row["customer_id"] == customer_id]
    payments = defaultdict(list)
    for row in read(zone, "booking.payments"):
        payments[row["order_id"]].append(row)
    ends = []
    for order in orders:
        if order["cancelled_at"]:
            ends.append(order["cancelled_at"].date())
            continue
        paid_at, total = None, 0
        for payment in sorted(payments[order["order_id"]], key=lambda row: row["paid_at"]):
            total += payment["amount_sek"]
            if total >= order["price_sek"] and paid_at is None:
                paid_at = payment["paid_at"]
            elif total < order["price_sek"]:
                paid_at = None
        if not order["delivered_at"] or paid_at is None:
            return None
        ends.append(max(order["delivered_at"], paid_at).date())
    for agreement in read(zone, "booking.agreements"):
        if agreement["customer_id"] == customer_id:
            if agreement["terminated_on"] is None:
                return None
            ends.append(agreement["terminated_on"])
    if not ends:
        created = [row for row in read(zone, "booking.customers")
                   if row["customer_id"] == customer_id][0]["created_at"]
        return created.date()
    return max(ends)


def check_boundaries(zone: Path, as_of: date) -> dict[str, date]:
    """Every planted case's verdict, computed again from the landed rows; case -> retention."""
    with (zone / "_boundary_cases.csv").open(encoding="utf-8") as handle:
        cases = list(csv.DictReader(handle))
    names = {case["case"] for case in cases}
    for required in ("customer_closed_exactly_36_months_paid_last",
                     "customer_closed_36_months_plus_1_day", "lead_obtained_exactly_12_months",
                     "lead_obtained_12_months_plus_1_day",
                     "anonymous_page_view_exactly_12_months",
                     "anonymous_page_view_12_months_plus_1_day",
                     "invoice_december_31_past_bookkeeping",
                     "invoice_january_1_within_bookkeeping"):
        assert required in names
    assert any(name.startswith("customer_closed_on_leap_day") for name in names)
    holds = read(zone, "legal.legal_holds")
    retention = {}
    for case in cases:
        table, rid = case["source_table"], case["record_id"]
        if table == "booking.customers":
            end = _relationship_end(zone, rid)
            until = date.max if end is None else add_months(end, 36)
            for hold in (row for row in holds if row["customer_id"] == rid):
                if hold["closed_on"] is None or hold["closed_on"] > as_of:
                    until = date.max
                else:
                    until = max(until, hold["closed_on"])
        elif table == "crm.leads":
            lead = [row for row in read(zone, table) if row["lead_id"] == rid][0]
            until = add_months(lead["obtained_at"].date(), 12)
            customers = read(zone, "booking.customers")
            assert rid not in {row["lead_id"] for row in customers}  # never converted
        elif table == "web.page_views":
            view = [row for row in read(zone, table) if row["event_id"] == rid][0]
            assert view["customer_id"] is None and view["visitor_id"] == case["subject_id"]
            until = add_months(view["occurred_at"].date(), 12)
        else:
            invoice = [row for row in read(zone, table) if row["invoice_id"] == rid][0]
            assert invoice["customer_id"] == case["subject_id"]
            assert (invoice["invoice_date"].month, invoice["invoice_date"].day) in ((12, 31),
                                                                                 (1, 1))
            until = date(invoice["invoice_date"].year + 7, 12, 31)
        assert case["expected"] == ("inside" if as_of <= until else "outside"), case
        retention[case["case"]] = until
    return retention


def test_boundary_cases_sit_where_the_register_says(clean_zone):
    retention = check_boundaries(clean_zone, AS_OF)
    # On an ordinary day the "exactly" cases end their window on as_of itself.
    exact = [case for case in retention if "exactly" in case]
    assert len(exact) >= 6
    assert all(retention[case] == AS_OF for case in exact)


@pytest.mark.parametrize("as_of", [date(2024, 2, 29), date(2025, 12, 31), date(2026, 1, 1),
                                   date(2028, 2, 28)])
def test_other_evaluation_days_plan_their_own_boundaries(tmp_path, as_of):
    generate_landing_zone(tmp_path, scale=SCALE, seed=5, as_of=as_of, bad_rows=0.01)
    rejected, _ = check_zone(tmp_path, as_of=as_of)
    planted = [(line["source_table"], line["record_id"], line["reason"])
               for line in bad_lines(tmp_path)]
    assert sorted(rejected) == sorted(planted)
    check_boundaries(tmp_path, as_of)


def test_cli_refuses_an_existing_zone_and_overwrites_with_force(clean_zone, tmp_path, capsys):
    out = tmp_path / "zone"
    out.mkdir()
    (out / "somebody_elses.txt").write_text("x")
    arguments = ["generate", "--out", str(out), "--scale", "0.005", "--as-of", "2026-06-30"]
    assert cli.main(arguments) == 2
    assert "refusing" in capsys.readouterr().err
    assert cli.main([*arguments, "--force"]) == 0
    captured = capsys.readouterr()
    assert str(out) in captured.out and "rows" in captured.out
    assert "booking.customers" in captured.err  # progress, one line per table
    assert (out / "booking" / "customers" / "part-0000.parquet").exists()


def test_day_batch_appends_new_rows_with_fresh_ids(bad_zone, tmp_path):
    zone = tmp_path / "zone"
    generate_landing_zone(zone, scale=SCALE, seed=42, as_of=AS_OF, bad_rows=0.05)
    before = {table: read(zone, table) for table in ("booking.orders", "booking.payments",
                                                     "web.page_views")}
    day = AS_OF + timedelta(days=1)
    arguments = ["generate", "--out", str(zone), "--day", day.isoformat()]
    assert cli.main(arguments) == 0
    stem = f"part-{day.isoformat()}.parquet"
    new = {table: read(zone, table, stem) for table in before}
    assert all(new[table] for table in new), {table: len(rows) for table, rows in new.items()}
    for table, rows in new.items():
        key = RULES[table]["key"][0]
        old_ids = {row[key] for row in before[table]}
        new_ids = [row[key] for row in rows]
        assert len(set(new_ids)) == len(new_ids) and not old_ids & set(new_ids), table
        assert all(day.strftime("%Y%m%d") in value for value in new_ids)
    # The whole zone, read as of that day, has no rejected row beyond the planted ones.
    rejected, _ = check_zone(zone, as_of=day)
    planted = sorted((line["source_table"], line["record_id"], line["reason"])
                     for line in bad_lines(zone))
    day_rejections = [row for row in rejected if row not in planted
                      and row[2] != "timestamp_after_as_of"]
    assert day_rejections == []
    assert all(row["ordered_at"].date() == day for row in new["booking.orders"])
    assert all(row["occurred_at"].date() == day for row in new["web.page_views"])
    assert any(row["customer_id"] for row in new["web.page_views"])
    # Same day again: refused, then with --force the same bytes.
    first = {table: (zone / table.replace(".", "/") / stem).read_bytes() for table in new}
    assert cli.main(arguments) == 2
    assert cli.main([*arguments, "--force"]) == 0
    for table in new:
        assert (zone / table.replace(".", "/") / stem).read_bytes() == first[table]
    meta = json.loads((zone / "_generator.json").read_text())
    assert meta["day_batches"][day.isoformat()]["booking.orders"] == len(new["booking.orders"])


def test_boundary_subjects_and_visitor_ids_are_stable(clean_zone):
    """Visitor ids are md5 of seed/key: the boundary file names exactly what the table holds."""
    with (clean_zone / "_boundary_cases.csv").open(encoding="utf-8") as handle:
        visitors = [case["subject_id"] for case in csv.DictReader(handle)
                    if case["source_table"] == "web.page_views"]
    assert len(visitors) == 2
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in visitors)
    assert hashlib.md5(b"42/0").hexdigest() in {row["visitor_id"] for row in
                                                 read(clean_zone, "web.page_views")}


# ------------------------------------------------------------------------------ with the warehouse
# The generated zone built by the real dbt project: the warehouse rejects exactly the planted rows
# and puts every boundary case on its side. These build a warehouse (about a minute each).

@pytest.fixture(scope="session")
def generated_warehouse(tmp_path_factory, bad_zone):
    from dbt_project_runner import PROJECT_ROOT, DbtProject

    project = DbtProject(root=PROJECT_ROOT, raw_data_dir=bad_zone,
                         work_dir=tmp_path_factory.mktemp("generated_warehouse"),
                         as_of=AS_OF.isoformat())
    result = project.build()
    assert result.returncode == 0, result.output[-5000:]
    return project


@pytest.mark.slow
def test_the_warehouse_rejects_exactly_the_planted_rows(generated_warehouse):
    rejected = Counter(generated_warehouse.query(
        "select source_table, record_id, reason from compliance.rejected_rows"))
    planted = Counter((line["source_table"], line["record_id"], line["reason"])
                      for line in bad_lines(generated_warehouse.raw_data_dir))
    assert planted - rejected == Counter()
    assert rejected - planted == Counter()  # the good data is clean
    assert all(ok for (ok,) in generated_warehouse.query(
        "select is_reconciled from compliance.landing_reconciliation"))


@pytest.mark.slow
def test_the_warehouse_puts_each_boundary_case_on_its_side(generated_warehouse):
    windows = {(subject, purpose): within for subject, purpose, within in generated_warehouse.query(
        "select subject_id, purpose, within_window from compliance.retention_deadlines")}
    kept_invoices = {invoice for (invoice,) in generated_warehouse.query(
        "select invoice_id from legal.bookkeeping_invoices")}
    with (generated_warehouse.raw_data_dir / "_boundary_cases.csv").open(encoding="utf-8") as f:
        cases = list(csv.DictReader(f))
    assert len(cases) >= 20
    # The rule each case is about (see the generator's boundary module).
    purpose = {"booking.customers": "contract_administration", "crm.leads": "marketing",
               "web.page_views": "marketing"}
    for case in cases:
        inside = case["expected"] == "inside"
        if case["source_table"] == "booking.invoices":
            assert (case["record_id"] in kept_invoices) == inside, case
        else:
            assert windows[(case["subject_id"], purpose[case["source_table"]])] == inside, case
            if case["source_table"] == "booking.customers" and not case["case"].startswith(
                    "contract_window_"):
                assert windows[(case["subject_id"], "marketing")] == inside, case


@pytest.mark.slow
@pytest.mark.parametrize("as_of", ["2024-02-29", "2025-12-31", "2026-01-01"])
def test_the_build_is_green_replayed_on_other_days(generated_warehouse, tmp_path, as_of):
    project = generated_warehouse.copy(tmp_path, copy_warehouse=False)
    result = project.build(as_of=as_of,
                           vars={"fiscal_year_end": "04-30"} if as_of == "2026-01-01" else None)
    assert result.returncode == 0, result.output[-4000:]


@pytest.mark.slow
def test_the_planted_free_text_reaches_no_published_table(generated_warehouse):
    """Issue 12: the disguised page paths and the country codes carrying a name are published
    as routes / `other` or rejected: no bizdev table (what `publish` copies, checksum for
    checksum) holds any personal part of them."""
    zone = generated_warehouse.raw_data_dir
    markers = ("(at)", " [at] ", "%40", "/kund/", "/ring/", "/leverans/", "/mina-sidor/ordrar/O",
               "/mina-sidor/C", "/a\n")
    planted = [row["url_path"] for row in read(zone, "web.page_views")
               if any(marker in (row["url_path"] or "") for marker in markers)]
    assert len({path for path in planted}) >= 10, planted
    needles = set()
    for path in planted:
        for part in re.split(r"[/\n]", path):
            if len(part) >= 6 and part not in ("kontakt", "leverans", "ordrar", "mina-sidor"):
                needles.add(part)
    reasons = {(line["source_table"], line["record_id"]) for line in bad_lines(zone)
               if line["reason"] == "invalid_country_code"}
    assert reasons
    for table, column, key in (("booking.customers", "country_code", "customer_id"),
                               ("booking.orders", "delivery_country_code", "order_id")):
        needles |= {row[column] for row in read(zone, table)
                    if (table, row[key]) in reasons and len(row[column]) >= 3}
    text_columns = generated_warehouse.query(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'bizdev' and data_type = 'VARCHAR'")
    found = []
    for table, column in text_columns:
        for needle in needles:
            count = generated_warehouse.query(
                f"select count(*) from bizdev.{table} "
                f"where position('{needle.replace(chr(39), chr(39) * 2)}' in {column}) > 0")[0][0]
            if count:
                found.append((table, column, needle))
    assert not found
    # Not vacuous: the planted paths were accepted into the warehouse (they are good rows), so the
    # search above had them to find; in bizdev a path can only be a route or `other`.
    staged = {path for (path,) in generated_warehouse.query(
        "select distinct page_path from staging.stg_web__page_views")}
    assert staged & {path.split("?", 1)[0] for path in planted}, "no planted path reached staging"
