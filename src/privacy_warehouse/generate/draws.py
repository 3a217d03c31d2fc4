"""The random draws every planner shares: one stream per table, and the columns of a customer,
an order and a web session that both the regular rows (`commerce.py`, `activity.py`), the planted
boundary cases (`boundary.py`) and the daily increments (`day.py`) draw the same way.
"""

from __future__ import annotations

import zlib
from datetime import date

import numpy as np

from . import vocabulary as vocab
from .frames import Frame, uniform_between
from .model import (
    AIRPORT,
    COUNTRIES,
    EXPRESS,
    FULL,
    NEXT_DAY,
    PLACE_COUNTRY,
    PLACE_HIGH,
    PLACE_LOW,
    PLACE_WEIGHT,
    SAME_DAY,
    Sizes,
)
from .timeutil import DAY, HOUR, MINUTE, SECOND, Clock


class Draws:
    """The seed, clock and sizes of one landing zone, and the draws its planners share. Each
    table draws from its own random stream, so adding a column to one table does not reshuffle
    the others."""

    def __init__(self, seed: int, scale: float, as_of: date):
        self.seed = seed
        self.scale = scale
        self.clock = Clock(as_of)
        self.sizes = Sizes.for_scale(scale)
        # Visitor ids in use (devices and anonymous visitors), set by activity.plan_sessions.
        self.visitor_count = 0

    def rng(self, stream: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode())])

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
