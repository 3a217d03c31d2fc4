"""A hand-written landing zone: a few people whose every row was worked out on paper.

Evaluation date 2026-06-30 unless a test says otherwise. Swedish letters, hostile text and one
bad row of several kinds are in it on purpose.
"""

from __future__ import annotations

AS_OF = "2026-06-30"
# A handful of people: at k = 5 the business-development release would be empty (see conftest);
# at l = 2, so would dim_customers (a class of one customer holds one tenure).
VARS = {"k_anonymity": 1, "l_diversity": 1}


def base_tables() -> dict[str, list[dict]]:
    return {
        "crm.leads": [
            # Never converted, obtained exactly 12 months before as_of: inside (inclusive).
            {"lead_id": "L-1", "obtained_at": "2025-06-30 09:00:00", "source": "event",
             "name": "Åsa Öberg", "email": "asa.oberg@exempel.se", "phone": "+46701110001",
             "company": "Öbergs Åkeri AB"},
            # Never converted, obtained 12 months + 1 day before: outside.
            {"lead_id": "L-2", "obtained_at": "2025-06-29 09:00:00", "source": "web_form",
             "name": "Björn Ström", "email": "bjorn@exempel.se"},
            # Converted into customer C-3.
            {"lead_id": "L-3", "obtained_at": "2019-01-10 12:00:00", "source": "referral",
             "name": "Märta Lindqvist", "email": "marta@exempel.se"},
        ],
        "booking.customers": [
            # Relationship open: an order delivered but not paid.
            {"customer_id": "C-1", "customer_type": "private", "personnummer": "19850412-1230",
             "name": "Jörgen Åkesson", "email": "jorgen@exempel.se", "phone": "+46702220001",
             "street_address": "Storgatan 1", "postal_code": "114 51", "city": "Stockholm",
             "country_code": "SE", "username": "jorgen", "created_at": "2020-01-01 08:00:00"},
            # Only order closed 2023-06-30: retention_until = 2026-06-30 = as_of, inside.
            {"customer_id": "C-2", "customer_type": "private", "personnummer": "19900101-0017",
             "name": "Zoë O'Brien \"Citat\"", "email": "zoe@exempel.se", "phone": "+46703330001",
             "street_address": "Drottninggatan 2", "postal_code": "411 14", "city": "Göteborg",
             "country_code": "SE", "created_at": "2021-03-01 08:00:00"},
            # Converted lead; no orders, no agreements: ended the day the account was created.
            {"customer_id": "C-3", "customer_type": "business", "organisation_number": "556677-8899",
             "name": "Lindqvist Logistik AB", "email": "info@lindqvist.se", "country_code": "SE",
             "lead_id": "L-3", "created_at": "2019-02-01 10:00:00"},
            # A framework agreement still active: relationship open.
            {"customer_id": "C-4", "customer_type": "business", "organisation_number": "556123-4567",
             "name": "Malmö Frakt HB'; drop table customers; --", "email": "order@malmofrakt.se",
             "country_code": "SE", "created_at": "2018-05-05 10:00:00"},
            # Its only order closed 2019-03-02: every customer window ended 2022-03-02.
            {"customer_id": "C-5", "customer_type": "private", "personnummer": "19700101-0011",
             "name": "Östen Ärlig", "email": "osten@exempel.se", "phone": "+46704440001",
             "street_address": "Kungsgatan 5", "postal_code": "753 20", "city": "Uppsala",
             "country_code": "SE", "created_at": "2019-01-01 08:00:00"},
        ],
        "booking.agreements": [
            {"agreement_id": "A-1", "customer_id": "C-4", "started_on": "2018-06-01"},
        ],
        "booking.orders": [
            {"order_id": "O-5", "customer_id": "C-5", "ordered_at": "2019-03-01 10:00:00",
             "service": "next_day", "pickup_postal_code": "753 20", "pickup_city": "Uppsala",
             "delivery_postal_code": "114 51", "delivery_city": "Stockholm",
             "delivery_country_code": "SE", "weight_kg": "3.00", "price_sek": "250.00",
             "promised_by": "2019-03-02 12:00:00", "delivered_at": "2019-03-02 09:00:00"},
            {"order_id": "O-1", "customer_id": "C-1", "ordered_at": "2026-05-01 10:00:00",
             "service": "express", "pickup_postal_code": "114 51", "pickup_city": "Stockholm",
             "delivery_postal_code": "753 20", "delivery_city": "Uppsala",
             "delivery_country_code": "SE", "recipient_name": "Ärlig Mottagare",
             "recipient_phone": "+46709990001", "weight_kg": "2.50", "price_sek": "300.00",
             "promised_by": "2026-05-01 18:00:00", "delivered_at": "2026-05-01 16:00:00"},
            {"order_id": "O-2", "customer_id": "C-2", "ordered_at": "2023-06-20 10:00:00",
             "service": "same_day", "pickup_postal_code": "411 14", "pickup_city": "Göteborg",
             "delivery_postal_code": "211 20", "delivery_city": "Malmö",
             "delivery_country_code": "SE", "weight_kg": "1.00", "price_sek": "500.00",
             "promised_by": "2023-06-20 20:00:00", "delivered_at": "2023-06-20 19:00:00"},
        ],
        "booking.payments": [
            {"payment_id": "P-5", "order_id": "O-5", "paid_at": "2019-03-02 10:00:00",
             "amount_sek": "250.00", "method": "invoice"},
            # O-1 is partly paid: the relationship stays open.
            {"payment_id": "P-1", "order_id": "O-1", "paid_at": "2026-05-02 10:00:00",
             "amount_sek": "100.00", "method": "swish"},
            # O-2: paid in full on 2023-06-30 (400 + 100), after the delivery: that is the closing day.
            {"payment_id": "P-2", "order_id": "O-2", "paid_at": "2023-06-25 10:00:00",
             "amount_sek": "400.00", "method": "card", "card_last4": "4242"},
            {"payment_id": "P-3", "order_id": "O-2", "paid_at": "2023-06-30 10:00:00",
             "amount_sek": "100.00", "method": "card", "card_last4": "4242"},
        ],
        "booking.invoices": [
            {"invoice_id": "I-1", "customer_id": "C-4", "invoice_date": "2018-12-31",
             "billing_name": "Malmö Frakt HB", "total_sek": "1000.00", "due_date": "2019-01-30"},
            {"invoice_id": "I-2", "customer_id": "C-4", "invoice_date": "2019-01-01",
             "billing_name": "Malmö Frakt HB", "total_sek": "1000.00", "due_date": "2019-01-31"},
        ],
        "booking.invoice_lines": [],
        "web.page_views": [
            {"event_id": "E-1", "occurred_at": "2025-06-30 12:00:00", "session_id": "S-1",
             "visitor_id": "V-1", "ip_address": "192.0.2.10", "site": "own",
             "url_path": "/boka?email=asa.oberg@exempel.se", "user_agent": "Mozilla/5.0"},
            {"event_id": "E-2", "occurred_at": "2025-06-29 12:00:00", "session_id": "S-2",
             "visitor_id": "V-2", "ip_address": "2001:db8::1", "site": "partner",
             "url_path": "/priser"},
        ],
        "web.form_submissions": [
            {"submission_id": "F-1", "submitted_at": "2025-06-30 12:05:00", "form": "contact",
             "visitor_id": "V-1", "lead_id": "L-1", "name": "Åsa Öberg",
             "email": "asa.oberg@exempel.se", "message": "Hej! \u200fמה 🚚 'quote' \x07"},
        ],
        "crm.activities": [
            {"activity_id": "AC-1", "occurred_at": "2026-01-10 10:00:00", "subject_type": "lead",
             "subject_id": "L-1", "kind": "call", "notes": "Ringde Åsa; vill ha offert.",
             "owner": "rep-001"},
        ],
        "consent.consent_events": [
            {"event_id": "CE-1", "subject_type": "customer", "subject_id": "C-1",
             "channel": "email", "action": "granted", "occurred_at": "2024-01-01 10:00:00"},
            {"event_id": "CE-2", "subject_type": "customer", "subject_id": "C-1",
             "channel": "email", "action": "withdrawn", "occurred_at": "2025-01-01 10:00:00"},
            {"event_id": "CE-3", "subject_type": "customer", "subject_id": "C-1",
             "channel": "email", "action": "granted", "occurred_at": "2025-02-01 10:00:00"},
        ],
        "consent.objections": [
            # C-1 stopped direct marketing: gone from marketing and sales, kept elsewhere.
            {"objection_id": "OB-1", "subject_type": "customer", "subject_id": "C-1",
             "scope": "direct_marketing", "received_at": "2026-02-01 09:00:00"},
        ],
        "legal.legal_holds": [
            # C-3's relationship ended 2019: an open claim keeps its contract data.
            {"hold_id": "H-1", "customer_id": "C-3", "reason": "claim", "opened_on": "2021-06-01"},
        ],
    }


def bad_rows() -> dict[str, list[tuple[dict, str]]]:
    """Extra rows, each with the one reason it must be rejected for."""
    return {
        "booking.customers": [
            ({"customer_id": "C-90", "customer_type": "private", "personnummer": "19850412-1231",
              "name": "Fel Siffra", "country_code": "SE", "created_at": "2020-01-01 08:00:00"},
             "invalid_personnummer_check_digit"),
            ({"customer_id": "C-91", "customer_type": "private", "personnummer": "19870231-1234",
              "name": "Fel Datum", "country_code": "SE", "created_at": "2020-01-01 08:00:00"},
             "invalid_personnummer_date"),
            ({"customer_id": "C-92", "customer_type": "alien", "name": "Ufo",
              "country_code": "SE", "created_at": "2020-01-01 08:00:00"},
             "invalid_enum_value"),
            ({"customer_id": "C-93", "customer_type": "private", "name": "Framtid",
              "country_code": "SE", "created_at": "2027-01-01 08:00:00"},
             "timestamp_after_as_of"),
            ({"customer_id": "C-94", "customer_type": "private", "name": "Epost",
              "email": "kalle@", "country_code": "SE", "created_at": "2020-01-01 08:00:00"},
             "invalid_email"),
        ],
        "booking.orders": [
            ({"order_id": "O-90", "customer_id": "C-404", "ordered_at": "2026-05-01 10:00:00",
              "service": "express", "pickup_postal_code": "1", "pickup_city": "x",
              "delivery_postal_code": "1", "delivery_city": "x", "delivery_country_code": "SE",
              "weight_kg": "1", "price_sek": "1", "promised_by": "2026-05-02 10:00:00"},
             "unknown_reference"),
            ({"order_id": "O-91", "customer_id": "C-1", "ordered_at": "2026-05-01 10:00:00",
              "service": "express", "pickup_postal_code": "1", "pickup_city": "x",
              "delivery_postal_code": "1", "delivery_city": "x", "delivery_country_code": "SE",
              "weight_kg": "1", "price_sek": "-5", "promised_by": "2026-05-02 10:00:00"},
             "negative_amount"),
        ],
        "web.page_views": [
            ({"event_id": "E-90", "occurred_at": "2026-01-01 12:00:00", "session_id": "S-9",
              "visitor_id": "V-9", "ip_address": "999.1.2.3", "site": "own", "url_path": "/"},
             "invalid_ip_address"),
        ],
    }


def tables_with_bad_rows() -> dict[str, list[dict]]:
    tables = base_tables()
    for table, rows in bad_rows().items():
        tables[table] = tables[table] + [row for row, _ in rows]
    return tables


def reachable_customer(customer_id: str, number: int) -> dict[str, list[dict]]:
    """An open customer (an unpaid delivered order) reachable on every channel, with consent."""
    return {
        "booking.customers": [{
            "customer_id": customer_id, "customer_type": "business",
            "organisation_number": "556123-4567", "name": f"Företag {number} AB",
            "email": f"k{number}@exempel.se", "phone": f"+4670555{number:04d}",
            "street_address": f"Gatan {number}", "postal_code": "111 22", "city": "Stockholm",
            "country_code": "SE", "created_at": "2024-01-01 08:00:00"}],
        "booking.orders": [{
            "order_id": f"O-{customer_id}", "customer_id": customer_id,
            "ordered_at": "2026-06-01 10:00:00", "service": "express",
            "pickup_postal_code": "111 22", "pickup_city": "Stockholm",
            "delivery_postal_code": "411 01", "delivery_city": "Göteborg",
            "delivery_country_code": "SE", "weight_kg": "1.00", "price_sek": "100.00",
            "promised_by": "2026-06-02 10:00:00", "delivered_at": "2026-06-02 09:00:00"}],
        "consent.consent_events": [{
            "event_id": f"CE-{customer_id}", "subject_type": "customer",
            "subject_id": customer_id, "channel": "email", "action": "granted",
            "occurred_at": "2025-01-01 10:00:00"}],
        "crm.activities": [{
            "activity_id": f"AC-{customer_id}", "occurred_at": "2026-06-05 10:00:00",
            "subject_type": "customer", "subject_id": customer_id, "kind": "call",
            "notes": "Samtal om avtal.", "owner": "rep-002"}],
    }
