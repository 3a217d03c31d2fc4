"""Property-based tests (hypothesis) of the SQL the warehouse runs: the validation of
personnummer and organisation numbers, and the window arithmetic, compiled by dbt from the
project's macros and evaluated in DuckDB against a plain-Python reference."""

from __future__ import annotations

import calendar
import re
from datetime import date

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

INLINE = """
select
    {{ identifier_rejection_reason('value', 'personnummer') }} as personnummer_reason,
    {{ identifier_rejection_reason('value', 'organisation_number') }} as organisation_reason
from candidates
"""
WINDOW_INLINE = """
select
    {{ add_months('start_on', 'months') }} as plus_months,
    {{ fiscal_year_ended_on('start_on') }} as fiscal_year_ended_on
from candidates
"""


def _compile(project, sql: str, **vars) -> str:
    result = project.dbt("compile", "--inline", sql, "--quiet", vars=vars)
    assert result.returncode == 0, result.output[-2000:]
    return result.output.strip()


@pytest.fixture(scope="module")
def compiler(handwritten_warehouse, tmp_path_factory):
    """A copy of the project to compile with (compiling rewrites target/)."""
    return handwritten_warehouse.copy(tmp_path_factory.mktemp("compiler"), copy_warehouse=False)


@pytest.fixture(scope="module")
def validation_sql(compiler):
    return _compile(compiler, INLINE)


@pytest.fixture(scope="module")
def window_sql(compiler):
    return _compile(compiler, WINDOW_INLINE, fiscal_year_end="04-30")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(digits[:-1]):
        product = int(digit) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10 == int(digits[-1])


def personnummer_valid(value: str) -> bool:
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})-(\d{3})(\d)", value)
    if not match:
        return False
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    day = day - 60 if day > 60 else day
    try:
        date(year, month, day)
    except ValueError:
        return False
    return match[4] != "000" and luhn_valid(value[2:8] + value[9:])


def organisation_number_valid(value: str) -> bool:
    return bool(re.fullmatch(r"\d{6}-\d{4}", value)) and luhn_valid(value[:6] + value[7:])


_CONNECTION = duckdb.connect()


def _evaluate(sql: str, rows: list[tuple], columns: str) -> list[tuple]:
    con = _CONNECTION
    con.execute(f"create or replace table candidates ({columns})")
    con.executemany(f"insert into candidates values ({', '.join('?' for _ in columns.split(','))})",
                    rows)
    return con.execute(sql).fetchall()


digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
personnummer_like = st.builds(
    lambda y, m, d, n: f"{y:04d}{m:02d}{d:02d}-{n:04d}",
    st.integers(1900, 2030), st.integers(0, 13), st.integers(0, 92), st.integers(0, 9999),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(personnummer_like, st.text(max_size=14)), min_size=1, max_size=50))
def test_sql_personnummer_validation_agrees_with_the_reference(validation_sql, values):
    results = _evaluate(validation_sql, [(v,) for v in values], "value varchar")
    for value, (reason, _) in zip(values, results, strict=True):
        assert (reason is None) == personnummer_valid(value), (value, reason)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.builds(lambda a, b: f"{a:06d}-{b:04d}", st.integers(0, 999999),
                          st.integers(0, 9999)), min_size=1, max_size=50))
def test_sql_organisation_number_validation_agrees_with_the_reference(validation_sql, values):
    results = _evaluate(validation_sql, [(v,) for v in values], "value varchar")
    for value, (_, reason) in zip(values, results, strict=True):
        assert (reason is None) == organisation_number_valid(value), (value, reason)


def add_months_reference(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def fiscal_year_end_reference(day: date, month: int = 4, last: int = 30) -> date:
    this_year = date(day.year, month, last)
    return this_year if day <= this_year else date(day.year + 1, month, last)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.dates(date(1990, 1, 1), date(2040, 12, 31)), st.integers(0, 120)),
                min_size=1, max_size=50))
def test_window_arithmetic_agrees_with_the_calendar(window_sql, cases):
    results = _evaluate(window_sql, cases, "start_on date, months integer")
    for (start, months), (plus_months, fiscal_end) in zip(cases, results, strict=True):
        assert plus_months == add_months_reference(start, months), (start, months)
        assert fiscal_end == fiscal_year_end_reference(start), start
