"""Subject access export (GDPR Art. 15): everything the warehouse accepted about one person, each
record with its purposes, legal bases and retention_until.

    privacy-warehouse access-export --customer-id C-1 --out exports/request-17/

**Who is asking** is found among *accepted* records only (the warehouse's quarantine verdicts,
`quarantine.base_*` rows with no rejection reason), never among rejected or raw rows:

* by a strong identifier: `--personnummer`, `--customer-id` or `--lead-id`;
* by `--email` or `--phone` only when it matches exactly one subject. A lead and the customer it
  became are one subject; an e-mail on two customer accounts is two.

Several identifiers must all find the same subject. Two or more candidates: the command refuses
(exit 1), says how many, and writes nothing; the person is asked for a strong identifier.

**What belongs to the person** is joined only through links the warehouse itself accepted:
the lead and the customer it became (`intermediate.int_leads_converted`), and the browsers
(cookie / visitor ids) that accepted rows tie to the person's customer or lead id (a logged-in
page view, a form the person sent). Never through matching contact details of other rows: a
booking row carrying someone's e-mail does not make its records theirs. The records are those
`intermediate.int_landing_records` assigns to one of those subjects, shown as they landed.
Rows rejected on arrival that name one of the person's ids are listed by id and reason only:
their other values were not accepted as the person's.

Which tables hold what about a person is read from the sources' declarations
(models/staging/_staging__sources.yml, function declared_tables), not kept here.

The files hold personal data by design (they go to the person): written 0600 into a folder that
is 0700 (created so, or refused when it exists with wider access), never to evidence or logs.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from privacy_warehouse.declarations import PROJECT_ROOT, landing_tables
from privacy_warehouse.sql import quote_identifier

QUARANTINE_SCHEMA = "quarantine"  # base_<system>__<table>: every landed row with its verdict
RECORDS = "intermediate.int_landing_records"  # accepted record -> the subject it is about
CONVERSIONS = "intermediate.int_leads_converted"  # lead -> the customer it became
BASE_COLUMNS = ("source_table", "record_id", "rejection_reason", "rejected_column")
STRONG = ("personnummer", "customer_id", "lead_id")
CONTACT = ("email", "phone")
EXPORT_NAME = "subject_access_export"


class AccessExportRefused(RuntimeError):
    """Nothing was written; the message names no value of the request."""


class NoSubjectFound(AccessExportRefused):
    pass


class AmbiguousRequest(AccessExportRefused):
    def __init__(self, message: str, candidates: int):
        super().__init__(message)
        self.candidates = candidates


# --------------------------------------------------------------------------------------------
# The declarations: the one place that reads which table holds what about a person
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectColumn:
    """A column of the row naming a subject: of a fixed `type`, or of the type in `type_column`."""

    column: str
    type: str | None = None
    type_column: str | None = None


@dataclass(frozen=True)
class DeclaredTable:
    name: str  # system.table
    primary_key: tuple[str, ...]
    subjects: tuple[SubjectColumn, ...]  # on the row itself (not found through another table)
    contacts: dict[str, tuple[str, ...]]  # request kind (email, phone, personnummer) -> columns

    @property
    def base_model(self) -> str:
        system, table = self.name.split(".")
        return f"base_{system}__{table}"


def declared_tables(project_dir: Path | str | None = None) -> dict[str, DeclaredTable]:
    """Every landing table with the columns that name a subject or hold its contact details,
    from the sources' declarations (privacy_warehouse.declarations): table meta `subjects`
    (entries with a `lookup` are reached through another table: int_landing_records resolves
    them) and `identity_columns`. A contact column's request kind is its `format` (email,
    personnummer), else its name (phone)."""
    tables = {}
    for table in landing_tables(project_dir):
        subjects = tuple(SubjectColumn(s.value.column, s.type, s.type_column)
                         for s in table.subjects if not s.value.lookup)
        contacts: dict[str, tuple[str, ...]] = {}
        for column in table.identity_columns:
            kind = table.column(column).meta.get("format") or column
            contacts[kind] = (*contacts.get(kind, ()), column)
        tables[table.full_name] = DeclaredTable(table.full_name, table.primary_key, subjects,
                                                contacts)
    return tables


# --------------------------------------------------------------------------------------------
# Finding the person
# --------------------------------------------------------------------------------------------


def _rows(con, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _in(column: str, values) -> tuple[str, list]:
    values = sorted(set(values))
    if not values:
        return "false", []
    return f"{column} in ({', '.join('?' for _ in values)})", values


def _base(table: DeclaredTable) -> str:
    return f"{QUARANTINE_SCHEMA}.{quote_identifier(table.base_model)}"


def _normalised(kind: str, value: str) -> tuple[str, str]:
    """(SQL template over the column, value) compared the way staging cleans the column."""
    if kind == "email":
        return "lower(trim({}))", value.strip().lower()
    return "trim({})", value.strip()


def _subjects_matching(con, tables: dict[str, DeclaredTable], kind: str,
                       value: str) -> set[tuple[str, str]]:
    """The subjects of accepted records whose `kind` column holds `value`."""
    if kind in ("customer_id", "lead_id"):
        subject_type = kind.removesuffix("_id")
        found = con.execute(f"select count(*) from {RECORDS} where subject_type = ? "
                            "and subject_id = ?", [subject_type, value.strip()]).fetchone()[0]
        return {(subject_type, value.strip())} if found else set()
    subjects = set()
    for table in tables.values():
        for column in table.contacts.get(kind, ()):
            expression, wanted = _normalised(kind, value)
            expression = expression.format(f"base.{quote_identifier(column)}")
            for row in _rows(con, f"""
                    select records.subject_type, records.subject_id
                    from {_base(table)} as base
                    inner join {RECORDS} as records
                        on records.source_table = ? and records.record_id = base.record_id
                    where base.rejection_reason is null and {expression} = ?""",
                             [table.name, wanted]):
                subjects.add((row["subject_type"], row["subject_id"]))
    return subjects


def _person_of(con, subject: tuple[str, str]) -> tuple[str, str]:
    """A lead that became a customer is that customer (int_leads_converted)."""
    subject_type, subject_id = subject
    if subject_type == "lead":
        found = con.execute(f"select converted_customer_id from {CONVERSIONS} where lead_id = ?",
                            [subject_id]).fetchone()
        if found and found[0]:
            return ("customer", found[0])
    return subject


def _browsers(con, tables: dict[str, DeclaredTable], customers: set[str],
              leads: set[str]) -> set[str]:
    """Visitor ids that accepted rows tie to one of the person's customer or lead ids."""
    visitors = set()
    for table in tables.values():
        # A row's own id is not a browser (form_submissions names itself when nothing else).
        visitor_columns = [s.column for s in table.subjects
                           if s.type == "visitor" and s.column not in table.primary_key]
        own = [(s.column, ids) for s in table.subjects
               for kind, ids in (("customer", customers), ("lead", leads)) if s.type == kind]
        if not visitor_columns or not own:
            continue
        conditions, params = [], []
        for column, ids in own:
            clause, p = _in(quote_identifier(column), ids)
            conditions.append(clause)
            params += p
        for visitor in visitor_columns:
            visitors |= {row[0] for row in con.execute(
                f"select distinct {quote_identifier(visitor)} from {_base(table)} "
                f"where rejection_reason is null and {quote_identifier(visitor)} is not null "
                f"and ({' or '.join(conditions)})", params).fetchall()}
    return visitors


def resolve_identity(con, tables: dict[str, DeclaredTable],
                     identifiers: dict[str, str]) -> dict[str, set[str]]:
    """The person's customer, lead and visitor ids; refuses unless exactly one person matches."""
    persons: set[tuple[str, str]] = set()
    for kind, value in identifiers.items():
        matched = {_person_of(con, s) for s in _subjects_matching(con, tables, kind, value)}
        label = kind.replace("_", " ")
        if not matched:
            raise NoSubjectFound(f"no accepted record holds the {label} given: no subject found")
        if len(matched) > 1:
            raise AmbiguousRequest(
                f"the {label} given matches {len(matched)} subjects among accepted records; "
                "ask the person for a strong identifier (personnummer, customer id or lead id)",
                len(matched))
        persons |= matched
    if len(persons) > 1:
        raise AmbiguousRequest(f"the identifiers given name {len(persons)} subjects; ask the "
                               "person for one strong identifier", len(persons))
    (subject_type, subject_id), = persons
    person = {"customer": set(), "lead": set(), "visitor": set()}
    person[subject_type].add(subject_id)
    if subject_type == "customer":
        person["lead"] |= {row[0] for row in con.execute(
            f"select lead_id from {CONVERSIONS} where converted_customer_id = ?",
            [subject_id]).fetchall()}
    if subject_type != "visitor":
        person["visitor"] |= _browsers(con, tables, person["customer"], person["lead"])
    return person


# --------------------------------------------------------------------------------------------
# The person's records
# --------------------------------------------------------------------------------------------


def _subject_condition(person: dict[str, set[str]], type_sql: str, id_sql: str) -> tuple[str, list]:
    conditions, params = [], []
    for kind, ids in person.items():
        clause, p = _in(id_sql, ids)
        if p:
            conditions.append(f"({type_sql} = '{kind}' and {clause})")
            params += p
    return (" or ".join(conditions) or "false"), params


def collect_records(con, tables: dict[str, DeclaredTable],
                    person: dict[str, set[str]]) -> dict[str, list[dict]]:
    """Accepted rows int_landing_records assigns to one of the person's subjects, as landed."""
    condition, params = _subject_condition(person, "subject_type", "subject_id")
    ids: dict[str, set[str]] = {}
    for source_table, record_id in con.execute(
            f"select source_table, record_id from {RECORDS} where {condition}", params).fetchall():
        ids.setdefault(source_table, set()).add(record_id)
    records = {}
    for name, table in tables.items():
        if not ids.get(name):
            continue
        clause, p = _in("record_id", ids[name])
        rows = _rows(con, f"select * from {_base(table)} where rejection_reason is null "
                          f"and {clause} order by record_id", p)
        records[name] = [{"_record_id": r["record_id"],
                          **{k: v for k, v in r.items() if k not in BASE_COLUMNS}} for r in rows]
    return records


def collect_rejected(con, tables: dict[str, DeclaredTable],
                     person: dict[str, set[str]]) -> dict[str, list[dict]]:
    """Rows rejected on arrival that name one of the person's ids: the key and the reason."""
    rejected = {}
    for name, table in tables.items():
        conditions, params = [], []
        for subject in table.subjects:
            type_sql = quote_identifier(subject.type_column) if subject.type_column else f"'{subject.type}'"
            clause, p = _subject_condition(person, type_sql, quote_identifier(subject.column))
            conditions.append(clause)
            params += p
        if not params:
            continue
        keys = ", ".join(quote_identifier(k) for k in table.primary_key)
        rows = _rows(con, f"select {keys}, rejection_reason as _rejected_because "
                          f"from {_base(table)} where rejection_reason is not null "
                          f"and ({' or '.join(conditions)}) order by record_id", params)
        if rows:
            rejected[name] = rows
    return rejected


def attach_purposes(con, records: dict[str, list[dict]]) -> None:
    """Add each record's purposes, legal bases and retention_until from the warehouse."""
    for table, rows in records.items():
        clause, params = _in("windows.record_id", {r["_record_id"] for r in rows})
        by_record: dict[str, list[dict]] = {}
        for row in _rows(con, f"""
                select windows.record_id, windows.purpose, purposes.legal_basis,
                    windows.retention_until, windows.within_window
                from intermediate.int_record_purpose_windows as windows
                inner join policy.policy_purposes as purposes on windows.purpose = purposes.purpose
                where windows.source_table = ? and {clause}
                order by windows.purpose
            """, [table, *params]):
            by_record.setdefault(row.pop("record_id"), []).append(row)
        for row in rows:
            row["_purposes"] = by_record.get(row.pop("_record_id"), [])


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def to_markdown(identifiers: dict, person: dict, records: dict, rejected: dict) -> str:
    lines = ["# What we hold about you", "",
             f"Request: {', '.join(f'{k} = {v}' for k, v in identifiers.items() if v)}", "",
             "Identities we linked: " + "; ".join(
                 f"{kind}: {', '.join(sorted(values))}" for kind, values in person.items()
                 if values), ""]
    for table, rows in records.items():
        lines += [f"## {table} ({len(rows)} records)", ""]
        for row in rows:
            data = ", ".join(f"{k}: {_json_default(v) if v is not None else '—'}"
                             for k, v in row.items() if not k.startswith("_"))
            lines.append(f"- {data}")
            for purpose in row.get("_purposes", []):
                until = purpose["retention_until"]
                lines.append(f"  - purpose **{purpose['purpose']}**, legal basis "
                             f"{purpose['legal_basis']}, kept until "
                             f"{until.isoformat() if until else 'the relationship ends'}")
        lines.append("")
    if rejected:
        lines += ["## Rows naming you that we rejected on arrival (not used)", ""]
        for table, rows in rejected.items():
            for row in rows:
                key = ", ".join(f"{k}: {v}" for k, v in row.items() if not k.startswith("_"))
                lines.append(f"- {table} ({key}): {row['_rejected_because']}")
        lines.append("")
    return "\n".join(lines)


def _private_folder(out: Path) -> None:
    """`out` as a folder only its owner can enter: created 0700, or refused if wider."""
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(out, 0o700)
    except FileExistsError:
        info = os.lstat(out)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() \
                or stat.S_IMODE(info.st_mode) & 0o077:
            raise AccessExportRefused(
                f"{out} exists and is not a folder of yours with mode 0700: an export is "
                f"written only where no one else can read it") from None
    os.chmod(out, 0o700)  # mkdir's mode is filtered by the umask


def _write_private(path: Path, text: str) -> None:
    """Write `text` 0600 under a temporary name, then rename it into place."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def export(identifiers: dict, raw_root: Path | None, warehouse_path: Path | None, out: Path,
           project_dir: Path | None = None) -> dict:
    """Find the person, collect their records, write the two files. Raises AccessExportRefused
    (nothing written) when the request does not find exactly one person. `raw_root` is not
    read: the records are the warehouse's accepted ones (kept for the caller's convenience)."""
    del raw_root
    identifiers = {k: v for k, v in identifiers.items() if v}
    unknown = set(identifiers) - set(STRONG) - set(CONTACT)
    if unknown or not identifiers:
        raise AccessExportRefused("give --personnummer, --customer-id, --lead-id, --email or "
                                  "--phone")
    if not warehouse_path or not Path(warehouse_path).is_file():
        raise AccessExportRefused(f"the warehouse {warehouse_path} does not exist: the export "
                                  "reads the records the build accepted (run `make build`)")
    tables = declared_tables(project_dir)
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        person = resolve_identity(con, tables, identifiers)
        records = collect_records(con, tables, person)
        rejected = collect_rejected(con, tables, person)
        attach_purposes(con, records)
    finally:
        con.close()
    document = {"request": identifiers,
                "linked_identities": {k: sorted(v) for k, v in person.items()},
                "records": records,
                "rejected_records": rejected}
    out = Path(out)
    _private_folder(out)
    _write_private(out / f"{EXPORT_NAME}.json",
                   json.dumps(document, default=_json_default, ensure_ascii=False, indent=2))
    _write_private(out / f"{EXPORT_NAME}.md", to_markdown(identifiers, person, records, rejected))
    return document


def run(args: argparse.Namespace) -> int:
    identifiers = {k: getattr(args, k) for k in (*STRONG, *CONTACT) if getattr(args, k)}
    if not identifiers:
        print("access-export: give --personnummer, --email, --phone, --customer-id or --lead-id",
              file=sys.stderr)
        return 2
    try:
        document = export(identifiers, None,
                          Path(args.duckdb_path) if args.duckdb_path else None, Path(args.out),
                          Path(args.project_dir))
    except AccessExportRefused as refusal:
        print(f"access-export refused, nothing written: {refusal}", file=sys.stderr)
        return 1
    total = sum(len(rows) for rows in document["records"].values())
    print(f"Wrote {total} records from {len(document['records'])} tables to {args.out}/ "
          f"(folder 0700, files 0600)")
    return 0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("access-export", help="GDPR Art. 15 export for one person")
    parser.add_argument("--personnummer")
    parser.add_argument("--email")
    parser.add_argument("--phone")
    parser.add_argument("--customer-id", dest="customer_id")
    parser.add_argument("--lead-id", dest="lead_id")
    parser.add_argument("--raw-data-dir", default=os.environ.get("RAW_DATA_DIR", "data/raw"),
                        help="unused: the export reads the warehouse's accepted records")
    parser.add_argument("--duckdb-path", default=os.environ.get("DUCKDB_PATH"))
    parser.add_argument("--project-dir", default=str(PROJECT_ROOT),
                        help="the dbt project whose source declarations name the tables")
    parser.add_argument("--out", required=True,
                        help="folder for the JSON and Markdown files (created 0700)")
    parser.set_defaults(func=run)
