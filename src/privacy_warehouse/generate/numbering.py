"""Number the plan: sort every entity by its own time and give it ids 1, 2, ..., so ids grow with
time the way a source system's sequences do; references between tables become those numbers.
"""

from __future__ import annotations

import numpy as np

from .frames import Frame, length
from .model import CUSTOMER, LEAD, Plan

# Each entity: its frame, the column that orders it (its own time), and tie-breakers.
ENTITY_TIME = {
    "customers": "created", "leads": "obtained", "agreements": "started", "orders": "ordered",
    "payments": "paid", "invoices": "invoice_day", "sessions": "start", "forms": "submitted",
    "activities": "occurred", "surveys": "responded", "consents": "occurred",
    "objections": "received", "holds": "opened",
}


def finalize(plan: Plan) -> None:
    """Sort every entity by its own time (stable, so ties keep planning order) and number it
    1, 2, ...; references elsewhere are rewritten from indices to those numbers (0 = none)."""
    for entity, time_column in ENTITY_TIME.items():
        frame: Frame = getattr(plan, entity)
        order = np.argsort(frame[time_column], kind="stable")
        number = np.empty(order.size, dtype=np.int64)
        number[order] = np.arange(1, order.size + 1)
        plan.numbers[entity] = number
    numbers = plan.numbers

    def to_number(entity: str, index: np.ndarray) -> np.ndarray:
        result = np.zeros(index.size, dtype=np.int64)
        present = index >= 0
        result[present] = numbers[entity][index[present]]
        return result

    def subject_number(frame: Frame) -> np.ndarray:
        result = np.zeros(length(frame), dtype=np.int64)
        for subject_type, entity in ((CUSTOMER, "customers"), (LEAD, "leads")):
            rows = frame["subject_type"] == subject_type
            result[rows] = to_number(entity, frame["subject"][rows])
        return result

    plan.customers["no"] = numbers["customers"]
    plan.customers["lead_no"] = to_number("leads", plan.customers["lead"])
    plan.leads["no"] = numbers["leads"]
    plan.leads["customer_no"] = to_number("customers", plan.leads["customer"])
    plan.agreements["no"] = numbers["agreements"]
    plan.agreements["customer_no"] = to_number("customers", plan.agreements["customer"])
    plan.orders["no"] = numbers["orders"]
    plan.orders["customer_no"] = to_number("customers", plan.orders["customer"])
    plan.payments["no"] = numbers["payments"]
    plan.payments["order_no"] = to_number("orders", plan.payments["order"])
    plan.payments["customer_no"] = plan.orders["customer_no"][plan.payments["order"]]
    plan.invoices["no"] = numbers["invoices"]
    plan.invoices["customer_no"] = to_number("customers", plan.invoices["customer"])
    plan.invoice_lines["invoice_no"] = to_number("invoices", plan.invoice_lines["invoice"])
    plan.invoice_lines["order_no"] = to_number("orders", plan.invoice_lines["order"])
    plan.sessions["no"] = numbers["sessions"]
    plan.sessions["customer_no"] = to_number("customers", plan.sessions["customer"])
    # Page views are numbered through their sessions: a session's first event number.
    order = np.argsort(plan.sessions["no"])
    first_event = np.empty(order.size, dtype=np.int64)
    first_event[order] = np.concatenate([[1], 1 + np.cumsum(plan.sessions["pages"][order])[:-1]])
    plan.sessions["first_event"] = first_event
    plan.forms["no"] = numbers["forms"]
    plan.forms["lead_no"] = to_number("leads", plan.forms["lead"])
    plan.forms["customer_no"] = to_number("customers", plan.forms["customer"])
    plan.activities["no"] = numbers["activities"]
    plan.activities["subject_no"] = subject_number(plan.activities)
    plan.surveys["no"] = numbers["surveys"]
    plan.surveys["customer_no"] = to_number("customers", plan.surveys["customer"])
    plan.consents["no"] = numbers["consents"]
    plan.consents["subject_no"] = subject_number(plan.consents)
    plan.objections["no"] = numbers["objections"]
    plan.objections["subject_no"] = subject_number(plan.objections)
    plan.holds["no"] = numbers["holds"]
    plan.holds["customer_no"] = to_number("customers", plan.holds["customer"])
