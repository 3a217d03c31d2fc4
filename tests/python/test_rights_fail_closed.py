"""Rights fail closed, and bookkeeping survives a bad parent (issue 13, items 1, 6 and 7).

A hand-written landing zone with one reachable customer per planted malformed rights row: an
objection whose scope is `Direct_Marketing`, ` direct_marketing`, unreadable or null, or that was
sent twice under one id with different times; a consent withdrawal whose action is `Withdrawn`,
unreadable or null, whose channel is unreadable, or that was sent twice. Built twice by the real
dbt project, without and with the planted rows: each person leaves exactly what their objection
or withdrawal closes, the row stays in compliance.rejected_rows marked as honoured, and a rights
row naming nobody the warehouse knows stays only rejected.

The same zone holds a customer with an invoiced, paid order; the second build adds a second,
different row under that customer id (both rows rejected): the invoice, its line and its payment
stay in legal.bookkeeping_* and nothing else of the customer appears anywhere.

Each new check of the privacy tests is then shown failing once on a planted violation.
"""

from __future__ import annotations

import pytest

import handwritten
import landing
from dbt_project_runner import PROJECT_ROOT, DbtProject

EVERYTHING = {"marketing email", "marketing post", "interest scores", "sales pipeline",
              "sales history", "bizdev orders"}
DIRECT_MARKETING = EVERYTHING - {"bizdev orders"}


def _objection(objection_id: str, subject_id: str, scope: str | None,
               received_at: str = "2026-06-20 10:00:00") -> dict:
    return {"objection_id": objection_id, "subject_type": "customer", "subject_id": subject_id,
            "scope": scope, "received_at": received_at}


def _withdrawal(event_id: str, subject_id: str, action: str | None, channel: str = "email",
                occurred_at: str = "2026-06-20 10:00:00") -> dict:
    return {"event_id": event_id, "subject_type": "customer", "subject_id": subject_id,
            "channel": channel, "action": action, "occurred_at": occurred_at}


# person -> (planted rows, expected reason, outputs the person must leave)
OBJECTIONS = {
    "K-OB-CASE": ([_objection("OB-CASE", "K-OB-CASE", "Direct_Marketing")],
                  "invalid_enum_value", EVERYTHING),
    "K-OB-SPACE": ([_objection("OB-SPACE", "K-OB-SPACE", " direct_marketing")],
                   "invalid_enum_value", EVERYTHING),
    "K-OB-UNREADABLE": ([_objection("OB-UNREADABLE", "K-OB-UNREADABLE", "dirket marketing")],
                        "invalid_enum_value", EVERYTHING),
    "K-OB-NULL": ([_objection("OB-NULL", "K-OB-NULL", None)],
                  "missing_required_value", EVERYTHING),
    "K-OB-TWICE": ([_objection("OB-TWICE", "K-OB-TWICE", "direct_marketing", "2026-06-20 10:00:00"),
                    _objection("OB-TWICE", "K-OB-TWICE", "direct_marketing", "2026-06-25 10:00:00")],
                   "conflicting_duplicate_id", DIRECT_MARKETING),
}
WITHDRAWALS = {
    "K-WD-CASE": ([_withdrawal("WD-CASE", "K-WD-CASE", "Withdrawn")],
                  "invalid_enum_value", {"marketing email"}),
    "K-WD-UNREADABLE": ([_withdrawal("WD-UNREADABLE", "K-WD-UNREADABLE", "revoked")],
                        "invalid_enum_value", {"marketing email"}),
    "K-WD-NULL": ([_withdrawal("WD-NULL", "K-WD-NULL", None)],
                  "missing_required_value", {"marketing email"}),
    "K-WD-CHANNEL": ([_withdrawal("WD-CHANNEL", "K-WD-CHANNEL", "withdrawn", channel="E-mail")],
                     "invalid_enum_value", {"marketing email"}),
    "K-WD-TWICE": ([_withdrawal("WD-TWICE", "K-WD-TWICE", "withdrawn", occurred_at="2026-06-20 10:00:00"),
                    _withdrawal("WD-TWICE", "K-WD-TWICE", "withdrawn", occurred_at="2026-06-25 10:00:00")],
                   "conflicting_duplicate_id", {"marketing email"}),
}
CASES = {**OBJECTIONS, **WITHDRAWALS}
# Rights rows naming nobody the warehouse knows: rejected, never honoured.
UNKNOWN = [("consent.objections", _objection("OB-NOBODY", "K-NOBODY", "Direct_Marketing")),
           ("consent.consent_events", _withdrawal("WD-NOBODY", "K-NOBODY", "Withdrawn"))]

BOOKKEEPING_CUSTOMER = "K-BOOK"
# A second conflicting customer, whose only invoice (2017) is past its window: kept records keep
# their window, no longer.
EXPIRED_CUSTOMER = "K-BOOK2"


def _bookkeeping_customer(number: int) -> dict[str, list[dict]]:
    """A customer with an invoiced, paid order (2026), an invoice of 2017 (kept through 2024) and
    a legal hold closed on as_of that keeps it to as_of."""
    tables = handwritten.reachable_customer(BOOKKEEPING_CUSTOMER, number)
    order_id = tables["booking.orders"][0]["order_id"]
    tables["booking.invoices"] = [
        {"invoice_id": "I-K-BOOK", "customer_id": BOOKKEEPING_CUSTOMER,
         "invoice_date": "2026-06-03", "billing_name": "Företag Bok AB",
         "total_sek": "100.00", "due_date": "2026-07-03"},
        # Fiscal year 2017: kept through 2024-12-31, then held by the hold closed on as_of.
        {"invoice_id": "I-K-BOOK-OLD", "customer_id": BOOKKEEPING_CUSTOMER,
         "invoice_date": "2017-03-01", "billing_name": "Företag Bok AB",
         "total_sek": "50.00", "due_date": "2017-03-31"}]
    tables["booking.invoice_lines"] = [
        {"invoice_id": "I-K-BOOK", "order_id": order_id, "amount_sek": "100.00"}]
    tables["legal.legal_holds"] = [
        {"hold_id": "H-K-BOOK", "customer_id": BOOKKEEPING_CUSTOMER, "reason": "claim",
         "opened_on": "2020-01-01", "closed_on": handwritten.AS_OF}]
    tables["booking.payments"] = [
        {"payment_id": "P-K-BOOK", "order_id": order_id, "paid_at": "2026-06-10 10:00:00",
         "amount_sek": "100.00", "method": "invoice"}]
    return tables


def _landing(planted: bool) -> dict[str, list[dict]]:
    tables = handwritten.base_tables()
    people = [handwritten.reachable_customer(c, 100 + i) for i, c in enumerate(CASES)]
    people.append(_bookkeeping_customer(199))
    expired = handwritten.reachable_customer(EXPIRED_CUSTOMER, 198)
    expired["booking.invoices"] = [
        {"invoice_id": "I-K-BOOK2-OLD", "customer_id": EXPIRED_CUSTOMER,
         "invoice_date": "2017-03-01", "billing_name": "Företag Bok 2 AB",
         "total_sek": "50.00", "due_date": "2017-03-31"}]
    people.append(expired)
    for person in people:
        for table, rows in person.items():
            tables[table] = tables.get(table, []) + rows
    if planted:
        for rows, _, _ in OBJECTIONS.values():
            tables["consent.objections"] = tables["consent.objections"] + rows
        for rows, _, _ in WITHDRAWALS.values():
            tables["consent.consent_events"] = tables["consent.consent_events"] + rows
        for table, row in UNKNOWN:
            tables[table] = tables[table] + [row]
        for customer_id in (BOOKKEEPING_CUSTOMER, EXPIRED_CUSTOMER):
            row = next(r for r in tables["booking.customers"] if r["customer_id"] == customer_id)
            tables["booking.customers"] = tables["booking.customers"] + [
                dict(row, name="Ett Annat Namn AB")]
    return tables


def _membership(project: DbtProject) -> dict[str, set[str]]:
    def ids(sql):
        return {r[0] for r in project.query(sql)}

    return {
        "marketing email": ids("select subject_id from marketing.direct_marketing_audience "
                               "where channel = 'email'"),
        "marketing consent channels": ids("select subject_id from marketing.direct_marketing_audience "
                                          "where is_consent_based"),
        "marketing post": ids("select subject_id from marketing.direct_marketing_audience "
                              "where channel = 'post'"),
        "interest scores": ids("select subject_id from marketing.interest_scores"),
        "sales pipeline": ids("select subject_id from sales.pipeline"),
        "sales history": ids("select subject_id from sales.contact_history"),
        # fct_orders carries no customer pseudonym: whose order it is, from the private map.
        "bizdev orders": ids("select owners.person_id from bizdev.fct_orders as orders "
                             "join private.int_bizdev_row_owners as owners "
                             "on owners.object_type = 'order' and owners.pseudonym = orders.order_key"),
        "contract customers": ids("select customer_id from contract_admin.customers"),
    }


def _bookkeeping(project: DbtProject) -> dict[str, set[tuple]]:
    return {
        "invoices": set(project.query(
            "select invoice_id, customer_id, customer_row_rejected, cast(retained_until as varchar) "
            "from legal.bookkeeping_invoices "
            f"where customer_id = '{BOOKKEEPING_CUSTOMER}'")),
        "lines": set(project.query(
            "select invoice_line_id, parent_row_rejected from legal.bookkeeping_invoice_lines "
            "where invoice_id like 'I-K-BOOK%'")),
        "expired": set(project.query(
            "select invoice_id from legal.bookkeeping_invoices where invoice_id = 'I-K-BOOK2-OLD'")),
        "payments": set(project.query(
            "select payment_id, invoice_id, parent_row_rejected from legal.bookkeeping_payments "
            "where payment_id = 'P-K-BOOK'")),
    }


def _build(tmp_path_factory, planted: bool) -> DbtProject:
    root = tmp_path_factory.mktemp(f"fail_closed_{planted}")
    landing.write_landing_zone(root / "landing", _landing(planted))
    project = DbtProject(root=PROJECT_ROOT, raw_data_dir=root / "landing",
                         work_dir=root / "run", as_of=handwritten.AS_OF,
                         extra_vars=dict(handwritten.VARS))
    result = project.build()
    assert result.returncode == 0, result.output[-4000:]
    return project


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    before = _build(tmp_path_factory, planted=False)
    after = _build(tmp_path_factory, planted=True)
    after.frozen = True
    return {
        "before": _membership(before), "after": _membership(after),
        "bookkeeping before": _bookkeeping(before), "bookkeeping after": _bookkeeping(after),
        "project": after,
    }


@pytest.mark.parametrize("person", list(CASES))
def test_a_malformed_rights_row_closes_what_its_most_protective_reading_closes(builds, person):
    before, after = builds["before"], builds["after"]
    _, _, leaves = CASES[person]
    for output in before:
        assert person in before[output], (person, output, "baseline should hold everyone")
        assert (person not in after[output]) == (output in leaves | (
            {"marketing consent channels"} if "marketing email" in leaves else set())), (person, output)


@pytest.mark.parametrize("person", list(CASES))
def test_a_malformed_rights_row_stays_rejected_and_marked_honoured(builds, person):
    rows, reason, _ = CASES[person]
    table = "consent.objections" if person in OBJECTIONS else "consent.consent_events"
    record_id = rows[0].get("objection_id") or rows[0].get("event_id")
    found = builds["project"].query(
        "select reason, is_honoured_fail_closed, honoured_as from compliance.rejected_rows "
        f"where source_table = '{table}' and record_id = '{record_id}'")
    assert len(found) == len(rows), found
    assert {r[0] for r in found} == {reason}
    assert all(r[1] for r in found), found
    assert {r[2] for r in found} == {HONOURED_AS[person]}


HONOURED_AS = {
    **{person: "objection to every scope" for person in OBJECTIONS},
    "K-OB-TWICE": "objection to direct_marketing",
    **{person: "withdrawal of email" for person in WITHDRAWALS},
    "K-WD-CHANNEL": "withdrawal of every consent channel",
}


def test_rows_repeated_under_one_id_count_from_the_earliest(builds):
    project = builds["project"]
    objected = project.query(
        "select distinct objected_on from intermediate.int_subject_objections "
        "where subject_id = 'K-OB-TWICE'")
    assert [str(r[0]) for r in objected] == ["2026-06-20"]


def test_a_rights_row_naming_nobody_known_stays_only_rejected(builds):
    found = builds["project"].query(
        "select source_table, reason, is_honoured_fail_closed from compliance.rejected_rows "
        "where record_id in ('OB-NOBODY', 'WD-NOBODY') order by 1")
    assert found == [("consent.consent_events", "invalid_enum_value", False),
                     ("consent.objections", "invalid_enum_value", False)]
    assert not builds["project"].query(
        "select 1 from intermediate.int_subject_objections where subject_id = 'K-NOBODY'")


def test_a_rejected_customer_keeps_its_bookkeeping(builds):
    before, after = builds["bookkeeping before"], builds["bookkeeping after"]
    # Without the conflict: the 2026 invoice, its line and payment; the 2017 one held to as_of.
    assert before["invoices"] == {("I-K-BOOK", BOOKKEEPING_CUSTOMER, False, "2033-12-31"),
                                  ("I-K-BOOK-OLD", BOOKKEEPING_CUSTOMER, False, handwritten.AS_OF)}
    assert before["lines"] == {("I-K-BOOK:O-K-BOOK", False)}
    assert before["payments"] == {("P-K-BOOK", "I-K-BOOK", False)}
    # Two different rows under the customer id: both rejected, the bookkeeping stays (marked),
    # each record with the same window as before: seven years, and the hold still counting.
    assert after["invoices"] == {("I-K-BOOK", BOOKKEEPING_CUSTOMER, True, "2033-12-31"),
                                 ("I-K-BOOK-OLD", BOOKKEEPING_CUSTOMER, True, handwritten.AS_OF)}
    assert after["lines"] == {("I-K-BOOK:O-K-BOOK", True)}
    assert after["payments"] == {("P-K-BOOK", "I-K-BOOK", True)}
    # An invoice past its seven-year window stays out, its customer rejected or not.
    assert before["expired"] == after["expired"] == set()


def test_a_rejected_customer_is_in_no_other_output_and_its_records_stay_countable(builds):
    project = builds["project"]
    for output, members in builds["after"].items():
        assert BOOKKEEPING_CUSTOMER not in members and EXPIRED_CUSTOMER not in members, output
    rejected = set(project.query(
        "select source_table, record_id, reason, is_kept_for_legal_obligation "
        "from compliance.rejected_rows where record_id like '%K-BOOK%'"))
    assert rejected == {
        ("booking.customers", "K-BOOK", "conflicting_duplicate_id", False),
        ("booking.customers", "K-BOOK", "conflicting_duplicate_id", False),
        ("booking.orders", "O-K-BOOK", "unknown_reference", False),
        ("booking.invoices", "I-K-BOOK", "unknown_reference", True),
        ("booking.invoices", "I-K-BOOK-OLD", "unknown_reference", True),
        ("booking.invoice_lines", "I-K-BOOK:O-K-BOOK", "unknown_reference", True),
        ("booking.payments", "P-K-BOOK", "unknown_reference", True),
        ("legal.legal_holds", "H-K-BOOK", "unknown_reference", True),
        ("booking.customers", "K-BOOK2", "conflicting_duplicate_id", False),
        ("booking.orders", "O-K-BOOK2", "unknown_reference", False),
        ("booking.invoices", "I-K-BOOK2-OLD", "unknown_reference", True),
        ("consent.consent_events", "CE-K-BOOK2", "unknown_reference", False),
        ("crm.activities", "AC-K-BOOK2", "unknown_reference", False),
        ("consent.consent_events", "CE-K-BOOK", "unknown_reference", False),
        ("crm.activities", "AC-K-BOOK", "unknown_reference", False),
    }
    # The retention test of every legal mart ran green in this build (build() asserts it).


def test_the_report_lists_the_rejected_rows_acted_on_without_their_ids(builds, tmp_path):
    from privacy_warehouse.report import build_report

    project = builds["project"]
    index = build_report(project.target_path, tmp_path / "evidence", project.duckdb_path)
    page = (index.parent / "landing.html").read_text(encoding="utf-8")
    section = page.split("Rejected, and acted on all the same")[1].split("Reconciliation")[0]
    for honoured_as in ("objection to every scope", "objection to direct_marketing",
                        "withdrawal of email", "withdrawal of every consent channel",
                        "kept in legal.* (bookkeeping obligation)"):
        assert honoured_as in section, honoured_as
    for table, reason, column, _count in project.query(
            "select source_table, reason, rejected_column, count(*) from compliance.rejected_rows "
            "where is_honoured_fail_closed or is_kept_for_legal_obligation group by all"):
        assert table in section and reason in section and column in section
    # Counts, not ids: a rights row's id points at one person.
    for rows, _, _ in CASES.values():
        record_id = rows[0].get("objection_id") or rows[0].get("event_id")
        assert record_id not in page, record_id


# ---------------------------------------------------------------------------------------------
# Each new check is shown failing once on a planted violation (tests/python/test_privacy_tests_can_fail.py).
# ---------------------------------------------------------------------------------------------

MUTATIONS = {
    "a fail-closed objection forgotten by int_subject_objections": dict(
        path="models/intermediate/rights/int_subject_objections.sql",
        old="    from {{ ref('int_objections_fail_closed') }}\n",
        new="    from {{ ref('int_objections_fail_closed') }}\n    where false\n",
        select="int_subject_objections+",
        fails={"privacy_objections_honoured_"},
    ),
    "a fail-closed objector let back into the audience": dict(
        path="models/marts/marketing/direct_marketing_audience.sql",
        old="    where purpose = 'marketing' and is_eligible",
        new="    where purpose = 'marketing' and (is_eligible or subject_id like 'K-OB-%')",
        select="direct_marketing_audience",
        fails={"privacy_objections_honoured_direct_marketing_audience_"},
    ),
    "a fail-closed withdrawal forgotten by int_subject_consents": dict(
        path="models/intermediate/rights/int_subject_consents.sql",
        old="    from {{ ref('int_consent_withdrawals_fail_closed') }}\n",
        new="    from {{ ref('int_consent_withdrawals_fail_closed') }}\n    where false\n",
        select="int_subject_consents+",
        fails={"privacy_consent_honoured_"},
    ),
    "a kept invoice outside its bookkeeping window": dict(
        path="models/marts/legal/bookkeeping_invoices.sql",
        old="    where within_window\n",
        new="    where within_window or invoice_id = 'I-K-BOOK2-OLD'\n",
        select="bookkeeping_invoices",
        fails={"privacy_within_retention_window_bookkeeping_invoices_"},
    ),
}


@pytest.mark.parametrize("case", list(MUTATIONS))
def test_each_new_check_fails_on_its_planted_violation(builds, tmp_path, case):
    mutation = MUTATIONS[case]
    project = builds["project"].copy(tmp_path)
    project.edit(mutation["path"], mutation["old"], mutation["new"])
    result = project.build("-s", *mutation["select"].split(), "--exclude", "test_type:unit")
    failed = result.failed_test_names()
    assert any(f.startswith(x) for f in failed for x in mutation["fails"]), (
        case, failed, result.output[-3000:])
    others = {f for f in failed if not any(f.startswith(x) for x in mutation["fails"])}
    assert not others, (case, others)
