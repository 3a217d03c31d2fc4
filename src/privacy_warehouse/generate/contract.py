"""The landing-zone contract (shared/contracts/raw-sources.md) as the generator writes it.

The tables, their columns in order, their types and keys are read from the sources' declarations
(models/staging/_staging__sources.yml, through privacy_warehouse.declarations): the generator
writes exactly what dbt checks. What is the generator's own is kept here: the printf format of
each table's numbered ids. Every file it writes is `<out>/<system>/<table>/`, its columns in the
contract's order with the contract's DuckDB types, so the Parquet logical types are the contract's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import declarations

# The tables the generator plans, with the printf format of their numbered ids (None for a
# composite key). The order is that of the random streams (seeded by position): append only.
ID_FORMATS: dict[str, str | None] = {
    "booking.customers": "C%07d",
    "booking.agreements": "A%06d",
    "booking.orders": "O%08d",
    "booking.payments": "P%08d",
    "booking.invoices": "F%08d",
    "booking.invoice_lines": None,
    "web.page_views": "E%010d",
    "web.form_submissions": "FS%07d",
    "crm.leads": "L%07d",
    "crm.activities": "ACT%07d",
    "crm.survey_responses": "SR%07d",
    "consent.consent_events": "CE%08d",
    "consent.objections": "OB%06d",
    "legal.legal_holds": "LH%05d",
}


@dataclass(frozen=True)
class Table:
    """One landing table: where it lives, its columns and its key."""

    system: str
    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    # printf format of the generator's numbered ids (None for a composite key)
    id_format: str | None = None

    @classmethod
    def declared(cls, table: declarations.LandingTable) -> Table:
        return cls(
            system=table.system, name=table.name,
            columns=tuple((name, data_type.upper()) for name, data_type in table.column_types),
            key=table.primary_key, id_format=ID_FORMATS.get(table.full_name),
        )

    @property
    def full_name(self) -> str:
        return f"{self.system}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def folder(self, root: Path) -> Path:
        return root / self.system / self.name

    def record_id_sql(self) -> str:
        """The id the warehouse reports for a row: the key, or its parts joined by ':'."""
        if len(self.key) == 1:
            return self.key[0]
        return "concat_ws(':', " + ", ".join(self.key) + ")"


_DECLARED = declarations.by_name()
# Every declared table, in the declarations' order; the generator plans those in ID_FORMATS and
# writes the others (a table declared after the generator was written) empty.
DECLARED_TABLES: list[Table] = [Table.declared(table) for table in _DECLARED.values()]
TABLES: list[Table] = [Table.declared(_DECLARED[name]) for name in ID_FORMATS if name in _DECLARED]
TABLES_BY_NAME: dict[str, Table] = {table.full_name: table for table in TABLES}

SERVICES = ["same_day", "express", "next_day", "airport_to_airport"]
METHODS = ["card", "invoice", "swish"]
LEAD_SOURCES = ["web_form", "event", "referral", "outbound"]
ACTIVITY_KINDS = ["call", "meeting", "email"]
FORMS = ["contact", "quote", "newsletter", "post_meeting_survey"]
CHANNELS = ["email", "sms", "mms", "personalised_offers"]
OBJECTION_SCOPES = ["direct_marketing", "all_legitimate_interest", "marketing", "sales",
                    "business_development", "public_interest"]
HOLD_REASONS = ["payment_dispute", "claim", "authority_request"]
