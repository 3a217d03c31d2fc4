"""Plan the good landing zone with NumPy: who exists, what they did, and when.

The plan holds numbers only (indices into word lists, microsecond timestamps, amounts in öre);
`render.py` turns it into the contract's text columns with DuckDB. Every entity is planned with
an index, references between tables are indices, and `numbering.finalize()` sorts each table by
its own time and numbers it, so ids grow with time the way a source system's sequences do.

This module only puts the jobs in order. What a plan is lives in `model.py`, the draws the
planners share in `draws.py`, the business records in `commerce.py`, web, CRM and consent in
`activity.py`, and the planted boundary cases, which sit exactly on the windows' edges, in
`boundary.py`. The order of the calls below is part of the output: each table draws from its
own stream, but boundary rows are appended before the tables that refer to them are planned.
"""

from __future__ import annotations

from datetime import date

from . import activity, commerce
from .boundary import BoundaryPlanter
from .draws import Draws
from .frames import concat
from .model import Plan
from .numbering import finalize


class Planner(Draws):
    """Plans one landing zone (see the module docstring for who does what)."""

    def plan(self) -> Plan:
        plan = Plan(seed=self.seed, clock=self.clock)
        customers = commerce.plan_customers(self)
        leads = commerce.plan_leads(self, customers)
        orders = commerce.plan_orders(self, customers)
        agreements = commerce.plan_agreements(self, customers)
        planted = BoundaryPlanter(self, customers, leads, orders, agreements)
        customers, leads, orders, agreements = planted.plant()
        payments, invoices, invoice_lines, fully_paid = commerce.plan_payments_and_invoices(
            self, customers, orders)
        ended = commerce.relationship_end(customers, orders, agreements, fully_paid)
        holds = concat(commerce.plan_holds(self, customers, orders, ended), planted.holds)
        sessions = concat(activity.plan_sessions(self, customers), planted.sessions(self))
        activities = activity.plan_activities(self, customers, leads)
        plan.customers, plan.leads, plan.orders, plan.agreements = (customers, leads, orders,
                                                                    agreements)
        plan.payments, plan.invoices, plan.invoice_lines = payments, invoices, invoice_lines
        plan.holds, plan.sessions, plan.activities = holds, sessions, activities
        plan.forms = activity.plan_forms(self, customers, leads, activities)
        plan.surveys = activity.plan_surveys(self, customers, orders)
        plan.consents = activity.plan_consents(self, customers, leads)
        plan.objections = activity.plan_objections(self, customers, leads)
        commerce.assign_identity_numbers(self, customers)
        activity.plan_hostile_text(self, plan)
        finalize(plan)
        plan.boundary = planted.resolve(plan, fully_paid, ended)
        return plan


def plan_landing_zone(seed: int, scale: float, as_of: date) -> Plan:
    return Planner(seed, scale, as_of).plan()


__all__ = ["Plan", "Planner", "plan_landing_zone"]
