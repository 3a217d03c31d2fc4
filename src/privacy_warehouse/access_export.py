"""Subject access export (GDPR Art. 15): everything the landing zone and the warehouse hold about
one person, each record with its purposes, legal bases and retention_until.

    privacy-warehouse access-export --email asa.oberg@exempel.se --out exports/

Identity is resolved across systems before records are collected: a customer and the lead it was
converted from, form submissions with the same e-mail or phone, and the browsers (cookie ids) the
person used while logged in or when submitting a form. The export is written as one JSON file and
a Markdown file a person can read. It holds personal data by design: it goes to the person, so
the command writes only where it is told and never to the evidence folder or the logs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from privacy_warehouse.sql import quote_literal

# How each landing table links to a person: the columns holding customer, lead and visitor ids
# and the contact columns identity resolution may match on.
TABLES = {
    "booking.customers": {"id": "customer_id", "customer": "customer_id", "lead": "lead_id",
                          "match": ["personnummer", "email", "phone", "organisation_number"]},
    "booking.agreements": {"id": "agreement_id", "customer": "customer_id"},
    "booking.orders": {"id": "order_id", "customer": "customer_id"},
    "booking.payments": {"id": "payment_id", "order": "order_id"},
    "booking.invoices": {"id": "invoice_id", "customer": "customer_id"},
    "booking.invoice_lines": {"id": ["invoice_id", "order_id"], "invoice": "invoice_id"},
    "web.page_views": {"id": "event_id", "customer": "customer_id", "visitor": "visitor_id"},
    "web.form_submissions": {"id": "submission_id", "customer": "customer_id", "lead": "lead_id",
                             "visitor": "visitor_id", "match": ["email", "phone"]},
    "crm.leads": {"id": "lead_id", "lead": "lead_id", "match": ["email", "phone"]},
    "crm.activities": {"id": "activity_id", "subject": True},
    "crm.survey_responses": {"id": "response_id", "customer": "customer_id"},
    "consent.consent_events": {"id": "event_id", "subject": True},
    "consent.objections": {"id": "objection_id", "subject": True},
    "legal.legal_holds": {"id": "hold_id", "customer": "customer_id"},
}


def _table_expr(raw_root: Path, table: str) -> str | None:
    system, name = table.split(".")
    files = sorted((raw_root / system / name).glob("*.parquet"))
    if not files:
        return None
    listed = ", ".join(quote_literal(str(f)) for f in files)
    return f"read_parquet([{listed}], union_by_name = true)"


def _rows(con, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _in(column: str, values: set[str]) -> tuple[str, list]:
    if not values:
        return "false", []
    return f"{column} in ({', '.join('?' for _ in values)})", sorted(values)


def resolve_identity(con, raw_root: Path, identifiers: dict[str, str]) -> dict[str, set[str]]:
    """Customer, lead and visitor ids of one person, closed over the links between systems."""
    person = {"customer": set(), "lead": set(), "visitor": set(), "email": set(), "phone": set()}
    for kind in ("customer", "lead"):
        if identifiers.get(f"{kind}_id"):
            person[kind].add(identifiers[f"{kind}_id"])
    for kind in ("email", "phone"):
        if identifiers.get(kind):
            person[kind].add(identifiers[kind].strip().lower() if kind == "email"
                             else identifiers[kind].strip())
    personnummer = identifiers.get("personnummer")

    for _ in range(4):  # links are short; a few rounds reach the fixed point
        before = {k: set(v) for k, v in person.items()}
        customers = _table_expr(raw_root, "booking.customers")
        if customers:
            conditions, params = [], []
            for column, values in (("customer_id", person["customer"]),
                                   ("lead_id", person["lead"])):
                clause, p = _in(column, values)
                conditions.append(clause)
                params += p
            clause, p = _in("lower(trim(email))", person["email"])
            conditions.append(clause)
            params += p
            clause, p = _in("trim(phone)", person["phone"])
            conditions.append(clause)
            params += p
            if personnummer:
                conditions.append("trim(personnummer) = ?")
                params.append(personnummer.strip())
            for row in _rows(con, f"select customer_id, lead_id, email, phone from {customers} "
                                  f"where {' or '.join(conditions)}", params):
                person["customer"].add(row["customer_id"])
                if row["lead_id"]:
                    person["lead"].add(row["lead_id"])
                if row["email"]:
                    person["email"].add(row["email"].strip().lower())
                if row["phone"]:
                    person["phone"].add(row["phone"].strip())
        leads = _table_expr(raw_root, "crm.leads")
        if leads:
            c1, p1 = _in("lead_id", person["lead"])
            c2, p2 = _in("lower(trim(email))", person["email"])
            c3, p3 = _in("trim(phone)", person["phone"])
            for row in _rows(con, f"select lead_id, email, phone from {leads} "
                                  f"where {c1} or {c2} or {c3}", p1 + p2 + p3):
                person["lead"].add(row["lead_id"])
        forms = _table_expr(raw_root, "web.form_submissions")
        if forms:
            c1, p1 = _in("customer_id", person["customer"])
            c2, p2 = _in("lead_id", person["lead"])
            c3, p3 = _in("lower(trim(email))", person["email"])
            c4, p4 = _in("trim(phone)", person["phone"])
            for row in _rows(con, f"select visitor_id from {forms} where "
                                  f"({c1} or {c2} or {c3} or {c4}) and visitor_id is not null",
                             p1 + p2 + p3 + p4):
                person["visitor"].add(row["visitor_id"])
        views = _table_expr(raw_root, "web.page_views")
        if views:
            clause, params = _in("customer_id", person["customer"])
            for row in _rows(con, f"select distinct visitor_id from {views} where {clause}",
                             params):
                person["visitor"].add(row["visitor_id"])
        if before == person:
            break
    return person


def collect_records(con, raw_root: Path, person: dict[str, set[str]]) -> dict[str, list[dict]]:
    records: dict[str, list[dict]] = {}
    order_ids: set[str] = set()
    invoice_ids: set[str] = set()
    for table in ("booking.customers", "booking.agreements", "booking.orders",
                  "booking.invoices", "web.page_views", "web.form_submissions", "crm.leads",
                  "crm.activities", "crm.survey_responses", "consent.consent_events",
                  "consent.objections", "legal.legal_holds", "booking.payments",
                  "booking.invoice_lines"):
        expr = _table_expr(raw_root, table)
        if not expr:
            continue
        spec = TABLES[table]
        conditions, params = [], []
        for kind in ("customer", "lead", "visitor"):
            if kind in spec:
                clause, p = _in(spec[kind], person[kind])
                conditions.append(clause)
                params += p
        if spec.get("subject"):
            for kind in ("customer", "lead"):
                clause, p = _in("subject_id", person[kind])
                conditions.append(f"(subject_type = '{kind}' and {clause})")
                params += p
        if "order" in spec:
            clause, p = _in(spec["order"], order_ids)
            conditions.append(clause)
            params += p
        if "invoice" in spec:
            clause, p = _in(spec["invoice"], invoice_ids)
            conditions.append(clause)
            params += p
        if table in ("web.form_submissions", "crm.leads"):
            for column, kind in (("lower(trim(email))", "email"), ("trim(phone)", "phone")):
                clause, p = _in(column, person[kind])
                conditions.append(clause)
                params += p
        rows = _rows(con, f"select * from {expr} where {' or '.join(conditions)}", params)
        if table == "booking.orders":
            order_ids |= {r["order_id"] for r in rows}
        if table == "booking.invoices":
            invoice_ids |= {r["invoice_id"] for r in rows}
        if rows:
            records[table] = rows
    return records


def attach_purposes(records: dict[str, list[dict]], warehouse_path: Path | None) -> None:
    """Add each record's purposes, legal bases and retention_until from the warehouse."""
    if not warehouse_path or not warehouse_path.exists():
        return
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        for table, rows in records.items():
            id_column = TABLES[table]["id"]
            ids = {(":".join(str(r[c]) for c in id_column) if isinstance(id_column, list)
                    else str(r[id_column])) for r in rows}
            clause, params = _in("windows.record_id", ids)
            found = _rows(con, f"""
                select windows.record_id, windows.purpose, purposes.legal_basis,
                    windows.retention_until, windows.within_window
                from intermediate.int_record_purpose_windows as windows
                inner join policy.policy_purposes as purposes on windows.purpose = purposes.purpose
                where windows.source_table = ? and {clause}
                order by windows.purpose
            """, [table, *params])
            by_record: dict[str, list[dict]] = {}
            for row in found:
                by_record.setdefault(row.pop("record_id"), []).append(row)
            rejected = {r["record_id"]: r["reason"] for r in _rows(
                con, f"select record_id, reason from compliance.rejected_rows "
                     f"where source_table = ? and {clause.replace('windows.', '')}",
                [table, *params])}
            for row in rows:
                key = (":".join(str(row[c]) for c in id_column) if isinstance(id_column, list)
                       else str(row[id_column]))
                row["_purposes"] = by_record.get(key, [])
                if key in rejected:
                    row["_rejected_because"] = rejected[key]
    finally:
        con.close()


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def to_markdown(identifiers: dict, person: dict, records: dict) -> str:
    lines = ["# What we hold about you", "",
             f"Request: {', '.join(f'{k} = {v}' for k, v in identifiers.items() if v)}", "",
             "Identities we linked: " + "; ".join(
                 f"{kind}: {', '.join(sorted(values))}" for kind, values in person.items()
                 if values and kind in ("customer", "lead", "visitor")), ""]
    for table, rows in records.items():
        lines += [f"## {table} ({len(rows)} records)", ""]
        for row in rows:
            purposes = row.get("_purposes", [])
            data = ", ".join(f"{k}: {_json_default(v) if v is not None else '—'}"
                             for k, v in row.items() if not k.startswith("_"))
            lines.append(f"- {data}")
            for purpose in purposes:
                until = purpose["retention_until"]
                lines.append(f"  - purpose **{purpose['purpose']}**, legal basis "
                             f"{purpose['legal_basis']}, kept until "
                             f"{until.isoformat() if until else 'the relationship ends'}")
            if row.get("_rejected_because"):
                lines.append(f"  - not used: rejected on arrival ({row['_rejected_because']})")
        lines.append("")
    return "\n".join(lines)


def export(identifiers: dict, raw_root: Path, warehouse_path: Path | None, out: Path) -> dict:
    con = duckdb.connect()
    try:
        person = resolve_identity(con, raw_root, identifiers)
        records = collect_records(con, raw_root, person)
    finally:
        con.close()
    attach_purposes(records, warehouse_path)
    out.mkdir(parents=True, exist_ok=True)
    name = "subject_access_export"
    document = {"request": identifiers,
                "linked_identities": {k: sorted(v) for k, v in person.items()},
                "records": records}
    (out / f"{name}.json").write_text(
        json.dumps(document, default=_json_default, ensure_ascii=False, indent=2),
        encoding="utf-8")
    (out / f"{name}.md").write_text(to_markdown(identifiers, person, records), encoding="utf-8")
    return document


def run(args: argparse.Namespace) -> int:
    identifiers = {k: getattr(args, k) for k in
                   ("personnummer", "email", "phone", "customer_id", "lead_id") if getattr(args, k)}
    if not identifiers:
        print("access-export: give --personnummer, --email, --phone, --customer-id or --lead-id",
              file=sys.stderr)
        return 2
    document = export(identifiers, Path(args.raw_data_dir),
                      Path(args.duckdb_path) if args.duckdb_path else None, Path(args.out))
    total = sum(len(rows) for rows in document["records"].values())
    print(f"Wrote {total} records from {len(document['records'])} tables to {args.out}/")
    return 0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("access-export", help="GDPR Art. 15 export for one person")
    parser.add_argument("--personnummer")
    parser.add_argument("--email")
    parser.add_argument("--phone")
    parser.add_argument("--customer-id", dest="customer_id")
    parser.add_argument("--lead-id", dest="lead_id")
    parser.add_argument("--raw-data-dir", default=os.environ.get("RAW_DATA_DIR", "data/raw"))
    parser.add_argument("--duckdb-path", default=os.environ.get("DUCKDB_PATH"))
    parser.add_argument("--out", required=True, help="folder for the JSON and Markdown files")
    parser.set_defaults(func=run)
