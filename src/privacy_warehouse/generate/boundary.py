"""Rows planted on the edges of the register's windows, the same handful at every scale.

Each case is a dedicated subject with nothing else attached (no random orders, activities,
consents, objections, page views or holds), so its window depends only on the rows planted here.
The expected verdict is computed again from the planned data with the register's rules and must
agree with the intended one: a mismatch is a generator bug and stops the run.

`expected` in `_boundary_cases.csv` is `inside` (as_of <= retention_until, or the window is open)
or `outside`, for the rule the case is about:

- customers (`booking.customers`): the contract-administration window, relationship end + 36
  months, extended by legal holds (register decisions 1, 2 and 4). Marketing and business
  development share the 36 months but not the holds, so for the three `contract_window_*` cases
  only contract administration is inside;
- leads (`crm.leads`): obtained_at + 12 months (decision 3);
- anonymous page views (`web.page_views`): the page view + 12 months (decision 3);
- invoices (`booking.invoices`): bookkeeping, December 31 of the invoice's fiscal year + 7 years,
  fiscal years ending December 31 (decision 5).
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from .contract import TABLES_BY_NAME
from .draws import Draws
from .frames import Frame, concat, from_records, length
from .model import (
    CARD,
    EXPRESS,
    FULL,
    INVOICE,
    NEXT_DAY,
    NO_PAYMENT,
    PARTIAL,
    SAME_DAY,
    SWISH,
    Plan,
)
from .timeutil import (
    DAY,
    OPEN,
    add_months,
    date_of_day,
    date_of_us,
    day_number,
    first_day_inside,
    us_of,
)


def visitor_id(seed: int, key: int) -> str:
    """The cookie id of visitor `key`: render.py computes the same md5 in SQL."""
    return hashlib.md5(f"{seed}/{key}".encode()).hexdigest()


@dataclass
class CustomerCase:
    case: str
    expected: str
    business: bool = False
    orders: list[dict] = field(default_factory=list)
    agreement: tuple[date, date | None] | None = None
    hold: tuple[date, date | None] | None = None
    created: int | None = None  # microseconds; default: 100 days before the first order
    invoice_case: str | None = None  # also record this order's invoice under this case name
    invoice_expected: str | None = None


def _leap_days_around(edge: date, as_of: date) -> list[date]:
    """The last February 29 on or before `edge`, and the first after it if it is well before
    as_of: closing on a leap day, retention_until is clamped to February 28."""
    days = [date(year, 2, 29) for year in range(edge.year - 4, edge.year + 5)
            if calendar.isleap(year)]
    before = max(day for day in days if day <= edge)
    after = [day for day in days if edge < day <= as_of - timedelta(days=30)]
    return [before, *after[:1]]


def _order(ordered: int, service: int, promised: int, delivered: int = -1, cancelled: int = -1,
           method: int = CARD, plan: int = FULL, first_payment: int = -1) -> dict:
    return {"ordered": ordered, "service": service, "promised": promised,
            "delivered": delivered, "cancelled": cancelled, "method": method, "plan": plan,
            "first_payment": first_payment}


class BoundaryPlanter:
    """Appends the boundary subjects to the regular plan and resolves them to ids afterwards."""

    def __init__(self, planner: Draws, customers: Frame, leads: Frame, orders: Frame,
                 agreements: Frame):
        self.planner = planner
        self.customers, self.leads = customers, leads
        self.orders, self.agreements = orders, agreements
        self.holds: Frame = {}
        self.customer_cases: list[tuple[CustomerCase, int, list[int]]] = []
        self.lead_cases: list[tuple[str, str, int]] = []
        self.page_view_cases: list[tuple[str, str, int]] = []

    def cases(self) -> list[CustomerCase]:
        as_of = self.planner.clock.as_of
        edge = first_day_inside(as_of, 36)  # the last closing day still inside 36 months
        before = edge - timedelta(days=1)
        five_years = add_months(as_of, -60)
        six_years = add_months(as_of, -72)
        december = date(as_of.year - 8, 12, 15)
        january = date(as_of.year - 7, 1, 1)

        def paid_last(day: date) -> dict:
            """Delivered nine days earlier, invoiced that day, paid on `day` (closes then)."""
            delivery = day - timedelta(days=9)
            return _order(us_of(delivery - timedelta(days=1), 9), NEXT_DAY, us_of(delivery, 12),
                          delivered=us_of(delivery, 10, 30), method=INVOICE,
                          first_payment=us_of(day, 11))

        def delivered_on(day: date, plan: int = FULL, method: int = CARD) -> dict:
            """Paid by card at booking in the morning, delivered the same day (closes then)."""
            return _order(us_of(day, 7), SAME_DAY, us_of(day, 14), delivered=us_of(day, 12),
                          method=method, plan=plan, first_payment=us_of(day, 7, 2))

        leap_cases = [
            CustomerCase(f"customer_closed_on_leap_day_{leap.isoformat()}",
                         "inside" if add_months(leap, 36) >= as_of else "outside",
                         orders=[delivered_on(leap)])
            for leap in _leap_days_around(edge, as_of)]
        return [
            CustomerCase("customer_closed_exactly_36_months_paid_last", "inside",
                         orders=[paid_last(edge)]),
            CustomerCase("customer_closed_exactly_36_months_delivered_last", "inside",
                         orders=[delivered_on(edge)]),
            CustomerCase("customer_closed_36_months_plus_1_day", "outside",
                         orders=[paid_last(before)]),
            CustomerCase("customer_closed_36_months_plus_1_day_delivered_last", "outside",
                         orders=[delivered_on(before)]),
            *leap_cases,
            CustomerCase("customer_order_cancelled_exactly_36_months", "inside", orders=[
                _order(us_of(edge, 9), EXPRESS, us_of(edge, 12), cancelled=us_of(edge, 9, 40),
                       plan=NO_PAYMENT)]),
            CustomerCase("customer_without_orders_created_exactly_36_months", "inside",
                         created=us_of(edge, 12)),
            CustomerCase("customer_without_orders_created_36_months_plus_1_day", "outside",
                         created=us_of(before, 12)),
            CustomerCase("agreement_terminated_exactly_36_months", "inside", business=True,
                         orders=[delivered_on(add_months(edge, -24))],
                         agreement=(add_months(edge, -36), edge)),
            CustomerCase("agreement_terminated_36_months_plus_1_day", "outside", business=True,
                         orders=[delivered_on(add_months(edge, -24))],
                         agreement=(add_months(edge, -36), before)),
            CustomerCase("customer_partly_paid_order_keeps_relationship_open", "inside",
                         orders=[delivered_on(five_years, plan=PARTIAL, method=SWISH)]),
            CustomerCase("contract_window_kept_open_by_open_legal_hold", "inside",
                         orders=[delivered_on(five_years)],
                         hold=(five_years + timedelta(days=100), None)),
            CustomerCase("contract_window_kept_until_legal_hold_closed_on_as_of", "inside",
                         orders=[delivered_on(six_years)],
                         hold=(five_years, as_of)),
            CustomerCase("contract_window_ended_legal_hold_closed_day_before", "outside",
                         orders=[delivered_on(six_years)],
                         hold=(five_years, as_of - timedelta(days=1))),
            CustomerCase("customer_invoiced_december_31", "outside", business=True, orders=[
                _order(us_of(december - timedelta(days=1), 9), NEXT_DAY, us_of(december, 12),
                       delivered=us_of(december, 10), method=INVOICE,
                       first_payment=us_of(date(as_of.year - 7, 1, 20), 10))],
                invoice_case="invoice_december_31_past_bookkeeping", invoice_expected="outside"),
            CustomerCase("customer_invoiced_january_1", "outside", orders=[
                _order(us_of(january - timedelta(days=1), 9), NEXT_DAY, us_of(january, 12),
                       delivered=us_of(january, 10), method=INVOICE,
                       first_payment=us_of(date(as_of.year - 7, 1, 25), 10))],
                invoice_case="invoice_january_1_within_bookkeeping", invoice_expected="inside"),
        ]

    def plant(self) -> tuple[Frame, Frame, Frame, Frame]:
        planner = self.planner
        rng = planner.rng("boundary")
        cases = self.cases()
        created = np.array([
            case.created if case.created is not None
            else min(order["ordered"] for order in case.orders) - 100 * DAY
            for case in cases], dtype=np.int64)
        business = np.array([case.business for case in cases])
        special = planner.customer_attributes(rng, business, created)
        special["special"][:] = True
        special["sole_trader"][:] = False
        special["legal_form"] = np.where(business, 0, -1)
        special["country"][:] = 0
        special["place"], special["postal"] = planner.places(rng, special["country"])
        first_customer = length(self.customers)
        customers = concat(self.customers, special)

        order_records, customer_of_order = [], []
        agreement_records, hold_records = [], []
        for offset, case in enumerate(cases):
            index = first_customer + offset
            order_indices = []
            for order in case.orders:
                order_indices.append(length(self.orders) + len(order_records))
                order_records.append(order)
                customer_of_order.append(index)
            if case.agreement:
                started, terminated = case.agreement
                agreement_records.append({
                    "customer": index, "started": day_number(started),
                    "terminated": day_number(terminated) if terminated else -1})
            if case.hold:
                opened, closed = case.hold
                hold_records.append({"customer": index, "reason": 1,
                                     "opened": day_number(opened),
                                     "closed": day_number(closed) if closed else -1})
            self.customer_cases.append((case, index, order_indices))

        ordered = np.array([order["ordered"] for order in order_records], dtype=np.int64)
        special_orders = planner.order_columns(rng, customers, np.array(customer_of_order),
                                               ordered)
        for key in ("service", "promised", "delivered", "cancelled", "method", "plan",
                    "first_payment"):
            special_orders[key] = np.array([order[key] for order in order_records],
                                           dtype=special_orders[key].dtype)
        special_orders["special"][:] = True
        orders = concat(self.orders, special_orders)
        agreements = concat(self.agreements, from_records(agreement_records, self.agreements))
        self.holds = {key: np.array([record[key] for record in hold_records], dtype=np.int64)
                      for key in ("customer", "reason", "opened", "closed")}

        # Leads never converted, obtained on the 12-month edge and the day before it.
        edge12 = first_day_inside(planner.clock.as_of, 12)
        lead_records = []
        for name, day, expected in (("lead_obtained_exactly_12_months", edge12, "inside"),
                                    ("lead_obtained_12_months_plus_1_day",
                                     edge12 - timedelta(days=1), "outside")):
            self.lead_cases.append((name, expected, length(self.leads) + len(lead_records)))
            lead_records.append({"obtained": us_of(day, 10), "source": 1,
                                 "first": int(rng.integers(0, 50)),
                                 "last": int(rng.integers(0, 50)), "customer": -1,
                                 "has_email": True, "has_phone": True, "has_company": False,
                                 "company_word": 0, "email_domain": 0, "place": 0,
                                 "special": True})
        leads = concat(self.leads, from_records(lead_records, self.leads))
        return customers, leads, orders, agreements

    def sessions(self, planner: Draws) -> Frame:
        """Two anonymous one-page sessions on the 12-month edge and the day before it."""
        rng = planner.rng("boundary_sessions")
        edge12 = first_day_inside(planner.clock.as_of, 12)
        days = [edge12, edge12 - timedelta(days=1)]
        visitors = np.array([planner.visitor_count, planner.visitor_count + 1])
        frame = planner.session_columns(rng, visitors, np.array([us_of(day, 12) for day in days]))
        frame.update(pages=np.ones(2, dtype=np.int64), referrer=np.full(2, -1),
                     campaign=np.full(2, -1), partner=np.zeros(2, dtype=bool),
                     special=np.ones(2, dtype=bool), customer=np.full(2, -1, dtype=np.int64),
                     logged_in=np.zeros(2, dtype=bool))
        self.page_view_cases = [("anonymous_page_view_exactly_12_months", "inside"),
                                ("anonymous_page_view_12_months_plus_1_day", "outside")]
        return frame

    # ------------------------------------------------------------------ resolve to ids

    def resolve(self, plan: Plan, fully_paid: np.ndarray, ended: np.ndarray) -> list[dict]:
        """The planted cases as rows of `_boundary_cases.csv`, each verdict checked again."""
        as_of = plan.clock.as_of
        fmt = {name: table.id_format for name, table in TABLES_BY_NAME.items()}
        rows = []

        def add(case: str, table: str, record_id: str, subject_id: str, intended: str,
                computed: str) -> None:
            if intended != computed:
                raise AssertionError(f"boundary case {case}: planned {intended}, the data gives "
                                     f"{computed}")
            rows.append({"case": case, "source_table": table, "record_id": record_id,
                         "subject_id": subject_id, "expected": intended})

        holds = plan.holds
        for case, index, order_indices in self.customer_cases:
            customer_id = fmt["booking.customers"] % plan.numbers["customers"][index]
            if ended[index] >= OPEN:
                computed = "inside"
            else:
                retention = add_months(date_of_us(ended[index]), 36)
                for hold in np.flatnonzero(holds["customer"] == index):
                    closed = holds["closed"][hold]
                    if closed < 0 or closed > plan.clock.as_of_day:
                        retention = date.max
                    else:
                        retention = max(retention, date_of_day(closed))
                computed = "inside" if as_of <= retention else "outside"
            add(case.case, "booking.customers", customer_id, customer_id, case.expected, computed)
            if case.invoice_case:
                line = np.flatnonzero(plan.invoice_lines["order"] == order_indices[0])[0]
                invoice = plan.invoice_lines["invoice"][line]
                invoice_day = date_of_day(plan.invoices["invoice_day"][invoice])
                kept_until = date(invoice_day.year + 7, 12, 31)
                add(case.invoice_case, "booking.invoices",
                    fmt["booking.invoices"] % plan.numbers["invoices"][invoice], customer_id,
                    case.invoice_expected, "inside" if as_of <= kept_until else "outside")

        for case, expected, index in self.lead_cases:
            lead_id = fmt["crm.leads"] % plan.numbers["leads"][index]
            obtained = date_of_us(plan.leads["obtained"][index])
            computed = "inside" if as_of <= add_months(obtained, 12) else "outside"
            add(case, "crm.leads", lead_id, lead_id, expected, computed)

        sessions = plan.sessions
        planted = np.flatnonzero(sessions["special"])
        for (case, expected), session in zip(self.page_view_cases, planted, strict=True):
            event_id = fmt["web.page_views"] % sessions["first_event"][session]
            viewed = date_of_us(sessions["start"][session])
            computed = "inside" if as_of <= add_months(viewed, 12) else "outside"
            add(case, "web.page_views", event_id,
                visitor_id(plan.seed, int(sessions["visitor"][session])), expected, computed)
        return rows
