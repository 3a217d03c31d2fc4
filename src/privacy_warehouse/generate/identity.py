"""Swedish identity numbers: validators for tests and vectorised generators for the data.

A personnummer is `YYYYMMDD-NNNN`: a real birth date (a samordningsnummer adds 60 to the day),
a birth number `001`-`999` and a check digit, the Luhn check over the nine digits `YYMMDDNNN`.
An organisation number is `NNNNNN-NNNN`, Luhn-valid over its ten digits; companies have a third
digit of at least 2, while a sole trader's is the owner's personnummer in ten-digit form.

The validators follow the warehouse's own rules (macros/validation/identifier_rejection_reason.sql)
so that the generator and the build agree on what a good number is.
"""

from __future__ import annotations

import calendar
import re

import numpy as np

_PERSONNUMMER = re.compile(r"(\d{4})(\d{2})(\d{2})-(\d{3})(\d)")
_ORGANISATION_NUMBER = re.compile(r"(\d{6})-(\d{4})")

# Luhn weights 2, 1, 2, 1, ... from the left, for the nine digits a check digit is computed over.
_LUHN_WEIGHTS = np.array([2, 1, 2, 1, 2, 1, 2, 1, 2], dtype=np.int64)


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit of `digits`: every other digit from the left doubled, digits summed.

    >>> luhn_check_digit("811218987")
    6
    """
    total = 0
    for position, character in enumerate(digits):
        product = int(character) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def personnummer_is_valid(value: str | None) -> bool:
    """True for `YYYYMMDD-NNNN`: a real date (or day + 60), NNN != 000, the right check digit."""
    if value is None:
        return False
    match = _PERSONNUMMER.fullmatch(value)
    if not match:
        return False
    year, month, day, birth_number, check = (int(part) for part in match.groups())
    if day > 60:  # samordningsnummer
        day -= 60
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return False
    if birth_number == 0:
        return False
    return luhn_check_digit(value[2:8] + value[9:12]) == check


def organisation_number_is_valid(value: str | None) -> bool:
    """True for `NNNNNN-NNNN` whose last digit is the Luhn check over the nine before it."""
    if value is None:
        return False
    match = _ORGANISATION_NUMBER.fullmatch(value)
    if not match:
        return False
    digits = match.group(1) + match.group(2)
    return luhn_check_digit(digits[:9]) == int(digits[9])


def luhn_check_digits(digits: np.ndarray) -> np.ndarray:
    """Vectorised `luhn_check_digit` over an (n, 9) integer array of digits."""
    products = digits * _LUHN_WEIGHTS
    products = np.where(products > 9, products - 9, products)
    return (10 - products.sum(axis=1) % 10) % 10


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n,) non-negative integers -> (n, width) array of their decimal digits, zero-padded."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers) % 10


def personnummer_check_digits(year: np.ndarray, month: np.ndarray, day_field: np.ndarray,
                              birth_number: np.ndarray) -> np.ndarray:
    """Check digits for personnummer parts (`day_field` already carries +60 if coordination)."""
    nine = ((year % 100) * 10_000 + month * 100 + day_field) * 1000 + birth_number
    return luhn_check_digits(_digits(nine.astype(np.int64), 9))


def unique_birth_numbers(rng: np.random.Generator, birth_key: np.ndarray) -> np.ndarray:
    """Birth numbers 001-999 so that (birth_key, birth number) never repeats.

    Real personnummer are unique; random draws collide (about n^2 / 44M times), so colliding
    draws are drawn again until none is left.
    """
    numbers = rng.integers(1, 1000, birth_key.size)
    while True:
        keys = birth_key.astype(np.int64) * 1000 + numbers
        _, first_index = np.unique(keys, return_index=True)
        repeated = np.ones(keys.size, dtype=bool)
        repeated[first_index] = False
        if not repeated.any():
            return numbers
        numbers[repeated] = rng.integers(1, 1000, int(repeated.sum()))


def company_number_bodies(rng: np.random.Generator, legal_form: np.ndarray) -> np.ndarray:
    """Nine-digit bodies of company organisation numbers, unique, third digit >= 2.

    `legal_form`: 0 aktiebolag (55x...), 1 handelsbolag (96x...), 2 ekonomisk förening (76x...).
    """
    prefixes = np.array([556, 969, 769], dtype=np.int64)
    third_alternatives = np.array([559, 916, 716], dtype=np.int64)
    prefix = np.where(rng.random(legal_form.size) < 0.7, prefixes[legal_form],
                      third_alternatives[legal_form])
    tails = rng.integers(0, 1_000_000, legal_form.size)
    while True:
        bodies = prefix * 1_000_000 + tails
        _, first_index = np.unique(bodies, return_index=True)
        repeated = np.ones(bodies.size, dtype=bool)
        repeated[first_index] = False
        if not repeated.any():
            return bodies
        tails[repeated] = rng.integers(0, 1_000_000, int(repeated.sum()))


def organisation_check_digits(bodies: np.ndarray) -> np.ndarray:
    """Luhn check digits of nine-digit organisation-number bodies."""
    return luhn_check_digits(_digits(bodies.astype(np.int64), 9))
