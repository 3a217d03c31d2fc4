"""Plan what people do besides ordering: web sessions, form submissions, CRM activities, survey
responses, consent events and objections, and which rows get hostile-but-valid text.

Every function draws from its own stream of `draws` (see draws.py); sessions set
`draws.visitor_count`, which the forms and the boundary sessions read.
"""

from __future__ import annotations

import numpy as np

from . import vocabulary as vocab
from .draws import Draws
from .frames import Frame, concat, length, uniform_between
from .model import CUSTOMER, LEAD, Plan
from .timeutil import DAY, HOUR, MINUTE, SECOND


def plan_sessions(draws: Draws, customers: Frame) -> Frame:
    """Web sessions; each expands into 1-15 page views in render.py.

    Customers browse from one or two devices (visitor ids), logged in on some sessions;
    most traffic is anonymous visitors.
    """
    rng = draws.rng("sessions")
    clock = draws.clock
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
    start = np.clip(draws.daytime(rng, start, 5, 22), low, high)
    logged_in = (customers["has_username"][owner] & (start >= customers["created"][owner])
                 & (rng.random(owner.size) < 0.6))
    known = draws.session_columns(rng, visitor, start)
    known["customer"] = owner.astype(np.int64)
    known["logged_in"] = logged_in

    expected_pages = 3.5
    n_anonymous = max(1, round((draws.sizes.page_views - owner.size * expected_pages)
                               / expected_pages))
    n_visitors = max(1, n_anonymous // 2)
    anonymous_visitor = n_devices + rng.integers(0, n_visitors, n_anonymous)
    anonymous_start = draws.daytime(rng, draws.growth_times(
        rng, n_anonymous, clock.t_start, clock.t_end - 2 * HOUR), 0, 22)
    anonymous = draws.session_columns(rng, anonymous_visitor, anonymous_start)
    anonymous["customer"] = np.full(n_anonymous, -1, dtype=np.int64)
    anonymous["logged_in"] = np.zeros(n_anonymous, dtype=bool)
    draws.visitor_count = n_devices + n_visitors
    return concat(known, anonymous)


def plan_forms(draws: Draws, customers: Frame, leads: Frame, activities: Frame) -> Frame:
    """Form submissions: web-form leads, customers, meeting follow-ups, anonymous visitors."""
    rng = draws.rng("form_submissions")
    clock = draws.clock
    pieces = []

    def piece(submitted, form, visitor, lead, customer, anonymous_person=False):
        k = submitted.size
        first, last = draws.people(rng, k)
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
    when = draws.daytime(rng, low + (rng.random(asking.size) * (high - low)).astype(np.int64))
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
    n_anonymous = round(0.4 * draws.sizes.leads)
    visitor = rng.integers(0, draws.visitor_count, n_anonymous)
    when = draws.daytime(rng, draws.growth_times(rng, n_anonymous, clock.t_start,
                                                 clock.t_end - HOUR), 6, 22)
    piece(when, rng.choice([0, 1, 2], n_anonymous, p=[0.4, 0.2, 0.4]), visitor,
          np.full(n_anonymous, -1), np.full(n_anonymous, -1), anonymous_person=True)
    return concat(*pieces)


def plan_activities(draws: Draws, customers: Frame, leads: Frame) -> Frame:
    rng = draws.rng("activities")
    clock = draws.clock
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
    occurred = np.minimum(draws.daytime(rng, occurred, 7, 17), clock.t_end - HOUR)
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


def plan_surveys(draws: Draws, customers: Frame, orders: Frame) -> Frame:
    rng = draws.rng("survey_responses")
    delivered = np.flatnonzero((orders["delivered"] >= 0) & ~orders["special"])
    chosen = rng.choice(delivered, min(delivered.size, round(0.075 * length(orders))),
                        replace=False)
    chosen.sort()
    responded = orders["delivered"][chosen] + uniform_between(rng, 2 * HOUR, 10 * DAY,
                                                               chosen.size)
    keep = responded <= draws.clock.t_end
    chosen, responded = chosen[keep], responded[keep] // SECOND * SECOND
    n = chosen.size
    score = rng.choice(11, n, p=np.array([2, 1, 1, 2, 2, 4, 6, 10, 20, 25, 27]) / 100)
    return {"customer": orders["customer"][chosen], "responded": responded.astype(np.int64),
            "score": score, "has_comment": rng.random(n) < 0.45,
            "comment": rng.integers(0, 1000, n)}


def plan_consents(draws: Draws, customers: Frame, leads: Frame) -> Frame:
    """Per subject and channel: granted; granted then withdrawn; or granted again after."""
    rng = draws.rng("consent_events")
    clock = draws.clock
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


def plan_objections(draws: Draws, customers: Frame, leads: Frame) -> Frame:
    """~2 % of subjects object; every scope for both customers and leads at any scale."""
    rng = draws.rng("objections")
    clock = draws.clock
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
        "received": draws.daytime(rng, received, 7, 18).clip(since + MINUTE, clock.t_end),
    }


def plan_hostile_text(draws: Draws, plan: Plan) -> None:
    """Pick a few regular rows whose text becomes hostile but valid (quotes, SQL, RTL...)."""
    rng = draws.rng("hostile")

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
