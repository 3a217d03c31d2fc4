"""The synthetic generator: deterministic, exactly the contract's schema, valid Swedish
identifiers, bad rows of every kind recorded, and the warehouse catches every one of them."""

from __future__ import annotations

import csv
import hashlib
from datetime import date

import duckdb
import landing
import pytest
from dbt_project_runner import PROJECT_ROOT, DbtProject
from test_properties import organisation_number_valid, personnummer_valid

from privacy_warehouse.generate import BAD_ROW_KINDS, generate_landing_zone

AS_OF = date(2026, 6, 30)


@pytest.fixture(scope="session")
def generated_landing_zone(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated") / "raw"
    generate_landing_zone(out, scale=0.01, seed=7, as_of=AS_OF, bad_rows=0.05)
    return out


@pytest.fixture(scope="session")
def generated_warehouse(tmp_path_factory, generated_landing_zone):
    project = DbtProject(root=PROJECT_ROOT, raw_data_dir=generated_landing_zone,
                         work_dir=tmp_path_factory.mktemp("generated_warehouse"),
                         as_of=AS_OF.isoformat())
    result = project.build()
    assert result.returncode == 0, result.output[-5000:]
    return project


def _digests(root):
    return {p.relative_to(root): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_arguments_same_bytes(tmp_path, generated_landing_zone):
    again = tmp_path / "again"
    generate_landing_zone(again, scale=0.01, seed=7, as_of=AS_OF, bad_rows=0.05)
    assert _digests(again) == _digests(generated_landing_zone)


def test_files_have_exactly_the_contract_schema(generated_landing_zone):
    con = duckdb.connect()
    for table, columns in landing.contract().items():
        system, name = table.split(".")
        files = sorted((generated_landing_zone / system / name).glob("*.parquet"))
        assert files, table
        for path in files:
            described = con.execute(f"describe select * from read_parquet('{path}')").fetchall()
            assert [(c, t.lower()) for c, t, *_ in described] == columns, (table, path.name)


def test_good_identifiers_are_valid(generated_landing_zone):
    con = duckdb.connect()
    rows = con.execute(
        f"select customer_id, personnummer, organisation_number from "
        f"read_parquet('{generated_landing_zone}/booking/customers/*.parquet') "
        f"where customer_id not like 'BAD-%'").fetchall()
    assert sum(1 for _, p, _ in rows if p) > 50
    for customer_id, personnummer, organisation_number in rows:
        if personnummer:
            assert personnummer_valid(personnummer), (customer_id, personnummer)
        if organisation_number:
            assert organisation_number_valid(organisation_number), (customer_id, organisation_number)
    samordning = [p for _, p, _ in rows if p and int(p[6:8]) > 60]
    assert samordning, "some samordningsnummer"


def test_bad_rows_of_every_kind_are_recorded(generated_landing_zone):
    with open(generated_landing_zone / "_bad_rows.csv", encoding="utf-8") as handle:
        recorded = {row["reason"] for row in csv.DictReader(handle)}
    expected = {kind for kinds in BAD_ROW_KINDS.values() for kind, _ in kinds}
    assert recorded == expected
    contract_kinds = {"duplicate_row", "conflicting_duplicate_id", "invalid_personnummer_check_digit",
                      "invalid_personnummer_date", "invalid_personnummer_birth_number",
                      "unknown_reference", "invalid_enum_value", "missing_required_value",
                      "negative_amount", "delivered_before_ordered", "timestamp_after_as_of",
                      "invalid_email", "invalid_ip_address"}
    assert contract_kinds <= recorded


def test_every_planted_bad_row_is_rejected_with_its_reason_and_nothing_else(generated_warehouse):
    rejected = set(generated_warehouse.query(
        "select source_table, record_id, reason from compliance.rejected_rows"))
    with open(generated_warehouse.raw_data_dir / "_bad_rows.csv", encoding="utf-8") as handle:
        planted = {(r["source_table"], r["record_id"], r["reason"]) for r in csv.DictReader(handle)}
    assert planted - rejected == set()
    # The good data is clean: nothing is rejected that was not planted.
    assert rejected - planted == set()
    assert all(ok for (ok,) in generated_warehouse.query(
        "select is_reconciled from compliance.landing_reconciliation"))


def test_boundary_cases_fall_on_the_right_side(generated_warehouse):
    deadlines = {(s, p): w for s, p, w in generated_warehouse.query(
        "select subject_id, purpose, within_window from compliance.retention_deadlines")}
    invoices = {i for (i,) in generated_warehouse.query(
        "select invoice_id from legal.bookkeeping_invoices")}
    with open(generated_warehouse.raw_data_dir / "_boundary_cases.csv", encoding="utf-8") as f:
        cases = list(csv.DictReader(f))
    assert len(cases) >= 8
    for case in cases:
        inside = case["expected"] == "inside"
        if case["source_table"] == "booking.invoices":
            assert (case["record_id"] in invoices) == inside, case
        else:
            assert deadlines[(case["subject_id"], "marketing")] == inside, case


@pytest.mark.parametrize("as_of", ["2024-02-29", "2025-12-31", "2026-01-01"])
def test_the_build_is_green_replayed_on_other_days(generated_warehouse, tmp_path, as_of):
    project = generated_warehouse.copy(tmp_path, copy_warehouse=False)
    result = project.build(as_of=as_of, vars={"fiscal_year_end": "04-30"} if as_of == "2026-01-01" else None)
    assert result.returncode == 0, result.output[-4000:]
    retention_tests = [u for u in result.statuses() if "privacy_within_retention_window" in u]
    assert len(retention_tests) >= 15
