"""The landing-zone contract: a hand-written landing zone builds unchanged, every bad row is
rejected with its reason and stays countable, and a landing zone of the wrong shape stops the
build with one clear message naming the file and the column."""

from __future__ import annotations

import shutil

import pytest

import handwritten
import landing
from privacy_warehouse import load_postgres, load_spark
from privacy_warehouse.landing_checks import LandingZoneError


def test_handwritten_landing_zone_builds_green(handwritten_warehouse):
    customers = handwritten_warehouse.query(
        "select customer_name from staging.stg_booking__customers order by customer_id"
    )
    # Swedish letters, quotes and an SQL fragment come through unmangled.
    assert ("Zoë O'Brien \"Citat\"",) in customers
    assert ("Malmö Frakt HB'; drop table customers; --",) in customers


def test_every_bad_row_is_rejected_with_its_reason(handwritten_warehouse):
    rejected = set(handwritten_warehouse.query(
        "select source_table, record_id, reason from compliance.rejected_rows"
    ))
    for table, rows in handwritten.bad_rows().items():
        id_column = landing.contract()[table][0][0]
        for row, reason in rows:
            assert (table, row[id_column], reason) in rejected


def test_no_rejected_row_reaches_another_model(handwritten_warehouse):
    rejected_customers = [r for (r,) in handwritten_warehouse.query(
        "select record_id from compliance.rejected_rows where source_table = 'booking.customers'"
    )]
    assert rejected_customers
    for schema_table in ("staging.stg_booking__customers", "contract_admin.customers"):
        found = handwritten_warehouse.query(
            f"select count(*) from {schema_table} where customer_id in "
            f"({', '.join(repr(r) for r in rejected_customers)})"
        )
        assert found == [(0,)], schema_table


def test_rows_read_equal_accepted_plus_rejected_for_every_table(handwritten_warehouse):
    rows = handwritten_warehouse.query(
        "select source_table, rows_read, rows_accepted, rows_rejected from "
        "compliance.landing_reconciliation"
    )
    assert len(rows) == len(landing.contract())
    for table, read, accepted, rejected in rows:
        assert read == accepted + rejected, table


def test_reconciliation_fails_when_a_row_is_dropped_in_silence(handwritten_warehouse, tmp_path):
    """The reconciliation test can fail: a staging model that loses one row is caught."""
    project = handwritten_warehouse.copy(tmp_path)
    project.edit(
        "models/staging/crm/stg_crm__leads.sql",
        "where rejection_reason is null",
        "where rejection_reason is null and lead_id <> 'L-2'",
    )
    result = project.build("-s", "stg_crm__leads", "landing_reconciliation",
                           "assert_every_landing_row_is_accounted_for")
    assert result.returncode != 0
    assert result.failed_test_names() == {"assert_every_landing_row_is_accounted_for"}


def _project_with_landing(handwritten_warehouse, tmp_path, mutate):
    landing_zone = tmp_path / "landing"
    shutil.copytree(handwritten_warehouse.raw_data_dir, landing_zone)
    mutate(landing_zone)
    project = handwritten_warehouse.copy(tmp_path, copy_warehouse=False)
    project.raw_data_dir = landing_zone
    return project


def _write_customers(columns):
    def mutate(landing_zone):
        folder = landing_zone / "booking" / "customers"
        shutil.rmtree(folder)
        landing.write_table(landing_zone, "booking.customers",
                            handwritten.base_tables()["booking.customers"], columns=columns)
    return mutate


CONTRACT = landing.contract()["booking.customers"]


BAD_SHAPES = [
    ("missing column",
     _write_customers([c for c in CONTRACT if c[0] != "email"]),
     ["part-0000.parquet", "lacks column 'email'", "booking.customers"]),
    ("wrong type",
     _write_customers([(c, "date" if c == "created_at" else t) for c, t in CONTRACT]),
     ["part-0000.parquet", "'created_at'", "DATE", "TIMESTAMP"]),
    ("missing required table",
     lambda lz: shutil.rmtree(lz / "booking" / "orders"),
     ["required table booking.orders", "booking/orders"]),
    ("empty file",
     lambda lz: (lz / "crm" / "leads" / "part-0001.parquet").write_bytes(b""),
     ["part-0001.parquet"]),
    ("corrupt parquet",
     lambda lz: (lz / "web" / "page_views" / "part-0001.parquet").write_bytes(b"PAR1 not really"),
     ["part-0001.parquet"]),
]


@pytest.mark.parametrize(("case", "mutate", "expected"), BAD_SHAPES)
def test_bad_shapes_stop_the_build_naming_file_and_column(
    handwritten_warehouse, tmp_path, case, mutate, expected
):
    project = _project_with_landing(handwritten_warehouse, tmp_path, mutate)
    result = project.build()
    assert result.returncode != 0, case
    for fragment in expected:
        assert fragment in result.output, (case, fragment, result.output[-3000:])


def test_optional_tables_may_be_absent_and_extra_columns_are_ignored(
    handwritten_warehouse, tmp_path
):
    def mutate(landing_zone):
        for optional in ("booking/agreements", "crm/survey_responses", "consent/objections",
                         "legal/legal_holds"):
            shutil.rmtree(landing_zone / optional, ignore_errors=True)
        leads = landing_zone / "crm" / "leads"
        shutil.rmtree(leads)
        landing.write_table(
            landing_zone, "crm.leads", handwritten.base_tables()["crm.leads"],
            columns=landing.contract()["crm.leads"] + [("favourite_colour", "varchar")],
        )

    project = _project_with_landing(handwritten_warehouse, tmp_path, mutate)
    result = project.build("-s", "+stg_crm__leads", "+stg_legal__legal_holds",
                           "+stg_booking__agreements")
    assert result.returncode == 0, result.output[-3000:]
    assert project.query("select count(*) from staging.stg_legal__legal_holds") == [(0,)]
    assert project.query("select count(*) from staging.stg_crm__leads") == [(3,)]


@pytest.mark.parametrize(
    "case",
    ["missing column", "wrong type", "missing required table", "empty file", "corrupt parquet"],
)
def test_hook_and_loaders_stop_with_the_same_message(handwritten_warehouse, tmp_path, case):
    """One implementation (privacy_warehouse.landing_checks): the DuckDB hook and both loaders
    stop on the same breach with the same message, word for word. The loaders check the whole
    zone before they connect to Spark or write to PostgreSQL, so no server is needed here."""
    mutate = {c[0]: c[1] for c in BAD_SHAPES}[case]
    project = _project_with_landing(handwritten_warehouse, tmp_path, mutate)
    with pytest.raises(LandingZoneError) as from_spark_loader:
        load_spark.load(project.raw_data_dir, project.root, project.key.encode(), conf={})
    with pytest.raises(LandingZoneError) as from_postgres_loader:
        load_postgres.check_zone(project.raw_data_dir, load_postgres.read_contract(project.root))
    message = str(from_spark_loader.value)
    assert message == str(from_postgres_loader.value)
    assert message.startswith("Landing zone: ")
    result = project.build("-s", "stg_crm__leads")
    assert result.returncode != 0
    assert message in result.output, (message, result.output[-3000:])
