"""Plant bad rows: extra rows with exactly one defect each, of every kind a table can have.

With `--bad-rows r` a table of n good rows gets about round(r * n) extra rows (at least one of
each kind that applies to it). Every bad row is an addition: the good rows are unchanged, an exact
duplicate copies a good row, and every other bad row has a new id that nothing refers to. Each is
listed in `_bad_rows.csv` with the reason code the warehouse must give it (the first failing rule
of macros/landing/check_landing_table.sql: identity, then column rules in contract order, then
references).

A bad row is a good row copied and changed in SQL (`select * replace (...)`), so a table of
millions of rows gets its bad rows in a handful of statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import duckdb
import numpy as np

from privacy_warehouse.sql import quote_literal

from .. import declarations
from . import identity
from .contract import TABLES_BY_NAME, Table

# Every reason code a planted row can carry.
KINDS = [
    "duplicate_row", "conflicting_duplicate_id", "missing_required_value", "invalid_enum_value",
    "timestamp_after_as_of", "unknown_reference", "negative_amount", "delivered_before_ordered",
    "invalid_personnummer_check_digit", "invalid_personnummer_date",
    "invalid_personnummer_birth_number", "invalid_organisation_number", "invalid_email",
    "invalid_ip_address", "out_of_range", "invalid_country_code",
]

BAD_EMAILS = ["anna.at.example.se", "bo@@x", "kalle@", "lisa svensson@gmail.com",
              "per@localhost", "@telia.com"]
BAD_IPS = ["999.1.2.3", "10.0.0", "fe80::zz", "256.256.256.256", "localhost", "1.2.3.4.5"]
# Country codes that are not ISO 3166-1 alpha-2: free text written into the field (a name and a
# phone number, issue 12), a name, a lower-case or spaced code, an unassigned code.
BAD_COUNTRY_CODES = ["SE Anna Svensson 070-123 45 67", "Sverige", "se", "S E", "XX",
                     "SE, ring +46 (0)70 123 45 67"]


@dataclass(frozen=True)
class BadSpec:
    """What can be wrong in one table, as SQL over a copied good row `b` and instance `i`."""

    # Required columns other than the key: one of them is set to null (from the declarations).
    required: tuple[str, ...] = ()
    # column -> values outside the contract's enum
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # the row's own time (the declared record date) and whether it is a DATE (from the
    # declarations); extra replacements that keep the row's other times consistent with the
    # moved one (so the future time is the only defect)
    event_time: str | None = None
    event_is_date: bool = False
    event_companions: dict[str, str] = field(default_factory=dict)
    # reference column -> SQL of an id that exists nowhere (i.new_no makes it unique)
    references: dict[str, str] = field(default_factory=dict)
    # the change that makes the second row of a conflicting duplicate differ from the first
    conflict_change: tuple[str, str] = ("", "")
    # kinds of this table only, as column -> SQL replacement
    own: dict[str, dict[str, str]] = field(default_factory=dict)
    # columns reset on every new-id copy (a copied customer must not claim the lead too)
    reset_on_copy: dict[str, str] = field(default_factory=dict)


def _unknown(prefix: str, width: int) -> str:
    """An id of the table's form that no good row has: 9 in the first digit position."""
    return f"printf('{prefix}9%0{width - 1}d', i.new_no)"


# What the sources do not declare: the generator's own ways to break each rule.
_SPECS: dict[str, BadSpec] = {
    "booking.customers": BadSpec(
        enums={"customer_type": ("alien", "robot", "Private")},
        references={"lead_id": _unknown("L", 7)},
        conflict_change=("name", "b.name || ' Jr'"),
        own={
            "invalid_personnummer_check_digit": {"personnummer": "i.value"},
            "invalid_personnummer_date": {"personnummer": "i.value"},
            "invalid_personnummer_birth_number": {"personnummer": "i.value"},
            "invalid_organisation_number": {"organisation_number": "i.value"},
            "invalid_email": {"email": "i.value"},
            "invalid_country_code": {"country_code": "i.value"},
        },
        reset_on_copy={"lead_id": "null"},
    ),
    "booking.agreements": BadSpec(
        event_companions={"terminated_on": "null"},
        references={"customer_id": _unknown("C", 7)},
        conflict_change=("started_on", "b.started_on - 1"),
    ),
    "booking.orders": BadSpec(
        enums={"service": ("teleport", "overnight_by_horse", "Express")},
        event_companions={"promised_by": "{t} + interval 4 hour", "delivered_at": "null",
                          "cancelled_at": "null"},
        references={"customer_id": _unknown("C", 7)},
        conflict_change=("price_sek", "b.price_sek + 1"),
        own={
            "negative_amount": {
                "price_sek": "case when i.variant % 2 = 0 then -b.price_sek else b.price_sek end",
                "weight_kg": "case when i.variant % 2 = 1 then -b.weight_kg else b.weight_kg end"},
            "delivered_before_ordered": {
                "delivered_at": "b.ordered_at - to_minutes(60 + i.variant % 4000)",
                "cancelled_at": "null"},
            "invalid_country_code": {"delivery_country_code": "i.value"},
        },
    ),
    "booking.payments": BadSpec(
        enums={"method": ("barter", "bitcoin", "Card")},
        references={"order_id": _unknown("O", 8)},
        conflict_change=("amount_sek", "b.amount_sek + 1"),
    ),
    "booking.invoices": BadSpec(
        event_companions={"due_date": "{t} + 30"},
        references={"customer_id": _unknown("C", 7)},
        conflict_change=("billing_name", "b.billing_name || ' (kopia)'"),
    ),
    "booking.invoice_lines": BadSpec(
        references={"invoice_id": _unknown("F", 8), "order_id": _unknown("O", 8)},
        conflict_change=("amount_sek", "b.amount_sek + 1"),
    ),
    "web.page_views": BadSpec(
        enums={"site": ("darkweb", "intranet", "Own")},
        references={"customer_id": _unknown("C", 7)},
        conflict_change=("url_path", "b.url_path || '?v=2'"),
        own={"invalid_ip_address": {"ip_address": "i.value"}},
    ),
    "web.form_submissions": BadSpec(
        enums={"form": ("chat", "fax_form", "Contact")},
        references={"customer_id": _unknown("C", 7), "lead_id": _unknown("L", 7)},
        conflict_change=("message", "coalesce(b.message, '') || ' (skickat igen)'"),
        own={"invalid_email": {"email": "i.value"}},
    ),
    "crm.leads": BadSpec(
        enums={"source": ("psychic", "carrier_pigeon", "Event")},
        conflict_change=("name", "b.name || ' Jr'"),
        own={"invalid_email": {"email": "i.value"}},
    ),
    "crm.activities": BadSpec(
        enums={"subject_type": ("robot", "prospect"), "kind": ("fax", "telegram", "Call")},
        references={"subject_id": "case when b.subject_type = 'lead' then "
                                  f"{_unknown('L', 7)} else {_unknown('C', 7)} end"},
        conflict_change=("notes", "coalesce(b.notes, '') || ' (uppdaterad)'"),
    ),
    "crm.survey_responses": BadSpec(
        references={"customer_id": _unknown("C", 7)},
        conflict_change=("nps_score", "(b.nps_score + 1) % 11"),
        own={"out_of_range": {"nps_score": "([11, -1, 42, 100])[i.variant % 4 + 1]"}},
    ),
    "consent.consent_events": BadSpec(
        enums={"subject_type": ("robot",), "channel": ("pigeon", "fax", "Email"),
               "action": ("maybe", "revoked")},
        references={"subject_id": "case when b.subject_type = 'lead' then "
                                  f"{_unknown('L', 7)} else {_unknown('C', 7)} end"},
        conflict_change=("action", "case when b.action = 'granted' then 'withdrawn' "
                                   "else 'granted' end"),
    ),
    "consent.objections": BadSpec(
        enums={"subject_type": ("robot",), "scope": ("everything", "cookies", "Marketing")},
        references={"subject_id": "case when b.subject_type = 'lead' then "
                                  f"{_unknown('L', 7)} else {_unknown('C', 7)} end"},
        conflict_change=("scope", "case when b.scope = 'sales' then 'marketing' "
                                  "else 'sales' end"),
    ),
    "legal.legal_holds": BadSpec(
        enums={"reason": ("curiosity", "gut_feeling", "Claim")},
        event_companions={"closed_on": "null"},
        references={"customer_id": _unknown("C", 7)},
        conflict_change=("reason", "case when b.reason = 'claim' then 'payment_dispute' "
                                   "else 'claim' end"),
    ),
}


def _declared(name: str, spec: BadSpec) -> BadSpec:
    """`spec` with what the sources declare (models/staging/_staging__sources.yml): the required
    columns (in the contract's order, the key aside) and the row's own time. A reference the
    sources declare and the spec cannot break (or the other way round) stops the generator."""
    table = declarations.by_name()[name]
    declared_references = set(table.references())
    if declared_references != set(spec.references):
        raise ValueError(f"{name}: bad rows break references {sorted(spec.references)}, "
                         f"the sources declare {sorted(declared_references)}")
    own_time = None if table.record_date.lookup else table.record_date.column
    return replace(
        spec,
        required=tuple(c.name for c in table.columns
                       if c.meta.get("required") and c.name not in table.primary_key),
        event_time=own_time,
        event_is_date=own_time is not None and table.column(own_time).data_type == "date",
    )


SPECS: dict[str, BadSpec] = {name: _declared(name, spec) for name, spec in _SPECS.items()}


def applicable_kinds(table: str) -> list[str]:
    spec = SPECS[table]
    kinds = ["duplicate_row", "conflicting_duplicate_id", "missing_required_value"]
    if spec.enums:
        kinds.append("invalid_enum_value")
    if spec.event_time:
        kinds.append("timestamp_after_as_of")
    if spec.references:
        kinds.append("unknown_reference")
    return kinds + list(spec.own)


@dataclass
class Instances:
    """The planted rows of one kind: a base good row each, a variant number, a new number and
    (for identity numbers, e-mails and IPs) a precomputed bad value."""

    kind: str
    base: list[str]
    variant: np.ndarray
    new_no: np.ndarray
    value: list[str | None]
    # invoice lines only: the other order each new (invoice, order) key is made of
    other: list[str | None] | None = None


def bad_personnummer(rng: np.random.Generator, kind: str, k: int) -> list[str]:
    """Personnummer with exactly one defect; the other parts (and the check digit) are right."""
    values = []
    for index in range(k):
        year = int(rng.integers(1940, 2000))
        month, day = int(rng.integers(1, 13)), int(rng.integers(1, 29))
        birth = int(rng.integers(1, 1000))
        if kind == "invalid_personnummer_date":
            month, day = [(2, 31), (13, 5), (2, 30), (4, 31), (0, 12), (6, 92)][index % 6]
            if index % 6 == 0:
                year = 1987
        if kind == "invalid_personnummer_birth_number":
            birth = 0
        nine = f"{year % 100:02d}{month:02d}{day:02d}{birth:03d}"
        check = identity.luhn_check_digit(nine)
        if kind == "invalid_personnummer_check_digit":
            check = (check + 1 + index % 9) % 10
        values.append(f"{year:04d}{month:02d}{day:02d}-{birth:03d}{check}")
    return values


def bad_organisation_numbers(rng: np.random.Generator, k: int) -> list[str]:
    values = []
    for index in range(k):
        body = f"55{int(rng.integers(6, 10))}{int(rng.integers(0, 1_000_000)):06d}"
        check = (identity.luhn_check_digit(body) + 1 + index % 9) % 10
        values.append(f"{body[:6]}-{body[6:]}{check}")
    return values


def plan_instances(table: Table, kinds_counts: dict[str, int], pools: dict[str, np.ndarray],
                   rng: np.random.Generator, next_no: int) -> list[Instances]:
    """Choose base rows and variants for every kind; new numbers continue after the good ids."""
    planned = []
    for kind, count in kinds_counts.items():
        pool = pools.get(kind, pools["all"])
        if pool.size == 0:
            continue
        base_numbers = rng.choice(pool, count, replace=pool.size < count)
        base = [table.id_format % number for number in base_numbers] if table.id_format else \
            [str(number) for number in base_numbers]
        value: list[str | None] = [None] * count
        if kind.startswith("invalid_personnummer"):
            value = bad_personnummer(rng, kind, count)
        elif kind == "invalid_organisation_number":
            value = bad_organisation_numbers(rng, count)
        elif kind == "invalid_email":
            value = [BAD_EMAILS[index % len(BAD_EMAILS)] for index in range(count)]
        elif kind == "invalid_ip_address":
            value = [BAD_IPS[index % len(BAD_IPS)] for index in range(count)]
        elif kind == "invalid_country_code":
            value = [BAD_COUNTRY_CODES[index % len(BAD_COUNTRY_CODES)] for index in range(count)]
        new_no = np.arange(next_no, next_no + count, dtype=np.int64)
        next_no += count
        planned.append(Instances(kind, base, rng.integers(0, 2**31, count), new_no, value))
    return planned


def split_counts(kinds: list[str], target: int) -> dict[str, int]:
    """Spread `target` rows over the kinds, at least one each (a conflict is two rows)."""
    counts = dict.fromkeys(kinds, 1)
    rows = len(kinds) + 1  # the conflicting duplicate's second row
    position = 0
    while rows < target:
        kind = kinds[position % len(kinds)]
        counts[kind] += 1
        rows += 2 if kind == "conflicting_duplicate_id" else 1
        position += 1
    return counts


def plant(con: duckdb.DuckDBPyConnection, table_name: str, good: str, rate: float,
          pools: dict[str, np.ndarray], rng: np.random.Generator, as_of_sql: str) -> str | None:
    """Create `bad_<table>` (the contract's columns plus `_ord`, `_reason`) and return its name.

    `pools` holds the good id numbers each kind may copy (`all`, and narrower ones such as the
    private customers for personnummer defects); for invoice lines, row numbers.
    """
    table = TABLES_BY_NAME[table_name]
    n_good = con.execute(f"select count(*) from {good}").fetchall()[0][0]
    if rate <= 0 or n_good == 0:
        return None
    spec = SPECS[table_name]
    kinds = applicable_kinds(table_name)
    counts = split_counts(kinds, round(rate * n_good))
    next_no = n_good + 1  # good ids are numbered 1..n_good
    instances = plan_instances(table, counts, pools, rng, next_no)
    bad = "bad_" + table.name
    columns = table.column_names
    con.execute(f"create or replace table {bad} as select *, 0 as _ord, '' as _reason "
                f"from {good} where false")
    key_sql = table.record_id_sql()
    base = good
    if not table.id_format:  # composite key: number the good rows to pick them
        base = f"(select *, cast(row_number() over (order by {key_sql}) as varchar) as _key " \
               f"from {good})"
        key_sql = "_key"
    for ordinal, planned in enumerate(instances, start=1):
        con.register("instances", {
            "base": np.array(planned.base, dtype=object), "variant": planned.variant,
            "new_no": planned.new_no, "value": np.array(planned.value, dtype=object),
            "other": _other_orders(con, good, planned, pools["all"]) if not table.id_format else
            np.array([None] * len(planned.base), dtype=object)})
        for version, replacements in enumerate(
                _replacements(table, spec, planned.kind, as_of_sql), start=1):
            select_list = ", ".join(
                f"{replacements[column]} as {column}" if column in replacements else f"b.{column}"
                for column in columns)
            con.execute(f"""
                insert into {bad}
                select {select_list}, {ordinal * 10 + version} as _ord,
                    '{planned.kind}' as _reason
                from {base} as b join instances as i on b.{key_sql} = i.base""")
        con.unregister("instances")
    return bad


def _other_orders(con: duckdb.DuckDBPyConnection, good: str, planned: Instances,
                  allowed: np.ndarray) -> np.ndarray:
    """For invoice lines: an order from a line of another invoice, distinct per instance, so the
    new (invoice, order) key exists nowhere else. Only lines in `allowed` (row numbers) qualify."""
    lines = con.execute(f"select invoice_id, order_id from {good} "
                        "order by invoice_id, order_id").fetchall()
    allowed_rows = set(allowed.tolist())
    others = []
    used: set[str] = set()
    for base in planned.base:
        invoice, _ = lines[int(base) - 1]
        start = (int(base) * 7919) % len(lines)
        for step in range(len(lines)):
            row = (start + step) % len(lines)
            candidate_invoice, candidate_order = lines[row]
            if (row + 1 in allowed_rows and candidate_invoice != invoice
                    and candidate_order not in used):
                used.add(candidate_order)
                others.append(candidate_order)
                break
        else:
            others.append(None)
    return np.array(others, dtype=object)


def _replacements(table: Table, spec: BadSpec, kind: str, as_of_sql: str) -> list[dict[str, str]]:
    """The rows one instance becomes: column -> SQL replacing the copied value."""
    if kind == "duplicate_row":
        return [{}]
    new_key = _new_key(table)
    copy = {**new_key, **spec.reset_on_copy}
    if kind == "conflicting_duplicate_id":
        column, change = spec.conflict_change
        return [copy, {**copy, column: change}]
    if kind == "missing_required_value":
        nulls = {column: f"case when i.variant % {len(spec.required)} = {position} then null "
                         f"else b.{column} end"
                 for position, column in enumerate(spec.required)}
        return [{**copy, **nulls}]
    if kind == "invalid_enum_value":
        pairs = [(column, value) for column, values in spec.enums.items() for value in values]
        changes = {}
        for column in spec.enums:
            cases = " ".join(f"when {position} then {quote_literal(value)}"
                             for position, (name, value) in enumerate(pairs) if name == column)
            changes[column] = f"case i.variant % {len(pairs)} {cases} else b.{column} end"
        return [{**copy, **changes}]
    if kind == "timestamp_after_as_of":
        if spec.event_is_date:
            moved = f"({as_of_sql} + cast(1 + i.variant % 400 as integer))"
        else:
            moved = f"(cast({as_of_sql} as timestamp) + to_days(1 + i.variant % 400) " \
                    "+ to_minutes(420 + i.variant % 600))"
        companions = {column: sql.format(t=moved) for column, sql in spec.event_companions.items()}
        return [{**copy, spec.event_time: moved, **companions}]
    if kind == "unknown_reference":
        columns = list(spec.references)
        changes = {column: f"case when i.variant % {len(columns)} = {position} then {sql} "
                           f"else b.{column} end"
                   for position, (column, sql) in enumerate(spec.references.items())}
        if not table.id_format:  # invoice lines: the unknown part makes the key new by itself
            return [changes]
        return [{**copy, **changes}]
    return [{**copy, **spec.own[kind]}]


def _new_key(table: Table) -> dict[str, str]:
    if table.id_format:
        return {table.key[0]: f"printf('{table.id_format}', i.new_no)"}
    # invoice lines: the base line's invoice with an order of another invoice
    return {"order_id": "i.other"}
