"""Plan the good landing zone with NumPy: who exists, what they did, and when.

The plan holds numbers only (indices into word lists, microsecond timestamps, amounts in öre);
`render.py` turns it into the contract's text columns with DuckDB. Every entity is planned with
an index, references between tables are indices, and `finalize()` sorts each table by its own
time and numbers it, so ids grow with time the way a source system's sequences do.

Lifecycles follow the register (shared/policy/register.md): orders close when delivered and fully
paid (the later of the two) or when cancelled, agreements when terminated, and a customer's
relationship ends on the latest of those. Some relationships ended long ago, some recently, some
are open; the planned boundary cases (`boundary.py`) sit exactly on the windows' edges.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from . import identity
from . import vocabulary as vocab
from .frames import Frame, concat, length, take, uniform_between
from .timeutil import (
    DAY,
    HOUR,
    MINUTE,
    OPEN,
    SECOND,
    Clock,
    add_months,
    day_number,
    first_day_inside,
    month_end_days,
)

# Payment plans of an order: how (and whether) it gets paid.
FULL, UNPAID, PARTIAL, INSTALMENTS, DOUBLE_CHARGE, CANCEL_REFUND, NO_PAYMENT = range(7)
CARD, INVOICE, SWISH = range(3)  # index into contract.METHODS
SAME_DAY, EXPRESS, NEXT_DAY, AIRPORT = range(4)  # index into contract.SERVICES
CUSTOMER, LEAD = 0, 1  # subject types

PLACE_COUNTRY = np.array([place[0] for place in vocab.PLACES])
PLACE_LOW = np.array([place[2] for place in vocab.PLACES], dtype=np.int64)
PLACE_HIGH = np.array([place[3] for place in vocab.PLACES], dtype=np.int64)
PLACE_WEIGHT = np.array([place[4] for place in vocab.PLACES], dtype=np.float64)
COUNTRIES = ["SE", *vocab.FOREIGN_COUNTRIES]


@dataclass(frozen=True)
class Sizes:
    """Row targets: scale 1 is 20,000 customers, 200,000 orders, 2,000,000 page views."""

    customers: int
    leads: int
    orders: int
    page_views: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        return cls(customers=max(40, round(20_000 * scale)), leads=max(20, round(10_000 * scale)),
                   orders=max(200, round(200_000 * scale)),
                   page_views=max(1_000, round(2_000_000 * scale)))


@dataclass
class Plan:
    """Every good table as a frame of numbers, plus what the renderer and tests need to know."""

    seed: int
    clock: Clock
    customers: Frame = field(default_factory=dict)
    leads: Frame = field(default_factory=dict)
    agreements: Frame = field(default_factory=dict)
    orders: Frame = field(default_factory=dict)
    payments: Frame = field(default_factory=dict)
    invoices: Frame = field(default_factory=dict)
    invoice_lines: Frame = field(default_factory=dict)
    sessions: Frame = field(default_factory=dict)
    forms: Frame = field(default_factory=dict)
    activities: Frame = field(default_factory=dict)
    surveys: Frame = field(default_factory=dict)
    consents: Frame = field(default_factory=dict)
    objections: Frame = field(default_factory=dict)
    holds: Frame = field(default_factory=dict)
    # Hand-planted rows: list of dicts filled in by boundary.py, resolved to ids after finalize.
    boundary: list[dict] = field(default_factory=list)
    # Numbers (1-based ids) of entity indices, filled in by finalize().
    numbers: dict[str, np.ndarray] = field(default_factory=dict)
    # Row indices whose text is replaced by hostile-but-valid text (render.py applies it).
    hostile: dict[str, np.ndarray] = field(default_factory=dict)


class Planner:
    """Plans one landing zone. Each table draws from its own random stream, so adding a column
    to one table does not reshuffle the others."""

    def __init__(self, seed: int, scale: float, as_of: date):
        self.seed = seed
        self.scale = scale
        self.clock = Clock(as_of)
        self.sizes = Sizes.for_scale(scale)

    def rng(self, stream: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode())])

    # ---------------------------------------------------------------- shared draws

    def growth_times(self, rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
        """Instants in [low, high], denser towards `high`: the company grew over the decade."""
        return low + ((high - low) * rng.random(n) ** 0.7).astype(np.int64)

    @staticmethod
    def daytime(rng: np.random.Generator, instants: np.ndarray, first_hour: int = 6,
                last_hour: int = 20) -> np.ndarray:
        """Move each instant to a whole second within working hours of its own (UTC) day."""
        days = instants // DAY
        seconds = rng.integers(first_hour * 3600, last_hour * 3600, instants.size)
        return days * DAY + seconds * SECOND

    @staticmethod
    def places(rng: np.random.Generator, country: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A place (index into vocab.PLACES) of each row's country, weighted, and a postal code."""
        place = np.empty(country.size, dtype=np.int64)
        for code_index, code in enumerate(COUNTRIES):
            rows = np.flatnonzero(country == code_index)
            candidates = np.flatnonzero(PLACE_COUNTRY == code)
            weights = PLACE_WEIGHT[candidates] / PLACE_WEIGHT[candidates].sum()
            place[rows] = rng.choice(candidates, rows.size, p=weights)
        postal = uniform_between(rng, PLACE_LOW[place], PLACE_HIGH[place], place.size)
        return place, postal

    def people(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        return (rng.integers(0, len(vocab.FIRST_NAMES), n),
                rng.integers(0, len(vocab.LAST_NAMES), n))

    # ---------------------------------------------------------------- customers

    def customer_attributes(self, rng: np.random.Generator, business: np.ndarray,
                            created: np.ndarray) -> Frame:
        """Everything about a customer except lifecycle; identity numbers come in finalize()."""
        n = business.size
        sole = business & (rng.random(n) < 0.10)
        country = np.where(rng.random(n) < 0.02, rng.integers(1, len(COUNTRIES), n), 0)
        place, postal = self.places(rng, country)
        first, last = self.people(rng, n)
        return {
            "business": business,
            "sole_trader": sole,
            "legal_form": np.where(business & ~sole, rng.choice(3, n, p=[0.8, 0.12, 0.08]), -1),
            "first": first,
            "last": last,
            "company_word": rng.integers(0, 1000, n),
            "company_style": rng.integers(0, 4, n),
            "country": country,
            "place": place,
            "postal": postal,
            "street": rng.integers(0, 1000, n),
            "street_number": rng.integers(1, 140, n),
            "street_letter": rng.choice(3, n, p=[0.85, 0.1, 0.05]),
            "flat": np.where(~business & (rng.random(n) < 0.4), rng.integers(1001, 1805, n), 0),
            "has_email": rng.random(n) < 0.95,
            "has_phone": rng.random(n) < 0.9,
            "has_street": rng.random(n) < 0.96,
            "has_username": rng.random(n) < 0.6,
            "email_domain": rng.integers(0, len(vocab.PRIVATE_EMAIL_DOMAINS), n),
            "email_style": rng.integers(0, 3, n),
            "created": created.astype(np.int64),
            "active_until": created.astype(np.int64),
            "wants_orders": np.zeros(n, dtype=bool),
            "lead": np.full(n, -1, dtype=np.int64),
            "visitor": np.full(n, -1, dtype=np.int64),
            "special": np.zeros(n, dtype=bool),
        }

    def plan_customers(self) -> Frame:
        rng = self.rng("customers")
        clock, n = self.clock, self.sizes.customers
        business = rng.random(n) < 0.30
        created = self.daytime(rng, self.growth_times(rng, n, clock.t_start,
                                                      clock.t_end - 3 * DAY))
        customers = self.customer_attributes(rng, business, created)
        # Lifecycle: 45 % still active on as_of; the others stopped ordering after a while.
        lifetime = (rng.exponential(3.0, n) * 365 * DAY).astype(np.int64) + 20 * DAY
        still_active = rng.random(n) < 0.45
        customers["active_until"] = np.where(still_active, clock.t_end - 3 * HOUR,
                                             np.minimum(created + lifetime,
                                                        clock.t_end - 3 * HOUR))
        customers["wants_orders"] = rng.random(n) >= 0.06  # ~6 % never order anything
        return customers

    # ---------------------------------------------------------------- leads

    def plan_leads(self, customers: Frame) -> Frame:
        """Leads: ~30 % converted into a customer (created after the lead was obtained)."""
        rng = self.rng("leads")
        clock = self.clock
        n_customers = length(customers)
        n_converted = min(round(0.3 * self.sizes.leads), n_customers // 3)
        converted = np.sort(rng.choice(n_customers, n_converted, replace=False))
        delay = uniform_between(rng, 1 * DAY, 180 * DAY, n_converted)
        created = customers["created"][converted]
        obtained = np.maximum(clock.t_start + HOUR, created - delay)
        obtained = np.minimum(self.daytime(rng, obtained, 7, 18), created - MINUTE)
        n_open = max(0, self.sizes.leads - n_converted)
        open_obtained = self.daytime(rng, self.growth_times(rng, n_open, clock.t_start,
                                                            clock.t_end - DAY), 7, 18)
        n = n_converted + n_open
        customer = np.concatenate([converted, np.full(n_open, -1)])
        first, last = self.people(rng, n)
        # A converted lead is the customer's person: the same name indices.
        first[:n_converted] = customers["first"][converted]
        last[:n_converted] = customers["last"][converted]
        leads = {
            "obtained": np.concatenate([obtained, open_obtained]).astype(np.int64),
            "source": rng.choice(4, n, p=[0.35, 0.2, 0.2, 0.25]),
            "first": first,
            "last": last,
            "customer": customer.astype(np.int64),
            "has_email": rng.random(n) < 0.85,
            "has_phone": rng.random(n) < 0.6,
            "has_company": rng.random(n) < 0.5,
            "company_word": rng.integers(0, 1000, n),
            "email_domain": rng.integers(0, len(vocab.PRIVATE_EMAIL_DOMAINS), n),
            "place": self.places(rng, np.zeros(n, dtype=np.int64))[0],
            "special": np.zeros(n, dtype=bool),
        }
        customers["lead"][converted] = np.arange(n_converted)
        return leads

    # ---------------------------------------------------------------- orders

    def order_columns(self, rng: np.random.Generator, customers: Frame, customer: np.ndarray,
                      ordered: np.ndarray) -> Frame:
        """Service, addresses, parcel and price of orders booked at `ordered`; no lifecycle."""
        n = customer.size
        service = rng.choice(4, n, p=[0.3, 0.3, 0.35, 0.05])
        home_place = customers["place"][customer]
        home_is_swedish = customers["country"][customer] == 0
        pickup_home = home_is_swedish & (rng.random(n) < 0.85)
        pickup_place, pickup_postal = self.places(rng, np.zeros(n, dtype=np.int64))
        pickup_place = np.where(pickup_home, home_place, pickup_place)
        pickup_postal = np.where(pickup_home, customers["postal"][customer], pickup_postal)
        delivery_country = np.where(rng.random(n) < 0.04, rng.integers(1, len(COUNTRIES), n), 0)
        delivery_place, delivery_postal = self.places(rng, delivery_country)
        weight = np.exp(rng.normal(np.log(2.5), 1.1, n)).clip(0.1, 500.0)
        weight = np.where(service == AIRPORT, weight * 5, weight)
        base = np.array([349.0, 249.0, 139.0, 1190.0])[service]
        per_kg = np.array([9.0, 6.0, 3.0, 14.0])[service]
        price = (base + per_kg * weight) * rng.uniform(0.9, 1.2, n)
        rfirst, rlast = self.people(rng, n)
        has_recipient = rng.random(n) < 0.85
        business = customers["business"][customer]
        method = np.where(business, rng.choice(3, n, p=[0.2, 0.7, 0.1]),
                          rng.choice(3, n, p=[0.6, 0.05, 0.35]))
        promise = np.select(
            [service == SAME_DAY, service == EXPRESS, service == NEXT_DAY],
            [ordered + uniform_between(rng, 3 * HOUR, 8 * HOUR, n),
             ordered + uniform_between(rng, 90 * MINUTE, 4 * HOUR, n),
             (ordered // DAY + 1) * DAY + 12 * HOUR],
            ordered + uniform_between(rng, 20 * HOUR, 48 * HOUR, n))
        promise = np.minimum(promise // SECOND * SECOND, self.clock.t_end)
        return {
            "customer": customer.astype(np.int64),
            "ordered": ordered.astype(np.int64),
            "service": service,
            "pickup_place": pickup_place,
            "pickup_postal": pickup_postal,
            "delivery_country": delivery_country,
            "delivery_place": delivery_place,
            "delivery_postal": delivery_postal,
            "recipient_first": np.where(has_recipient, rfirst, -1),
            "recipient_last": rlast,
            "has_recipient_phone": has_recipient & (rng.random(n) < 0.75),
            "weight_cg": np.maximum(10, np.round(weight * 100)).astype(np.int64),
            "price_ore": np.round(price * 100).astype(np.int64),
            "promised": promise.astype(np.int64),
            "delivered": np.full(n, -1, dtype=np.int64),
            "cancelled": np.full(n, -1, dtype=np.int64),
            "method": method,
            "plan": np.full(n, FULL),
            "first_payment": np.full(n, -1, dtype=np.int64),
            "special": np.zeros(n, dtype=bool),
        }

    def plan_orders(self, customers: Frame) -> Frame:
        rng = self.rng("orders")
        clock = self.clock
        created, until = customers["created"], customers["active_until"]
        years = (until - created) / (365 * DAY) + 0.1
        rate = np.where(customers["business"], rng.gamma(1.5, 3.5, years.size),
                        rng.gamma(1.0, 1.0, years.size))
        weight = np.where(customers["wants_orders"] & ~customers["special"], rate * years, 0.0)
        counts = rng.multinomial(self.sizes.orders, weight / weight.sum())
        customer = np.repeat(np.arange(counts.size), counts)
        n = customer.size
        ordered = created[customer] + (rng.random(n) * (until - created)[customer]).astype(np.int64)
        ordered = self.daytime(rng, ordered)
        ordered = np.clip(ordered, created[customer] + MINUTE, clock.t_end - 3 * HOUR)
        # A few orders of still-active customers were booked in the last two days and are
        # not delivered yet: open orders keep their relationships open.
        active = np.flatnonzero(until[customer] >= clock.t_end - 3 * HOUR)
        recent = rng.choice(active, min(active.size, max(3, round(0.003 * n))), replace=False)
        ordered[recent] = np.maximum(clock.t_end - uniform_between(rng, 3 * HOUR, 48 * HOUR,
                                                                   recent.size),
                                     created[customer[recent]] + MINUTE) // SECOND * SECOND
        orders = self.order_columns(rng, customers, customer, ordered)
        open_now = np.zeros(n, dtype=bool)
        open_now[recent] = True
        self.plan_order_lifecycle(rng, orders, open_now)
        return orders

    def plan_order_lifecycle(self, rng: np.random.Generator, orders: Frame,
                             open_now: np.ndarray | None = None) -> None:
        """Delivered (sometimes late), cancelled or still open; and how each will be paid.

        `open_now` marks orders that are on their way on as_of (not delivered, not cancelled).
        """
        n = length(orders)
        t_end = self.clock.t_end
        ordered, promised = orders["ordered"], orders["promised"]
        on_time = ordered + ((promised - ordered) * rng.uniform(0.4, 1.0, n)).astype(np.int64)
        late = promised + uniform_between(rng, 10 * MINUTE, 20 * HOUR, n)
        delivered = np.where(rng.random(n) < 0.08, late, on_time) // SECOND * SECOND
        cancelled_mask = rng.random(n) < 0.04
        if open_now is not None:
            cancelled_mask &= ~open_now
            delivered = np.where(open_now, -1, delivered)
        delivered = np.where(cancelled_mask | (delivered > t_end), -1, delivered)
        cancelled = np.where(cancelled_mask,
                             ordered + uniform_between(rng, 5 * MINUTE, 2 * HOUR, n) // SECOND
                             * SECOND, -1)
        method = orders["method"]
        plan = np.full(n, FULL)
        draw = rng.random(n)
        is_delivered = delivered >= 0
        plan[is_delivered & (draw < 0.015)] = UNPAID
        plan[is_delivered & (draw >= 0.015) & (draw < 0.025)] = PARTIAL
        plan[is_delivered & (draw >= 0.025) & (draw < 0.045)] = INSTALMENTS
        plan[is_delivered & (draw >= 0.045) & (draw < 0.055) & (method == CARD)] = DOUBLE_CHARGE
        paid_then_cancelled = cancelled_mask & (method != INVOICE) & (rng.random(n) < 0.3)
        plan[cancelled_mask] = np.where(paid_then_cancelled[cancelled_mask], CANCEL_REFUND,
                                        NO_PAYMENT)
        # Open orders: card and Swish were paid at booking, invoices are not sent yet.
        plan[~is_delivered & ~cancelled_mask & (method == INVOICE)] = NO_PAYMENT
        orders["delivered"] = delivered.astype(np.int64)
        orders["cancelled"] = cancelled.astype(np.int64)
        orders["plan"] = plan

    # ---------------------------------------------------------------- agreements

    def plan_agreements(self, customers: Frame) -> Frame:
        """Framework agreements for ~40 % of business customers: active, terminated, renewed."""
        rng = self.rng("agreements")
        clock = self.clock
        candidates = np.flatnonzero(customers["business"] & ~customers["special"]
                                    & customers["wants_orders"])
        chosen = candidates[rng.random(candidates.size) < 0.4]
        n = chosen.size
        started = customers["created"][chosen] // DAY + rng.integers(0, 60, n)
        started = np.minimum(started, clock.as_of_day)
        until_day = customers["active_until"][chosen] // DAY
        still_active = customers["active_until"][chosen] >= clock.t_end - 3 * HOUR
        terminated = np.where(still_active, -1, until_day + rng.integers(0, 30, n))
        # An agreement runs at least a month; one that would end after as_of is still active.
        terminated = np.where(terminated >= 0,
                              np.maximum(terminated, started + rng.integers(30, 365, n)), -1)
        terminated = np.where(terminated > clock.as_of_day, -1, terminated)
        # A third of the still-active ones renewed: a terminated agreement, then a new one.
        renewed = still_active & (rng.random(n) < 0.33) & (clock.as_of_day - started > 400)
        renewal_day = started + ((clock.as_of_day - started) * rng.uniform(0.3, 0.9, n)).astype(
            np.int64)
        first = {"customer": chosen.astype(np.int64), "started": started.astype(np.int64),
                 "terminated": np.where(renewed, renewal_day, terminated).astype(np.int64)}
        second = take({"customer": chosen.astype(np.int64),
                       "started": (renewal_day + 1).astype(np.int64),
                       "terminated": np.full(n, -1, dtype=np.int64)}, np.flatnonzero(renewed))
        return concat(first, second)

    # ---------------------------------------------------------------- payments and invoices

    def plan_payments_and_invoices(self, customers: Frame, orders: Frame) -> tuple[Frame, ...]:
        """Payments of each order by its plan, monthly invoices for business, and when each order
        became fully paid (OPEN when it never did)."""
        rng = self.rng("payments")
        clock = self.clock
        n = length(orders)
        method, plan = orders["method"], orders["plan"]
        delivered, price = orders["delivered"], orders["price_ore"]
        business = customers["business"][orders["customer"]]

        # Invoice-paid orders are invoiced once delivered: business customers monthly (on the
        # month's last day), private customers on the day of delivery.
        delivered_day = np.where(delivered >= 0, delivered // DAY, -1)
        invoice_day = np.where(business, month_end_days(np.maximum(delivered_day, 0)),
                               delivered_day)
        invoiced = (method == INVOICE) & (delivered >= 0) & (invoice_day <= clock.as_of_day)
        invoice_day = np.where(invoiced, invoice_day, -1)

        at_booking = orders["ordered"] + uniform_between(rng, 10 * SECOND, 10 * MINUTE, n)
        after_invoice = self.daytime(rng, (invoice_day + rng.integers(3, 46, n)) * DAY, 7, 17)
        first = np.where(method == INVOICE, np.where(invoiced, after_invoice, -1), at_booking)
        first = np.where(orders["first_payment"] >= 0, orders["first_payment"], first)
        first = first // SECOND * SECOND

        part = np.round(price * rng.uniform(0.3, 0.8, n)).astype(np.int64)
        half = price // 2
        second_instalment = first + self.daytime(rng, uniform_between(rng, 14, 40, n) * DAY)
        refund_time = np.maximum(first, orders["cancelled"]) + uniform_between(
            rng, 1 * DAY, 3 * DAY, n)
        double_time = first + uniform_between(rng, 30 * SECOND, 120 * SECOND, n)
        double_refund = first + uniform_between(rng, 1 * DAY, 5 * DAY, n)
        double_ok = double_refund <= clock.t_end

        pieces = []

        def add(mask: np.ndarray, paid: np.ndarray, amount: np.ndarray) -> None:
            mask = mask & (first >= 0) & (paid <= clock.t_end)
            index = np.flatnonzero(mask)
            pieces.append({"order": index.astype(np.int64),
                           "paid": (paid[index] // SECOND * SECOND).astype(np.int64),
                           "amount_ore": amount[index].astype(np.int64),
                           "method": method[index]})

        add(plan == FULL, first, price)
        add(plan == PARTIAL, first, part)
        add(plan == INSTALMENTS, first, half)
        add(plan == INSTALMENTS, second_instalment, price - half)
        add(plan == DOUBLE_CHARGE, first, price)
        add((plan == DOUBLE_CHARGE) & double_ok, double_time, price)
        add((plan == DOUBLE_CHARGE) & double_ok, double_refund, -price)
        add(plan == CANCEL_REFUND, first, price)
        add(plan == CANCEL_REFUND, refund_time, -price)
        payments = concat(*pieces)

        fully_paid = np.full(n, OPEN, dtype=np.int64)
        valid_first = (first >= 0) & (first <= clock.t_end)
        reached_in_full = ((plan == FULL) | (plan == DOUBLE_CHARGE)) & valid_first
        fully_paid[reached_in_full] = first[reached_in_full]
        by_instalments = (plan == INSTALMENTS) & valid_first & (second_instalment <= clock.t_end)
        fully_paid[by_instalments] = second_instalment[by_instalments] // SECOND * SECOND

        # Invoices: one per (customer, invoice day) for business, one per order for private.
        lines = np.flatnonzero(invoice_day >= 0)
        line_customer = orders["customer"][lines]
        key = np.where(business[lines], line_customer,
                       length(customers) + lines) * 100_000 + invoice_day[lines]
        keys, invoice_of_line = np.unique(key, return_inverse=True)
        invoice_customer = np.zeros(keys.size, dtype=np.int64)
        invoice_customer[invoice_of_line] = line_customer
        invoice_date = np.zeros(keys.size, dtype=np.int64)
        invoice_date[invoice_of_line] = invoice_day[lines]
        invoices = {
            "customer": invoice_customer,
            "invoice_day": invoice_date,
            "total_ore": np.bincount(invoice_of_line, weights=price[lines],
                                     minlength=keys.size).astype(np.int64),
        }
        invoice_lines = {"invoice": invoice_of_line.astype(np.int64),
                         "order": lines.astype(np.int64),
                         "amount_ore": price[lines].astype(np.int64)}
        return payments, invoices, invoice_lines, fully_paid

    # ---------------------------------------------------------------- relationships

    def relationship_end(self, customers: Frame, orders: Frame, agreements: Frame,
                         fully_paid: np.ndarray) -> np.ndarray:
        """When each customer's relationship ended (decision 1 of the register), OPEN if open.

        An order closes when cancelled, or when delivered and fully paid (the later of the
        two); an agreement when terminated; no orders and no agreements: the account's creation.
        """
        delivered, cancelled = orders["delivered"], orders["cancelled"]
        closed = np.where(cancelled >= 0, cancelled,
                          np.where((delivered >= 0) & (fully_paid < OPEN),
                                   np.maximum(delivered, fully_paid), OPEN))
        end = np.full(length(customers), -1, dtype=np.int64)
        np.maximum.at(end, orders["customer"], closed)
        terminated = np.where(agreements["terminated"] >= 0, agreements["terminated"] * DAY, OPEN)
        np.maximum.at(end, agreements["customer"], terminated)
        return np.where(end < 0, customers["created"], end)

    # ---------------------------------------------------------------- legal holds

    def plan_holds(self, customers: Frame, orders: Frame, ended: np.ndarray) -> Frame:
        """Holds on ~0.5 % of customers; half of them on relationships that ended long ago."""
        rng = self.rng("legal_holds")
        clock = self.clock
        n = max(4, round(0.005 * self.sizes.customers))
        has_orders = np.zeros(length(customers), dtype=bool)
        has_orders[orders["customer"]] = True
        regular = has_orders & ~customers["special"]
        out_of_window = day_number(first_day_inside(clock.as_of, 36)) - 30
        long_ago = np.flatnonzero(regular & (ended < OPEN) & (ended // DAY < out_of_window))
        others = np.flatnonzero(regular & ~np.isin(np.arange(regular.size), long_ago))
        n_long_ago = min(long_ago.size, n // 2)
        chosen_long_ago = rng.choice(long_ago, n_long_ago, replace=False)
        chosen_other = rng.choice(others, min(others.size, n - n_long_ago), replace=False)
        # Long-ago ones: a dispute raised within the window and still (mostly) open.
        opened_long_ago = ended[chosen_long_ago] // DAY + rng.integers(30, 700, n_long_ago)
        first_order = np.full(length(customers), OPEN, dtype=np.int64)
        np.minimum.at(first_order, orders["customer"], orders["ordered"])
        opened_other = first_order[chosen_other] // DAY + rng.integers(1, 400, chosen_other.size)
        customer = np.concatenate([chosen_long_ago, chosen_other]).astype(np.int64)
        opened = np.concatenate([opened_long_ago, opened_other])
        # A hold that would open after as_of opened in the last weeks instead (not before the
        # customer's first order).
        recent = np.maximum(clock.as_of_day - rng.integers(0, 60, customer.size),
                            first_order[customer] // DAY)
        opened = np.minimum(np.where(opened > clock.as_of_day, recent, opened), clock.as_of_day)
        closes = np.concatenate([rng.random(n_long_ago) < 0.3,
                                 rng.random(chosen_other.size) < 0.5])
        closed = opened + rng.integers(30, 500, customer.size)
        closed = np.where(closes & (closed <= clock.as_of_day), closed, -1)
        return {"customer": customer, "reason": rng.integers(0, 3, customer.size),
                "opened": opened.astype(np.int64), "closed": closed.astype(np.int64)}

    # ---------------------------------------------------------------- web

    def plan_sessions(self, customers: Frame) -> Frame:
        """Web sessions; each expands into 1-15 page views in render.py.

        Customers browse from one or two devices (visitor ids), logged in on some sessions;
        most traffic is anonymous visitors.
        """
        rng = self.rng("sessions")
        clock = self.clock
        regular = np.flatnonzero(~customers["special"])
        with_device = regular[rng.random(regular.size) < 0.8]
        devices = np.concatenate([with_device, with_device[rng.random(with_device.size) < 0.25]])
        devices.sort(kind="stable")
        n_devices = devices.size
        # A customer's first device is the one forms and newsletters know them by.
        owners, first_device = np.unique(devices, return_index=True)
        customers["visitor"][owners] = first_device
        sessions_per_device = 1 + rng.poisson(2.0, n_devices)
        owner = np.repeat(devices, sessions_per_device)
        visitor = np.repeat(np.arange(n_devices), sessions_per_device)
        low = np.maximum(customers["created"][owner] - 30 * DAY, clock.t_start)
        high = np.minimum(customers["active_until"][owner] + 180 * DAY, clock.t_end - 2 * HOUR)
        start = low + (rng.random(owner.size) * (high - low)).astype(np.int64)
        start = np.clip(self.daytime(rng, start, 5, 22), low, high)
        logged_in = (customers["has_username"][owner] & (start >= customers["created"][owner])
                     & (rng.random(owner.size) < 0.6))
        known = self.session_columns(rng, visitor, start)
        known["customer"] = owner.astype(np.int64)
        known["logged_in"] = logged_in

        expected_pages = 3.5
        n_anonymous = max(1, round((self.sizes.page_views - owner.size * expected_pages)
                                   / expected_pages))
        n_visitors = max(1, n_anonymous // 2)
        anonymous_visitor = n_devices + rng.integers(0, n_visitors, n_anonymous)
        anonymous_start = self.daytime(rng, self.growth_times(
            rng, n_anonymous, clock.t_start, clock.t_end - 2 * HOUR), 0, 22)
        anonymous = self.session_columns(rng, anonymous_visitor, anonymous_start)
        anonymous["customer"] = np.full(n_anonymous, -1, dtype=np.int64)
        anonymous["logged_in"] = np.zeros(n_anonymous, dtype=bool)
        self.visitor_count = n_devices + n_visitors
        return concat(known, anonymous)

    def session_columns(self, rng: np.random.Generator, visitor: np.ndarray,
                        start: np.ndarray) -> Frame:
        n = visitor.size
        return {
            "visitor": visitor.astype(np.int64),
            "start": (start // SECOND * SECOND).astype(np.int64),
            "pages": np.minimum(1 + rng.poisson(2.5, n), 15),
            "pace_s": rng.integers(40, 300, n),
            "ipv6": rng.random(n) < 0.2,
            "home_ip": rng.random(n) < 0.7,
            "user_agent": np.where(rng.random(n) < 0.03, -1,
                                   rng.integers(0, len(vocab.USER_AGENTS), n)),
            "partner": rng.random(n) < 0.15,
            "referrer": np.where(rng.random(n) < 0.4, -1,
                                 rng.integers(0, len(vocab.REFERRERS), n)),
            "campaign": np.where(rng.random(n) < 0.1, rng.integers(0, len(vocab.CAMPAIGNS), n),
                                 -1),
            "special": np.zeros(n, dtype=bool),
        }

    def plan_forms(self, customers: Frame, leads: Frame, activities: Frame) -> Frame:
        """Form submissions: web-form leads, customers, meeting follow-ups, anonymous visitors."""
        rng = self.rng("form_submissions")
        clock = self.clock
        pieces = []

        def piece(submitted, form, visitor, lead, customer, anonymous_person=False):
            k = submitted.size
            first, last = self.people(rng, k)
            pieces.append({
                "submitted": (submitted // SECOND * SECOND).astype(np.int64),
                "form": np.asarray(form, dtype=np.int64) * np.ones(k, dtype=np.int64),
                "visitor": visitor.astype(np.int64), "lead": lead.astype(np.int64),
                "customer": customer.astype(np.int64),
                "first": first, "last": last,
                "anonymous_person": np.full(k, anonymous_person),
                "has_name": rng.random(k) < 0.9, "has_phone": rng.random(k) < 0.5,
                "message": rng.integers(0, 1000, k),
                "has_message": rng.random(k) < 0.85,
                "city": rng.integers(0, len(vocab.PLACES), k),
                "special": np.zeros(k, dtype=bool)})

        # The web-form leads were obtained through a contact or quote form.
        web = np.flatnonzero((leads["source"] == 0) & ~leads["special"])
        piece(leads["obtained"][web], rng.choice([0, 1], web.size),
              np.full(web.size, -1), web, np.full(web.size, -1))
        # Customers ask, request quotes and subscribe to the newsletter.
        regular = np.flatnonzero(~customers["special"])
        asking = regular[rng.random(regular.size) < 0.25]
        low = customers["created"][asking]
        high = np.minimum(customers["active_until"][asking] + 90 * DAY, clock.t_end - HOUR)
        when = self.daytime(rng, low + (rng.random(asking.size) * (high - low)).astype(np.int64))
        when = np.clip(when, low + MINUTE, clock.t_end - HOUR)
        piece(when, rng.choice(3, asking.size, p=[0.45, 0.35, 0.2]),
              customers["visitor"][asking], np.full(asking.size, -1), asking)
        # Post-meeting surveys follow 40 % of the meetings.
        meetings = np.flatnonzero((activities["kind"] == 1) & (rng.random(length(activities))
                                                                < 0.4))
        after = activities["occurred"][meetings] + uniform_between(rng, HOUR, 3 * DAY,
                                                                    meetings.size)
        meetings, after = meetings[after <= clock.t_end], after[after <= clock.t_end]
        is_lead = activities["subject_type"][meetings] == LEAD
        subject = activities["subject"][meetings]
        piece(after, 3, np.full(meetings.size, -1), np.where(is_lead, subject, -1),
              np.where(is_lead, -1, subject))
        # Anonymous visitors: newsletters and questions, with whatever they typed in.
        n_anonymous = round(0.4 * self.sizes.leads)
        visitor = rng.integers(0, self.visitor_count, n_anonymous)
        when = self.daytime(rng, self.growth_times(rng, n_anonymous, clock.t_start,
                                                   clock.t_end - HOUR), 6, 22)
        piece(when, rng.choice([0, 1, 2], n_anonymous, p=[0.4, 0.2, 0.4]), visitor,
              np.full(n_anonymous, -1), np.full(n_anonymous, -1), anonymous_person=True)
        return concat(*pieces)

    # ---------------------------------------------------------------- CRM

    def plan_activities(self, customers: Frame, leads: Frame) -> Frame:
        rng = self.rng("activities")
        clock = self.clock
        regular_leads = np.flatnonzero(~leads["special"])
        chosen_leads = regular_leads[rng.random(regular_leads.size) < 0.5]
        lead_counts = 1 + rng.poisson(1.5, chosen_leads.size)
        lead = np.repeat(chosen_leads, lead_counts)
        lead_low = leads["obtained"][lead]
        lead_when = lead_low + uniform_between(rng, HOUR, 120 * DAY, lead.size)
        regular = np.flatnonzero(~customers["special"])
        business = customers["business"][regular]
        picked = rng.random(regular.size) < np.where(business, 0.5, 0.04)
        chosen = regular[picked]
        counts = np.where(customers["business"][chosen], 1 + rng.poisson(5.0, chosen.size),
                          1 + rng.poisson(0.5, chosen.size))
        customer = np.repeat(chosen, counts)
        low = customers["created"][customer]
        high = np.minimum(customers["active_until"][customer] + 60 * DAY, clock.t_end - HOUR)
        when = low + (rng.random(customer.size) * (high - low)).astype(np.int64)
        subject_type = np.concatenate([np.full(lead.size, LEAD), np.full(customer.size, CUSTOMER)])
        subject = np.concatenate([lead, customer]).astype(np.int64)
        occurred = np.concatenate([lead_when, when])
        occurred = np.minimum(self.daytime(rng, occurred, 7, 17), clock.t_end - HOUR)
        occurred = np.maximum(occurred, np.concatenate([lead_low, low]) + MINUTE)
        n = subject.size
        return {
            "occurred": occurred.astype(np.int64),
            "subject_type": subject_type,
            "subject": subject,
            "kind": rng.choice(3, n, p=[0.45, 0.2, 0.35]),
            "note": rng.integers(0, 1000, n),
            "has_note": rng.random(n) < 0.92,
            "owner": 1 + (subject * 7 + subject_type * 3) % 40,
            "city": rng.integers(0, len(vocab.PLACES), n),
            "volume": rng.integers(2, 60, n),
        }

    def plan_surveys(self, customers: Frame, orders: Frame) -> Frame:
        rng = self.rng("survey_responses")
        delivered = np.flatnonzero((orders["delivered"] >= 0) & ~orders["special"])
        chosen = rng.choice(delivered, min(delivered.size, round(0.075 * length(orders))),
                            replace=False)
        chosen.sort()
        responded = orders["delivered"][chosen] + uniform_between(rng, 2 * HOUR, 10 * DAY,
                                                                   chosen.size)
        keep = responded <= self.clock.t_end
        chosen, responded = chosen[keep], responded[keep] // SECOND * SECOND
        n = chosen.size
        score = rng.choice(11, n, p=np.array([2, 1, 1, 2, 2, 4, 6, 10, 20, 25, 27]) / 100)
        return {"customer": orders["customer"][chosen], "responded": responded.astype(np.int64),
                "score": score, "has_comment": rng.random(n) < 0.45,
                "comment": rng.integers(0, 1000, n)}

    # ---------------------------------------------------------------- consent and objections

    def plan_consents(self, customers: Frame, leads: Frame) -> Frame:
        """Per subject and channel: granted; granted then withdrawn; or granted again after."""
        rng = self.rng("consent_events")
        clock = self.clock
        regular_customers = np.flatnonzero(~customers["special"])
        regular_leads = np.flatnonzero(~leads["special"])
        customer = regular_customers[rng.random(regular_customers.size) < 0.5]
        lead = regular_leads[rng.random(regular_leads.size) < 0.4]
        subject = np.concatenate([customer, lead]).astype(np.int64)
        subject_type = np.concatenate([np.full(customer.size, CUSTOMER), np.full(lead.size, LEAD)])
        since = np.concatenate([customers["created"][customer], leads["obtained"][lead]])
        chosen = rng.random((subject.size, 4)) < 0.5
        chosen[~chosen.any(axis=1), 0] = True  # at least e-mail
        pair_subject, channel = np.nonzero(chosen)
        n = pair_subject.size
        pattern = rng.choice(3, n, p=[0.7, 0.2, 0.1])
        granted = since[pair_subject] + uniform_between(rng, MINUTE, 14 * DAY, n)
        withdrawn = granted + uniform_between(rng, DAY, 730 * DAY, n)
        regranted = withdrawn + uniform_between(rng, DAY, 365 * DAY, n)
        pieces = []
        for action, when, mask in ((0, granted, np.ones(n, dtype=bool)),
                                   (1, withdrawn, pattern >= 1), (0, regranted, pattern == 2)):
            keep = np.flatnonzero(mask & (when <= clock.t_end))
            pieces.append({"subject_type": subject_type[pair_subject[keep]],
                           "subject": subject[pair_subject[keep]], "channel": channel[keep],
                           "action": np.full(keep.size, action),
                           "occurred": (when[keep] // SECOND * SECOND).astype(np.int64)})
        return concat(*pieces)

    def plan_objections(self, customers: Frame, leads: Frame) -> Frame:
        """~2 % of subjects object; every scope for both customers and leads at any scale."""
        rng = self.rng("objections")
        clock = self.clock
        regular_customers = np.flatnonzero(~customers["special"])
        regular_leads = np.flatnonzero(~leads["special"])
        total = regular_customers.size + regular_leads.size
        n = max(12, round(0.02 * total))
        n_customers = max(6, round(n * regular_customers.size / total))
        n_leads = max(6, n - n_customers)
        customer = rng.choice(regular_customers, n_customers, replace=False)
        lead = rng.choice(regular_leads, n_leads, replace=False)
        weights = np.array([40, 15, 15, 10, 10, 10]) / 100

        def scopes(k: int) -> np.ndarray:
            drawn = rng.choice(6, k, p=weights)
            drawn[:6] = np.arange(6)  # every scope at least once
            return drawn

        since = np.concatenate([customers["created"][customer], leads["obtained"][lead]])
        received = since + uniform_between(rng, DAY, 3 * 365 * DAY, since.size)
        received = np.where(received > clock.t_end,
                            since + ((clock.t_end - since) * rng.random(since.size)).astype(
                                np.int64), received)
        return {
            "subject_type": np.concatenate([np.full(n_customers, CUSTOMER),
                                            np.full(n_leads, LEAD)]),
            "subject": np.concatenate([customer, lead]).astype(np.int64),
            "scope": np.concatenate([scopes(n_customers), scopes(n_leads)]),
            "received": self.daytime(rng, received, 7, 18).clip(since + MINUTE, clock.t_end),
        }

    # ---------------------------------------------------------------- identity numbers

    def assign_identity_numbers(self, customers: Frame) -> None:
        """Personnummer for private customers and sole traders' owners (unique, ~3 %
        samordningsnummer), organisation numbers for companies, unique phone numbers."""
        rng = self.rng("identity")
        n = length(customers)
        as_of = self.clock.as_of
        low = day_number(date(1935, 1, 1))
        high = day_number(add_months(as_of, -18 * 12))
        birth = rng.integers(low, high + 1, n).astype("datetime64[D]")
        year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
        month = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
        day = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
        day_field = np.where(rng.random(n) < 0.03, day + 60, day)
        birth_number = identity.unique_birth_numbers(rng, (year * 100 + month) * 100 + day_field)
        customers["pn_year"], customers["pn_month"] = year, month
        customers["pn_day"], customers["pn_birth"] = day_field, birth_number
        customers["pn_check"] = identity.personnummer_check_digits(year, month, day_field,
                                                                   birth_number)
        form = np.maximum(customers["legal_form"], 0)
        body = identity.company_number_bodies(rng, form)
        customers["org_body"] = body
        customers["org_check"] = identity.organisation_check_digits(body)
        # Phone numbers: an affine permutation of the row index, so no two people share one.
        customers["phone_number"] = (np.arange(n, dtype=np.int64) * 7_919_111 + 31_337) % 10**7

    # ---------------------------------------------------------------- the whole plan

    def plan(self) -> Plan:
        from . import boundary  # the hand-planted rows need the planner's helpers

        plan = Plan(seed=self.seed, clock=self.clock)
        customers = self.plan_customers()
        leads = self.plan_leads(customers)
        orders = self.plan_orders(customers)
        agreements = self.plan_agreements(customers)
        planted = boundary.BoundaryPlanter(self, customers, leads, orders, agreements)
        customers, leads, orders, agreements = planted.plant()
        payments, invoices, invoice_lines, fully_paid = self.plan_payments_and_invoices(
            customers, orders)
        ended = self.relationship_end(customers, orders, agreements, fully_paid)
        holds = concat(self.plan_holds(customers, orders, ended), planted.holds)
        sessions = concat(self.plan_sessions(customers), planted.sessions(self))
        activities = self.plan_activities(customers, leads)
        plan.customers, plan.leads, plan.orders, plan.agreements = (customers, leads, orders,
                                                                    agreements)
        plan.payments, plan.invoices, plan.invoice_lines = payments, invoices, invoice_lines
        plan.holds, plan.sessions, plan.activities = holds, sessions, activities
        plan.forms = self.plan_forms(customers, leads, activities)
        plan.surveys = self.plan_surveys(customers, orders)
        plan.consents = self.plan_consents(customers, leads)
        plan.objections = self.plan_objections(customers, leads)
        self.assign_identity_numbers(customers)
        self.plan_hostile_text(plan)
        finalize(plan)
        plan.boundary = planted.resolve(plan, fully_paid, ended)
        return plan

    def plan_hostile_text(self, plan: Plan) -> None:
        """Pick a few regular rows whose text becomes hostile but valid (quotes, SQL, RTL...)."""
        rng = self.rng("hostile")

        def pick(frame: Frame, k: int, eligible: np.ndarray | None = None) -> np.ndarray:
            rows = np.flatnonzero(eligible) if eligible is not None else np.arange(length(frame))
            return np.sort(rng.choice(rows, min(k, rows.size), replace=False))

        customers = plan.customers
        plan.hostile["customers_private"] = pick(
            customers, len(vocab.HOSTILE_NAMES), ~customers["business"] & ~customers["special"])
        plan.hostile["customers_business"] = pick(
            customers, len(vocab.HOSTILE_COMPANY_NAMES),
            customers["business"] & ~customers["sole_trader"] & ~customers["special"])
        plan.hostile["leads"] = pick(plan.leads, 3, (plan.leads["customer"] < 0)
                                     & ~plan.leads["special"])
        plan.hostile["activities"] = pick(plan.activities, len(vocab.HOSTILE_NOTES))
        plan.hostile["forms"] = pick(plan.forms, 2)


# ---------------------------------------------------------------------------- numbering

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


def plan_landing_zone(seed: int, scale: float, as_of: date) -> Plan:
    return Planner(seed, scale, as_of).plan()


__all__ = ["Plan", "Planner", "Sizes", "plan_landing_zone", "finalize"]
