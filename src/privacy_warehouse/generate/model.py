"""What a plan is: the landing zone as frames of numbers, and the codes those numbers use.

Shared by the planners (`draws.py`, `commerce.py`, `activity.py`, `boundary.py`), the numbering
(`numbering.py`) and the renderer (`render.py`), so none of them imports another to learn them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import vocabulary as vocab
from .frames import Frame
from .timeutil import Clock

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
