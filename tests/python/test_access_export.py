"""GDPR Art. 15: one person's records across systems, each with purpose, basis and window."""

from __future__ import annotations

import json

from privacy_warehouse.access_export import export


def test_export_by_email_resolves_lead_form_and_browsing(handwritten_warehouse, tmp_path):
    document = export({"email": "Asa.Oberg@exempel.se"}, handwritten_warehouse.raw_data_dir,
                      handwritten_warehouse.duckdb_path, tmp_path)
    assert document["linked_identities"]["lead"] == ["L-1"]
    assert document["linked_identities"]["visitor"] == ["V-1"]
    records = document["records"]
    assert [r["lead_id"] for r in records["crm.leads"]] == ["L-1"]
    assert [r["submission_id"] for r in records["web.form_submissions"]] == ["F-1"]
    assert [r["activity_id"] for r in records["crm.activities"]] == ["AC-1"]
    assert [r["event_id"] for r in records["web.page_views"]] == ["E-1"]
    lead_purposes = {p["purpose"]: p for p in records["crm.leads"][0]["_purposes"]}
    assert str(lead_purposes["sales"]["retention_until"]) == "2026-06-30"
    assert lead_purposes["sales"]["legal_basis"] == "legitimate_interest"
    written = json.loads((tmp_path / "subject_access_export.json").read_text())
    assert written["records"]["crm.leads"][0]["name"] == "Åsa Öberg"
    assert "## crm.leads" in (tmp_path / "subject_access_export.md").read_text()


def test_export_by_personnummer_lists_orders_payments_consents_objections(
    handwritten_warehouse, tmp_path
):
    document = export({"personnummer": "19850412-1230"}, handwritten_warehouse.raw_data_dir,
                      handwritten_warehouse.duckdb_path, tmp_path)
    records = document["records"]
    assert document["linked_identities"]["customer"] == ["C-1"]
    assert {r["order_id"] for r in records["booking.orders"]} >= {"O-1"}
    assert {r["payment_id"] for r in records["booking.payments"]} == {"P-1"}
    assert {r["event_id"] for r in records["consent.consent_events"]} == {"CE-1", "CE-2", "CE-3"}
    assert {r["objection_id"] for r in records["consent.objections"]} == {"OB-1"}
    purposes = {p["purpose"] for p in records["booking.orders"][0]["_purposes"]}
    assert {"contract_administration", "business_development"} <= purposes
    # A rejected row about the person is listed too, saying why it is not used.
    rejected = [r for r in records["booking.orders"] if r.get("_rejected_because")]
    assert [r["order_id"] for r in rejected] == ["O-91"]
