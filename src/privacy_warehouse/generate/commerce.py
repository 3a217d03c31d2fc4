"""Plan the business records: customers and leads, orders and how they end, framework
agreements, payments and invoices, when each relationship ended, legal holds, identity numbers.

Lifecycles follow the register (shared/policy/register.md): orders close when delivered and fully
paid (the later of the two) or when cancelled, agreements when terminated, and a customer's
relationship ends on the latest of those. Some relationships ended long ago, some recently, some
are open. Every function draws from its own stream of `draws` (see draws.py).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from . import identity
from . import vocabulary as vocab
from .draws import Draws
from .frames import Frame, concat, length, take, uniform_between
from .model import (
    CANCEL_REFUND,
    CARD,
    DOUBLE_CHARGE,
    FULL,
    INSTALMENTS,
    INVOICE,
    NO_PAYMENT,
    PARTIAL,
    UNPAID,
)
from .timeutil import (
    DAY,
    HOUR,
    MINUTE,
    OPEN,
    SECOND,
    add_months,
    day_number,
    first_day_inside,
    month_end_days,
)


def plan_customers(draws: Draws) -> Frame:
    rng = draws.rng("customers")
    clock, n = draws.clock, draws.sizes.customers
    business = rng.random(n) < 0.30
    created = draws.daytime(rng, draws.growth_times(rng, n, clock.t_start,
                                                    clock.t_end - 3 * DAY))
    customers = draws.customer_attributes(rng, business, created)
    # Lifecycle: 45 % still active on as_of; the others stopped ordering after a while.
    lifetime = (rng.exponential(3.0, n) * 365 * DAY).astype(np.int64) + 20 * DAY
    still_active = rng.random(n) < 0.45
    customers["active_until"] = np.where(still_active, clock.t_end - 3 * HOUR,
                                         np.minimum(created + lifetime,
                                                    clock.t_end - 3 * HOUR))
    customers["wants_orders"] = rng.random(n) >= 0.06  # ~6 % never order anything
    return customers


def plan_leads(draws: Draws, customers: Frame) -> Frame:
    """Leads: ~30 % converted into a customer (created after the lead was obtained)."""
    rng = draws.rng("leads")
    clock = draws.clock
    n_customers = length(customers)
    n_converted = min(round(0.3 * draws.sizes.leads), n_customers // 3)
    converted = np.sort(rng.choice(n_customers, n_converted, replace=False))
    delay = uniform_between(rng, 1 * DAY, 180 * DAY, n_converted)
    created = customers["created"][converted]
    obtained = np.maximum(clock.t_start + HOUR, created - delay)
    obtained = np.minimum(draws.daytime(rng, obtained, 7, 18), created - MINUTE)
    n_open = max(0, draws.sizes.leads - n_converted)
    open_obtained = draws.daytime(rng, draws.growth_times(rng, n_open, clock.t_start,
                                                          clock.t_end - DAY), 7, 18)
    n = n_converted + n_open
    customer = np.concatenate([converted, np.full(n_open, -1)])
    first, last = draws.people(rng, n)
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
        "place": draws.places(rng, np.zeros(n, dtype=np.int64))[0],
        "special": np.zeros(n, dtype=bool),
    }
    customers["lead"][converted] = np.arange(n_converted)
    return leads


def plan_orders(draws: Draws, customers: Frame) -> Frame:
    rng = draws.rng("orders")
    clock = draws.clock
    created, until = customers["created"], customers["active_until"]
    years = (until - created) / (365 * DAY) + 0.1
    rate = np.where(customers["business"], rng.gamma(1.5, 3.5, years.size),
                    rng.gamma(1.0, 1.0, years.size))
    weight = np.where(customers["wants_orders"] & ~customers["special"], rate * years, 0.0)
    counts = rng.multinomial(draws.sizes.orders, weight / weight.sum())
    customer = np.repeat(np.arange(counts.size), counts)
    n = customer.size
    ordered = created[customer] + (rng.random(n) * (until - created)[customer]).astype(np.int64)
    ordered = draws.daytime(rng, ordered)
    ordered = np.clip(ordered, created[customer] + MINUTE, clock.t_end - 3 * HOUR)
    # A few orders of still-active customers were booked in the last two days and are
    # not delivered yet: open orders keep their relationships open.
    active = np.flatnonzero(until[customer] >= clock.t_end - 3 * HOUR)
    recent = rng.choice(active, min(active.size, max(3, round(0.003 * n))), replace=False)
    ordered[recent] = np.maximum(clock.t_end - uniform_between(rng, 3 * HOUR, 48 * HOUR,
                                                               recent.size),
                                 created[customer[recent]] + MINUTE) // SECOND * SECOND
    orders = draws.order_columns(rng, customers, customer, ordered)
    open_now = np.zeros(n, dtype=bool)
    open_now[recent] = True
    plan_order_lifecycle(draws, rng, orders, open_now)
    return orders


def plan_order_lifecycle(draws: Draws, rng: np.random.Generator, orders: Frame,
                         open_now: np.ndarray | None = None) -> None:
    """Delivered (sometimes late), cancelled or still open; and how each will be paid.

    `open_now` marks orders that are on their way on as_of (not delivered, not cancelled).
    """
    n = length(orders)
    t_end = draws.clock.t_end
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


def plan_agreements(draws: Draws, customers: Frame) -> Frame:
    """Framework agreements for ~40 % of business customers: active, terminated, renewed."""
    rng = draws.rng("agreements")
    clock = draws.clock
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


def plan_payments_and_invoices(draws: Draws, customers: Frame, orders: Frame) -> tuple[Frame, ...]:
    """Payments of each order by its plan, monthly invoices for business, and when each order
    became fully paid (OPEN when it never did)."""
    rng = draws.rng("payments")
    clock = draws.clock
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
    after_invoice = draws.daytime(rng, (invoice_day + rng.integers(3, 46, n)) * DAY, 7, 17)
    first = np.where(method == INVOICE, np.where(invoiced, after_invoice, -1), at_booking)
    first = np.where(orders["first_payment"] >= 0, orders["first_payment"], first)
    first = first // SECOND * SECOND

    part = np.round(price * rng.uniform(0.3, 0.8, n)).astype(np.int64)
    half = price // 2
    second_instalment = first + draws.daytime(rng, uniform_between(rng, 14, 40, n) * DAY)
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


def relationship_end(customers: Frame, orders: Frame, agreements: Frame,
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


def plan_holds(draws: Draws, customers: Frame, orders: Frame, ended: np.ndarray) -> Frame:
    """Holds on ~0.5 % of customers; half of them on relationships that ended long ago."""
    rng = draws.rng("legal_holds")
    clock = draws.clock
    n = max(4, round(0.005 * draws.sizes.customers))
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


def assign_identity_numbers(draws: Draws, customers: Frame) -> None:
    """Personnummer for private customers and sole traders' owners (unique, ~3 %
    samordningsnummer), organisation numbers for companies, unique phone numbers."""
    rng = draws.rng("identity")
    n = length(customers)
    as_of = draws.clock.as_of
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
