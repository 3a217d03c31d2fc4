"""Keyed pseudonyms: HMAC-SHA256 under a purpose key, stable with the key, unlinkable without
it, never written where dbt writes (target/, logs/), and a build without a proper key stops."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from privacy_warehouse.pseudonyms import derive_purpose_key, pseudonym

KEY_A = b"a" * 64
KEY_B = b"b" * 64


@given(st.text(min_size=1, max_size=40))
def test_pseudonym_is_hmac_sha256_under_the_purpose_key(value):
    purpose_key = hmac.new(KEY_A, b"privacy-warehouse/pseudonym/v1/business_development",
                           hashlib.sha256).digest()
    expected = hmac.new(purpose_key, value.encode(), hashlib.sha256).hexdigest()
    assert pseudonym(KEY_A, "business_development", value) == expected


@given(st.text(min_size=1, max_size=40))
def test_pseudonyms_are_stable_and_change_with_key_and_purpose(value):
    first = pseudonym(KEY_A, "business_development", value)
    assert first == pseudonym(KEY_A, "business_development", value)
    assert first != pseudonym(KEY_B, "business_development", value)
    assert first != pseudonym(KEY_A, "marketing", value)
    assert len(first) == 64 and set(first) <= set("0123456789abcdef")


def test_purpose_keys_differ():
    assert derive_purpose_key(KEY_A, "marketing") != derive_purpose_key(KEY_A, "sales")


def test_warehouse_pseudonyms_equal_the_reference_construction(handwritten_warehouse):
    rows = handwritten_warehouse.query(
        "select object_type, object_id, pseudonym from private.int_bizdev_pseudonym_keys"
    )
    assert rows
    key = handwritten_warehouse.key.encode()
    for object_type, object_id, value in rows:
        assert value == pseudonym(key, "business_development", f"{object_type}:{object_id}")


def _all_files_text(folder):
    for path in folder.rglob("*"):
        if path.is_file():
            yield path, path.read_bytes()


def test_the_key_never_reaches_target_or_logs(handwritten_warehouse):
    key = handwritten_warehouse.key.encode()
    searched = 0
    for folder in (handwritten_warehouse.target_path, handwritten_warehouse.log_path):
        for path, content in _all_files_text(folder):
            searched += 1
            assert key not in content, path
    assert searched > 10


def test_the_key_is_not_in_the_repository():
    from dbt_project_runner import PROJECT_ROOT

    for path in PROJECT_ROOT.rglob("*"):
        if any(part in (".venv", ".git", "data", "warehouse", "target", "logs", ".secrets")
               for part in path.relative_to(PROJECT_ROOT).parts):
            continue
        if path.is_file() and path.suffix in (".sql", ".yml", ".py", ".csv", ".md", ".toml"):
            assert "test-key-for-pytest-only" not in path.read_text(errors="ignore") or \
                path.name in ("dbt_project_runner.py", "test_pseudonyms.py")


def test_a_missing_key_stops_the_build_with_a_clear_message(handwritten_warehouse, tmp_path):
    project = handwritten_warehouse.copy(tmp_path, copy_warehouse=False)
    project.key = ""
    result = project.build("-s", "stg_crm__leads")
    assert result.returncode != 0
    assert "No pseudonymisation key" in result.output


def test_a_short_key_stops_the_build(handwritten_warehouse, tmp_path):
    project = handwritten_warehouse.copy(tmp_path, copy_warehouse=False)
    project.key = "too-short"
    result = project.build("-s", "stg_crm__leads")
    assert result.returncode != 0
    assert "at least 32" in result.output
    assert "too-short" not in result.output


def test_production_refuses_a_key_file(handwritten_warehouse, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("k" * 64)
    project = handwritten_warehouse.copy(tmp_path, copy_warehouse=False)
    project.key = ""
    result = project.build("-s", "stg_crm__leads",
                           env={"DBT_TARGET": "prod", "PSEUDONYMISATION_KEY_FILE": str(key_file)})
    assert result.returncode != 0
    assert "No pseudonymisation key" in result.output


def _valid_personnummer_of_year(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        stem = day.strftime("%y%m%d")
        for birth_number in range(1, 1000):
            digits = f"{stem}{birth_number:03d}"
            total = 0
            for position, digit in enumerate(digits):
                product = int(digit) * (2 if position % 2 == 0 else 1)
                total += product - 9 if product > 9 else product
            yield f"{day:%Y%m%d}-{birth_number:03d}{(10 - total % 10) % 10}"
        day += timedelta(days=1)


def test_without_the_key_no_pseudonym_is_found_by_hashing_a_birth_year(handwritten_warehouse):
    """The attack that defeats an unkeyed hash (every personnummer of 1985, ~365,000 values,
    hashed) finds nothing in bizdev: the pseudonyms are keyed."""
    published = set()
    for table, column in (("dim_customers", "customer_key"), ("fct_orders", "customer_key"),
                          ("fct_orders", "order_key"), ("fct_web_sessions", "visitor_key")):
        published |= {v for (v,) in handwritten_warehouse.query(
            f"select {column} from bizdev.{table} where {column} is not null")}
    published |= {v for (v,) in handwritten_warehouse.query(
        "select pseudonym from private.int_bizdev_pseudonym_keys")}
    candidates = list(_valid_personnummer_of_year(1985))
    assert "19850412-1230" in candidates  # the attack covers customer C-1
    for value in candidates:
        for digest in (hashlib.sha256(value.encode()).hexdigest(),
                       hashlib.sha256(f"customer:{value}".encode()).hexdigest()):
            assert digest not in published
    # And the same attack does find an unkeyed hash: the test can fail.
    planted = hashlib.sha256(b"19850412-1230").hexdigest()
    assert planted in {hashlib.sha256(v.encode()).hexdigest() for v in candidates}
