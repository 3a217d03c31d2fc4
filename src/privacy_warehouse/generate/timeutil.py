"""Time arithmetic shared by the planner, the boundary cases and the tests.

Timestamps are int64 microseconds since 1970-01-01 UTC (what DuckDB's `make_timestamp` takes),
days are int64 days since the same epoch. Calendar months follow the register: a day that the
target month lacks becomes its last day (2020-02-29 + 36 months = 2023-02-28).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 3600 * SECOND
DAY = 86_400 * SECOND
EPOCH = date(1970, 1, 1)
# An order or relationship that has not closed: later than any real time.
OPEN = np.int64(2**62)


def us_of(day: date, hour: int = 0, minute: int = 0) -> int:
    """Microseconds of `day` at hour:minute UTC."""
    return (day - EPOCH).days * DAY + hour * HOUR + minute * MINUTE


def day_number(day: date) -> int:
    return (day - EPOCH).days


def date_of_day(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def date_of_us(us: int) -> date:
    return date_of_day(int(us) // DAY)


def datetime_of_us(us: int) -> datetime:
    return datetime(1970, 1, 1) + timedelta(microseconds=int(us))


def add_months(day: date, months: int) -> date:
    """Calendar months; the day clamped to the target month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def first_day_inside(as_of: date, months: int) -> date:
    """The earliest day d with add_months(d, months) >= as_of: the last day still in a window.

    Usually as_of - months; when clamping makes several days map to one, the earliest of them.
    The day before it is the first day outside the window.
    """
    day = add_months(as_of, -months) - timedelta(days=4)
    while add_months(day, months) < as_of:
        day += timedelta(days=1)
    return day


def month_end_days(days: np.ndarray) -> np.ndarray:
    """The last day of each day's month (int days in, int days out)."""
    months = days.astype("datetime64[D]").astype("datetime64[M]")
    return ((months + 1).astype("datetime64[D]") - 1).astype(np.int64)


@dataclass(frozen=True)
class Clock:
    """The generated history: the ten years before as_of, nothing after its last second."""

    as_of: date

    @property
    def start(self) -> date:
        return add_months(self.as_of, -120)

    @property
    def t_start(self) -> int:
        return us_of(self.start)

    @property
    def t_end(self) -> int:
        """The last second of as_of: every good timestamp is at or before it."""
        return us_of(self.as_of) + DAY - SECOND

    @property
    def as_of_day(self) -> int:
        return day_number(self.as_of)
