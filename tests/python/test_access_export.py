"""GDPR Art. 15: one person's records across systems, each with purpose, basis and window.

The requester is found only among accepted records, by one strong identifier or by an e-mail or
phone that matches exactly one subject; records join the person only through links the warehouse
accepted (a lead and the customer it became, the cookies of the person's own sessions and forms),
never through matching contact details (issue 13, item 2).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

import handwritten
import landing
from dbt_project_runner import PROJECT_ROOT, DbtProject
from privacy_warehouse import access_export
from privacy_warehouse.access_export import AmbiguousRequest, NoSubjectFound, export

VICTIM = {"customer_id": "C-1", "personnummer": "19850412-1230", "name": "Jörgen Åkesson",
          "email": "jorgen@exempel.se", "phone": "+46702220001"}
# The impostor: a booking row with the victim's e-mail in another case with a trailing
# space, and the impostor's own phone. And one whose e-mail only differs in case.
IMPOSTOR_PHONE = "+46706660001"
SECOND_IMPOSTOR_PHONE = "+46706660002"


def impostor_tables() -> dict[str, list[dict]]:
    """The hand-written zone, plus: the victim C-1 with an invoice, a logged-in page view and a
    survey answer (so each kind of record is there to leak), and two impostor customers."""
    tables = handwritten.tables_with_bad_rows()
    tables["booking.customers"] = tables["booking.customers"] + [
        {"customer_id": "C-66", "customer_type": "private", "name": "Ivar Impostor",
         "email": "Jorgen@Exempel.SE ", "phone": IMPOSTOR_PHONE, "country_code": "SE",
         "created_at": "2026-03-01 08:00:00"},
        {"customer_id": "C-67", "customer_type": "private", "name": "Ingrid Impostor",
         "email": "JORGEN@exempel.se", "phone": SECOND_IMPOSTOR_PHONE, "country_code": "SE",
         "created_at": "2026-03-02 08:00:00"},
    ]
    tables["booking.invoices"] = tables["booking.invoices"] + [
        {"invoice_id": "I-9", "customer_id": "C-1", "invoice_date": "2026-05-31",
         "billing_name": "Jörgen Åkesson", "billing_address": "Storgatan 1, 114 51 Stockholm",
         "total_sek": "300.00", "due_date": "2026-06-30"},
    ]
    tables["booking.invoice_lines"] = tables["booking.invoice_lines"] + [
        {"invoice_id": "I-9", "order_id": "O-1", "amount_sek": "300.00"},
    ]
    tables["web.page_views"] = tables["web.page_views"] + [
        {"event_id": "E-7", "occurred_at": "2026-05-01 09:00:00", "session_id": "S-7",
         "visitor_id": "V-7", "customer_id": "C-1", "ip_address": "192.0.2.77", "site": "own",
         "url_path": "/mina-sidor"},
        # The same browser before logging in: the person's cookie, so the person's page view.
        {"event_id": "E-8", "occurred_at": "2026-05-01 08:55:00", "session_id": "S-8",
         "visitor_id": "V-7", "ip_address": "192.0.2.77", "site": "own", "url_path": "/"},
    ]
    tables["crm.survey_responses"] = [
        {"response_id": "R-1", "customer_id": "C-1", "responded_at": "2026-05-05 10:00:00",
         "nps_score": 9, "comment": "Snabb leverans, tack Jörgen här"},
    ]
    return tables


@pytest.fixture(scope="module")
def impostor_warehouse(tmp_path_factory) -> DbtProject:
    root = tmp_path_factory.mktemp("impostor")
    zone = landing.write_landing_zone(root / "zone", impostor_tables())
    project = DbtProject(root=PROJECT_ROOT, raw_data_dir=zone, work_dir=root / "warehouse",
                         as_of=handwritten.AS_OF)
    result = project.build()
    assert result.returncode == 0, result.output[-5000:]
    project.frozen = True
    return project


def _export(project: DbtProject, out, **identifiers) -> dict:
    return export(identifiers, project.raw_data_dir, project.duckdb_path, out)


def _run_cli(project: DbtProject, out, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "privacy_warehouse.cli", "access-export", *args, "--out", str(out)],
        env={**os.environ, "RAW_DATA_DIR": str(project.raw_data_dir),
             "DUCKDB_PATH": str(project.duckdb_path)},
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False)


# --------------------------------------------------------------------------------------------
# What a person gets
# --------------------------------------------------------------------------------------------


def test_export_by_email_resolves_lead_form_and_browsing(handwritten_warehouse, tmp_path):
    document = _export(handwritten_warehouse, tmp_path, email="Asa.Oberg@exempel.se ")
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
    document = _export(handwritten_warehouse, tmp_path, personnummer="19850412-1230")
    records = document["records"]
    assert document["linked_identities"]["customer"] == ["C-1"]
    assert {r["order_id"] for r in records["booking.orders"]} == {"O-1"}
    assert {r["payment_id"] for r in records["booking.payments"]} == {"P-1"}
    assert {r["event_id"] for r in records["consent.consent_events"]} == {"CE-1", "CE-2", "CE-3"}
    assert {r["objection_id"] for r in records["consent.objections"]} == {"OB-1"}
    purposes = {p["purpose"] for p in records["booking.orders"][0]["_purposes"]}
    assert {"contract_administration", "business_development"} <= purposes
    # A rejected row naming the person's id is listed, saying why, without its values: they
    # were not accepted as the person's (its other columns could be anyone's).
    assert document["rejected_records"]["booking.orders"] == [
        {"order_id": "O-91", "_rejected_because": "negative_amount"}]


def test_a_converted_lead_and_its_customer_are_one_person(handwritten_warehouse, tmp_path):
    by_customer = _export(handwritten_warehouse, tmp_path / "c", customer_id="C-3")
    by_lead = _export(handwritten_warehouse, tmp_path / "l", lead_id="L-3")
    for document in (by_customer, by_lead):
        assert document["linked_identities"]["customer"] == ["C-3"]
        assert document["linked_identities"]["lead"] == ["L-3"]
        assert {r["hold_id"] for r in document["records"]["legal.legal_holds"]} == {"H-1"}


def test_the_tables_come_from_the_declarations(handwritten_warehouse):
    """No list of tables in the command: every landing table declared in the sources' YAML is
    read, with its primary key, subject columns and contact columns from there."""
    declared = access_export.declared_tables(PROJECT_ROOT)
    assert set(declared) == set(landing.contract())
    assert declared["booking.customers"].primary_key == ("customer_id",)
    assert ("visitor_id", "visitor") in [(s.column, s.type) for s in
                                         declared["web.page_views"].subjects]
    assert declared["crm.leads"].contacts == {"email": ("email",), "phone": ("phone",)}
    assert declared["booking.customers"].contacts["personnummer"] == ("personnummer",)
    assert not hasattr(access_export, "TABLES")


# --------------------------------------------------------------------------------------------
# The impostor (issue 13): nothing of the victim
# --------------------------------------------------------------------------------------------


def _victim_values() -> list[str]:
    return [VICTIM["name"], VICTIM["personnummer"], "Storgatan 1", "O-1", "P-1", "I-9", "E-7",
            "E-8", "V-7", "192.0.2.77", "/mina-sidor", "R-1", "Snabb leverans", "CE-1", "OB-1",
            "C-1", VICTIM["phone"]]


def assert_nothing_of_the_victim(out) -> None:
    """No file written for the impostor holds any of the victim's values."""
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        for value in _victim_values():
            assert value not in text, (path.name, value)


def test_the_impostor_gets_nothing_of_the_victim(impostor_warehouse, tmp_path):
    # The victim is there to be leaked: their own export holds every kind of record.
    victim = _export(impostor_warehouse, tmp_path / "victim", customer_id="C-1")
    for table in ("booking.customers", "booking.orders", "booking.invoices", "web.page_views",
                  "crm.survey_responses", "booking.payments", "booking.invoice_lines"):
        assert victim["records"].get(table), table
    assert {r["event_id"] for r in victim["records"]["web.page_views"]} == {"E-7", "E-8"}
    assert victim["linked_identities"]["customer"] == ["C-1"]

    # The row: its e-mail (trailing space) is rejected on arrival, so no accepted record
    # holds the impostor's phone. Before, the raw row's e-mail merged them with the victim.
    out = tmp_path / "C-66"
    result = _run_cli(impostor_warehouse, out, "--phone", IMPOSTOR_PHONE)
    assert result.returncode == 1 and "no accepted record" in result.stderr, result.stderr
    assert IMPOSTOR_PHONE not in result.stderr
    assert not out.exists()
    # An accepted impostor row (the e-mail only in another case) is its own subject: the
    # impostor gets their own row and nothing of the victim's.
    out = tmp_path / "C-67"
    result = _run_cli(impostor_warehouse, out, "--phone", SECOND_IMPOSTOR_PHONE)
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "subject_access_export.json").read_text())
    assert document["linked_identities"] == {"customer": ["C-67"], "lead": [], "visitor": []}
    assert sorted(document["records"]) == ["booking.customers"]
    assert_nothing_of_the_victim(out)


def test_the_impostor_check_fails_on_the_old_resolution(impostor_warehouse, tmp_path,
                                                        monkeypatch):
    """Planted: identity merged through matching contact details of any landed row, rejected
    ones included (the code before issue 13). The impostor then gets the victim's records, and
    the check above fails."""
    honest = access_export.resolve_identity

    def merged_by_contact_details(con, tables, identifiers):
        person = honest(con, tables, identifiers)
        person["customer"] |= {row[0] for row in con.execute(
            "select other.customer_id from quarantine.base_booking__customers as mine "
            "inner join quarantine.base_booking__customers as other "
            "on lower(trim(mine.email)) = lower(trim(other.email)) "
            "where mine.customer_id in (select unnest(?))",
            [sorted(person["customer"])]).fetchall()}
        return person

    monkeypatch.setattr(access_export, "resolve_identity", merged_by_contact_details)
    out = tmp_path / "planted"
    document = _export(impostor_warehouse, out, phone=SECOND_IMPOSTOR_PHONE)
    assert "C-1" in document["linked_identities"]["customer"]
    with pytest.raises(AssertionError):
        assert_nothing_of_the_victim(out)


def test_an_ambiguous_request_is_refused_and_writes_nothing(impostor_warehouse, tmp_path):
    # The victim's e-mail is now also on C-67's accepted row: two subjects match it.
    out = tmp_path / "ambiguous"
    result = _run_cli(impostor_warehouse, out, "--email", VICTIM["email"])
    assert result.returncode != 0
    assert "2 subjects" in result.stderr and "strong identifier" in result.stderr
    assert VICTIM["email"] not in result.stderr + result.stdout
    assert not out.exists()
    with pytest.raises(AmbiguousRequest) as refused:
        _export(impostor_warehouse, tmp_path / "again", email=VICTIM["email"])
    assert refused.value.candidates == 2
    assert not (tmp_path / "again").exists()


def test_an_unknown_or_rejected_identifier_finds_no_one(impostor_warehouse, tmp_path):
    # C-90 landed but was rejected (a wrong check digit): not an accepted subject.
    for identifiers in ({"customer_id": "C-90"}, {"personnummer": "19850412-1231"},
                        {"email": "nobody@exempel.se"}):
        with pytest.raises(NoSubjectFound):
            _export(impostor_warehouse, tmp_path / "none", **identifiers)
    assert not (tmp_path / "none").exists()
    result = _run_cli(impostor_warehouse, tmp_path / "cli", "--customer-id", "C-90")
    assert result.returncode != 0 and "no accepted record" in result.stderr
    assert not (tmp_path / "cli").exists()


def test_two_identifiers_of_different_people_are_refused(impostor_warehouse, tmp_path):
    with pytest.raises(AmbiguousRequest):
        _export(impostor_warehouse, tmp_path / "two", customer_id="C-1",
                phone=SECOND_IMPOSTOR_PHONE)
    assert not (tmp_path / "two").exists()


def test_files_are_private(impostor_warehouse, tmp_path):
    out = tmp_path / "exports" / "request-1"
    result = _run_cli(impostor_warehouse, out, "--customer-id", "C-1")
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    files = sorted(p.name for p in out.iterdir())
    assert files == ["subject_access_export.json", "subject_access_export.md"]
    for name in files:
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600


def test_an_existing_open_folder_is_refused(impostor_warehouse, tmp_path):
    out = tmp_path / "shared"
    out.mkdir(mode=0o755)
    os.chmod(out, 0o755)
    result = _run_cli(impostor_warehouse, out, "--customer-id", "C-1")
    assert result.returncode != 0 and "0700" in result.stderr
    assert list(out.iterdir()) == []
