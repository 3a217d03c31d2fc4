"""Keyed pseudonyms: HMAC-SHA256 under a purpose key, stable with the key, unlinkable without
it, never written where dbt writes (target/, logs/), and a build without a proper key stops."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import subprocess
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from privacy_warehouse.pseudonyms import (
    PseudonymisationKeyError,
    derive_purpose_key,
    hmac_pads,
    key_weakness,
    load_master_key,
    pseudonym,
)

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


def _key_material(key: bytes) -> list[bytes]:
    """The master key, every purpose key and its HMAC pads, raw and as hex."""
    material = [key]
    for purpose in ("business_development", "marketing", "sales", "contract_administration"):
        purpose_key = derive_purpose_key(key, purpose)
        for secret in (purpose_key, *hmac_pads(purpose_key)):
            material += [secret, secret.hex().encode()]
    return material


def _files_holding(folders, secrets: list[bytes]) -> tuple[list, int]:
    found, searched = [], 0
    for folder in folders:
        for path, content in _all_files_text(folder):
            searched += 1
            found += [path for secret in secrets if secret in content]
    return found, searched


def test_the_key_never_reaches_target_or_logs(handwritten_warehouse):
    """Neither the key, nor a purpose key, nor the HMAC pads the DuckDB plugin loads (as a
    temporary table, through bound parameters) reach target/, logs/ or the warehouse file."""
    secrets = _key_material(handwritten_warehouse.key.encode())
    found, searched = _files_holding(
        (handwritten_warehouse.target_path, handwritten_warehouse.log_path), secrets)
    assert found == [] and searched > 10
    warehouse = handwritten_warehouse.duckdb_path.read_bytes()
    assert not any(secret in warehouse for secret in secrets)


def test_the_key_material_scan_finds_a_planted_pad(handwritten_warehouse, tmp_path):
    """The scan above can fail: a pad written into a log, as hex, is found."""
    key = handwritten_warehouse.key.encode()
    inner_pad, _ = hmac_pads(derive_purpose_key(key, "business_development"))
    (tmp_path / "dbt.log").write_bytes(b"select ... from x where pad = '" + inner_pad.hex().encode() + b"'")
    found, _ = _files_holding((tmp_path,), _key_material(key))
    assert found == [tmp_path / "dbt.log"]


def test_the_key_is_not_in_the_repository():
    from dbt_project_runner import PROJECT_ROOT, TEST_KEY

    for path in PROJECT_ROOT.rglob("*"):
        if any(part in (".venv", ".git", "data", "warehouse", "target", "logs", ".secrets")
               for part in path.relative_to(PROJECT_ROOT).parts):
            continue
        if path.is_file() and path.suffix in (".sql", ".yml", ".py", ".csv", ".md", ".toml"):
            assert TEST_KEY not in path.read_text(errors="ignore") or \
                path.name == "dbt_project_runner.py"


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
    for table, column in (("dim_customers", "customer_key"), ("fct_orders", "order_key"),
                          ("fct_web_sessions", "session_key")):
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


# --------------------------------------------------------------------------------------------
# Keys with entropy (issue 13, item 5)
# --------------------------------------------------------------------------------------------

WEAK_KEYS = {
    "32 x a": "a" * 32,
    "64 x a": "a" * 64,
    "32 spaces": " " * 32,
    "password x 4": "password" * 4,
    "password x 8": "password" * 8,
    "short": "too-short",
    "32 hex characters": secrets.token_hex(16),
    "hex counting": "0123456789abcdef" * 4,
    "byte sequence": bytes(range(32)).hex(),
    "base64 alphabet": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "base64 of one byte repeated": base64.b64encode(b"A" * 32).decode(),
    "random hex with a space": secrets.token_hex(32)[:40] + " " + secrets.token_hex(32)[:23],
    "random hex, a trailing newline": secrets.token_hex(32) + "\n",
}


def _assert_refused(key: str, monkeypatch) -> None:
    """The loader refuses `key`, naming the variable and the fault, never the key."""
    monkeypatch.setenv("PSEUDONYMISATION_KEY", key)
    try:
        load_master_key(allow_key_file=False)
    except PseudonymisationKeyError as refused:
        message = str(refused)
    else:
        raise AssertionError("the weak key was accepted")
    assert "PSEUDONYMISATION_KEY" in message and "refused: " in message
    assert key not in message and (not key.strip() or key.strip() not in message)
    # Neither is a piece of it long enough to help guess it.
    for start in range(0, max(1, len(key) - 7)):
        piece = key[start:start + 8]
        if piece.strip() and len(set(piece)) > 1:
            assert piece not in message


@pytest.mark.parametrize("name", sorted(WEAK_KEYS))
def test_a_weak_key_is_refused_naming_the_variable_never_the_key(name, monkeypatch):
    _assert_refused(WEAK_KEYS[name], monkeypatch)


def test_the_weak_key_test_fails_under_the_old_length_rule(monkeypatch):
    """Planted: the rule before issue 13 (any 32 characters are a key). The test above fails on
    each of the issue's keys, so it can fail."""
    import privacy_warehouse.pseudonyms as pseudonyms

    monkeypatch.setattr(pseudonyms, "key_weakness",
                        lambda key: None if len(key) >= 32 else "it is too short")
    for name in ("32 x a", "32 spaces", "password x 4"):
        with pytest.raises(AssertionError, match="accepted"):
            _assert_refused(WEAK_KEYS[name], monkeypatch)


@pytest.mark.parametrize("form", ["hex (make key)", "HEX", "base64", "base64 unpadded",
                                  "url-safe base64", "base64 of 48 bytes"])
def test_keys_from_a_secure_source_are_accepted(form, monkeypatch):
    raw = secrets.token_bytes(48 if "48" in form else 32)
    key = {"hex (make key)": raw.hex(), "HEX": raw.hex().upper(),
           "base64": base64.b64encode(raw).decode(),
           "base64 unpadded": base64.b64encode(raw).decode().rstrip("="),
           "url-safe base64": base64.urlsafe_b64encode(raw).decode().rstrip("="),
           "base64 of 48 bytes": base64.b64encode(raw).decode()}[form]
    monkeypatch.setenv("PSEUDONYMISATION_KEY", key)
    # The key's text is the HMAC key, as it always was: accepted keys keep their pseudonyms.
    assert load_master_key(allow_key_file=False) == key.encode()


def test_many_random_keys_are_accepted():
    """The entropy thresholds never refuse an honest key (10,000 of each form)."""
    for _ in range(10_000):
        for key in (secrets.token_hex(32), base64.b64encode(secrets.token_bytes(32)).decode()):
            assert key_weakness(key) is None


def test_make_key_writes_a_key_that_is_accepted(tmp_path, monkeypatch):
    from dbt_project_runner import PROJECT_ROOT

    path = tmp_path / "secrets" / "pseudonymisation.key"
    subprocess.run(["make", "-s", "key", f"PSEUDONYMISATION_KEY_FILE={path}"],
                   cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    monkeypatch.delenv("PSEUDONYMISATION_KEY", raising=False)
    monkeypatch.setenv("PSEUDONYMISATION_KEY_FILE", str(path))
    key = load_master_key()
    assert re.fullmatch(rb"[0-9a-f]{64}", key)


def test_a_weak_key_file_is_refused_naming_the_file(tmp_path, monkeypatch):
    path = tmp_path / "pseudonymisation.key"
    path.write_text("password" * 4 + "\n")
    monkeypatch.delenv("PSEUDONYMISATION_KEY", raising=False)
    monkeypatch.setenv("PSEUDONYMISATION_KEY_FILE", str(path))
    with pytest.raises(PseudonymisationKeyError) as refused:
        load_master_key()
    assert str(path) in str(refused.value) and "common word" in str(refused.value)
    assert "password" not in str(refused.value)


@pytest.mark.parametrize("name", ["32 x a", "32 spaces", "password x 4"])
def test_a_weak_key_stops_the_build(name, handwritten_warehouse, tmp_path):
    project = handwritten_warehouse.copy(tmp_path, copy_warehouse=False)
    project.key = WEAK_KEYS[name]
    result = project.build("-s", "stg_crm__leads")
    assert result.returncode != 0
    assert "PSEUDONYMISATION_KEY" in result.output and "is refused" in result.output
    if WEAK_KEYS[name].strip():
        assert WEAK_KEYS[name] not in result.output


@pytest.mark.parametrize("command", ["publish", "load-postgres", "load-spark"])
def test_a_weak_key_stops_publish_and_the_loaders(command, tmp_path):
    """Each stops before it reads a file or opens a connection, naming the variable."""
    import os
    import sys

    weak = "password" * 4
    env = {k: v for k, v in os.environ.items() if not k.startswith("PSEUDONYMISATION_KEY")}
    result = subprocess.run(
        [sys.executable, "-m", "privacy_warehouse.cli", command],
        cwd=tmp_path, env={**env, "PSEUDONYMISATION_KEY": weak, "PUBLISH_DIR": str(tmp_path / "p")},
        capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "PSEUDONYMISATION_KEY" in result.stderr and "common word" in result.stderr
    assert weak not in result.stdout + result.stderr and "password" not in result.stderr
    assert not (tmp_path / "p").exists()
