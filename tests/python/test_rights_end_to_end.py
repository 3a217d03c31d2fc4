"""The data subject's rights, end to end: register a consent withdrawal, an objection of each
scope and legal holds in a landing zone, rebuild, and see each person leave exactly the outputs
they should leave, and stay in those they should not."""

from __future__ import annotations

import pytest

import handwritten
import landing
from dbt_project_runner import PROJECT_ROOT, DbtProject

PEOPLE = ["K-WD", "K-DM", "K-ALI", "K-MKT", "K-SALES", "K-BD", "K-PI"]
OBJECTIONS = {"K-DM": "direct_marketing", "K-ALI": "all_legitimate_interest",
              "K-MKT": "marketing", "K-SALES": "sales", "K-BD": "business_development",
              "K-PI": "public_interest"}


_person = handwritten.reachable_customer


def _hold_customer(customer_id: str, number: int, closed_on: str | None) -> dict[str, list[dict]]:
    """A customer whose relationship ended in 2019, with a legal hold."""
    tables = _person(customer_id, number)
    tables["booking.orders"][0].update(ordered_at="2019-01-01 10:00:00",
                                       promised_by="2019-01-02 10:00:00",
                                       cancelled_at="2019-01-01 12:00:00", delivered_at=None)
    tables["legal.legal_holds"] = [{"hold_id": f"H-{customer_id}", "customer_id": customer_id,
                                    "reason": "payment_dispute", "opened_on": "2020-01-01",
                                    "closed_on": closed_on}]
    return tables


def _landing(with_rights: bool) -> dict[str, list[dict]]:
    tables = handwritten.base_tables()
    extra = [_person(c, i) for i, c in enumerate(PEOPLE, start=1)]
    extra.append(_hold_customer("K-HOLD-OPEN", 20, None))
    extra.append(_hold_customer("K-HOLD-CLOSED-ON-AS-OF", 21, "2026-06-30"))
    extra.append(_hold_customer("K-HOLD-OLD", 22, "2021-01-01"))
    for person in extra:
        for table, rows in person.items():
            tables.setdefault(table, [])
            tables[table] = tables[table] + rows
    if with_rights:
        tables["consent.consent_events"] = tables["consent.consent_events"] + [{
            "event_id": "CE-K-WD-2", "subject_type": "customer", "subject_id": "K-WD",
            "channel": "email", "action": "withdrawn", "occurred_at": "2026-06-20 10:00:00"}]
        tables["consent.objections"] = tables.get("consent.objections", []) + [
            {"objection_id": f"OB-{c}", "subject_type": "customer", "subject_id": c,
             "scope": scope, "received_at": "2026-06-20 10:00:00"}
            for c, scope in OBJECTIONS.items()]
    return tables


def _membership(project: DbtProject) -> dict[str, set[str]]:
    def ids(sql):
        return {r[0] for r in project.query(sql)}

    return {
        "marketing email": ids("select subject_id from marketing.direct_marketing_audience "
                               "where channel = 'email'"),
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


@pytest.fixture(scope="module")
def before_and_after(tmp_path_factory):
    results = {}
    for with_rights in (False, True):
        root = tmp_path_factory.mktemp(f"rights_{with_rights}")
        landing.write_landing_zone(root / "landing", _landing(with_rights))
        project = DbtProject(root=PROJECT_ROOT, raw_data_dir=root / "landing",
                             work_dir=root / "run", as_of=handwritten.AS_OF,
                             extra_vars=dict(handwritten.VARS))
        result = project.build()
        assert result.returncode == 0, result.output[-4000:]
        results[with_rights] = _membership(project)
    return results


EXPECTED_LEAVES = {
    "K-WD": {"marketing email"},
    "K-DM": {"marketing email", "marketing post", "interest scores", "sales pipeline",
             "sales history"},
    "K-ALI": {"marketing email", "marketing post", "interest scores", "sales pipeline",
              "sales history", "bizdev orders"},
    "K-MKT": {"marketing email", "marketing post", "interest scores"},
    "K-SALES": {"sales pipeline", "sales history"},
    "K-BD": {"bizdev orders"},
    "K-PI": set(),
}


@pytest.mark.parametrize("person", PEOPLE)
def test_each_right_removes_the_person_from_exactly_its_outputs(before_and_after, person):
    before, after = before_and_after[False], before_and_after[True]
    for output in before:
        assert person in before[output], (output, "baseline should hold everyone")
        should_leave = output in EXPECTED_LEAVES[person]
        assert (person not in after[output]) == should_leave, (person, output)


def test_legal_holds_keep_contract_data_only_while_needed(before_and_after):
    after = before_and_after[True]
    # All three relationships ended 2019-01-01: the normal window closed 2022-01-01.
    # An open hold keeps the window open.
    assert "K-HOLD-OPEN" in after["contract customers"]
    # A closed hold extends it to the day it closed: greatest(2022-01-01, 2026-06-30) = as_of.
    assert "K-HOLD-CLOSED-ON-AS-OF" in after["contract customers"]
    # Closed 2021-01-01: the normal window has passed too.
    assert "K-HOLD-OLD" not in after["contract customers"]
    # A hold extends contract administration only.
    assert "K-HOLD-OPEN" not in after["marketing post"]
    assert "K-HOLD-OPEN" not in after["bizdev orders"]
