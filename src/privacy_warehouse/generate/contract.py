"""The landing-zone contract (shared/contracts/raw-sources.md) as data: tables, columns, types.

The generator writes exactly this: every table in `<out>/<system>/<table>/`, its columns in this
order with these DuckDB types, so the Parquet logical types are the contract's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TS = "TIMESTAMP"
VC = "VARCHAR"
MONEY = "DECIMAL(12,2)"


@dataclass(frozen=True)
class Table:
    """One landing table: where it lives, its columns and its key."""

    system: str
    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    # printf format of the generator's numbered ids (None for a composite key)
    id_format: str | None = None

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


TABLES: list[Table] = [
    Table("booking", "customers", (
        ("customer_id", VC), ("customer_type", VC), ("personnummer", VC),
        ("organisation_number", VC), ("name", VC), ("email", VC), ("phone", VC),
        ("street_address", VC), ("postal_code", VC), ("city", VC), ("country_code", VC),
        ("username", VC), ("lead_id", VC), ("created_at", TS),
    ), ("customer_id",), "C%07d"),
    Table("booking", "agreements", (
        ("agreement_id", VC), ("customer_id", VC), ("started_on", "DATE"),
        ("terminated_on", "DATE"),
    ), ("agreement_id",), "A%06d"),
    Table("booking", "orders", (
        ("order_id", VC), ("customer_id", VC), ("ordered_at", TS), ("service", VC),
        ("pickup_postal_code", VC), ("pickup_city", VC), ("delivery_postal_code", VC),
        ("delivery_city", VC), ("delivery_country_code", VC), ("recipient_name", VC),
        ("recipient_phone", VC), ("weight_kg", "DECIMAL(9,2)"), ("price_sek", MONEY),
        ("promised_by", TS), ("delivered_at", TS), ("cancelled_at", TS),
    ), ("order_id",), "O%08d"),
    Table("booking", "payments", (
        ("payment_id", VC), ("order_id", VC), ("paid_at", TS), ("amount_sek", MONEY),
        ("method", VC), ("card_last4", VC),
    ), ("payment_id",), "P%08d"),
    Table("booking", "invoices", (
        ("invoice_id", VC), ("customer_id", VC), ("invoice_date", "DATE"), ("billing_name", VC),
        ("billing_address", VC), ("total_sek", MONEY), ("due_date", "DATE"),
    ), ("invoice_id",), "F%08d"),
    Table("booking", "invoice_lines", (
        ("invoice_id", VC), ("order_id", VC), ("amount_sek", MONEY),
    ), ("invoice_id", "order_id")),
    Table("web", "page_views", (
        ("event_id", VC), ("occurred_at", TS), ("session_id", VC), ("visitor_id", VC),
        ("customer_id", VC), ("ip_address", VC), ("site", VC), ("url_path", VC),
        ("referrer", VC), ("user_agent", VC), ("time_on_page_s", "INTEGER"),
    ), ("event_id",), "E%010d"),
    Table("web", "form_submissions", (
        ("submission_id", VC), ("submitted_at", TS), ("form", VC), ("visitor_id", VC),
        ("lead_id", VC), ("customer_id", VC), ("name", VC), ("email", VC), ("phone", VC),
        ("company", VC), ("message", VC),
    ), ("submission_id",), "FS%07d"),
    Table("crm", "leads", (
        ("lead_id", VC), ("obtained_at", TS), ("source", VC), ("name", VC), ("email", VC),
        ("phone", VC), ("company", VC),
    ), ("lead_id",), "L%07d"),
    Table("crm", "activities", (
        ("activity_id", VC), ("occurred_at", TS), ("subject_type", VC), ("subject_id", VC),
        ("kind", VC), ("notes", VC), ("owner", VC),
    ), ("activity_id",), "ACT%07d"),
    Table("crm", "survey_responses", (
        ("response_id", VC), ("customer_id", VC), ("responded_at", TS), ("nps_score", "INTEGER"),
        ("comment", VC),
    ), ("response_id",), "SR%07d"),
    Table("consent", "consent_events", (
        ("event_id", VC), ("subject_type", VC), ("subject_id", VC), ("channel", VC),
        ("action", VC), ("occurred_at", TS),
    ), ("event_id",), "CE%08d"),
    Table("consent", "objections", (
        ("objection_id", VC), ("subject_type", VC), ("subject_id", VC), ("scope", VC),
        ("received_at", TS),
    ), ("objection_id",), "OB%06d"),
    Table("legal", "legal_holds", (
        ("hold_id", VC), ("customer_id", VC), ("reason", VC), ("opened_on", "DATE"),
        ("closed_on", "DATE"),
    ), ("hold_id",), "LH%05d"),
]

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
